// learning.test.mjs: topic mastery, weakness analysis and recommendations on
// constructed histories, with expectations worked out by hand from the
// formulas in docs/learning.md: mastery = 0.35 outcome + 0.15 speed + 0.25
// coverage + 0.25 recall; weak topics ranked by severity with their evidence;
// recommendations that never send a beginner past the roadmap, never repeat a
// problem solved lately unless it is due, and do not depend on import order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { api, assertError, iso, logAttempt, registerUser, serve } from './harness.mjs';

let base;
serve((s) => {
  base = s.base;
});

const DAY = 86400 * 1000;
const daysAgo = (d) => iso(Date.now() - d * DAY);
const get = async (token, path) => {
  const r = await api(base, 'GET', path, { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const close = (a, b, eps = 0.005) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

describe('learning engine', () => {
  test('mastery of a topic from one fast solve today, by hand', async () => {
    const u = await registerUser(base, 'learn-mastery');
    // Easy problem in 15 minutes (its target): outcome 1, speed 1, coverage 1/12, recall ~1.
    await logAttempt(base, u.token, { problem: 'contains-duplicate', outcome: 'solved', minutes: 15 });
    const p = await get(u.token, '/api/v1/progress');
    const t = p.topics.find((x) => x.topic === 'arrays-hashing');
    close(t.mastery.components.outcome, 1);
    close(t.mastery.components.speed, 1);
    close(t.mastery.components.coverage, 1 / 12);
    close(t.mastery.components.recall, 1, 0.01);
    close(t.mastery.value, 0.35 + 0.15 + 0.25 / 12 + 0.25, 0.01);
    assert.equal(t.mastery.attempts, 1);
    // Untouched topics have mastery 0, and the topic route agrees with /progress.
    assert.equal(p.topics.find((x) => x.topic === 'graphs').mastery.value, 0);
    const d = await get(u.token, '/api/v1/topics/arrays-hashing');
    assert.deepEqual(d.mastery, t.mastery);
    // Without timings the speed weight is shared by the others.
    const v = await registerUser(base, 'learn-mastery-nt');
    await logAttempt(base, v.token, { problem: 'contains-duplicate', outcome: 'solved' });
    const tv = (await get(v.token, '/api/v1/progress')).topics.find((x) => x.topic === 'arrays-hashing');
    assert.equal(tv.mastery.components.speed, null);
    close(tv.mastery.value, (0.35 + 0.25 / 12 + 0.25) / 0.85, 0.01);
  });

  test('weaknesses: ranked by severity, with the evidence behind them, and resolved later', async () => {
    const u = await registerUser(base, 'learn-weak');
    for (const p of ['two-sum', 'group-anagrams', 'top-k-frequent-elements', 'valid-anagram'])
      await logAttempt(base, u.token, { problem: p, outcome: 'failed', at: daysAgo(3) });
    await logAttempt(base, u.token, { problem: 'valid-palindrome', outcome: 'failed', at: daysAgo(2) });
    await logAttempt(base, u.token, { problem: 'two-sum-ii-input-array-is-sorted', outcome: 'solved', at: daysAgo(2) });
    let w = await get(u.token, '/api/v1/weaknesses');
    assert.equal(w.items[0].topic, 'arrays-hashing');
    const a = w.items[0];
    assert.equal(a.evidence.attempts, 4);
    assert.equal(a.evidence.failed, 4);
    assert.equal(a.evidence.recent_failures, 4);
    assert.equal(a.evidence.solved, 0);
    assert.deepEqual(
      a.evidence.problems.map((x) => x.slug).sort(),
      ['group-anagrams', 'top-k-frequent-elements', 'two-sum', 'valid-anagram'],
    );
    assert.match(a.explanation, /4 of your 4 attempts failed/);
    assert.equal(a.recommendations.length, 3);
    // Failed problems are due again first; new problems are easy for a beginner in the topic.
    for (const r of a.recommendations) {
      assert.equal(r.topic, 'arrays-hashing');
      if (r.kind === 'review') assert.ok(a.evidence.problems.some((x) => x.slug === r.slug), r.slug);
      else assert.equal(r.difficulty, 'easy', `${r.slug}: a beginner in the topic gets easy problems`);
    }
    const tp = w.items.find((x) => x.topic === 'two-pointers');
    assert.ok(tp, JSON.stringify(w.items.map((x) => x.topic)));
    assert.ok(a.severity > tp.severity);
    for (let i = 1; i < w.items.length; i++) assert.ok(w.items[i - 1].severity >= w.items[i].severity);
    assert.equal(w.history.length, 1);
    // Solving the topic's problems well resolves the weakness.
    const easy = ['contains-duplicate', 'valid-anagram', 'two-sum', 'group-anagrams', 'top-k-frequent-elements',
      'majority-element', 'design-hashmap', 'design-hashset', 'roman-to-integer', 'longest-common-prefix',
      'isomorphic-strings', 'ransom-note', 'word-pattern', 'happy-number'];
    for (const p of easy) await logAttempt(base, u.token, { problem: p, outcome: 'solved', minutes: 8, confidence: 5 });
    w = await get(u.token, '/api/v1/weaknesses');
    assert.ok(!w.items.some((x) => x.topic === 'arrays-hashing'), JSON.stringify(w.items.map((x) => [x.topic, x.severity])));
    assert.ok(w.resolved.includes('arrays-hashing'));
    assert.equal(w.history.length, 2);
  });

  test('recommendations: reviews first, each with a reason, never past the roadmap', async () => {
    const fresh = await registerUser(base, 'learn-rec-new');
    const r0 = await get(fresh.token, '/api/v1/recommendations?limit=10');
    assert.ok(r0.items.length >= 1);
    for (const r of r0.items) {
      assert.equal(r.topic, 'arrays-hashing', 'a beginner starts at the start of the roadmap');
      assert.equal(r.difficulty, 'easy');
      assert.ok(r.reason.length > 10);
    }
    const u = await registerUser(base, 'learn-rec');
    await logAttempt(base, u.token, { problem: 'valid-anagram', outcome: 'solved', at: daysAgo(20) });
    await logAttempt(base, u.token, { problem: 'contains-duplicate', outcome: 'solved' });
    await logAttempt(base, u.token, { problem: 'two-sum', outcome: 'failed' });
    const r = await get(u.token, '/api/v1/recommendations?limit=12');
    assert.equal(r.items[0].slug, 'valid-anagram');
    assert.equal(r.items[0].kind, 'review');
    assert.match(r.items[0].reason, /review due since .* recall now \d+%/);
    const slugs = r.items.map((x) => x.slug);
    assert.equal(new Set(slugs).size, slugs.length, 'no problem twice');
    assert.ok(!slugs.includes('contains-duplicate'), 'solved today and not due');
    assert.ok(!slugs.includes('two-sum'), 'failed today: scheduled for tomorrow');
    const topics = (await get(u.token, '/api/v1/topics')).items;
    const prereq = Object.fromEntries(topics.map((t) => [t.slug, t.prerequisites]));
    const solvedTopics = new Set(['arrays-hashing']);
    for (const x of r.items)
      for (const p of prereq[x.topic]) assert.ok(solvedTopics.has(p), `${x.slug} (${x.topic}) needs ${p}`);
    assert.ok(r.items.some((x) => x.kind === 'similar' && /Two Sum/.test(x.reason)), JSON.stringify(r.items));
  });

  test('the same history imported in another order gives the same answers', async () => {
    const rows = [
      ['two-sum', 'failed', 30, 9],
      ['two-sum', 'solved', 20, 5],
      ['group-anagrams', 'solved_with_help', 35, 7],
      ['valid-anagram', 'solved', 10, 12],
      ['container-with-most-water', 'failed', 40, 3],
      ['3sum', 'failed', 45, 2],
      ['valid-palindrome', 'solved', 8, 1],
    ];
    const csv = (order) =>
      'problem,outcome,minutes,at\n' + order.map(([p, o, m, d]) => `${p},${o},${m},${daysAgo(d)}`).join('\n');
    const one = await registerUser(base, 'learn-order-a');
    const two = await registerUser(base, 'learn-order-b');
    const imp = (token, body) =>
      api(base, 'POST', '/api/v1/import', { token, raw: body, headers: { 'Content-Type': 'text/csv' } });
    assert.equal((await imp(one.token, csv(rows))).status, 200);
    assert.equal((await imp(two.token, csv([...rows].reverse()))).status, 200);
    const strip = (w) => w.items;
    assert.deepEqual(strip(await get(one.token, '/api/v1/weaknesses')), strip(await get(two.token, '/api/v1/weaknesses')));
    assert.deepEqual(await get(one.token, '/api/v1/recommendations'), await get(two.token, '/api/v1/recommendations'));
    const m = (p) => p.topics.map((t) => t.mastery);
    assert.deepEqual(m(await get(one.token, '/api/v1/progress')), m(await get(two.token, '/api/v1/progress')));
  });

  test('a realistic history of 300 attempts: stable under any import order, and consistent', async () => {
    // A deterministic history over the first 60 problems of the catalog and 120 days.
    const problems = (await get((await registerUser(base, 'learn-fixture-cat')).token, '/api/v1/problems?limit=60')).items;
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const outcomes = ['solved', 'solved', 'solved', 'solved_with_help', 'failed'];
    const rows = [];
    for (let i = 0; i < 300; i++) {
      const p = problems[Math.floor(rnd() * problems.length)];
      const at = iso(Date.now() - Math.floor(rnd() * 120 * DAY) - 3600 * 1000);
      rows.push([p.slug, outcomes[Math.floor(rnd() * outcomes.length)], 5 + Math.floor(rnd() * 50), 1 + Math.floor(rnd() * 5), at]);
    }
    const csv = (order) => 'problem,outcome,minutes,confidence,at\n' + order.map((r) => r.join(',')).join('\n');
    const shuffled = rows.map((r, i) => [((i * 7919) % 300), r]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
    const a = await registerUser(base, 'learn-fixture-a');
    const b = await registerUser(base, 'learn-fixture-b');
    for (const [u, order] of [[a, rows], [b, shuffled]]) {
      const r = await api(base, 'POST', '/api/v1/import', { token: u.token, raw: csv(order), headers: { 'Content-Type': 'text/csv' } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.failed, 0, r.text);
    }
    const same = async (path, pick = (x) => x) =>
      assert.deepEqual(pick(await get(a.token, path)), pick(await get(b.token, path)), path);
    await same('/api/v1/weaknesses', (w) => w.items);
    await same('/api/v1/recommendations?limit=20');
    // The two reads are a moment apart: overdue days and recall move with the clock.
    await same('/api/v1/reviews/due?limit=500&horizon_days=30', (d) =>
      d.items.map(({ overdue_days, recall, ...rest }) => ({ ...rest, overdue_days: Math.round(overdue_days), recall: Math.round(recall * 100) })));
    await same('/api/v1/plan?weeks=4');
    await same('/api/v1/stats?period=week');
    await same('/api/v1/progress', (p) => p.topics);
    // Consistency: nothing recommended was solved in the last 14 days unless it is due now.
    const recs = (await get(a.token, '/api/v1/recommendations?limit=50')).items;
    const due = new Set((await get(a.token, '/api/v1/reviews/due?limit=500')).items.map((x) => x.slug));
    const recent = new Set(rows.filter((r) => r[1] === 'solved' && Date.parse(r[4]) > Date.now() - 14 * DAY).map((r) => r[0]));
    for (const r of recs) if (recent.has(r.slug)) assert.ok(due.has(r.slug), `${r.slug} solved lately and not due`);
    // The weakness evidence adds up to the history.
    const w = (await get(a.token, '/api/v1/weaknesses')).items;
    assert.ok(w.length >= 1);
    for (const item of w) assert.ok(item.evidence.failed + item.evidence.solved_with_help <= item.evidence.attempts);
  });

  test('blind mode hides difficulty and company tags', async () => {
    const u = await registerUser(base, 'learn-blind');
    const p = await get(u.token, '/api/v1/problems?limit=5&blind=1');
    for (const x of p.items) {
      assert.equal(x.difficulty, undefined);
      assert.equal(x.companies, undefined);
      assert.ok(x.title && x.topics);
    }
    assert.ok((await get(u.token, '/api/v1/problems?limit=5')).items.every((x) => x.difficulty && x.companies));
    const r = await get(u.token, '/api/v1/recommendations?blind=1');
    assert.ok(r.items.length && r.items.every((x) => x.difficulty === undefined));
    assertError(await api(base, 'GET', '/api/v1/problems?blind=yes', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/recommendations?blind=2', { token: u.token }), 400);
  });

  test('limits', async () => {
    const u = await registerUser(base, 'learn-limits');
    assertError(await api(base, 'GET', '/api/v1/recommendations?limit=51', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/recommendations?limit=0', { token: u.token }), 400);
    assert.ok((await get(u.token, '/api/v1/recommendations?limit=50')).items.length <= 50);
    assertError(await api(base, 'GET', '/api/v1/weaknesses'), 401);
    assert.deepEqual((await get(u.token, '/api/v1/weaknesses')).items, []);
  });
});
