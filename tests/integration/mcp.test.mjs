// mcp.test.mjs: the MCP server through the official TypeScript SDK client
// (@modelcontextprotocol/sdk), over Streamable HTTP (on the main port and on
// the dedicated listener) and over stdio (`maang mcp`): every tool, the
// resources and prompts, logging, sessions, auth, isolation between users,
// and malformed or oversized messages answered by the spec's errors while
// the server keeps serving.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { BIN, api, registerUser, start } from './harness.mjs';
import { openStream } from './sse.mjs';

const MESSAGE_MAX = 1024 * 1024; // MCP_MESSAGE_MAX
const BODY_MAX = 65536; // MAX_BODY_BYTES of this server

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let mcpPort;
let srv;
let alice; // {token, user, email, apiToken}
let bob;

async function apiToken(u) {
  const r = await api(srv.base, 'POST', '/api/v1/tokens', { token: u.token, body: { name: 'mcp' } });
  assert.equal(r.status, 201, r.text);
  return r.json.token;
}

before(async () => {
  mcpPort = await freePort();
  srv = await start({ MCP_PORT: String(mcpPort), MAX_BODY_BYTES: String(BODY_MAX) });
  alice = await registerUser(srv.base, 'mcp-alice');
  alice.apiToken = await apiToken(alice);
  bob = await registerUser(srv.base, 'mcp-bob');
  bob.apiToken = await apiToken(bob);
});

after(async () => {
  if (!srv) return;
  // The server's last log lines tell why, when it did not stop cleanly.
  assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.logs().slice(-3000));
});

async function httpClient(token, url = `${srv.base}/mcp`) {
  const client = new Client({ name: 'maang-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

async function stdioClient(args, env = {}) {
  const client = new Client({ name: 'maang-test', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: BIN,
    args: ['mcp', ...args],
    env: { ...srv.env, ...env },
    cwd: srv.dir,
    stderr: 'pipe',
  });
  await client.connect(transport);
  return { client, transport };
}

const EXPECTED_TOOLS = [
  'search_problems', 'get_problem', 'find_similar_problems', 'list_topics', 'get_topic',
  'list_companies', 'log_attempt', 'list_attempts', 'delete_attempt', 'get_progress',
  'get_profile', 'update_profile', 'get_stats', 'get_due_reviews', 'get_weakness_report',
  'recommend_problems', 'plan_week', 'add_memory', 'search_memory', 'list_memories',
  'delete_memory', 'start_mock_interview', 'answer_mock_interview', 'hint_mock_interview',
  'finish_mock_interview', 'list_mock_interviews', 'get_mock_interview',
];

/**
 * Calls every tool once with realistic arguments; the SDK checks each
 * structuredContent against the tool's outputSchema. Returns the results.
 */
async function callEveryTool(client, tag) {
  const tools = (await client.listTools()).tools;
  assert.deepEqual(tools.map((t) => t.name).sort(), [...EXPECTED_TOOLS].sort());
  const out = {};
  const call = async (name, args = {}) => {
    const r = await client.callTool({ name, arguments: args });
    assert.equal(r.isError, false, `${name}: ${JSON.stringify(r.content)}`);
    assert.equal(typeof r.structuredContent, 'object', `${name} has structured content`);
    assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent, `${name}: text = structure`);
    out[name] = r.structuredContent;
    return r.structuredContent;
  };
  await call('update_profile', { interview_date: '2027-03-01', target_companies: ['google'], hours_per_week: 8 });
  await call('get_profile');
  const found = await call('search_problems', { q: 'two sum', limit: 5 });
  assert.ok(found.items.some((p) => p.slug === 'two-sum'));
  await call('search_problems', { topic: 'sliding-window', difficulty: 'medium', status: 'todo', blind: true, limit: 3 });
  await call('get_problem', { slug: 'two-sum' });
  await call('find_similar_problems', { slug: 'two-sum', k: 3 });
  await call('list_topics');
  await call('get_topic', { slug: 'two-pointers' });
  await call('list_companies');
  const logged = await call('log_attempt', {
    problem: 'two-sum', outcome: 'solved', minutes: 14, language: 'python', confidence: 4,
    notes: `${tag}: hash map of complements, one pass`,
  });
  await call('log_attempt', { problem: 'valid-anagram', outcome: 'failed', minutes: 30 });
  const listed = await call('list_attempts', { problem: 'two-sum' });
  assert.ok(listed.items.some((a) => a.id === logged.attempt.id));
  await call('get_progress');
  await call('get_stats', { period: 'week' });
  await call('get_due_reviews', { limit: 5 });
  await call('get_weakness_report');
  await call('recommend_problems', { limit: 5 });
  await call('plan_week', { weeks: 1 });
  const mem = await call('add_memory', { content: `${tag}: I keep forgetting the empty input case in sliding window problems`, kind: 'insight', importance: 0.8 });
  const hits = await call('search_memory', { q: 'empty input sliding window', k: 3 });
  assert.ok(hits.items.some((h) => h.id === mem.memory?.id || h.id === mem.id), 'the memory is found');
  await call('list_memories', { limit: 10 });
  const memId = mem.memory?.id || mem.id;
  const delMem = await call('delete_memory', { id: memId });
  assert.deepEqual(delMem, { ok: true, id: memId });
  const iv = await call('start_mock_interview', { type: 'coding', difficulty: 'easy', duration_minutes: 20 });
  assert.equal(iv.state, 'active');
  const said = await call('answer_mock_interview', { id: iv.id, content: 'I would use a hash map: O(n) time.' });
  assert.equal(said.reply.role, 'interviewer');
  await call('hint_mock_interview', { id: iv.id });
  await call('get_mock_interview', { id: iv.id });
  const fin = await call('finish_mock_interview', { id: iv.id, answer: 'def f(a):\n    seen = set()\n    return seen\n# O(n) time, O(n) space; tests: empty input', self_scores: { confidence: 3 } });
  assert.equal(fin.state, 'completed');
  assert.ok(fin.scores.rubric.length >= 4);
  assert.equal(fin.effects.attempts.length, 1, 'the interview logged an attempt');
  const ivs = await call('list_mock_interviews', { state: 'completed' });
  assert.ok(ivs.items.some((x) => x.id === iv.id));
  const extra = await call('log_attempt', { problem: 'contains-duplicate', outcome: 'solved_with_help' });
  const del = await call('delete_attempt', { id: extra.attempt.id });
  assert.deepEqual(del, { ok: true, id: extra.attempt.id });
  assert.equal(Object.keys(out).length, EXPECTED_TOOLS.length, 'every tool was called');
  return out;
}

test('HTTP: initialize negotiates the newest version and lists tools with schemas and annotations', async () => {
  const { client, transport } = await httpClient(alice.apiToken);
  assert.equal(client.getServerVersion().name, 'maang');
  assert.equal(transport.protocolVersion, '2025-11-25');
  assert.ok(transport.sessionId && /^[0-9a-f]{32}$/.test(transport.sessionId));
  const caps = client.getServerCapabilities();
  assert.ok(caps.tools && caps.resources && caps.prompts && caps.logging);
  const { tools } = await client.listTools();
  for (const t of tools) {
    assert.match(t.name, /^[a-z_]+$/);
    assert.ok(t.description.length > 40, `${t.name} is described`);
    assert.equal(t.inputSchema.type, 'object');
    assert.equal(t.outputSchema.type, 'object');
    assert.equal(typeof t.annotations.readOnlyHint, 'boolean');
  }
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  assert.equal(byName.get_progress.annotations.readOnlyHint, true);
  assert.equal(byName.log_attempt.annotations.readOnlyHint, false);
  assert.equal(byName.delete_attempt.annotations.destructiveHint, true);
  assert.equal(byName.update_profile.annotations.idempotentHint, true);
  await client.close();
});

test('HTTP: the catalog enums of the tool schemas match the catalog', async () => {
  const { client } = await httpClient(alice.apiToken);
  const { tools } = await client.listTools();
  const search = tools.find((t) => t.name === 'search_problems').inputSchema.properties;
  const topics = (await api(srv.base, 'GET', '/api/v1/topics', { token: alice.token })).json.items.map((t) => t.slug);
  const companies = (await api(srv.base, 'GET', '/api/v1/companies', { token: alice.token })).json.items.map((c) => c.slug);
  if (search.topic.enum) assert.deepEqual([...search.topic.enum].sort(), [...topics].sort());
  if (search.company.enum) assert.deepEqual([...search.company.enum].sort(), [...companies].sort());
  await client.close();
});

test('HTTP: every tool works, and MCP writes show in REST progress and on the live event stream', async () => {
  const events = await openStream(`${srv.base}/api/v1/events`, { Authorization: `Bearer ${alice.token}` });
  assert.equal(events.status, 200);
  const { client } = await httpClient(alice.apiToken);
  const out = await callEveryTool(client, 'http');
  const ev = await events.next('attempt.created', 5000);
  assert.equal(ev.data.attempt.problem, 'two-sum');
  events.close();
  const progress = await api(srv.base, 'GET', '/api/v1/progress', { token: alice.token });
  assert.equal(progress.status, 200);
  assert.ok(progress.json.solved.total >= 1, 'the MCP attempt counts in REST progress');
  assert.deepEqual(out.get_profile.target_companies, ['google']);
  await client.close();
});

test('HTTP: invalid arguments are tool errors; unknown tools are protocol errors', async () => {
  const { client } = await httpClient(alice.apiToken);
  const cases = [
    ['search_problems', { limit: 501 }, /limit/],
    ['search_problems', { difficulty: 'trivial' }, /difficulty/],
    ['search_problems', { nonsense: 1 }, /nonsense/],
    ['log_attempt', { problem: 'two-sum' }, /outcome/],
    ['log_attempt', { problem: 'no-such-problem-here', outcome: 'solved' }, /no-such-problem-here/],
    ['get_problem', { slug: 'Bad/Slug' }, /slug/],
    ['delete_attempt', { id: '00000000-0000-4000-8000-000000000000' }, /not|attempt/i],
  ];
  for (const [name, args, re] of cases) {
    const r = await client.callTool({ name, arguments: args });
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)}`);
    assert.match(r.content[0].text, re);
  }
  await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), (e) => e.code === -32602);
  // The boundary of a limit: 500 passes, 501 does not.
  const ok = await client.callTool({ name: 'search_problems', arguments: { limit: 500 } });
  assert.equal(ok.isError, false);
  await client.close();
});

test('HTTP: resources list with cursors, templates and reads', async () => {
  const { client } = await httpClient(alice.apiToken);
  const uris = [];
  let cursor;
  let pages = 0;
  do {
    const page = await client.listResources(cursor ? { cursor } : {});
    uris.push(...page.resources.map((r) => r.uri));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  const topics = (await api(srv.base, 'GET', '/api/v1/topics', { token: alice.token })).json.items.length;
  const problems = (await api(srv.base, 'GET', '/api/v1/problems?limit=1', { token: alice.token })).json.total;
  assert.equal(uris.length, 1 + topics + problems);
  assert.equal(new Set(uris).size, uris.length, 'no resource twice');
  assert.ok(pages > 1, 'the list is paged');
  assert.ok(uris.includes('progress://summary') && uris.includes('problem://two-sum') && uris.includes('topic://two-pointers'));
  await assert.rejects(client.listResources({ cursor: 'not-a-cursor' }), (e) => e.code === -32602);

  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate).sort(), ['problem://{slug}', 'topic://{slug}']);

  const p = await client.readResource({ uri: 'problem://two-sum' });
  assert.equal(p.contents[0].mimeType, 'application/json');
  assert.equal(JSON.parse(p.contents[0].text).slug, 'two-sum');
  const t = JSON.parse((await client.readResource({ uri: 'topic://two-pointers' })).contents[0].text);
  assert.equal(t.slug, 'two-pointers');
  const s = JSON.parse((await client.readResource({ uri: 'progress://summary' })).contents[0].text);
  assert.ok(s.solved && Array.isArray(s.topics));
  for (const uri of ['problem://no-such-problem', 'topic://nope', 'progress://other', 'file:///etc/passwd'])
    await assert.rejects(client.readResource({ uri }), (e) => e.code === -32002, uri);
  await client.close();
});

test('HTTP: prompts are built from the user data', async () => {
  const { client } = await httpClient(alice.apiToken);
  const { prompts } = await client.listPrompts();
  assert.deepEqual(prompts.map((p) => p.name).sort(), ['explain_pattern', 'mock_interview', 'weekly_review']);
  const coding = await client.getPrompt({ name: 'mock_interview', arguments: { company: 'google', type: 'coding' } });
  assert.match(coding.messages[0].content.text, /coding interview/);
  assert.ok(coding.messages.some((m) => m.content.type === 'resource' && m.content.resource.uri.startsWith('problem://')));
  const design = await client.getPrompt({ name: 'mock_interview', arguments: { type: 'system_design' } });
  assert.match(design.messages[0].content.text, /system design/);
  const behavioral = await client.getPrompt({ name: 'mock_interview', arguments: { type: 'behavioral', company: 'amazon' } });
  assert.match(behavioral.messages[0].content.text, /1\. .+\n/);
  const review = await client.getPrompt({ name: 'weekly_review' });
  assert.match(review.messages[0].content.text, /past week/);
  const pattern = await client.getPrompt({ name: 'explain_pattern', arguments: { topic: 'sliding-window' } });
  assert.match(pattern.messages[0].content.text, /Sliding Window/);
  assert.equal(pattern.messages[1].content.resource.uri, 'topic://sliding-window');
  for (const [name, args] of [
    ['explain_pattern', {}],
    ['explain_pattern', { topic: 'no-such-topic' }],
    ['mock_interview', { company: 'no-such-company' }],
    ['mock_interview', { type: 'chess' }],
    ['mock_interview', { colour: 'blue' }],
    ['no_such_prompt', {}],
  ])
    await assert.rejects(client.getPrompt({ name, arguments: args }), (e) => e.code === -32602, `${name} ${JSON.stringify(args)}`);
  await client.close();
});

test('HTTP: a mock interview of each type runs start to finish through the tools', async () => {
  const { client } = await httpClient(alice.apiToken);
  const tool = async (name, args) => {
    const r = await client.callTool({ name, arguments: args });
    assert.equal(r.isError, false, `${name}: ${JSON.stringify(r.content)}`);
    return r.structuredContent;
  };
  const answers = {
    coding: 'def f(nums):\n    seen = set()\n    for x in nums:\n        if x in seen:\n            return True\n        seen.add(x)\n    return False\n# O(n) time and O(n) space; tests: empty list, one item, duplicates',
    system_design: 'Requirements: 10k QPS, read heavy. API: POST /links, GET /{code}. Data model: key-value table keyed by code. Cache hot keys, shard by code, replicas; trade-off: eventual consistency because reads dominate.',
    behavioral: 'When our release slipped, my task was to recover it; I set up a daily triage and I wrote the rollback plan; as a result we shipped two days later with zero incidents.',
  };
  for (const type of ['coding', 'system_design', 'behavioral']) {
    const s = await tool('start_mock_interview', { type, duration_minutes: 30 });
    assert.equal(s.type, type);
    const r = await tool('answer_mock_interview', { id: s.id, content: 'Let me start with the requirements and constraints.' });
    assert.ok(r.reply.content.length > 5);
    const done = await tool('finish_mock_interview', { id: s.id, answer: answers[type] });
    assert.equal(done.state, 'completed');
    assert.ok(done.scores.overall >= 1 && done.scores.overall <= 4);
    assert.ok(done.scores.rubric.every((x) => x.reason.length > 0));
  }
  await client.close();
});

test('HTTP: completion of prompt arguments and resource template variables', async () => {
  const { client } = await httpClient(alice.apiToken);
  assert.ok(client.getServerCapabilities().completions);
  const topics = await client.complete({ ref: { type: 'ref/prompt', name: 'explain_pattern' }, argument: { name: 'topic', value: 'sli' } });
  assert.equal(topics.completion.values[0], 'sliding-window');
  const types = await client.complete({ ref: { type: 'ref/prompt', name: 'mock_interview' }, argument: { name: 'type', value: '' } });
  assert.deepEqual(types.completion.values, ['coding', 'system_design', 'behavioral']);
  const companies = await client.complete({ ref: { type: 'ref/prompt', name: 'mock_interview' }, argument: { name: 'company', value: 'goo' } });
  assert.deepEqual(companies.completion.values, ['google']);
  const slugs = await client.complete({ ref: { type: 'ref/resource', uri: 'problem://{slug}' }, argument: { name: 'slug', value: 'two-s' } });
  assert.ok(slugs.completion.values.includes('two-sum'));
  const all = await client.complete({ ref: { type: 'ref/resource', uri: 'problem://{slug}' }, argument: { name: 'slug', value: '' } });
  assert.equal(all.completion.values.length, 100, 'at most 100 values');
  assert.equal(all.completion.hasMore, true);
  assert.ok(all.completion.total > 100);
  const none = await client.complete({ ref: { type: 'ref/prompt', name: 'weekly_review' }, argument: { name: 'x', value: 'y' } });
  assert.deepEqual(none.completion.values, []);
  await client.close();
});

test('HTTP: logging/setLevel sends log notifications with the answers', async () => {
  const { client } = await httpClient(alice.apiToken);
  const logs = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  await client.callTool({ name: 'get_progress', arguments: {} });
  assert.equal(logs.length, 0, 'nothing below info by default');
  await client.setLoggingLevel('debug');
  await client.callTool({ name: 'get_progress', arguments: {} });
  assert.ok(logs.some((l) => l.level === 'debug' && /get_progress/.test(l.data)), JSON.stringify(logs));
  await assert.rejects(client.setLoggingLevel('loud'), (e) => e.code === -32602);
  await client.close();
});

test('HTTP: one user cannot reach another user\'s data or session', async () => {
  const a = await httpClient(alice.apiToken);
  const b = await httpClient(bob.apiToken);
  const mine = await a.client.callTool({ name: 'log_attempt', arguments: { problem: 'climbing-stairs', outcome: 'solved', notes: 'alice secret note' } });
  const id = mine.structuredContent.attempt.id;
  const theirs = await b.client.callTool({ name: 'list_attempts', arguments: {} });
  assert.equal(theirs.isError, false, JSON.stringify(theirs));
  assert.ok(!theirs.structuredContent.items.some((x) => x.id === id));
  const del = await b.client.callTool({ name: 'delete_attempt', arguments: { id } });
  assert.equal(del.isError, true);
  const found = await b.client.callTool({ name: 'search_memory', arguments: { q: 'alice secret note' } });
  assert.equal(found.isError, false, JSON.stringify(found));
  assert.ok(!JSON.stringify(found.structuredContent).includes('alice secret note'));
  // Alice's session id with Bob's token is an unknown session.
  const r = await fetch(`${srv.base}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${bob.apiToken}`, 'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': a.transport.sessionId,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(r.status, 404);
  // Alice's attempt is intact.
  const still = await api(srv.base, 'GET', `/api/v1/attempts/${id}`, { token: alice.token });
  assert.equal(still.status, 200);
  await a.client.close();
  await b.client.close();
});

test('HTTP: isolation matrix: no tool, resource or prompt of another user shows or changes this user\'s data', async () => {
  const u1 = await registerUser(srv.base, 'mcp-iso-a');
  const u2 = await registerUser(srv.base, 'mcp-iso-b');
  const a = await httpClient(u1.token);
  const b = await httpClient(u2.token);
  const marker = `zebra-${Date.now()}`;
  const att = (await a.client.callTool({ name: 'log_attempt', arguments: { problem: 'two-sum', outcome: 'solved', notes: `${marker} attempt note` } })).structuredContent.attempt;
  const mem = (await a.client.callTool({ name: 'add_memory', arguments: { content: `${marker} memory about heaps`, kind: 'insight' } })).structuredContent;
  const memId = mem.memory?.id || mem.id;
  await a.client.callTool({ name: 'update_profile', arguments: { focus_topic: 'heap-priority-queue', time_zone: 'Asia/Kolkata' } });
  const ivA = (await a.client.callTool({ name: 'start_mock_interview', arguments: { type: 'system_design' } })).structuredContent;
  const secrets = [marker, att.id, memId, 'Asia/Kolkata', ivA.id];
  const leaks = (what, value, echoed = []) => {
    const text = JSON.stringify(value);
    for (const x of secrets) if (!echoed.includes(x)) assert.ok(!text.includes(x), `${what} shows ${x}`);
  };
  // Every tool as the other user, with the first user's ids where a tool takes one.
  const args = {
    search_problems: { q: 'two' }, get_problem: { slug: 'two-sum' }, find_similar_problems: { slug: 'two-sum' },
    list_topics: {}, get_topic: { slug: 'arrays-hashing' }, list_companies: {},
    log_attempt: { problem: 'valid-anagram', outcome: 'failed' }, list_attempts: { problem: 'two-sum' },
    delete_attempt: { id: att.id }, get_progress: {}, get_profile: {}, update_profile: { hours_per_week: 3 },
    get_stats: {}, get_due_reviews: {}, get_weakness_report: {}, recommend_problems: {}, plan_week: {},
    add_memory: { content: 'my own note on tries' }, search_memory: { q: `${marker} memory about heaps` },
    list_memories: {}, delete_memory: { id: memId },
    start_mock_interview: { type: 'behavioral' }, answer_mock_interview: { id: ivA.id, content: 'hello' },
    hint_mock_interview: { id: ivA.id }, finish_mock_interview: { id: ivA.id, answer: 'mine' },
    list_mock_interviews: {}, get_mock_interview: { id: ivA.id },
  };
  const { tools } = await b.client.listTools();
  assert.deepEqual(Object.keys(args).sort(), tools.map((t) => t.name).sort(), 'the matrix covers every tool');
  for (const [name, arg] of Object.entries(args)) {
    const r = await b.client.callTool({ name, arguments: arg });
    if (name.startsWith('delete_') || (name.endsWith('_mock_interview') && arg.id)) assert.equal(r.isError, true, `${name} of another user's id`);
    // An error may quote the id the caller gave; nothing else of the first user's.
    leaks(name, r, Object.values(arg));
  }
  for (const uri of ['progress://summary', 'problem://two-sum', 'topic://arrays-hashing'])
    leaks(uri, await b.client.readResource({ uri }));
  for (const [name, arg] of [['weekly_review', {}], ['explain_pattern', { topic: 'arrays-hashing' }], ['mock_interview', {}]])
    leaks(name, await b.client.getPrompt({ name, arguments: arg }));
  // The first user's data is intact.
  assert.equal((await api(srv.base, 'GET', `/api/v1/attempts/${att.id}`, { token: u1.token })).status, 200);
  assert.equal((await api(srv.base, 'GET', `/api/v1/memories/${memId}`, { token: u1.token })).status, 200);
  assert.equal((await api(srv.base, 'GET', '/api/v1/profile', { token: u1.token })).json.time_zone, 'Asia/Kolkata');
  await a.client.close();
  await b.client.close();
});

/** A raw POST to /mcp. */
async function post(body, { token = alice.apiToken, session, headers = {}, raw } = {}) {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (session) h['Mcp-Session-Id'] = session;
  const r = await fetch(`${srv.base}/mcp`, { method: 'POST', headers: h, body: raw ?? JSON.stringify(body) });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers: r.headers, text, json };
}

async function rawSession(token = alice.apiToken) {
  const r = await post({
    jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
  }, { token, headers: { Accept: 'application/json' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.result.protocolVersion, '2025-06-18', 'a version we speak is kept');
  const session = r.headers.get('mcp-session-id');
  const n = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { token, session });
  assert.equal(n.status, 202);
  return session;
}

test('HTTP: authentication, origin and protocol version checks', async () => {
  const none = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { token: null });
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate'), /^Bearer realm="maang"/);
  assert.equal(none.json.jsonrpc, '2.0');
  const bad = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { token: 'mt_not-a-real-token' });
  assert.equal(bad.status, 401);
  assert.match(bad.headers.get('www-authenticate'), /error="invalid_token"/);

  const session = await rawSession();
  const evil = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { session, headers: { Origin: 'http://evil.example' } });
  assert.equal(evil.status, 403);
  const local = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { session, headers: { Origin: 'http://localhost:3000' } });
  assert.equal(local.status, 200);

  const v = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { session, headers: { 'MCP-Protocol-Version': '1999-01-01' } });
  assert.equal(v.status, 400);
  assert.equal(v.json.error.code, -32600);
  const other = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { session, headers: { 'MCP-Protocol-Version': '2025-11-25' } });
  assert.equal(other.status, 400, 'a version other than the negotiated one');
  const same = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { session, headers: { 'MCP-Protocol-Version': '2025-06-18' } });
  assert.equal(same.status, 200);
  // An unknown version asked in initialize gets our newest.
  const init = await post({
    jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: '2030-01-01', capabilities: {}, clientInfo: { name: 'future', version: '9' } },
  });
  assert.equal(init.json.result.protocolVersion, '2025-11-25');
});

test('HTTP: malformed and oversized messages get JSON-RPC errors and the server keeps serving', async () => {
  const session = await rawSession();
  const cases = [
    [{ raw: '{"jsonrpc":"2.0","id":1,' }, 400, -32700],
    [{ raw: '[{"jsonrpc":"2.0","id":1,"method":"ping"}]' }, 400, -32600],
    [{ raw: '"just a string"' }, 400, -32600],
    [{ body: { jsonrpc: '1.0', id: 1, method: 'ping' } }, 200, -32600],
    [{ body: { jsonrpc: '2.0', id: null, method: 'ping' } }, 400, -32600],
    [{ body: { jsonrpc: '2.0', id: { x: 1 }, method: 'ping' } }, 400, -32600],
    [{ body: { jsonrpc: '2.0', id: 2, method: 42 } }, 200, -32600],
    [{ body: { jsonrpc: '2.0', id: 3, method: 'no/such/method' } }, 200, -32601],
    [{ body: { jsonrpc: '2.0', id: 4, method: 'tools/call', params: [1, 2] } }, 200, -32602],
    [{ body: { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'get_progress', arguments: 'x' } } }, 200, -32602],
    [{ body: { jsonrpc: '2.0', id: 6 } }, 200, -32600],
  ];
  for (const [c, status, code] of cases) {
    const r = await post(c.body, { session, raw: c.raw });
    assert.equal(r.status, status, `${c.raw || JSON.stringify(c.body)}: ${r.text}`);
    assert.equal(r.json.jsonrpc, '2.0');
    assert.equal(r.json.error.code, code, `${c.raw || JSON.stringify(c.body)}: ${r.text}`);
  }
  // Bodies at the limit are read; one byte more is refused before reading.
  const pad = (n) => {
    const base = { jsonrpc: '2.0', id: 7, method: 'ping', params: { _meta: { pad: '' } } };
    const len = JSON.stringify(base).length;
    base.params._meta.pad = 'x'.repeat(n - len);
    return JSON.stringify(base);
  };
  const atLimit = await post(null, { session, raw: pad(BODY_MAX) });
  assert.equal(atLimit.status, 200, atLimit.text);
  assert.deepEqual(atLimit.json.result, {});
  const over = await post(null, { session, raw: pad(BODY_MAX + 1) });
  assert.equal(over.status, 413);
  assert.equal(over.json.jsonrpc, '2.0');
  assert.equal(over.json.error.code, -32600);
  // Sessions: missing, unknown, ended.
  const missing = await post({ jsonrpc: '2.0', id: 8, method: 'ping' });
  assert.equal(missing.status, 400);
  const unknown = await post({ jsonrpc: '2.0', id: 9, method: 'ping' }, { session: 'f'.repeat(32) });
  assert.equal(unknown.status, 404);
  // Notifications and client responses are accepted without an answer.
  const note = await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }, { session });
  assert.equal(note.status, 202);
  assert.equal(note.text, '');
  const resp = await post({ jsonrpc: '2.0', id: 'x', result: {} }, { session });
  assert.equal(resp.status, 202);
  // Still serving.
  const ping = await post({ jsonrpc: '2.0', id: 10, method: 'ping' }, { session });
  assert.equal(ping.status, 200);
  assert.deepEqual(ping.json, { jsonrpc: '2.0', id: 10, result: {} });
});

test('HTTP: SSE answers for clients that only take event streams; DELETE ends a session', async () => {
  const session = await rawSession();
  const r = await post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_profile', arguments: {} } }, { session, headers: { Accept: 'text/event-stream' } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  const data = r.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  assert.equal(data.at(-1).id, 1);
  assert.equal(data.at(-1).result.isError, false);
  const neither = await post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { session, headers: { Accept: 'text/html' } });
  assert.equal(neither.status, 406);

  const del = await fetch(`${srv.base}/mcp`, { method: 'DELETE', headers: { Authorization: `Bearer ${alice.apiToken}`, 'Mcp-Session-Id': session } });
  assert.equal(del.status, 204);
  const after = await post({ jsonrpc: '2.0', id: 3, method: 'ping' }, { session });
  assert.equal(after.status, 404);
  const again = await fetch(`${srv.base}/mcp`, { method: 'DELETE', headers: { Authorization: `Bearer ${alice.apiToken}`, 'Mcp-Session-Id': session } });
  assert.equal(again.status, 404);
});

test('HTTP: the GET stream carries the user\'s live events as log notifications', async () => {
  const session = await rawSession();
  const headers = { Authorization: `Bearer ${alice.apiToken}`, 'Mcp-Session-Id': session, Accept: 'text/event-stream' };
  const stream = await openStream(`${srv.base}/mcp`, headers);
  assert.equal(stream.status, 200);
  await api(srv.base, 'POST', '/api/v1/attempts', { token: alice.token, body: { problem: 'best-time-to-buy-and-sell-stock', outcome: 'solved' } });
  const ev = await stream.next('message', 5000);
  assert.equal(ev.data.method, 'notifications/message');
  assert.equal(ev.data.params.logger, 'maang.events');
  assert.equal(ev.data.params.data.type, 'attempt.created');
  assert.equal(ev.data.params.data.data.attempt.problem, 'best-time-to-buy-and-sell-stock');
  stream.close();
  const noSession = await fetch(`${srv.base}/mcp`, { headers: { Authorization: `Bearer ${alice.apiToken}`, Accept: 'text/event-stream' } });
  assert.equal(noSession.status, 400);
  const noAccept = await fetch(`${srv.base}/mcp`, { headers: { ...headers, Accept: 'application/json' } });
  assert.equal(noAccept.status, 406);
});

test('HTTP: the dedicated listener serves /mcp (and /health) only', async () => {
  const url = `http://127.0.0.1:${mcpPort}/mcp`;
  const { client } = await httpClient(bob.apiToken, url);
  const r = await client.callTool({ name: 'get_progress', arguments: {} });
  assert.equal(r.isError, false);
  await client.close();
  assert.equal((await fetch(`http://127.0.0.1:${mcpPort}/health`)).status, 200);
  const other = await fetch(`http://127.0.0.1:${mcpPort}/api/v1/progress`, { headers: { Authorization: `Bearer ${bob.token}` } });
  assert.equal(other.status, 404);
});

test('HTTP: /metrics counts tool calls by tool and result, and messages by kind', async () => {
  const r = await fetch(`${srv.base}/metrics`);
  const text = await r.text();
  const value = (re) => Number((text.match(re) || [])[1]);
  assert.ok(value(/^maang_mcp_tool_calls_total\{tool="log_attempt",result="ok"\} (\d+)$/m) >= 2, text);
  assert.ok(value(/^maang_mcp_tool_calls_total\{tool="search_problems",result="error"\} (\d+)$/m) >= 3);
  assert.ok(value(/^maang_mcp_messages_total\{kind="request"\} (\d+)$/m) > 10);
  assert.ok(value(/^maang_mcp_messages_total\{kind="invalid"\} (\d+)$/m) >= 3);
  assert.ok(value(/^maang_mcp_messages_total\{kind="unknown_method"\} (\d+)$/m) >= 1);
});

test('stdio: every tool works as the --user, and writes reach the server', async () => {
  const { client } = await stdioClient(['--user', bob.email]);
  assert.equal(client.getServerVersion().name, 'maang');
  await callEveryTool(client, 'stdio');
  const progress = await api(srv.base, 'GET', '/api/v1/attempts?problem=valid-anagram', { token: bob.token });
  assert.ok(progress.json.total >= 1, 'the stdio attempt is in the shared database');
  const { resources } = await client.listResources();
  assert.equal(resources[0].uri, 'progress://summary');
  const pr = await client.getPrompt({ name: 'weekly_review' });
  assert.ok(pr.messages.length >= 1);
  await client.close();
});

test('stdio: a write reaches the running server\'s live events and cached progress', async () => {
  const u = await registerUser(srv.base, 'mcp-carol');
  // Cache the progress summary first: the stdio write must retire it.
  const before = await api(srv.base, 'GET', '/api/v1/progress', { token: u.token });
  assert.equal(before.json.solved.total, 0);
  const events = await openStream(`${srv.base}/api/v1/events`, { Authorization: `Bearer ${u.token}` });
  const { client } = await stdioClient(['--user', u.email]);
  const r = await client.callTool({ name: 'log_attempt', arguments: { problem: 'two-sum', outcome: 'solved', minutes: 9 } });
  assert.equal(r.isError, false);
  const ev = await events.next('attempt.created', 5000);
  assert.equal(ev.data.attempt.id, r.structuredContent.attempt.id);
  events.close();
  const after = await api(srv.base, 'GET', '/api/v1/progress', { token: u.token });
  assert.equal(after.json.solved.total, 1, 'the cached summary was retired');
  await client.close();
});

test('stdio: MAANG_TOKEN picks the user; a bad token or no user is refused', async () => {
  const { client } = await stdioClient([], { MAANG_TOKEN: alice.apiToken });
  const r = await client.callTool({ name: 'get_profile', arguments: {} });
  assert.equal(r.isError, false);
  await client.close();
  await assert.rejects(stdioClient([], { MAANG_TOKEN: 'mt_bogus' }));
  await assert.rejects(stdioClient([], { MAANG_TOKEN: '' }));
});

/** Runs `maang mcp` with raw lines on stdin; resolves to the parsed output lines. */
function rawStdio(lines, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['mcp', '--user', alice.email], { env: { ...srv.env, ...env }, cwd: srv.dir });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve({ code, err, messages: out.split('\n').filter(Boolean).map((l) => JSON.parse(l)) });
      } catch (e) {
        reject(new Error(`stdout is not one JSON message per line: ${e.message}\n${out.slice(0, 500)}`));
      }
    });
    child.stdin.end(lines.join('\n') + '\n');
  });
}

test('stdio: malformed, early and oversized lines get errors; the next line is served', async () => {
  const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
  const ping = (id, padTo) => {
    const m = { jsonrpc: '2.0', id, method: 'ping', params: { _meta: { pad: '' } } };
    if (padTo) m.params._meta.pad = 'y'.repeat(padTo - JSON.stringify(m).length);
    return JSON.stringify(m);
  };
  const r = await rawStdio([
    JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'tools/list' }), // before initialize
    init,
    '{not json',
    '',
    '[]',
    ping(2, MESSAGE_MAX),
    ping(3, MESSAGE_MAX + 1),
    JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'search_problems', arguments: { limit: 0 } } }),
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    ping(5),
  ]);
  assert.equal(r.code, 0, r.err);
  const notes = r.messages.filter((m) => m.method);
  const replies = r.messages.filter((m) => !m.method);
  const [early, hello, parse, batch, atMax, overMax, invalid, last] = replies;
  assert.equal(early.id, 0);
  assert.equal(early.error.code, -32600);
  assert.equal(hello.result.protocolVersion, '2025-11-25');
  assert.equal(parse.error.code, -32700);
  assert.equal(parse.id, null);
  assert.equal(batch.error.code, -32600);
  assert.deepEqual(atMax, { jsonrpc: '2.0', id: 2, result: {} }, 'a message of exactly MCP_MESSAGE_MAX bytes is read');
  assert.equal(overMax.error.code, -32600);
  assert.match(overMax.error.message, /exceeds/);
  assert.equal(invalid.id, 4);
  assert.equal(invalid.result.isError, true);
  assert.deepEqual(last, { jsonrpc: '2.0', id: 5, result: {} });
  assert.equal(replies.length, 8, 'notifications and blank lines get no answer');
  // The invalid call was also logged to the client, at warning level.
  assert.equal(notes.length, 1);
  assert.equal(notes[0].method, 'notifications/message');
  assert.equal(notes[0].params.level, 'warning');
  assert.ok(!r.err.includes('"level":"error"'), r.err);
});
