// providers.test.mjs: the hosted embedding and chat providers, against the
// local fake (fake_providers.mjs): OpenAI-compatible and Gemini embeddings
// (what is sent, with which key; search similarities equal the fake's
// vectors), the coach answering through the LLM with the retrieved memories
// in its system prompt, session history, streamed answers, retries on
// 429/5xx, the fallback to the built-in coach, and memories written while
// the embedding provider is down (lexical search, then background embedding).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { fakeEmbedding, startFakeProviders } from './fake_providers.mjs';
import { api, registerUser, start } from './harness.mjs';
import { parseSse } from './sse.mjs';

const OPENAI_KEY = 'test-openai-key';
const GOOGLE_KEY = 'test-google-key';

let fake;

before(async () => {
  fake = await startFakeProviders({ apiKey: OPENAI_KEY, googleKey: GOOGLE_KEY });
});
after(async () => {
  if (fake) await fake.close();
});

/** One maang server for a describe block, started with ENV() and stopped cleanly after it. */
function serverFor(env) {
  const ctx = {};
  before(async () => {
    ctx.srv = await start({ PROVIDER_TIMEOUT_SECONDS: '5', ...env() });
    ctx.base = ctx.srv.base;
  });
  after(async () => {
    if (ctx.srv) assert.deepEqual(await ctx.srv.stop(), { code: 0, signal: null });
  });
  return ctx;
}

/** The fake's requests from index FROM on whose path (with query) contains SUB. */
function requestsSince(from, sub = '') {
  return fake.requests.slice(from).filter((q) => (q.path + '?' + new URLSearchParams(q.query)).includes(sub));
}

const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);

/** The fake model's answer to MESSAGE given SYSTEM text (see fake_providers.mjs). */
const fakeReply = (message, system) => `FAKE-LLM reply to: ${message}. Context chars: ${[...system].length}.`;

/** The events of a text/event-stream body: [{event, data}] with data parsed. */
function helpers(ctx) {
  const h = {
    async memory(token, body) {
      const r = await api(ctx.base, 'POST', '/api/v1/memories', { token, body });
      assert.equal(r.status, 201, `create memory: ${r.status} ${r.text}`);
      assert.equal(r.json.merged, false);
      return r.json.memory;
    },
    async getMemory(token, id) {
      const r = await api(ctx.base, 'GET', `/api/v1/memories/${id}`, { token });
      assert.equal(r.status, 200, r.text);
      return r.json.memory;
    },
    async search(token, params) {
      const r = await api(ctx.base, 'GET', `/api/v1/memories/search?${new URLSearchParams(params)}`, { token });
      assert.equal(r.status, 200, `search ${JSON.stringify(params)}: ${r.status} ${r.text}`);
      return r.json;
    },
    async providers(token) {
      const r = await api(ctx.base, 'GET', '/api/v1/providers', { token });
      assert.equal(r.status, 200, r.text);
      return r.json;
    },
    async ask(token, message, extra = {}) {
      const r = await api(ctx.base, 'POST', '/api/v1/coach/chat', { token, body: { message, ...extra } });
      assert.equal(r.status, 200, `coach ${JSON.stringify(message)}: ${r.status} ${r.text}`);
      return r.json;
    },
    async askStream(token, body) {
      const res = await fetch(ctx.base + '/api/v1/coach/chat', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...body, stream: true }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(res.headers.get('content-type'), /^text\/event-stream/);
      const events = parseSse(text);
      const s = {
        events,
        deltas: events.filter((e) => e.event === 'delta').map((e) => e.data.text),
        done: events.find((e) => e.event === 'done')?.data,
        error: events.find((e) => e.event === 'error')?.data,
      };
      assert.equal(s.error, undefined, text);
      assert.ok(s.done, `no done event: ${text}`);
      assert.equal(events.at(-1).event, 'done');
      assert.equal(s.deltas.join(''), s.done.reply, 'the deltas add up to the reply');
      return s;
    },
    async session(token, id) {
      const r = await api(ctx.base, 'GET', `/api/v1/coach/sessions/${id}`, { token });
      assert.equal(r.status, 200, r.text);
      return r.json;
    },
    async progress(token) {
      const r = await api(ctx.base, 'GET', '/api/v1/progress', { token });
      assert.equal(r.status, 200, r.text);
      return r.json;
    },
  };
  return h;
}

/** Asserts a vector hit's similarity is the cosine of the fake's vectors. */
function assertSimilarity(item, content, query) {
  const want = dot(fakeEmbedding(content, 384), fakeEmbedding(query, 384));
  assert.equal(typeof item.similarity, 'number', JSON.stringify(item));
  assert.ok(Math.abs(item.similarity - want) < 2e-4, `similarity ${item.similarity}, expected ${want.toFixed(4)}`);
}

/** The system prompt's FACTS JSON and MEMORIES lines. */
function promptParts(system) {
  const m = system.match(/FACTS \(JSON\): (.*)\nMEMORIES:\n([\s\S]*)$/);
  assert.ok(m, `unexpected system prompt: ${system.slice(0, 300)}`);
  return { facts: JSON.parse(m[1]), memories: m[2] };
}

describe('OpenAI-compatible provider', () => {
  const ctx = serverFor(() => ({
    LLM_MODEL: 'openai:gpt-test',
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: `${fake.url}/v1`,
    EMBEDDING_MODEL: 'openai:text-embedding-3-small',
  }));
  const h = helpers(ctx);
  let u;
  before(async () => {
    u = await registerUser(ctx.base, 'prov-openai');
  });

  test('/providers names the configured providers', async () => {
    const p = await h.providers(u.token);
    assert.equal(p.embedding.provider, 'openai');
    assert.equal(p.embedding.model, 'openai:text-embedding-3-small');
    assert.equal(p.embedding.failures, 0);
    assert.equal(p.embedding.pending, 0);
    assert.deepEqual(p.llm, { provider: 'llm', model: 'openai:gpt-test' });
    assert.deepEqual(p.rag, { top_k: 5, threshold: 0.2 });
  });

  test('a memory is embedded through POST /v1/embeddings with the bearer key', async () => {
    const from = fake.requests.length;
    const content = 'Binary search on the answer space solves koko eating bananas';
    const m = await h.memory(u.token, { content, kind: 'insight' });
    assert.equal(m.embedding_model, 'openai:text-embedding-3-small');
    assert.equal(m.kind, 'insight');
    assert.equal(m.content, content);
    const reqs = requestsSince(from, '/embeddings');
    assert.equal(reqs.length, 1, JSON.stringify(reqs.map((q) => q.path)));
    const q = reqs[0];
    assert.equal(q.method, 'POST');
    assert.equal(q.path, '/v1/embeddings');
    assert.equal(q.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.match(q.headers['content-type'], /^application\/json/);
    assert.equal(q.body.model, 'text-embedding-3-small');
    assert.deepEqual([q.body.input].flat(), [content]);
    assert.equal((await h.getMemory(u.token, m.id)).embedding_model, 'openai:text-embedding-3-small');
    assert.equal((await h.providers(u.token)).embedding.dim, 384);
  });

  test('search finds a memory by shared words, with the provider\'s similarity', async () => {
    const v = await registerUser(ctx.base, 'prov-openai-search');
    const target = await h.memory(v.token, { content: 'Monotonic deque keeps the sliding window maximum in linear time', kind: 'note' });
    const other = await h.memory(v.token, { content: 'Behavioral story about a production outage and the postmortem', kind: 'note' });
    const query = 'sliding window maximum deque';
    const from = fake.requests.length;
    let s = await h.search(v.token, { q: query, mode: 'vector' });
    assert.equal(s.mode, 'vector');
    assert.equal(s.model, 'openai:text-embedding-3-small');
    assert.equal(s.degraded, false);
    assert.equal(s.items[0]?.id, target.id, JSON.stringify(s.items));
    assert.equal(s.items[0].match, 'vector');
    assertSimilarity(s.items[0], target.content, query);
    assert.ok(!s.items.some((i) => i.id === other.id), 'an unrelated memory stays under the threshold');
    const qreq = requestsSince(from, '/embeddings');
    assert.equal(qreq.length, 1);
    assert.deepEqual([qreq[0].body.input].flat(), [query]);

    s = await h.search(v.token, { q: query });
    assert.equal(s.mode, 'hybrid');
    assert.equal(s.items[0].id, target.id);
    assert.equal(s.items[0].match, 'both');
    assertSimilarity(s.items[0], target.content, query);
  });

  test('the coach answers through the LLM with the memory in its system prompt', async () => {
    const v = await registerUser(ctx.base, 'prov-openai-coach');
    const mem = await h.memory(v.token, { content: 'For koko eating bananas search the eating speed between 1 and max pile', kind: 'insight' });
    const message = 'How should I approach Koko Eating Bananas?';
    const from = fake.requests.length;
    const a = await h.ask(v.token, message);
    assert.equal(a.provider, 'openai:gpt-test');
    assert.equal(a.provider_error, undefined);
    assert.ok(a.reply.startsWith('FAKE-LLM reply to:'), a.reply);
    assert.ok(a.reply.includes(message));
    assert.ok(a.memories.some((m) => m.id === mem.id), JSON.stringify(a.memories));
    assert.equal(a.facts.problem.slug, 'koko-eating-bananas');

    const chats = requestsSince(from, '/chat/completions');
    assert.equal(chats.length, 1);
    const q = chats[0];
    assert.equal(q.path, '/v1/chat/completions');
    assert.equal(q.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.equal(q.body.model, 'gpt-test');
    assert.notEqual(q.body.stream, true);
    const msgs = q.body.messages;
    assert.deepEqual(msgs.map((m) => m.role), ['system', 'user']);
    assert.equal(msgs[1].content, message);
    const system = msgs[0].content;
    assert.ok(system.includes(mem.content), 'the retrieved memory is in the system message');
    assert.ok(system.includes(`[M${a.memories.findIndex((m) => m.id === mem.id) + 1}] (insight, ${mem.created_at.slice(0, 10)}) ${mem.content}`));
    const parts = promptParts(system);
    assert.deepEqual(parts.facts, a.facts, 'the LLM gets exactly the facts the answer reports');
    assert.ok(!parts.memories.includes(message), 'the turn\'s own message is not a retrieved memory');
    assert.equal(a.reply, fakeReply(message, system));

    const s = await h.session(v.token, a.session_id);
    assert.deepEqual(s.items.map((i) => [i.role, i.provider]), [
      ['user', null],
      ['assistant', 'openai:gpt-test'],
    ]);
    assert.equal(s.items[1].content, a.reply);
  });

  test('a session sends the earlier turns, at most the last 6 messages', async () => {
    const v = await registerUser(ctx.base, 'prov-openai-history');
    const first = await h.ask(v.token, 'turn one: what is a heap?');
    for (const m of ['turn two: and a trie?', 'turn three: union find?', 'turn four: topological order?'])
      await h.ask(v.token, m, { session_id: first.session_id });
    const before_ = (await h.session(v.token, first.session_id)).items;
    assert.equal(before_.length, 8);
    const from = fake.requests.length;
    const last = 'turn five: which of these first?';
    const a = await h.ask(v.token, last, { session_id: first.session_id });
    assert.equal(a.session_id, first.session_id);
    const msgs = requestsSince(from, '/chat/completions')[0].body.messages;
    assert.equal(msgs[0].role, 'system');
    assert.deepEqual(
      msgs.slice(1),
      [...before_.slice(-6).map((i) => ({ role: i.role, content: i.content })), { role: 'user', content: last }],
    );
    assert.equal(a.reply, fakeReply(last, msgs[0].content));
  });

  test('a streamed answer arrives in several deltas that make up the reply', async () => {
    const v = await registerUser(ctx.base, 'prov-openai-stream');
    const message = 'Give me a plan for the week with graphs and dynamic programming';
    const from = fake.requests.length;
    const s = await h.askStream(v.token, { message });
    assert.ok(s.deltas.length >= 3, `deltas: ${JSON.stringify(s.deltas)}`);
    assert.equal(s.done.provider, 'openai:gpt-test');
    const q = requestsSince(from, '/chat/completions');
    assert.equal(q.length, 1);
    assert.equal(q[0].body.stream, true);
    assert.equal(s.done.reply, fakeReply(message, q[0].body.messages[0].content));
    const sess = await h.session(v.token, s.done.session_id);
    assert.equal(sess.items[1].content, s.done.reply);
  });

  test('429 twice: the request is retried and the LLM still answers', async () => {
    const v = await registerUser(ctx.base, 'prov-openai-429');
    fake.failNext('/chat/completions', 429, 2);
    const from = fake.requests.length;
    const message = 'what is the trick in two sum?';
    const a = await h.ask(v.token, message);
    assert.equal(a.provider, 'openai:gpt-test');
    assert.equal(a.provider_error, undefined);
    const chats = requestsSince(from, '/chat/completions');
    assert.equal(chats.length, 3, 'two refused, the third answered');
    assert.equal(a.reply, fakeReply(message, chats[2].body.messages[0].content));
  });

  test('the LLM failing past its retries: the built-in coach answers', async () => {
    const v = await registerUser(ctx.base, 'prov-openai-down');
    fake.failNext('/chat/completions', 500, 1 + 3);
    const from = fake.requests.length;
    const a = await h.ask(v.token, 'what should I practice today?');
    assert.equal(requestsSince(from, '/chat/completions').length, 4, 'one try and three retries');
    assert.equal(a.provider, 'builtin');
    assert.equal(typeof a.provider_error, 'string');
    assert.match(a.provider_error, /500/);
    assert.ok(!a.reply.includes('FAKE-LLM'));
    const pr = await h.progress(v.token);
    assert.ok(a.reply.includes(`You have solved ${pr.solved.total} of ${pr.catalog_total} problems`), a.reply);
    assert.ok(a.reply.includes(a.facts.focus.name));
    const s = await h.session(v.token, a.session_id);
    assert.equal(s.items[1].provider, 'builtin');
    assert.equal(s.items[1].content, a.reply);

    // Streamed, the fallback answer is delivered as deltas too.
    fake.failNext('/chat/completions', 503, 1 + 3);
    const st = await h.askStream(v.token, { message: 'explain sliding window', session_id: a.session_id });
    assert.equal(st.done.provider, 'builtin');
    assert.match(st.done.provider_error, /503/);
    assert.ok(st.done.reply.includes(st.done.facts.pattern.summary));

    // The provider is healthy again: the next turn is the LLM's.
    const b = await h.ask(v.token, 'and now?', { session_id: a.session_id });
    assert.equal(b.provider, 'openai:gpt-test');
    assert.equal(b.provider_error, undefined);
  });

  test('embeddings down: stored without a vector, found lexically, embedded later', async () => {
    const v = await registerUser(ctx.base, 'prov-openai-embdown');
    const failuresBefore = (await h.providers(v.token)).embedding.failures;
    fake.failNext('/embeddings', 500, 20);
    const content = 'Kahn algorithm with indegree counts orders the course schedule';
    const m = await h.memory(v.token, { content, kind: 'note' });
    assert.equal(m.embedding_model, null);
    assert.equal((await h.getMemory(v.token, m.id)).embedding_model, null);
    const p = await h.providers(v.token);
    assert.ok(p.embedding.failures >= failuresBefore + 1, JSON.stringify(p.embedding));

    let s = await h.search(v.token, { q: 'kahn indegree' });
    assert.equal(s.degraded, true);
    const hit = s.items.find((i) => i.id === m.id);
    assert.ok(hit, JSON.stringify(s));
    assert.equal(hit.match, 'lexical');
    assert.equal(hit.similarity, null);

    // Use up the injected failures: the provider is healthy again.
    for (let i = 0; ; i++) {
      assert.ok(i < 25, 'the fake recovers');
      const r = await fetch(`${fake.url}/v1/embeddings`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${OPENAI_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'text-embedding-3-small', input: 'probe' }),
      });
      await r.arrayBuffer();
      if (r.status === 200) break;
    }

    // The background worker embeds it soon after.
    const deadline = Date.now() + 15000;
    let got;
    for (;;) {
      got = await h.getMemory(v.token, m.id);
      if (got.embedding_model) break;
      assert.ok(Date.now() < deadline, 'the worker embedded the memory within 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(got.embedding_model, 'openai:text-embedding-3-small');
    assert.equal(got.content, content);

    s = await h.search(v.token, { q: 'kahn indegree' });
    assert.equal(s.degraded, false);
    const hit2 = s.items.find((i) => i.id === m.id);
    assert.ok(hit2, JSON.stringify(s));
    assert.equal(hit2.match, 'both');
    assertSimilarity(hit2, content, 'kahn indegree');
    assert.equal((await h.providers(v.token)).embedding.pending, 0);
  });
});

describe('Gemini provider', () => {
  const ctx = serverFor(() => ({
    LLM_MODEL: 'gemini:gemini-test',
    EMBEDDING_MODEL: 'gemini:text-embedding-004',
    GOOGLE_API_KEY: GOOGLE_KEY,
    GEMINI_BASE_URL: `${fake.url}/v1beta`,
  }));
  const h = helpers(ctx);
  let u;
  before(async () => {
    u = await registerUser(ctx.base, 'prov-gemini');
  });

  test('/providers names the configured providers', async () => {
    const p = await h.providers(u.token);
    assert.equal(p.embedding.provider, 'gemini');
    assert.equal(p.embedding.model, 'gemini:text-embedding-004');
    assert.deepEqual(p.llm, { provider: 'llm', model: 'gemini:gemini-test' });
  });

  test('a memory is embedded through :batchEmbedContents with x-goog-api-key', async () => {
    const from = fake.requests.length;
    const content = 'Union find with path compression detects the redundant connection';
    const m = await h.memory(u.token, { content, kind: 'note' });
    assert.equal(m.embedding_model, 'gemini:text-embedding-004');
    const reqs = requestsSince(from, 'batchEmbedContents');
    assert.equal(reqs.length, 1);
    const q = reqs[0];
    assert.equal(q.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.equal(q.headers['x-goog-api-key'], GOOGLE_KEY);
    assert.equal(q.query.key, undefined, 'the key is not in the URL');
    assert.equal(q.headers.authorization, undefined);
    assert.equal(q.body.requests.length, 1);
    assert.equal(q.body.requests[0].model, 'models/text-embedding-004');
    assert.deepEqual(q.body.requests[0].content.parts, [{ text: content }]);

    const query = 'redundant connection union find';
    const s = await h.search(u.token, { q: query, mode: 'vector' });
    assert.equal(s.model, 'gemini:text-embedding-004');
    assert.equal(s.items[0]?.id, m.id, JSON.stringify(s));
    assertSimilarity(s.items[0], content, query);
  });

  test('the coach answers with generateContent, memories in the system instruction', async () => {
    const v = await registerUser(ctx.base, 'prov-gemini-coach');
    const mem = await h.memory(v.token, { content: 'Dijkstra with a min heap for network delay time', kind: 'insight' });
    const message = 'remind me how to do network delay time with dijkstra';
    const from = fake.requests.length;
    fake.failNext(':generateContent', 503, 1); // one refusal: retried
    const a = await h.ask(v.token, message);
    assert.equal(a.provider, 'gemini:gemini-test');
    assert.equal(a.provider_error, undefined);
    assert.ok(a.memories.some((m) => m.id === mem.id), JSON.stringify(a.memories));
    const calls = requestsSince(from, ':generateContent');
    assert.equal(calls.length, 2);
    const q = calls[1];
    assert.equal(q.path, '/v1beta/models/gemini-test:generateContent');
    assert.equal(q.headers['x-goog-api-key'], GOOGLE_KEY);
    const sys = q.body.systemInstruction || q.body.system_instruction;
    assert.ok(sys, 'a system instruction is sent');
    const system = sys.parts.map((p) => p.text).join('');
    assert.ok(system.includes(mem.content));
    assert.deepEqual(promptParts(system).facts, a.facts);
    assert.deepEqual(q.body.contents, [{ role: 'user', parts: [{ text: message }] }]);
    assert.equal(a.reply, fakeReply(message, system));

    // A streamed second turn, through :streamGenerateContent?alt=sse, with the history.
    const from2 = fake.requests.length;
    const next = 'and how is that different from bellman ford?';
    const s = await h.askStream(v.token, { message: next, session_id: a.session_id });
    assert.ok(s.deltas.length >= 2, JSON.stringify(s.deltas));
    assert.equal(s.done.provider, 'gemini:gemini-test');
    assert.equal(s.done.session_id, a.session_id);
    const sq = requestsSince(from2, 'streamGenerateContent');
    assert.equal(sq.length, 1);
    assert.equal(sq[0].path, '/v1beta/models/gemini-test:streamGenerateContent');
    assert.equal(sq[0].query.alt, 'sse');
    assert.deepEqual(sq[0].body.contents, [
      { role: 'user', parts: [{ text: message }] },
      { role: 'model', parts: [{ text: a.reply }] },
      { role: 'user', parts: [{ text: next }] },
    ]);
    const sys2 = (sq[0].body.systemInstruction || sq[0].body.system_instruction).parts.map((p) => p.text).join('');
    assert.equal(s.done.reply, fakeReply(next, sys2));
    const sess = await h.session(v.token, a.session_id);
    assert.deepEqual(sess.items.map((i) => i.provider), [null, 'gemini:gemini-test', null, 'gemini:gemini-test']);
  });
});
