// coach.test.mjs: the built-in AI coach (no LLM configured): answers built
// from the user's own data (every number in a reply must come from the facts
// and /progress), the pattern knowledge base, problem notes, sessions and
// their isolation between users, streamed answers (SSE) and validation that
// leaves no trace.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { api, assertError, logAttempt, registerUser, serve } from './harness.mjs';
import { parseSse } from './sse.mjs';

let base;

serve((s) => {
  base = s.base;
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const ANSWER_KEYS = ['facts', 'memories', 'message_id', 'provider', 'reply', 'session_id'];

const chat = (token, body, headers) => api(base, 'POST', '/api/v1/coach/chat', { token, body, headers });

/** One coach turn; asserts 200 and resolves to the answer. */
async function ask(token, message, extra = {}) {
  const r = await chat(token, { message, ...extra });
  assert.equal(r.status, 200, `coach ${JSON.stringify(message)}: ${r.status} ${r.text}`);
  assert.ok(r.json && typeof r.json.reply === 'string', `no reply: ${r.text}`);
  return r.json;
}

const getJson = async (token, path) => {
  const r = await api(base, 'GET', path, { token });
  assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.text}`);
  return r.json;
};
const progress = (token) => getJson(token, '/api/v1/progress');
const memories = (token, query = '') => getJson(token, `/api/v1/memories?limit=500${query}`);

/** The events of a text/event-stream body: [{event, data}] with data parsed. */
/** A streamed coach turn: {status, type, events, deltas, done, error}. */
async function askStream(token, body, headers = {}) {
  const res = await fetch(base + '/api/v1/coach/chat', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') || '';
  if (!type.startsWith('text/event-stream')) return { status: res.status, type, text };
  const events = parseSse(text);
  return {
    status: res.status,
    type,
    text,
    events,
    deltas: events.filter((e) => e.event === 'delta').map((e) => e.data.text),
    done: events.find((e) => e.event === 'done')?.data,
    error: events.find((e) => e.event === 'error')?.data,
  };
}

/** Every number the reply states must appear in the facts or the memories it was given. */
function assertNoInventedNumbers(answer) {
  const allowed = new Set((JSON.stringify({ f: answer.facts, m: answer.memories }).match(/\d+/g) || []).map(Number));
  for (const n of answer.reply.match(/\d+/g) || [])
    assert.ok(allowed.has(Number(n)), `the reply states ${n}, which is in no fact: ${answer.reply}`);
}

/** Asserts the reply's progress sentence equals PR (GET /progress). */
function assertProgressSentence(reply, pr) {
  const m = reply.match(
    /You have solved (\d+) of (\d+) problems \((\d+) easy, (\d+) medium, (\d+) hard\) over (\d+) attempts; (\d+) more are attempted but not solved yet\. Your current streak is (\d+) days? \(longest (\d+)\)/,
  );
  assert.ok(m, `no progress sentence in: ${reply}`);
  assert.deepEqual(m.slice(1).map(Number), [
    pr.solved.total,
    pr.catalog_total,
    pr.solved.easy,
    pr.solved.medium,
    pr.solved.hard,
    pr.attempts,
    pr.attempted,
    pr.streak.current,
    pr.streak.longest,
  ]);
}

/** The facts' progress is /progress without the calendar. */
function assertFactsProgress(facts, pr) {
  const { calendar, ...rest } = pr; // eslint-disable-line no-unused-vars
  assert.deepEqual(facts.progress, rest);
}

/** Asserts the "Try these next" list of the reply is exactly facts.next_problems. */
function assertNextList(reply, facts) {
  const lines = reply.split('\n');
  const at = lines.indexOf('Try these next:');
  assert.ok(at >= 0, `no "Try these next:" in ${reply}`);
  const listed = lines.slice(at + 1, at + 1 + facts.next_problems.length);
  assert.deepEqual(
    listed,
    facts.next_problems.map((p) => `- ${p.title} (${p.difficulty}${p.status === 'attempted' ? ', attempted before' : ''})`),
  );
  assert.ok(!(lines[at + 1 + facts.next_problems.length] || '').startsWith('- '), 'no more problems listed than the facts hold');
}

describe('coach: what to practice', () => {
  test('a new user gets the first roadmap topic and zero counts', async () => {
    const u = await registerUser(base, 'coach-new');
    const a = await ask(u.token, 'what should I practice today?');
    const pr = await progress(u.token);
    assert.deepEqual(Object.keys(a).sort(), ANSWER_KEYS);
    assert.equal(a.provider, 'builtin');
    assert.match(a.session_id, UUID);
    assert.match(a.message_id, UUID);
    assert.deepEqual(a.memories, []);
    assert.deepEqual(a.facts.weak_topics, []);
    assertFactsProgress(a.facts, pr);
    assert.equal(pr.solved.total, 0);

    const f = a.facts.focus;
    assert.equal(f.why, 'next');
    assert.equal(f.failed, 0);
    const row = pr.topics.find((t) => t.topic === f.topic);
    assert.ok(row, `focus topic ${f.topic} is a progress topic`);
    assert.equal(f.name, row.name);
    assert.equal(f.solved, row.solved);
    assert.equal(f.total, row.total);
    const m = a.reply.match(/Next on your roadmap is (.+?): you have solved (\d+) of its (\d+) problems/);
    assert.ok(m, a.reply);
    assert.deepEqual([m[1], Number(m[2]), Number(m[3])], [f.name, f.solved, f.total]);
    assertProgressSentence(a.reply, pr);
    assert.match(a.reply, new RegExp(`You have solved 0 of ${pr.catalog_total} problems`));
    assertNextList(a.reply, a.facts);
    assert.equal(a.facts.next_problems.length, 3);
    for (const p of a.facts.next_problems) assert.equal(p.status, 'todo');
    assertNoInventedNumbers(a);
  });

  test('with attempts: the weakest topic, its numbers and the totals come from the data', async () => {
    const u = await registerUser(base, 'coach-weak');
    const logged = [
      { problem: 'two-sum', outcome: 'failed', minutes: 30, notes: 'forgot to look up the complement before inserting' },
      { problem: 'two-sum', outcome: 'solved_with_help', minutes: 25 },
      { problem: 'coin-change', outcome: 'solved_with_help', minutes: 45 },
      { problem: 'number-of-islands', outcome: 'solved', minutes: 20, notes: 'flood fill from every land cell' },
    ];
    for (const b of logged) await logAttempt(base, u.token, b);
    const pr = await progress(u.token);
    assert.equal(pr.attempts, logged.length);

    // The weak topics, computed here from the catalog and the attempts logged.
    const topicsOf = {};
    for (const slug of new Set(logged.map((b) => b.problem)))
      topicsOf[slug] = (await getJson(u.token, `/api/v1/problems/${slug}`)).topics;
    const stat = new Map(pr.topics.map((t, i) => [t.topic, { ...t, i, failed: 0, recent_attempts: 0 }]));
    for (const b of logged)
      for (const t of topicsOf[b.problem]) {
        stat.get(t).recent_attempts++;
        if (b.outcome !== 'solved') stat.get(t).failed++;
      }
    const expectedWeak = [...stat.values()]
      .filter((t) => t.failed > 0)
      .sort((a, b) => b.failed - a.failed || a.solved / a.total - b.solved / b.total || a.i - b.i)
      .slice(0, 3)
      .map(({ topic, name, failed, recent_attempts, solved, total }) => ({ topic, name, failed, recent_attempts, solved, total }));
    assert.deepEqual(
      expectedWeak.map((t) => [t.topic, t.failed]),
      [
        ['arrays-hashing', 2],
        ['1d-dp', 1],
      ],
    );

    const a = await ask(u.token, 'What should I practice today?');
    assertFactsProgress(a.facts, pr);
    assert.deepEqual(a.facts.weak_topics, expectedWeak);
    const w = expectedWeak[0];
    assert.deepEqual(a.facts.focus, { topic: w.topic, name: w.name, why: 'weak', failed: w.failed, solved: w.solved, total: w.total });

    const m = a.reply.match(
      /Work on (.+?) today: (\d+) of your latest attempts there failed or needed help, and you have solved (\d+) of its (\d+) problems\./,
    );
    assert.ok(m, a.reply);
    assert.deepEqual([m[1], Number(m[2]), Number(m[3]), Number(m[4])], [w.name, w.failed, w.solved, w.total]);
    assertProgressSentence(a.reply, pr);
    assert.match(a.reply, new RegExp(`You have solved 1 of ${pr.catalog_total} problems`));
    assertNoInventedNumbers(a);

    // Next problems: unsolved problems of the focus topic, as listed.
    assertNextList(a.reply, a.facts);
    assert.ok(a.facts.next_problems.length > 0 && a.facts.next_problems.length <= 3);
    for (const p of a.facts.next_problems) {
      const info = await getJson(u.token, `/api/v1/problems/${p.slug}`);
      assert.ok(info.topics.includes(w.topic), `${p.slug} is a ${w.topic} problem`);
      assert.equal(p.title, info.title);
      assert.equal(p.difficulty, info.difficulty);
      assert.notEqual(info.status, 'solved');
      assert.equal(p.status, info.status === 'attempted' ? 'attempted' : 'todo');
    }
  });

  test('a progress question states the same numbers as /progress', async () => {
    const u = await registerUser(base, 'coach-progress');
    await logAttempt(base, u.token, { problem: 'climbing-stairs', outcome: 'solved', minutes: 10 });
    await logAttempt(base, u.token, { problem: 'coin-change', outcome: 'failed', minutes: 40 });
    const a = await ask(u.token, 'How am I doing? Show my stats');
    const pr = await progress(u.token);
    assertFactsProgress(a.facts, pr);
    assertProgressSentence(a.reply, pr);
    assert.equal(pr.solved.easy, 1);
    assert.equal(pr.attempts, 2);
    assert.match(a.reply, /Your current streak is 1 day \(longest 1\)/);
    assert.ok(a.reply.includes(a.facts.focus.name));
    assertNoInventedNumbers(a);
  });
});

describe('coach: knowledge base and problems', () => {
  let u;
  before(async () => {
    u = await registerUser(base, 'coach-kb');
  });

  test('"explain sliding window" answers from the pattern entry', async () => {
    const a = await ask(u.token, 'explain sliding window');
    const p = a.facts.pattern;
    assert.ok(p, 'facts.pattern is set');
    assert.equal(p.topic, 'sliding-window');
    assert.equal(p.name, 'Sliding Window');
    assert.deepEqual(Object.keys(p).sort(), ['approach', 'complexity', 'examples', 'name', 'pitfalls', 'signals', 'summary', 'topic']);
    assert.ok(p.summary.length > 40);
    assert.ok(a.reply.startsWith(`${p.name}: ${p.summary}\n`), a.reply);
    for (const s of p.signals) assert.ok(a.reply.includes(`- ${s}\n`), `signal ${s}`);
    p.approach.forEach((s, i) => assert.ok(a.reply.includes(`${i + 1}. ${s}\n`), `step ${s}`));
    for (const s of p.pitfalls) assert.ok(a.reply.includes(`- ${s}\n`), `pitfall ${s}`);
    assert.ok(a.reply.includes(`Complexity: ${p.complexity}`));
    assert.equal(a.facts.problem, undefined);
    for (const slug of p.examples) assert.equal((await api(base, 'GET', `/api/v1/problems/${slug}`, { token: u.token })).status, 200, slug);
  });

  test('a synonym names the topic: "what is dynamic programming?"', async () => {
    const a = await ask(u.token, 'what is dynamic programming?');
    assert.equal(a.facts.pattern.topic, '1d-dp');
    assert.ok(a.reply.includes(a.facts.pattern.summary));
  });

  test('a problem without attempts says so, with its difficulty from the catalog', async () => {
    const a = await ask(u.token, 'any advice for Koko Eating Bananas?');
    const info = await getJson(u.token, '/api/v1/problems/koko-eating-bananas');
    assert.deepEqual(a.facts.problem, { slug: 'koko-eating-bananas', title: info.title, difficulty: info.difficulty, attempts: [] });
    assert.ok(a.reply.includes(`You have not logged an attempt on ${info.title} yet (${info.difficulty}).`), a.reply);
  });

  test('"what did I note about Two Sum?" lists the attempts with their notes', async () => {
    const v = await registerUser(base, 'coach-notes');
    const n1 = 'hash map from value to index; check the complement first';
    const n2 = 'second try: one pass, done in time';
    const a1 = (await logAttempt(base, v.token, { problem: 'two-sum', outcome: 'failed', minutes: 35, notes: n1 })).attempt;
    const a2 = (await logAttempt(base, v.token, { problem: 'two-sum', outcome: 'solved', minutes: 12, notes: n2 })).attempt;
    await logAttempt(base, v.token, { problem: 'coin-change', outcome: 'solved', minutes: 30, notes: 'bottom-up table of amounts' });

    // Each attempt with notes became an attempt_note memory.
    const notes = (await memories(v.token, '&kind=attempt_note')).items;
    const note1 = notes.find((m) => m.metadata.attempt_id === a1.id);
    assert.ok(note1, JSON.stringify(notes));
    assert.equal(note1.content, `Two Sum: ${n1}`);
    assert.deepEqual(note1.metadata, { problem: 'two-sum', attempt_id: a1.id, outcome: 'failed' });
    assert.equal(notes.find((m) => m.metadata.attempt_id === a2.id).content, `Two Sum: ${n2}`);

    const a = await ask(v.token, 'what did I note about Two Sum?');
    const p = a.facts.problem;
    assert.equal(p.slug, 'two-sum');
    assert.equal(p.title, 'Two Sum');
    assert.deepEqual(p.attempts.map((x) => x.id).sort(), [a1.id, a2.id].sort());
    assert.ok(a.reply.startsWith('You have 2 attempts on Two Sum:\n'), a.reply);
    for (const x of p.attempts) {
      const line = `- ${x.at.slice(0, 10)}: ${x.outcome} in ${x.minutes} min; you wrote: "${x.notes}"`;
      assert.ok(a.reply.includes(line), `missing ${line} in ${a.reply}`);
    }
    assert.ok(!a.reply.includes('bottom-up table'), 'another problem\'s note is not listed as an attempt');
    // The note is retrieved as a memory too.
    assert.ok(a.memories.some((m) => m.id === note1.id), JSON.stringify(a.memories));
    assertNoInventedNumbers(a);
  });

  test('a message over 1000 bytes (but within 4000) is answered', async () => {
    const v = await registerUser(base, 'coach-4000');
    const message = ('how should I split my week between graphs and dynamic programming ' + 'please '.repeat(600)).slice(0, 4000);
    assert.equal(Buffer.byteLength(message), 4000);
    const r = await chat(v.token, { message });
    assert.equal(r.status, 200, r.text);
    const conv = (await memories(v.token, '&kind=conversation')).items;
    assert.equal(conv.length, 1);
    assert.equal(conv[0].content, message);
  });

  test('notes with multi-byte characters at the quoting limit still give an answer', async () => {
    const v = await registerUser(base, 'coach-utf8');
    const notes = 'a' + 'é'.repeat(200); // byte 300 is the first byte of an é
    await logAttempt(base, v.token, { problem: 'two-sum', outcome: 'failed', minutes: 5, notes });
    const r = await chat(v.token, { message: 'what did I note about Two Sum?' });
    assert.equal(r.status, 200);
    assert.ok(r.json && typeof r.json.reply === 'string', `body: ${JSON.stringify(r.text)}`);
    const s = await getJson(v.token, `/api/v1/coach/sessions/${r.json.session_id}`);
    assert.equal(s.items.length, 2);
  });
});

describe('coach: sessions', () => {
  let u;
  before(async () => {
    u = await registerUser(base, 'coach-session');
    await logAttempt(base, u.token, { problem: 'two-sum', outcome: 'failed', minutes: 20, notes: 'sorted the array and lost the original indices' });
  });

  test('turns are stored in order with the memories they used', async () => {
    const m1 = 'what did I note about Two Sum?';
    const m2 = 'and how should I approach Number of Islands?';
    const t1 = await ask(u.token, m1);
    const t2 = await ask(u.token, m2, { session_id: t1.session_id });
    assert.equal(t2.session_id, t1.session_id);
    assert.notEqual(t2.message_id, t1.message_id);
    assert.ok(t1.memories.length > 0, 'the note is retrieved');
    for (const m of [...t1.memories, ...t2.memories]) {
      assert.deepEqual(Object.keys(m).sort(), ['content', 'created_at', 'id', 'kind', 'match', 'score'].sort());
      assert.ok(['vector', 'lexical', 'both'].includes(m.match));
      assert.match(m.created_at, ISO);
    }

    const s = await getJson(u.token, `/api/v1/coach/sessions/${t1.session_id}`);
    assert.equal(s.session_id, t1.session_id);
    assert.equal(s.items.length, 4);
    assert.deepEqual(
      s.items.map((i) => [i.role, i.content]),
      [
        ['user', m1],
        ['assistant', t1.reply],
        ['user', m2],
        ['assistant', t2.reply],
      ],
    );
    assert.equal(s.items[1].id, t1.message_id);
    assert.equal(s.items[3].id, t2.message_id);
    assert.deepEqual(s.items[1].memories, t1.memories.map((m) => m.id));
    assert.deepEqual(s.items[3].memories, t2.memories.map((m) => m.id));
    assert.deepEqual(s.items.map((i) => i.provider), [null, 'builtin', null, 'builtin']);
    assert.deepEqual(s.items[0].memories, []);
    for (const i of s.items) {
      assert.match(i.id, UUID);
      assert.match(i.at, ISO);
    }
    assert.equal(new Set(s.items.map((i) => i.id)).size, 4);
    for (let i = 1; i < 4; i++) assert.ok(s.items[i - 1].at <= s.items[i].at);

    // Each message is a conversation memory of the session, left out of its own turn.
    const conv = (await memories(u.token, '&kind=conversation')).items;
    for (const [msg, turn] of [
      [m1, t1],
      [m2, t2],
    ]) {
      const mem = conv.find((m) => m.content === msg);
      assert.ok(mem, `no conversation memory for ${msg}`);
      assert.deepEqual(mem.metadata, { session_id: t1.session_id, source: 'coach' });
      assert.ok(!turn.memories.some((m) => m.id === mem.id), 'a turn does not retrieve its own message');
    }
  });

  test('unknown sessions are 404; auth is required', async () => {
    assertError(await api(base, 'GET', '/api/v1/coach/sessions/0b7e3e52-5c8a-4c1e-9d3e-6f1a2b3c4d5e', { token: u.token }), 404);
    assertError(await api(base, 'GET', '/api/v1/coach/sessions/0b7e3e52-5c8a-4c1e-9d3e-6f1a2b3c4d5e'), 401);
    assertError(await api(base, 'POST', '/api/v1/coach/chat', { body: { message: 'hello' } }), 401);
  });
});

describe('coach: isolation between users', () => {
  test('B cannot read A\'s session and never gets A\'s memories', async () => {
    const a = await registerUser(base, 'coach-iso-a');
    const b = await registerUser(base, 'coach-iso-b');
    const secret = 'Quokka zebra trick: sort the meeting intervals by start and sweep once';
    let r = await api(base, 'POST', '/api/v1/memories', { token: a.token, body: { content: secret, kind: 'insight' } });
    assert.equal(r.status, 201, r.text);
    const secretId = r.json.memory.id;
    const ta = await ask(a.token, 'remind me of the quokka zebra trick');
    assert.ok(ta.memories.some((m) => m.id === secretId), 'A gets her own memory');

    assertError(await api(base, 'GET', `/api/v1/coach/sessions/${ta.session_id}`, { token: b.token }), 404);
    assertError(await api(base, 'GET', `/api/v1/memories/${secretId}`, { token: b.token }), 404);

    const aIds = new Set((await memories(a.token)).items.map((m) => m.id));
    const tb = await ask(b.token, 'remind me of the quokka zebra trick with intervals');
    assert.ok(!tb.memories.some((m) => aIds.has(m.id)), JSON.stringify(tb.memories));
    assert.ok(!tb.reply.toLowerCase().includes('quokka zebra trick:'), tb.reply);
    r = await api(base, 'GET', '/api/v1/memories/search?q=quokka%20zebra%20trick', { token: b.token });
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.json.items.some((m) => aIds.has(m.id)));

    // B reusing A's session id does not join A's session.
    r = await chat(b.token, { message: 'quokka zebra intervals again', session_id: ta.session_id });
    assert.ok([200, 404, 422].includes(r.status), r.text);
    if (r.status === 200) assert.ok(!r.json.memories.some((m) => aIds.has(m.id)));
    const sa = await getJson(a.token, `/api/v1/coach/sessions/${ta.session_id}`);
    assert.deepEqual(sa.items.map((i) => i.content), ['remind me of the quokka zebra trick', ta.reply]);
    if (r.status === 200) {
      const sb = await getJson(b.token, `/api/v1/coach/sessions/${ta.session_id}`);
      assert.deepEqual(sb.items.map((i) => i.role), ['user', 'assistant']);
      assert.equal(sb.items[0].content, 'quokka zebra intervals again');
    }
  });
});

describe('coach: streaming', () => {
  let u;
  before(async () => {
    u = await registerUser(base, 'coach-stream');
    await logAttempt(base, u.token, { problem: 'coin-change', outcome: 'failed', minutes: 50, notes: 'greedy by largest coin fails' });
  });

  /** Checks a streamed answer: deltas, then one done equal to the concatenation. */
  function assertStreamed(s) {
    assert.equal(s.status, 200, s.text);
    assert.match(s.type, /^text\/event-stream/);
    assert.ok(s.deltas.length >= 1, 'at least one delta');
    assert.equal(s.error, undefined);
    assert.equal(s.events.at(-1).event, 'done', 'done is the last event');
    assert.equal(s.events.filter((e) => e.event === 'done').length, 1);
    assert.ok(s.events.slice(0, -1).every((e) => e.event === 'delta'));
    assert.deepEqual(Object.keys(s.done).sort(), ANSWER_KEYS);
    assert.equal(s.deltas.join(''), s.done.reply);
    assert.equal(s.done.provider, 'builtin');
  }

  test('stream: true sends deltas then done, and the turn is stored', async () => {
    const s = await askStream(u.token, { message: 'explain sliding window', stream: true });
    assertStreamed(s);
    assert.equal(s.done.facts.pattern.topic, 'sliding-window');
    assert.ok(s.done.reply.includes(s.done.facts.pattern.summary));
    const sess = await getJson(u.token, `/api/v1/coach/sessions/${s.done.session_id}`);
    assert.deepEqual(sess.items.map((i) => i.content), ['explain sliding window', s.done.reply]);
    assert.equal(sess.items[1].id, s.done.message_id);
  });

  test('Accept: text/event-stream streams too; the numbers match /progress', async () => {
    const s = await askStream(u.token, { message: 'what should I practice today?' }, { Accept: 'text/event-stream' });
    assertStreamed(s);
    const pr = await progress(u.token);
    assertProgressSentence(s.done.reply, pr);
    assert.equal(s.done.facts.focus.topic, '1d-dp');
    assert.equal(s.done.facts.focus.why, 'weak');
    assertNoInventedNumbers(s.done);
  });

  test('a streamed turn continues a session', async () => {
    const first = await ask(u.token, 'what did I note about Coin Change?');
    assert.ok(first.reply.includes('greedy by largest coin fails'), first.reply);
    const s = await askStream(u.token, { message: 'and what is dynamic programming?', session_id: first.session_id, stream: true });
    assertStreamed(s);
    assert.equal(s.done.session_id, first.session_id);
    const sess = await getJson(u.token, `/api/v1/coach/sessions/${first.session_id}`);
    assert.equal(sess.items.length, 4);
    assert.equal(sess.items[3].content, s.done.reply);
  });

  test('without stream the answer is plain JSON', async () => {
    const r = await chat(u.token, { message: 'explain sliding window', stream: false });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
  });
});

describe('coach: validation', () => {
  let u;
  before(async () => {
    u = await registerUser(base, 'coach-valid');
    await ask(u.token, 'explain sliding window'); // one turn, so there is something to compare
  });

  const snapshot = async () => (await memories(u.token)).items.map((m) => `${m.id}:${m.updated_at}:${m.content}`).sort();

  test('bad requests are 422 and store nothing', async () => {
    const before_ = await snapshot();
    const cases = [
      [{}, 'missing_field'],
      [{ message: '' }, null],
      [{ message: '   \n\t ' }, null],
      [{ message: null }, 'missing_field'],
      [{ message: 42 }, 'invalid_field'],
      [{ message: ['hi'] }, 'invalid_field'],
      [{ message: 'x'.repeat(4001) }, 'invalid_field'],
      [{ message: 'é'.repeat(2001) }, 'invalid_field'], // 4002 bytes
      [{ message: 'x'.repeat(4001), stream: true }, 'invalid_field'],
      [{ message: 'hello coach', session_id: 'not-a-uuid' }, 'invalid_field'],
      [{ message: 'hello coach', session_id: '0b7e3e52-5c8a-4c1e-9d3e-6f1a2b3c4d5' }, 'invalid_field'],
      [{ message: 'hello coach', session_id: 'not-a-uuid', stream: true }, 'invalid_field'],
      [{ message: 'hello coach', session_id: 12 }, 'invalid_field'],
      [{ message: 'hello coach', stream: 'yes' }, 'invalid_field'],
      [{ message: 'hello coach', extra: true }, 'unknown_field'],
      [{ message: 'hello coach', Message: 'x' }, 'unknown_field'],
    ];
    for (const [body, code] of cases) {
      const r = await chat(u.token, body);
      assertError(r, 422, code || undefined);
    }
    assertError(await api(base, 'POST', '/api/v1/coach/chat', { token: u.token, raw: '["hello"]', headers: { 'Content-Type': 'application/json' } }), 400, 'invalid_body');
    assertError(await api(base, 'POST', '/api/v1/coach/chat', { token: u.token, raw: '{"message": ', headers: { 'Content-Type': 'application/json' } }), 400);
    assert.deepEqual(await snapshot(), before_);
  });

  test('a short message in multi-byte characters is answered', async () => {
    // Short messages in multi-byte characters are fine.
    const a = await ask(u.token, 'какие задачи решать сегодня? 今日は何を練習する?');
    assert.equal(a.provider, 'builtin');
    const conv = (await memories(u.token, '&kind=conversation')).items;
    assert.ok(conv.some((m) => m.content === 'какие задачи решать сегодня? 今日は何を練習する?'));
  });

  test('a blank streamed message is refused like a blank plain one', async () => {
    const before_ = await snapshot();
    const s = await askStream(u.token, { message: '   ', stream: true });
    assert.equal(await snapshot().then((x) => x.length), before_.length, 'nothing stored');
    assert.equal(s.status, 422, s.text);
  });

  test('a blank streamed message stores nothing', async () => {
    const before_ = await snapshot();
    const s = await askStream(u.token, { message: '   ', stream: true });
    if (s.status === 200) {
      assert.equal(s.done, undefined);
      assert.equal(s.error.error, 'missing_field');
      assert.equal(typeof s.error.message, 'string');
    } else {
      assert.equal(s.status, 422, s.text);
    }
    assert.deepEqual(await snapshot(), before_);
  });
});
