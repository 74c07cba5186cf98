// reviews.test.mjs: FSRS-6 review scheduling over HTTP. Attempts are graded
// into ratings (failed → Again, with help → Hard, solved → Good, or Hard when
// slow or unsure, Easy when fast and sure); the state of each problem is
// replayed from its attempts, so the order they are logged or imported in
// does not matter; GET /reviews/due lists what is due with its recall now
// and on the interview day. Expected values are computed here from the
// published FSRS-6 formulas and default parameters, not taken from the server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { api, assertError, iso, logAttempt, registerUser, serve } from './harness.mjs';

let base;
serve((s) => {
  base = s.base;
});

// FSRS-6 defaults (w0..w20) and the forgetting curve.
const W = [
  0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796, 1.4835,
  0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
];
const DECAY = W[20];
const FACTOR = 0.9 ** (-1 / DECAY) - 1;
const recall = (stability, days) => (1 + (FACTOR * days) / stability) ** -DECAY;
const DAY = 86400 * 1000;
const daysAgo = (d) => iso(Date.now() - d * DAY);

const detail = async (token, slug) => {
  const r = await api(base, 'GET', `/api/v1/problems/${slug}`, { token });
  assert.equal(r.status, 200, r.text);
  return r.json.progress;
};
const due = async (token, q = '') => {
  const r = await api(base, 'GET', `/api/v1/reviews/due${q}`, { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const close = (a, b, eps = 1e-3) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

describe('review scheduling', () => {
  test('the first review of each grade starts at its initial stability', async () => {
    const u = await registerUser(base, 'rev-first');
    const cases = [
      ['two-sum', { outcome: 'failed' }, W[0]],
      ['valid-anagram', { outcome: 'solved_with_help' }, W[1]],
      ['contains-duplicate', { outcome: 'solved', minutes: 12, confidence: 3 }, W[2]],
      // Easy problem, 5 minutes (within 0.6 x 15) and sure: Easy.
      ['valid-palindrome', { outcome: 'solved', minutes: 5, confidence: 5 }, W[3]],
      // Slow (over 1.5 x 15 minutes): Hard although solved.
      ['best-time-to-buy-and-sell-stock', { outcome: 'solved', minutes: 30, confidence: 4 }, W[1]],
      // Unsure: Hard.
      ['merge-two-sorted-lists', { outcome: 'solved', minutes: 10, confidence: 2 }, W[1]],
    ];
    for (const [slug, body, s0] of cases) {
      const at = await logAttempt(base, u.token, { problem: slug, ...body });
      close(at.progress.stability, s0);
      assert.equal(at.progress.reviews, 1);
      const p = await detail(u.token, slug);
      close(p.stability, s0);
      // Due after the interval where recall falls to 90%: S days, rounded.
      const dueAt = Date.parse(p.next_review);
      const want = Date.parse(at.attempt.at) + Math.max(1, Math.round(s0)) * DAY;
      assert.ok(Math.abs(dueAt - want) <= 1000, `${slug}: ${p.next_review}`);
      close(p.recall, 1, 0.01);
    }
  });

  test('due reviews: overdue first, with recall now and on the interview day', async () => {
    const u = await registerUser(base, 'rev-due');
    await logAttempt(base, u.token, { problem: 'two-sum', outcome: 'solved', at: daysAgo(10) });
    await logAttempt(base, u.token, { problem: 'group-anagrams', outcome: 'failed', at: daysAgo(3) });
    await logAttempt(base, u.token, { problem: 'valid-anagram', outcome: 'solved' });
    const d = await due(u.token);
    assert.deepEqual(
      d.items.map((x) => x.slug),
      ['two-sum', 'group-anagrams'],
    );
    assert.equal(d.total, 2);
    const ts = d.items[0];
    close(ts.stability, W[2]);
    close(ts.recall, recall(W[2], 10), 2e-3);
    close(ts.overdue_days, 10 - 2, 0.01);
    assert.equal(ts.title, 'Two Sum');
    assert.equal(d.interview_date, null);
    assert.equal(ts.recall_at_interview, undefined);
    // Looking ahead three days adds the problem solved today.
    const ahead = await due(u.token, '?horizon_days=3');
    assert.ok(ahead.items.some((x) => x.slug === 'valid-anagram'));
    assert.equal((await due(u.token, '?limit=1')).items.length, 1);
    // An interview in 30 days: recall projected to then.
    const day = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
    const pr = await api(base, 'PUT', '/api/v1/profile', { token: u.token, body: { interview_date: day } });
    assert.equal(pr.status, 200, pr.text);
    const d2 = await due(u.token);
    assert.equal(d2.interview_date, day);
    const at = Date.parse(`${day}T12:00:00Z`);
    const last = Date.parse(d2.items[0].due) - 2 * DAY;
    close(d2.items[0].recall_at_interview, recall(W[2], (at - last) / DAY), 2e-3);
    assert.ok(d2.items[0].recall_at_interview < d2.items[0].recall);
  });

  test('the order attempts are logged or imported in does not change the state', async () => {
    const attempts = [
      { problem: 'coin-change', outcome: 'failed', at: daysAgo(30), minutes: 40 },
      { problem: 'coin-change', outcome: 'solved_with_help', at: daysAgo(25), minutes: 35 },
      { problem: 'coin-change', outcome: 'solved', at: daysAgo(12), minutes: 20, confidence: 4 },
      { problem: 'coin-change', outcome: 'solved', at: daysAgo(2), minutes: 12, confidence: 5 },
    ];
    const inOrder = await registerUser(base, 'rev-order-a');
    for (const a of attempts) await logAttempt(base, inOrder.token, a);
    const reversed = await registerUser(base, 'rev-order-b');
    for (const a of [...attempts].reverse()) await logAttempt(base, reversed.token, a);
    const imported = await registerUser(base, 'rev-order-c');
    const csv =
      'problem,outcome,minutes,confidence,at\n' +
      [attempts[2], attempts[0], attempts[3], attempts[1]]
        .map((a) => `${a.problem},${a.outcome},${a.minutes},${a.confidence ?? ''},${a.at}`)
        .join('\n');
    const r = await api(base, 'POST', '/api/v1/import', {
      token: imported.token,
      raw: csv,
      headers: { 'Content-Type': 'text/csv' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 4);
    const pick = ({ stability, fsrs_difficulty, reviews, lapses, next_review }) => ({
      stability,
      fsrs_difficulty,
      reviews,
      lapses,
      next_review,
    });
    const a = pick(await detail(inOrder.token, 'coin-change'));
    assert.deepEqual(pick(await detail(reversed.token, 'coin-change')), a);
    assert.deepEqual(pick(await detail(imported.token, 'coin-change')), a);
    assert.equal(a.reviews, 4);
    assert.equal(a.lapses, 0, 'the first review is not a lapse');
    assert.ok(a.stability > W[2], 'two good reviews after a lapse grow stability');
  });

  test('deleting an attempt replays the rest', async () => {
    const u = await registerUser(base, 'rev-delete');
    const first = await logAttempt(base, u.token, { problem: 'climbing-stairs', outcome: 'solved', at: daysAgo(9) });
    const second = await logAttempt(base, u.token, { problem: 'climbing-stairs', outcome: 'failed', at: daysAgo(3) });
    assert.equal(second.progress.lapses, 1);
    const d = await api(base, 'DELETE', `/api/v1/attempts/${second.attempt.id}`, { token: u.token });
    assert.equal(d.status, 204);
    const p = await detail(u.token, 'climbing-stairs');
    close(p.stability, W[2]);
    assert.equal(p.lapses, 0);
    assert.equal(p.reviews, 1);
    assert.equal(Date.parse(p.next_review), Date.parse(first.attempt.at) + 2 * DAY);
    await api(base, 'DELETE', `/api/v1/attempts/${first.attempt.id}`, { token: u.token });
    assert.deepEqual((await due(u.token, '?horizon_days=365')).items, []);
  });

  test('limits and authentication', async () => {
    const u = await registerUser(base, 'rev-limits');
    assertError(await api(base, 'GET', '/api/v1/reviews/due?limit=501', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/reviews/due?limit=0', { token: u.token }), 400);
    assert.equal((await due(u.token, '?limit=500')).items.length, 0);
    assertError(await api(base, 'GET', '/api/v1/reviews/due?horizon_days=366', { token: u.token }), 400);
    assert.equal((await due(u.token, '?horizon_days=365')).total, 0);
    assertError(await api(base, 'GET', '/api/v1/reviews/due'), 401);
  });
});
