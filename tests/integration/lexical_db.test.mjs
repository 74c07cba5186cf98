// lexical_db.test.mjs: hybrid search with MEMORY_LEXICAL=database, where the
// lexical half is the database's own full-text index (SQLite FTS5 BM25 kept by
// triggers, or PostgreSQL ts_rank_cd over the generated tsvector) instead of
// the in-memory BM25 index: words and lexicon expansions are found, edits and
// deletes show at once, and one user's memories never reach another.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, registerUser, serve } from './harness.mjs';

let base;
serve(
  (s) => {
    base = s.base;
  },
  { MEMORY_LEXICAL: 'database' },
);

const search = (token, q, extra = '') =>
  api(base, 'GET', `/api/v1/memories/search?q=${encodeURIComponent(q)}&mode=lexical${extra}`, { token });

test('the database full text finds words and lexicon expansions, per user', async () => {
  const a = await registerUser(base, 'lexdb-a');
  const b = await registerUser(base, 'lexdb-b');
  const create = async (token, content) => {
    const r = await api(base, 'POST', '/api/v1/memories', { token, body: { content } });
    assert.equal(r.status, 201, r.text);
    return r.json.memory.id;
  };
  const dp = await create(a.token, 'Longest increasing subsequence with dynamic programming and patience sorting');
  const graph = await create(a.token, 'Cheapest flights within k stops: Bellman-Ford limited to k+1 rounds');
  await create(b.token, 'Dynamic programming over subsets for the travelling salesman');

  let s = await search(a.token, 'patience sorting');
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(
    s.json.items.map((x) => x.id),
    [dp],
  );
  assert.equal(s.json.items[0].match, 'lexical');
  // "DP" is not in the text; the lexicon expands it to "dynamic programming".
  s = await search(a.token, 'DP');
  assert.deepEqual(
    s.json.items.map((x) => x.id),
    [dp],
  );
  s = await search(a.token, 'flights stops');
  assert.equal(s.json.items[0].id, graph);

  // An edit and a delete show at once.
  const p = await api(base, 'PATCH', `/api/v1/memories/${graph}`, {
    token: a.token,
    body: { content: 'Network delay time with a binary heap' },
  });
  assert.equal(p.status, 200);
  assert.deepEqual((await search(a.token, 'flights stops')).json.items, []);
  assert.equal((await search(a.token, 'network delay')).json.items[0].id, graph);
  await api(base, 'DELETE', `/api/v1/memories/${graph}`, { token: a.token });
  assert.deepEqual((await search(a.token, 'network delay')).json.items, []);

  // B's "dynamic programming" note never reaches A, and A's never reaches B.
  s = await search(a.token, 'travelling salesman subsets');
  assert.deepEqual(s.json.items, []);
  s = await search(b.token, 'patience sorting');
  assert.deepEqual(s.json.items, []);
  // Hybrid fuses it with the vectors as usual.
  const h = await api(base, 'GET', `/api/v1/memories/search?q=${encodeURIComponent('LIS patience')}`, {
    token: a.token,
  });
  assert.equal(h.json.items[0].id, dp);
});
