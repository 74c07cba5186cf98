// memory.test.mjs: long-term memory over HTTP: create, merge of duplicates
// with history, list with filters, patch, delete, hybrid search with
// paraphrased queries, validity windows, limits at their boundaries, export,
// attempt notes becoming memories, similar problems, and isolation between
// users (no route ever shows one user's memory to another).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { api, assertError, logAttempt, registerUser, serve } from './harness.mjs';

let base;
serve((s) => {
  base = s.base;
});

const MEM_CONTENT_MAX = 8000;
const MEM_K_MAX = 50;

const create = (token, body) => api(base, 'POST', '/api/v1/memories', { token, body });
const search = (token, q, extra = '') =>
  api(base, 'GET', `/api/v1/memories/search?q=${encodeURIComponent(q)}${extra}`, { token });
const count = async (token) =>
  (await api(base, 'GET', '/api/v1/memories?limit=1', { token })).json.total;

describe('memories', () => {
  let a;
  let b;
  before(async () => {
    a = await registerUser(base, 'mem-a');
    b = await registerUser(base, 'mem-b');
  });

  test('create, get, list with kind and metadata filters', async () => {
    const r = await create(a.token, {
      content: 'Coin Change: I kept recomputing subproblems until I cached them in a memo table.',
      kind: 'attempt_note',
      metadata: { problem: 'coin-change', source: 'manual' },
      importance: 0.8,
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.merged, false);
    const m = r.json.memory;
    assert.match(m.id, /^[0-9a-f-]{36}$/);
    assert.equal(m.kind, 'attempt_note');
    assert.equal(m.importance, 0.8);
    assert.match(m.embedding_model, /^builtin\//);
    assert.equal(r.headers.get('location'), `/api/v1/memories/${m.id}`);

    const g = await api(base, 'GET', `/api/v1/memories/${m.id}`, { token: a.token });
    assert.equal(g.status, 200);
    assert.deepEqual(g.json.memory.metadata, { problem: 'coin-change', source: 'manual' });

    await create(a.token, { content: 'Amazon loves the leadership principles; prepare two stories each.' });
    const byKind = await api(base, 'GET', '/api/v1/memories?kind=attempt_note', { token: a.token });
    assert.equal(byKind.status, 200);
    assert.ok(byKind.json.items.every((x) => x.kind === 'attempt_note'));
    assert.ok(byKind.json.items.some((x) => x.id === m.id));
    const meta = encodeURIComponent(JSON.stringify({ problem: 'coin-change' }));
    const byMeta = await api(base, 'GET', `/api/v1/memories?metadata=${meta}`, { token: a.token });
    assert.equal(byMeta.status, 200, byMeta.text);
    assert.deepEqual(
      byMeta.json.items.map((x) => x.id),
      [m.id],
    );
    const none = encodeURIComponent(JSON.stringify({ problem: 'two-sum' }));
    const empty = await api(base, 'GET', `/api/v1/memories?metadata=${none}`, { token: a.token });
    assert.equal(empty.json.total, 0);
  });

  test('an exact or near duplicate merges, and the history keeps both texts', async () => {
    const first = await create(a.token, {
      content: 'Union find needs path compression and union by rank to stay near constant time.',
      metadata: { topic: 'union-find' },
    });
    assert.equal(first.status, 201);
    const id = first.json.memory.id;
    const before = await count(a.token);
    const same = await create(a.token, {
      content: '  union FIND needs path compression and union by rank to stay near constant time. ',
      metadata: { seen: 2 },
    });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.json.merged, true);
    assert.equal(same.json.memory.id, id);
    assert.deepEqual(same.json.memory.metadata, { topic: 'union-find', seen: 2 });
    assert.equal(await count(a.token), before);
    const h = await api(base, 'GET', `/api/v1/memories/${id}/history`, { token: a.token });
    assert.equal(h.status, 200);
    assert.deepEqual(
      h.json.items.map((x) => x.event),
      ['ADD', 'MERGE'],
    );
    assert.match(h.json.items[1].old_content, /^Union find/);
    // The same text under another kind is a different memory.
    const other = await create(a.token, {
      content: 'Union find needs path compression and union by rank to stay near constant time.',
      kind: 'insight',
    });
    assert.equal(other.status, 201);
  });

  test('a near duplicate (one word changed) merges, keeping the newer text', async () => {
    const u = await registerUser(base, 'mem-near');
    const long =
      'Meta onsite feedback: strong on graph traversal and complexity analysis, but I forgot ' +
      'to test the empty input and the single node case before saying I was done, and I ran ' +
      'a little long on the second question about merging intervals';
    const first = await create(u.token, { content: long });
    assert.equal(first.status, 201);
    const near = await create(u.token, { content: long.replace('little long', 'bit long') });
    assert.equal(near.status, 200, near.text);
    assert.equal(near.json.merged, true);
    assert.equal(near.json.memory.id, first.json.memory.id);
    assert.match(near.json.memory.content, /a bit long/);
    const h = await api(base, 'GET', `/api/v1/memories/${first.json.memory.id}/history`, {
      token: u.token,
    });
    assert.equal(h.json.items[1].event, 'MERGE');
    assert.match(h.json.items[1].old_content, /a little long/);
    // A different note on the same subject stays separate.
    const other = await create(u.token, {
      content: 'Google phone screen: interval scheduling, finished early, asked about heaps.',
    });
    assert.equal(other.status, 201);
  });

  test('hybrid search finds paraphrases, abbreviations and typos', async () => {
    const notes = {
      dp: 'Edit distance: a dynamic programming table over prefixes of both strings; insert, delete and replace.',
      bfs: 'Rotting oranges: breadth-first search from every rotten orange at once, counting levels as minutes.',
      heap: 'Merge k sorted lists with a priority queue of list heads; pop the smallest and push its successor.',
      dijkstra: 'Network delay time is Dijkstra with a min-heap; skip stale entries when popped.',
    };
    const ids = {};
    for (const [k, content] of Object.entries(notes)) {
      const r = await create(a.token, { content });
      assert.equal(r.status, 201, r.text);
      ids[k] = r.json.memory.id;
    }
    const cases = [
      ['DP over two strings prefixes', 'dp'],
      ['BFS multi source grid minutes', 'bfs'],
      ['heap of list heads', 'heap'],
      ['djikstra network delay', 'dijkstra'],
    ];
    for (const [q, want] of cases) {
      const r = await search(a.token, q, '&k=3');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.mode, 'hybrid');
      assert.ok(
        r.json.items.slice(0, 3).some((x) => x.id === ids[want]),
        `${q}: ${JSON.stringify(r.json.items.map((x) => x.content))}`,
      );
      for (const it of r.json.items) {
        assert.ok(['vector', 'lexical', 'both'].includes(it.match));
        assert.ok(it.score > 0 && it.score <= 1.5);
      }
    }
    const vec = await search(a.token, 'DP over two strings prefixes', '&mode=vector');
    assert.ok(vec.json.items.every((x) => x.match === 'vector' && x.similarity !== null));
    const lex = await search(a.token, 'rotten oranges', '&mode=lexical');
    assert.equal(lex.json.items[0].id, ids.bfs);
    assert.equal(lex.json.items[0].similarity, null);
    // Returned memories count as accessed.
    const g = await api(base, 'GET', `/api/v1/memories/${ids.bfs}`, { token: a.token });
    assert.ok(g.json.memory.access_count >= 1);
  });

  test('access counts reach the database in the background', async () => {
    const u = await registerUser(base, 'mem-access');
    const r = await create(u.token, { content: 'Quickselect partitions around a random pivot.' });
    const id = r.json.memory.id;
    await search(u.token, 'quickselect pivot');
    // The list reads the database alone; the worker writes counts every 5 s.
    const deadline = Date.now() + 12000;
    for (;;) {
      const l = await api(base, 'GET', '/api/v1/memories', { token: u.token });
      const m = l.json.items.find((x) => x.id === id);
      if (m.access_count === 1) {
        assert.match(m.last_accessed_at, /^\d{4}-/);
        break;
      }
      assert.ok(Date.now() < deadline, 'access count written within 12 s');
      await new Promise((res) => setTimeout(res, 200));
    }
  });

  test('a patch changes what search finds, at once', async () => {
    const r = await create(a.token, { content: 'Trie insert walks one node per character.' });
    const id = r.json.memory.id;
    let s = await search(a.token, 'prefix tree insertion');
    assert.ok(s.json.items.some((x) => x.id === id));
    const p = await api(base, 'PATCH', `/api/v1/memories/${id}`, {
      token: a.token,
      body: { content: 'Segment tree range sum query in logarithmic time.', kind: 'insight' },
    });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.memory.kind, 'insight');
    s = await search(a.token, 'segment tree range sum');
    assert.equal(s.json.items[0].id, id);
    s = await search(a.token, 'trie character', '&mode=lexical');
    assert.ok(!s.json.items.some((x) => x.id === id), s.text);
    const h = await api(base, 'GET', `/api/v1/memories/${id}/history`, { token: a.token });
    assert.deepEqual(
      h.json.items.map((x) => x.event),
      ['ADD', 'UPDATE'],
    );
  });

  test('delete removes it from reads and search; the history remains', async () => {
    const r = await create(a.token, { content: 'Kadane keeps the best sum ending here.' });
    const id = r.json.memory.id;
    assert.equal((await search(a.token, 'kadane best sum')).json.items[0].id, id);
    const d = await api(base, 'DELETE', `/api/v1/memories/${id}`, { token: a.token });
    assert.equal(d.status, 204);
    assertError(await api(base, 'GET', `/api/v1/memories/${id}`, { token: a.token }), 404);
    assertError(await api(base, 'DELETE', `/api/v1/memories/${id}`, { token: a.token }), 404);
    const s = await search(a.token, 'kadane best sum');
    assert.ok(!s.json.items.some((x) => x.id === id));
    const h = await api(base, 'GET', `/api/v1/memories/${id}/history`, { token: a.token });
    assert.deepEqual(
      h.json.items.map((x) => x.event),
      ['ADD', 'DELETE'],
    );
  });

  test('validity windows: expired memories are left out unless asked for', async () => {
    const r = await create(a.token, {
      content: 'Old interview date note: onsite with Netflix in March.',
      valid_from: '2020-01-01T00:00:00Z',
      valid_to: '2021-01-01T00:00:00Z',
    });
    assert.equal(r.status, 201, r.text);
    const id = r.json.memory.id;
    let s = await search(a.token, 'netflix onsite march');
    assert.ok(!s.json.items.some((x) => x.id === id));
    s = await search(a.token, 'netflix onsite march', '&include_expired=1');
    assert.ok(s.json.items.some((x) => x.id === id));
  });

  test('other users never see a memory', async () => {
    const r = await create(a.token, { content: 'Secret: my Google recruiter is Pat, call on Friday.' });
    const id = r.json.memory.id;
    assertError(await api(base, 'GET', `/api/v1/memories/${id}`, { token: b.token }), 404);
    assertError(
      await api(base, 'PATCH', `/api/v1/memories/${id}`, { token: b.token, body: { content: 'x y' } }),
      404,
    );
    assertError(await api(base, 'DELETE', `/api/v1/memories/${id}`, { token: b.token }), 404);
    assertError(await api(base, 'GET', `/api/v1/memories/${id}/history`, { token: b.token }), 404);
    for (const mode of ['hybrid', 'vector', 'lexical']) {
      const s = await search(b.token, 'google recruiter pat friday', `&mode=${mode}&threshold=0`);
      assert.equal(s.status, 200);
      assert.deepEqual(s.json.items, [], mode);
    }
    const list = await api(base, 'GET', '/api/v1/memories', { token: b.token });
    assert.ok(!list.json.items.some((x) => x.id === id));
    const g = await api(base, 'GET', `/api/v1/memories/${id}`, { token: a.token });
    assert.equal(g.json.memory.content, r.json.memory.content);
  });

  test('bad input gets a clear 4xx and changes nothing', async () => {
    const n = await count(a.token);
    const bad = [
      [{}, 422],
      [{ content: '   ' }, 422],
      [{ content: 'x', kind: 'diary' }, 422],
      [{ content: 'x', importance: 1.5 }, 422],
      [{ content: 'x', metadata: [1] }, 422],
      [{ content: 'x', metadata: { big: 'y'.repeat(5000) } }, 422],
      [{ content: 'x', valid_from: '2025-02-01T00:00:00Z', valid_to: '2025-01-01T00:00:00Z' }, 422],
      [{ content: 'x', valid_to: 'tomorrow' }, 422],
      [{ content: 'x', colour: 'blue' }, 422],
      [{ content: 'x'.repeat(MEM_CONTENT_MAX + 1) }, 422],
    ];
    for (const [body, status] of bad) {
      const r = await create(a.token, body);
      assertError(r, status);
    }
    assertError(await api(base, 'POST', '/api/v1/memories', { token: a.token, raw: '{"content":' , headers: { 'Content-Type': 'application/json' } }), 400);
    assertError(await api(base, 'POST', '/api/v1/memories', { body: { content: 'x' } }), 401);
    assert.equal(await count(a.token), n);
    // The limit itself is fine.
    const max = await create(a.token, { content: 'z'.repeat(MEM_CONTENT_MAX) });
    assert.equal(max.status, 201, max.text);
    assert.equal(await count(a.token), n + 1);
  });

  test('search parameters are checked at their limits', async () => {
    assertError(await api(base, 'GET', '/api/v1/memories/search', { token: a.token }), 400);
    assertError(await search(a.token, 'x', `&k=${MEM_K_MAX + 1}`), 400);
    assert.equal((await search(a.token, 'x', `&k=${MEM_K_MAX}`)).status, 200);
    assertError(await search(a.token, 'x', '&k=0'), 400);
    assertError(await search(a.token, 'x', '&mode=fuzzy'), 400);
    assertError(await search(a.token, 'x', '&kind=diary'), 400);
    assertError(await search(a.token, 'x', '&threshold=2'), 400);
    assertError(await search(a.token, 'q'.repeat(1001)), 400);
    assert.equal((await search(a.token, 'q'.repeat(1000))).status, 200);
    assertError(await api(base, 'GET', '/api/v1/memories?metadata=nope', { token: a.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/memories?limit=501', { token: a.token }), 400);
    assertError(await api(base, 'PATCH', '/api/v1/memories/x', { token: a.token, body: {} }), 422);
  });

  test('a search answer is cached, and a write invalidates it', async () => {
    const u = await registerUser(base, 'mem-cache');
    const q = 'bellman ford negative edges';
    assert.deepEqual((await search(u.token, q)).json.items, []);
    assert.deepEqual((await search(u.token, q)).json.items, []);
    await create(u.token, { content: 'Bellman-Ford relaxes every edge n-1 times and handles negative edges.' });
    const s = await search(u.token, q);
    assert.equal(s.json.items.length, 1);
  });

  test('attempt notes become memories; deleting the attempt removes them', async () => {
    const u = await registerUser(base, 'mem-attempt');
    const at = await logAttempt(base, u.token, {
      problem: 'two-sum',
      outcome: 'failed',
      notes: 'Forgot to look up the complement before inserting the current number.',
    });
    await logAttempt(base, u.token, { problem: 'valid-anagram', outcome: 'solved' });
    const list = await api(base, 'GET', '/api/v1/memories?kind=attempt_note', { token: u.token });
    assert.equal(list.json.total, 1);
    const m = list.json.items[0];
    assert.match(m.content, /^Two Sum: Forgot to look up the complement/);
    assert.deepEqual(m.metadata, { problem: 'two-sum', attempt_id: at.attempt.id, outcome: 'failed' });
    const s = await search(u.token, 'two sum complement');
    assert.equal(s.json.items[0].id, m.id);
    const d = await api(base, 'DELETE', `/api/v1/attempts/${at.attempt.id}`, { token: u.token });
    assert.equal(d.status, 204);
    const after = await api(base, 'GET', '/api/v1/memories?kind=attempt_note', { token: u.token });
    assert.equal(after.json.total, 0);
  });

  test('imported attempt notes become memories, once', async () => {
    const u = await registerUser(base, 'mem-import');
    const csv =
      'problem,outcome,notes,at\n' +
      'climbing-stairs,solved,"Fibonacci in disguise, two variables suffice",2025-01-02T10:00:00Z\n' +
      'house-robber,failed,,2025-01-03T10:00:00Z\n';
    const imp = (body) =>
      api(base, 'POST', '/api/v1/import', {
        token: u.token,
        raw: body,
        headers: { 'Content-Type': 'text/csv' },
      });
    let r = await imp(csv);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 2);
    assert.equal(r.json.memories, 1);
    r = await imp(csv);
    assert.equal(r.json.memories, 0);
    const s = await search(u.token, 'fibonacci stairs');
    assert.match(s.json.items[0].content, /^Climbing Stairs: Fibonacci in disguise/);
  });

  test('export: all memories, alone and in the full export', async () => {
    const u = await registerUser(base, 'mem-export');
    await create(u.token, { content: 'First note about heaps.' });
    await create(u.token, { content: 'Second note about tries.', kind: 'insight' });
    const e = await api(base, 'GET', '/api/v1/memories/export', { token: u.token });
    assert.equal(e.status, 200);
    assert.deepEqual(
      e.json.memories.map((x) => x.content),
      ['First note about heaps.', 'Second note about tries.'],
    );
    const all = await api(base, 'GET', '/api/v1/export', { token: u.token });
    assert.equal(all.json.memories.length, 2);
  });
});

test('/metrics shows the memory index', async () => {
  const r = await api(base, 'GET', '/metrics');
  assert.equal(r.status, 200);
  const value = (name) => {
    const m = r.text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
    assert.ok(m, `${name} missing`);
    return Number(m[1]);
  };
  assert.ok(value('maang_memory_index_partitions') >= 1);
  assert.ok(value('maang_memory_index_vectors') >= 10);
  assert.ok(value('maang_memory_index_bytes') > 0);
  assert.ok(value('maang_memory_searches_total') >= 10);
  assert.ok(value('maang_memory_index_loads_total') >= 1);
  assert.equal(value('maang_memory_embed_failures_total'), 0);
});

describe('similar problems', () => {
  let u;
  before(async () => {
    u = await registerUser(base, 'similar');
  });

  test('neighbours share topics and come best first', async () => {
    const r = await api(base, 'GET', '/api/v1/problems/course-schedule/similar?k=5', {
      token: u.token,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.items.length, 5);
    assert.ok(!r.json.items.some((x) => x.slug === 'course-schedule'));
    assert.ok(r.json.items.some((x) => x.slug === 'course-schedule-ii'), r.text);
    for (let i = 1; i < r.json.items.length; i++)
      assert.ok(r.json.items[i - 1].score >= r.json.items[i].score);
    assert.ok(r.json.items[0].shared_topics.length >= 1);
  });

  test('limits and unknown problems', async () => {
    const get = (q) => api(base, 'GET', `/api/v1/problems/${q}`, { token: u.token });
    assertError(await get('no-such-problem/similar'), 404);
    assertError(await get('two-sum/similar?k=21'), 400);
    assertError(await get('two-sum/similar?k=0'), 400);
    assert.equal((await get('two-sum/similar?k=20')).json.items.length, 20);
    assertError(await api(base, 'GET', '/api/v1/problems/two-sum/similar'), 401);
  });
});
