// stats.test.mjs: the user_metrics rollups behind the dashboard's charts:
// daily and weekly series (Monday-started weeks, in the profile's time zone)
// with empty periods included, counts per difficulty kept in step by every
// attempt logged, imported or deleted, and the limits of a series.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { api, assertError, localDate, logAttempt, registerUser, serve } from './harness.mjs';

let base;
serve((s) => {
  base = s.base;
});

const get = async (token, path) => {
  const r = await api(base, 'GET', path, { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
};

describe('stats', () => {
  test('daily and weekly series count attempts per difficulty', async () => {
    const u = await registerUser(base, 'stats');
    // 2025-03-03 is a Monday; 2025-03-05 a Wednesday of the same week; 2025-03-10 the next Monday.
    const log = (problem, outcome, at, minutes) => logAttempt(base, u.token, { problem, outcome, at, minutes });
    await log('two-sum', 'solved', '2025-03-03T10:00:00Z', 12);
    await log('group-anagrams', 'failed', '2025-03-03T11:00:00Z', 40);
    await log('median-of-two-sorted-arrays', 'solved_with_help', '2025-03-05T10:00:00Z', 50);
    const gone = await log('valid-anagram', 'solved', '2025-03-05T12:00:00Z', 8);
    await log('valid-anagram', 'solved', '2025-03-10T09:00:00Z');
    let d = await get(u.token, '/api/v1/stats?period=day&from=2025-03-02&to=2025-03-11');
    assert.equal(d.items.length, 10);
    assert.equal(d.items[0].start, '2025-03-02');
    assert.equal(d.items[0].attempts, 0);
    assert.equal(d.items[0].success_rate, null);
    const mon = d.items[1];
    assert.equal(mon.start, '2025-03-03');
    assert.equal(mon.attempts, 2);
    assert.equal(mon.solved, 1);
    assert.equal(mon.failed, 1);
    assert.equal(mon.minutes, 52);
    assert.equal(mon.success_rate, 0.5);
    assert.equal(mon.by_difficulty.easy.solved, 1);
    assert.equal(mon.by_difficulty.medium.failed, 1);
    assert.equal(d.items[3].attempts, 2);
    assert.equal(d.items[3].by_difficulty.hard.solved_with_help, 1);
    let w = await get(u.token, '/api/v1/stats?period=week&from=2025-03-04&to=2025-03-12');
    assert.deepEqual(
      w.items.map((x) => [x.start, x.attempts, x.solved]),
      [
        ['2025-03-03', 4, 2],
        ['2025-03-10', 1, 1],
      ],
    );
    assert.equal(w.items[0].minutes, 110);
    // A delete is taken back out.
    const del = await api(base, 'DELETE', `/api/v1/attempts/${gone.attempt.id}`, { token: u.token });
    assert.equal(del.status, 204);
    w = await get(u.token, '/api/v1/stats?period=week&from=2025-03-03&to=2025-03-03');
    assert.equal(w.items[0].attempts, 3);
    assert.equal(w.items[0].minutes, 102);
    d = await get(u.token, '/api/v1/stats?from=2025-03-05&to=2025-03-05');
    assert.equal(d.period, 'day');
    assert.equal(d.items[0].attempts, 1);
  });

  test('defaults: the last 30 days and 12 weeks up to the local today', async () => {
    const u = await registerUser(base, 'stats-default');
    await api(base, 'PUT', '/api/v1/profile', { token: u.token, body: { time_zone: 'Pacific/Kiritimati' } });
    await logAttempt(base, u.token, { problem: 'two-sum', outcome: 'solved' });
    const today = localDate(Date.now(), 'Pacific/Kiritimati');
    const d = await get(u.token, '/api/v1/stats');
    assert.equal(d.items.length, 30);
    assert.equal(d.to, today);
    assert.equal(d.items[29].start, today);
    assert.equal(d.items[29].attempts, 1);
    const w = await get(u.token, '/api/v1/stats?period=week');
    assert.equal(w.items.length, 12);
    assert.equal(w.items[11].attempts, 1);
    assert.equal(new Date(`${w.items[11].start}T00:00:00Z`).getUTCDay(), 1, 'weeks start on Monday');
  });

  test('imports count too, and limits hold', async () => {
    const u = await registerUser(base, 'stats-import');
    const r = await api(base, 'POST', '/api/v1/import', {
      token: u.token,
      raw: 'problem,outcome,minutes,at\ntwo-sum,solved,10,2025-01-06T10:00:00Z\nthree-sum,failed,,2025-01-06T11:00:00Z\n3sum,failed,30,2025-01-07T10:00:00Z\n',
      headers: { 'Content-Type': 'text/csv' },
    });
    assert.equal(r.status, 200, r.text);
    const w = await get(u.token, '/api/v1/stats?period=week&from=2025-01-06&to=2025-01-06');
    assert.equal(w.items[0].attempts, r.json.imported);
    assertError(await api(base, 'GET', '/api/v1/stats?period=month', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/stats?from=2025-02-01&to=2025-01-01', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/stats?from=2024-01-01&to=2025-01-01', { token: u.token }), 400);
    assert.equal((await get(u.token, '/api/v1/stats?from=2024-01-02&to=2025-01-01')).items.length, 366);
    assertError(await api(base, 'GET', '/api/v1/stats?period=week&from=2023-01-02&to=2025-01-01', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/stats?from=yesterday', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/stats'), 401);
  });
});
