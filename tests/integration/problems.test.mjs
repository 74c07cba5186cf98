// problems.test.mjs: the catalog: problems with filters and pagination,
// problem lists read through the cache, problem detail, topics, companies,
// lists, design topics and behavioral questions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, assertError, logAttempt, registerUser, start } from './harness.mjs';

let srv;
let base;
let token;

const get = (p, t = token) => api(base, 'GET', p, { token: t });
const problems = async (query = '') => {
  const r = await get(`/api/v1/problems${query}`);
  assert.equal(r.status, 200, `GET /problems${query}: ${r.status} ${r.text}`);
  return r.json;
};
/** Every problem matching QUERY (pages of 500). */
const allProblems = async (query = '') => {
  const sep = query ? '&' : '?';
  const first = await problems(`${query}${sep}limit=500`);
  const items = [...first.items];
  while (items.length < first.total) {
    const page = await problems(`${query}${sep}limit=500&offset=${items.length}`);
    assert.ok(page.items.length > 0);
    items.push(...page.items);
  }
  assert.equal(items.length, first.total);
  return items;
};

before(async () => {
  srv = await start();
  base = srv.base;
  ({ token } = await registerUser(base, 'catalog'));
});

after(async () => {
  if (!srv) return;
  const x = await srv.stop();
  assert.deepEqual(x, { code: 0, signal: null });
});

describe('GET /problems', () => {
  let catalog;
  before(async () => {
    catalog = await allProblems();
  });

  test('needs authentication', async () => {
    assertError(await api(base, 'GET', '/api/v1/problems'), 401);
  });

  test('at least 400 problems, each with the contract fields', async () => {
    assert.ok(catalog.length >= 400, `${catalog.length} problems`);
    const slugs = new Set();
    for (const p of catalog) {
      for (const k of ['slug', 'number', 'title', 'difficulty', 'topics', 'companies', 'lists', 'url', 'status'])
        assert.ok(k in p, `${p.slug}.${k}`);
      assert.match(p.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(!slugs.has(p.slug), `duplicate slug ${p.slug}`);
      slugs.add(p.slug);
      assert.ok(['easy', 'medium', 'hard'].includes(p.difficulty), p.slug);
      assert.ok(Array.isArray(p.topics) && p.topics.length > 0, `${p.slug} has topics`);
      assert.ok(Array.isArray(p.companies) && Array.isArray(p.lists));
      assert.match(p.url, /^https:\/\//);
      assert.equal(p.status, 'todo');
    }
    for (const well of ['two-sum', 'valid-parentheses', 'merge-intervals', 'lru-cache', 'number-of-islands'])
      assert.ok(slugs.has(well), `the catalog has ${well}`);
  });

  test('default page is 50, sorted by problem number', async () => {
    const r = await problems();
    assert.equal(r.items.length, 50);
    assert.equal(r.total, catalog.length);
    const nums = r.items.map((p) => p.number);
    assert.deepEqual(nums, [...nums].sort((a, b) => a - b));
  });

  test('q matches titles case-insensitively', async () => {
    for (const q of ['two sum', 'TWO SUM', 'Two Sum']) {
      const items = await allProblems(`?q=${encodeURIComponent(q)}`);
      assert.ok(items.some((p) => p.slug === 'two-sum'), `q=${q}`);
      for (const p of items)
        assert.ok(
          p.title.toLowerCase().includes('two sum') || p.slug.includes('two-sum'),
          `${p.title} matches ${q}`,
        );
    }
    const sub = await allProblems('?q=PALINDROM');
    assert.ok(sub.length >= 3);
    for (const p of sub) assert.ok(/palindrom/i.test(p.title) || p.slug.includes('palindrom'));
    assert.equal((await problems('?q=zzzz-no-such-problem-qqqq')).total, 0);
  });

  test('q with a number finds the problem by its number', async () => {
    const items = await allProblems('?q=1');
    assert.ok(items.some((p) => p.number === 1 && p.slug === 'two-sum'));
    const r = await problems('?q=20');
    assert.ok(r.items.some((p) => p.number === 20 && p.slug === 'valid-parentheses'));
  });

  test('topic filter matches the topic and its problem count', async () => {
    const topics = (await get('/api/v1/topics')).json.items;
    const trees = topics.find((t) => t.slug === 'trees');
    assert.ok(trees, 'a trees topic');
    const items = await allProblems('?topic=trees');
    assert.ok(items.length > 0);
    for (const p of items) assert.ok(p.topics.includes('trees'), p.slug);
    assert.equal(items.length, catalog.filter((p) => p.topics.includes('trees')).length);
    assert.equal(items.length, trees.problem_count);
  });

  test('difficulty filter; easy + medium + hard = total', async () => {
    let sum = 0;
    for (const d of ['easy', 'medium', 'hard']) {
      const items = await allProblems(`?difficulty=${d}`);
      assert.ok(items.length > 0);
      for (const p of items) assert.equal(p.difficulty, d);
      sum += items.length;
    }
    assert.equal(sum, catalog.length);
  });

  test('company filter', async () => {
    const companies = (await get('/api/v1/companies')).json.items;
    const google = companies.find((c) => c.slug === 'google');
    const items = await allProblems('?company=google');
    assert.ok(items.length > 50);
    for (const p of items) assert.ok(p.companies.includes('google'), p.slug);
    assert.equal(items.length, google.problem_count);
  });

  test('list filter: blind-75 has 75, neetcode-150 has 150, grind-75 has 75', async () => {
    for (const [list, n] of [['blind-75', 75], ['neetcode-150', 150], ['grind-75', 75]]) {
      const first = await problems(`?list=${list}`);
      assert.equal(first.total, n, list);
      const items = await allProblems(`?list=${list}`);
      assert.equal(new Set(items.map((p) => p.slug)).size, n);
      for (const p of items) assert.ok(p.lists.includes(list), `${p.slug} in ${list}`);
    }
    const blind = (await allProblems('?list=blind-75')).map((p) => p.slug);
    for (const s of ['two-sum', 'merge-k-sorted-lists', 'word-search-ii', 'alien-dictionary', 'find-median-from-data-stream'])
      assert.ok(blind.includes(s), `blind-75 has ${s}`);
    const neet = new Set((await allProblems('?list=neetcode-150')).map((p) => p.slug));
    for (const s of blind) assert.ok(neet.has(s), `neetcode-150 contains blind-75's ${s}`);
  });

  test('filters combine with AND', async () => {
    const items = await allProblems('?list=blind-75&difficulty=hard&topic=graphs');
    const expect = catalog.filter(
      (p) => p.lists.includes('blind-75') && p.difficulty === 'hard' && p.topics.includes('graphs'),
    );
    assert.deepEqual(items.map((p) => p.slug).sort(), expect.map((p) => p.slug).sort());
  });

  test('pagination: limit/offset pages are disjoint and add up; total is stable', async () => {
    const a = await problems('?limit=10&offset=0');
    const b = await problems('?limit=10&offset=10');
    const ab = await problems('?limit=20&offset=0');
    assert.equal(a.items.length, 10);
    assert.equal(b.items.length, 10);
    assert.equal(a.total, catalog.length);
    assert.equal(b.total, catalog.length);
    assert.deepEqual([...a.items, ...b.items].map((p) => p.slug), ab.items.map((p) => p.slug));
    const last = await problems(`?limit=10&offset=${catalog.length - 3}`);
    assert.equal(last.items.length, 3);
    const beyond = await problems(`?offset=${catalog.length + 100}`);
    assert.deepEqual(beyond.items, []);
    assert.equal(beyond.total, catalog.length);
    assert.equal((await problems('?limit=500')).items.length, Math.min(500, catalog.length));
  });

  test('unknown filter values are 422', async () => {
    for (const q of ['difficulty=extreme', 'difficulty=EASY', 'topic=no-such-topic', 'company=no-such-co',
      'list=blind-76', 'status=done', 'topic=..%2F..%2Fetc%2Fpasswd'])
      assertError(await get(`/api/v1/problems?${q}`), 422);
  });

  test('bad limit and offset are 400', async () => {
    for (const q of ['limit=0', 'limit=501', 'limit=-1', 'limit=abc', 'limit=1.5', 'offset=-1', 'offset=x',
      'limit=99999999999999999999999'])
      assertError(await get(`/api/v1/problems?${q}`), 400);
  });

  test('an over-long or non-UTF-8 query is 400', async () => {
    assertError(await get(`/api/v1/problems?q=${'a'.repeat(1000)}`), 400);
    assertError(await get('/api/v1/problems?q=%FF%FE'), 400);
  });

  test("SQL-looking search text is just text", async () => {
    const r = await problems(`?q=${encodeURIComponent("' OR 1=1 --")}`);
    assert.equal(r.total, 0);
  });
});

describe('status filter and problem detail', () => {
  let t;
  before(async () => {
    ({ token: t } = await registerUser(base, 'status'));
    await logAttempt(base, t, { problem: 'two-sum', outcome: 'solved', minutes: 12 });
    await logAttempt(base, t, { problem: 'add-two-numbers', outcome: 'failed', minutes: 40 });
    await logAttempt(base, t, { problem: 'valid-parentheses', outcome: 'solved_with_help' });
  });

  const list = async (q) => {
    const r = await api(base, 'GET', `/api/v1/problems${q}`, { token: t });
    assert.equal(r.status, 200, r.text);
    return r.json;
  };

  test('status=solved / attempted / todo', async () => {
    const solved = await list('?status=solved');
    assert.deepEqual(solved.items.map((p) => p.slug), ['two-sum']);
    assert.equal(solved.total, 1);
    assert.equal(solved.items[0].status, 'solved');
    const attempted = await list('?status=attempted');
    assert.deepEqual(attempted.items.map((p) => p.slug).sort(), ['add-two-numbers', 'valid-parentheses']);
    for (const p of attempted.items) assert.equal(p.status, 'attempted');
    const all = await list('');
    const todo = await list('?status=todo&limit=500');
    assert.equal(todo.total, all.total - 3);
    assert.ok(!todo.items.some((p) => ['two-sum', 'add-two-numbers', 'valid-parentheses'].includes(p.slug)));
    const mixed = await list('?status=solved&difficulty=easy');
    assert.deepEqual(mixed.items.map((p) => p.slug), ['two-sum']);
  });

  test('statuses are per user', async () => {
    const other = await problems('?status=solved');
    assert.equal(other.total, 0);
    const first = await problems('?q=two-sum');
    assert.equal(first.items.find((p) => p.slug === 'two-sum').status, 'todo');
  });

  test('problem detail carries progress and attempts', async () => {
    const r = await api(base, 'GET', '/api/v1/problems/two-sum', { token: t });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.slug, 'two-sum');
    assert.equal(r.json.number, 1);
    assert.equal(r.json.title, 'Two Sum');
    assert.equal(r.json.difficulty, 'easy');
    assert.equal(r.json.progress.status, 'solved');
    assert.equal(r.json.progress.attempts, 1);
    assert.ok('next_review' in r.json.progress);
    assert.equal(r.json.attempts.length, 1);
    assert.equal(r.json.attempts[0].outcome, 'solved');
    assert.equal(r.json.attempts[0].minutes, 12);

    const fresh = await get('/api/v1/problems/two-sum');
    assert.equal(fresh.status, 200);
    assert.equal(fresh.json.progress.status, 'todo');
    assert.equal(fresh.json.progress.attempts, 0);
    assert.deepEqual(fresh.json.attempts, []);
  });

  test('unknown slug is 404', async () => {
    assertError(await get('/api/v1/problems/no-such-problem'), 404);
    assertError(await get('/api/v1/problems/..%2F..%2Fetc%2Fpasswd'), 404);
    assertError(await get(`/api/v1/problems/${'x'.repeat(500)}`), 404);
    assertError(await get(`/api/v1/problems/${encodeURIComponent("two-sum' OR '1'='1")}`), 404);
  });
});

describe('problem lists are read through the cache', () => {
  let t;
  before(async () => {
    ({ token: t } = await registerUser(base, 'cached'));
  });

  const list = async (q) => {
    const r = await api(base, 'GET', `/api/v1/problems${q}`, { token: t });
    assert.equal(r.status, 200, r.text);
    return r;
  };
  /** The in-process cache's lookups so far, from /metrics. */
  const lookups = async () => {
    const text = (await api(base, 'GET', '/metrics')).text;
    const n = (result) =>
      Number(text.match(new RegExp(`^maang_cache_requests_total\\{backend="local",result="${result}"\\} (\\d+)$`, 'm'))[1]);
    return { hit: n('hit'), miss: n('miss') };
  };

  test('the same filters in any order share one entry: the second read is a hit with the same body', async () => {
    const c0 = await lookups();
    const first = await list('?difficulty=easy&list=blind-75&limit=5');
    assert.deepEqual(await lookups(), { hit: c0.hit, miss: c0.miss + 1 });
    const second = await list('?limit=5&list=blind-75&difficulty=easy');
    assert.deepEqual(await lookups(), { hit: c0.hit + 1, miss: c0.miss + 1 });
    assert.equal(second.text, first.text);
    assert.match(second.headers.get('content-type'), /^application\/json/);
    assert.equal(second.json.items.length, 5);
    // Spelt-out defaults and unknown arguments do not matter; other filters are other entries.
    await list('?difficulty=easy&offset=0&list=blind-75&limit=5&utm=x');
    assert.deepEqual(await lookups(), { hit: c0.hit + 2, miss: c0.miss + 1 });
    const next = await list('?difficulty=easy&list=blind-75&limit=5&offset=5');
    assert.deepEqual(await lookups(), { hit: c0.hit + 2, miss: c0.miss + 2 });
    assert.notDeepEqual(next.json.items, first.json.items);
  });

  test('logging an attempt shows in the next list at once', async () => {
    const status = (r) => r.json.items.find((p) => p.slug === 'two-sum').status;
    assert.equal(status(await list('?q=two-sum')), 'todo');
    assert.equal(status(await list('?q=two-sum')), 'todo'); // now cached
    assert.equal((await list('?status=solved')).json.total, 0);
    await logAttempt(base, t, { problem: 'two-sum', outcome: 'solved' });
    const c0 = await lookups();
    assert.equal(status(await list('?q=two-sum')), 'solved');
    assert.deepEqual((await list('?status=solved')).json.items.map((p) => p.slug), ['two-sum']);
    assert.deepEqual(await lookups(), { hit: c0.hit, miss: c0.miss + 2 });
    assert.equal(status(await list('?q=two-sum')), 'solved');
    assert.deepEqual(await lookups(), { hit: c0.hit + 1, miss: c0.miss + 2 });
  });
});

describe('topics, companies, lists, design topics, behavioral questions', () => {
  test('at least 18 topics; prerequisites reference existing topics and form a roadmap (no cycles)', async () => {
    const r = await get('/api/v1/topics');
    assert.equal(r.status, 200);
    const items = r.json.items;
    assert.ok(items.length >= 18, `${items.length} topics`);
    const slugs = new Set(items.map((t) => t.slug));
    assert.equal(slugs.size, items.length, 'unique slugs');
    const pre = new Map();
    for (const t of items) {
      assert.equal(typeof t.name, 'string');
      assert.ok(t.name.length > 0);
      assert.ok(Array.isArray(t.prerequisites));
      for (const p of t.prerequisites) {
        assert.ok(slugs.has(p), `${t.slug} requires unknown ${p}`);
        assert.notEqual(p, t.slug);
      }
      pre.set(t.slug, t.prerequisites);
    }
    assert.ok(items.some((t) => t.prerequisites.length === 0), 'a starting point');
    // Depth-first search for cycles.
    const state = new Map();
    const visit = (s, trail) => {
      if (state.get(s) === 'done') return;
      assert.notEqual(state.get(s), 'active', `cycle: ${[...trail, s].join(' -> ')}`);
      state.set(s, 'active');
      for (const p of pre.get(s)) visit(p, [...trail, s]);
      state.set(s, 'done');
    };
    for (const s of slugs) visit(s, []);
  });

  test('topic detail lists its problems and what it unlocks; unknown topic 404', async () => {
    const topics = (await get('/api/v1/topics')).json.items;
    const r = await get('/api/v1/topics/trees');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.slug, 'trees');
    assert.ok(Array.isArray(r.json.problems));
    assert.equal(r.json.problems.length, topics.find((t) => t.slug === 'trees').problem_count);
    const unlocks = topics.filter((t) => t.prerequisites.includes('trees')).map((t) => t.slug).sort();
    assert.deepEqual([...r.json.unlocks].sort(), unlocks);
    assertError(await get('/api/v1/topics/no-such-topic'), 404);
  });

  test('companies include the MAANG names', async () => {
    const r = await get('/api/v1/companies');
    assert.equal(r.status, 200);
    const slugs = r.json.items.map((c) => c.slug);
    for (const c of ['meta', 'amazon', 'apple', 'netflix', 'google']) assert.ok(slugs.includes(c), c);
    assert.equal(r.json.total, r.json.items.length);
  });

  test('lists with their sizes', async () => {
    const r = await get('/api/v1/lists');
    assert.equal(r.status, 200);
    const by = Object.fromEntries(r.json.items.map((l) => [l.slug, l.problem_count]));
    assert.equal(by['blind-75'], 75);
    assert.equal(by['neetcode-150'], 150);
    assert.equal(by['grind-75'], 75);
  });

  test('at least 25 system-design topics, each with a checklist', async () => {
    const r = await get('/api/v1/design-topics');
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length >= 25, `${r.json.items.length} design topics`);
    assert.equal(r.json.total, r.json.items.length);
    const slugs = new Set();
    for (const t of r.json.items) {
      assert.ok(t.slug && !slugs.has(t.slug), `unique slug ${t.slug}`);
      slugs.add(t.slug);
      assert.ok(typeof t.title === 'string' && t.title.length > 0);
      assert.ok(Array.isArray(t.checklist) && t.checklist.length >= 3, `${t.slug} checklist`);
      for (const c of t.checklist) assert.ok(typeof c === 'string' && c.length > 0);
    }
  });

  test('at least 40 behavioral questions, each with its competency', async () => {
    const r = await get('/api/v1/behavioral-questions');
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length >= 40, `${r.json.items.length} questions`);
    const competencies = new Set();
    for (const q of r.json.items) {
      assert.ok(typeof q.question === 'string' && q.question.length > 10);
      assert.ok(typeof q.competency === 'string' && q.competency.length > 0, q.slug);
      competencies.add(q.competency);
    }
    assert.ok(competencies.size >= 5, 'several competencies');
    const one = [...competencies][0];
    const f = await get(`/api/v1/behavioral-questions?competency=${encodeURIComponent(one)}`);
    assert.equal(f.status, 200);
    assert.ok(f.json.items.length > 0);
    for (const q of f.json.items) assert.equal(q.competency, one);
  });

  test('catalog routes need authentication', async () => {
    for (const p of ['/api/v1/topics', '/api/v1/topics/trees', '/api/v1/companies', '/api/v1/lists',
      '/api/v1/design-topics', '/api/v1/behavioral-questions', '/api/v1/problems/two-sum'])
      assertError(await api(base, 'GET', p), 401);
  });
});
