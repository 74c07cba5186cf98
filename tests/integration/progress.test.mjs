// progress.test.mjs: the progress summary: solved counts by difficulty and
// topic, streaks, the 365-day calendar, out-of-order logging and the
// profile's time zone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { addDays, api, iso, localDate, logAttempt, registerUser, serve } from './harness.mjs';

const DAY = 86400e3;
let srv;
let base;

serve((s) => {
  srv = s;
  base = s.base;
});

async function progress(token) {
  const r = await api(base, 'GET', '/api/v1/progress', { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** Asserts the calendar has 365 consecutive days ending today in TZ; returns {date: count}. */
function checkCalendar(p, tz, t0) {
  assert.ok(Array.isArray(p.calendar));
  assert.equal(p.calendar.length, 365);
  const last = p.calendar[364].date;
  const candidates = [localDate(t0, tz), localDate(Date.now(), tz)];
  assert.ok(candidates.includes(last), `calendar ends on ${last}, expected today in ${tz} (${candidates})`);
  for (let i = 1; i < 365; i++)
    assert.equal(p.calendar[i].date, addDays(p.calendar[i - 1].date, 1), `day ${i} follows day ${i - 1}`);
  const by = {};
  for (const c of p.calendar) {
    assert.ok(Number.isInteger(c.count) && c.count >= 0);
    by[c.date] = c.count;
  }
  return by;
}

describe('a new user', () => {
  test('has zero progress, no streak and an empty 365-day calendar ending today', async () => {
    const t0 = Date.now();
    const { token } = await registerUser(base, 'fresh');
    const p = await progress(token);
    assert.deepEqual(p.solved, { total: 0, easy: 0, medium: 0, hard: 0 });
    assert.equal(p.attempts, 0);
    assert.deepEqual(p.streak, { current: 0, longest: 0 });
    const by = checkCalendar(p, 'UTC', t0);
    assert.ok(Object.values(by).every((n) => n === 0));
    assert.ok(Array.isArray(p.topics) && p.topics.length >= 18);
    const topics = (await api(base, 'GET', '/api/v1/topics', { token })).json.items;
    for (const t of p.topics) {
      assert.equal(t.solved, 0);
      const cat = topics.find((x) => x.slug === t.topic);
      assert.ok(cat, `progress topic ${t.topic} is a catalog topic`);
      assert.equal(t.total, cat.problem_count, t.topic);
      assert.ok('mastery' in t);
    }
  });

  test('needs authentication', async () => {
    const r = await api(base, 'GET', '/api/v1/progress');
    assert.equal(r.status, 401);
  });
});

describe('streaks', () => {
  test('today, yesterday and 2 days ago: current 3, longest 3', async () => {
    const t0 = Date.now();
    const { token } = await registerUser(base, 'streak3');
    await logAttempt(base, token, { problem: 'two-sum', outcome: 'solved', at: iso(t0) });
    await logAttempt(base, token, { problem: 'valid-anagram', outcome: 'failed', at: iso(t0 - DAY) });
    await logAttempt(base, token, { problem: 'contains-duplicate', outcome: 'solved_with_help', at: iso(t0 - 2 * DAY) });
    const p = await progress(token);
    assert.deepEqual(p.streak, { current: 3, longest: 3 });
    assert.equal(p.attempts, 3);
    const by = checkCalendar(p, 'UTC', t0);
    const today = localDate(t0, 'UTC');
    assert.equal(by[today], 1);
    assert.equal(by[addDays(today, -1)], 1);
    assert.equal(by[addDays(today, -2)], 1);
    assert.equal(by[addDays(today, -3)], 0);
    assert.equal(Object.values(by).reduce((a, b) => a + b, 0), 3);
  });

  test('several attempts on one day count once for the streak, all in the calendar', async () => {
    const t0 = Date.now();
    const { token } = await registerUser(base, 'sameday');
    for (const problem of ['two-sum', 'valid-anagram', 'two-sum'])
      await logAttempt(base, token, { problem, outcome: 'solved', at: iso(t0 - DAY) });
    const p = await progress(token);
    assert.deepEqual(p.streak, { current: 1, longest: 1 });
    const by = checkCalendar(p, 'UTC', t0);
    assert.equal(by[addDays(localDate(t0, 'UTC'), -1)], 3);
    assert.equal(p.attempts, 3);
    assert.equal(p.solved.total, 2);
  });

  test('a gap keeps the longest run and resets the current one', async () => {
    const t0 = Date.now();
    const { token } = await registerUser(base, 'gap');
    for (const d of [10, 9, 8, 7])
      await logAttempt(base, token, { problem: 'two-sum', outcome: 'failed', at: iso(t0 - d * DAY) });
    let p = await progress(token);
    assert.deepEqual(p.streak, { current: 0, longest: 4 });
    await logAttempt(base, token, { problem: 'two-sum', outcome: 'failed', at: iso(t0 - 1 * DAY) });
    p = await progress(token);
    assert.deepEqual(p.streak, { current: 1, longest: 4 }, 'yesterday keeps a streak alive');
    await logAttempt(base, token, { problem: 'two-sum', outcome: 'solved', at: iso(t0) });
    p = await progress(token);
    assert.deepEqual(p.streak, { current: 2, longest: 4 });
  });

  test('activity older than the calendar still counts for the longest streak', async () => {
    const t0 = Date.now();
    const { token } = await registerUser(base, 'old');
    for (const d of [500, 499, 498, 497, 496])
      await logAttempt(base, token, { problem: 'two-sum', outcome: 'solved', at: iso(t0 - d * DAY) });
    const p = await progress(token);
    assert.deepEqual(p.streak, { current: 0, longest: 5 });
    const by = checkCalendar(p, 'UTC', t0);
    assert.ok(Object.values(by).every((n) => n === 0), 'nothing inside the last 365 days');
    assert.equal(p.attempts, 5);
  });

  test('out-of-order logging gives the same progress as in-order logging', async () => {
    const t0 = Date.now();
    const plan = [
      ['two-sum', 'failed', 12, 30],
      ['two-sum', 'solved', 11, 20],
      ['lru-cache', 'solved_with_help', 11, null],
      ['lru-cache', 'failed', 6, 50],
      ['number-of-islands', 'solved', 5, 25],
      ['two-sum', 'solved', 4, 9],
      ['merge-intervals', 'failed', 3, null],
      ['merge-intervals', 'solved', 2, 35],
      ['lru-cache', 'solved', 0, 40],
    ].map(([problem, outcome, d, minutes]) => ({ problem, outcome, at: iso(t0 - d * DAY - 1000), ...(minutes === null ? {} : { minutes }) }));
    const inOrder = await registerUser(base, 'inorder');
    const shuffled = await registerUser(base, 'shuffled');
    for (const a of plan) await logAttempt(base, inOrder.token, a);
    for (const i of [5, 0, 8, 3, 1, 7, 2, 6, 4]) await logAttempt(base, shuffled.token, plan[i]);
    const a = await progress(inOrder.token);
    const b = await progress(shuffled.token);
    assert.deepEqual(b, a);
    assert.deepEqual(a.streak, { current: 1, longest: 5 }); // days 6..2 in a row, then today
    assert.equal(a.solved.total, 4);
    for (const slug of ['two-sum', 'lru-cache', 'merge-intervals']) {
      const pa = (await api(base, 'GET', `/api/v1/problems/${slug}`, { token: inOrder.token })).json;
      const pb = (await api(base, 'GET', `/api/v1/problems/${slug}`, { token: shuffled.token })).json;
      assert.deepEqual(pb.progress, pa.progress, slug);
      assert.deepEqual(
        pb.attempts.map((x) => [x.at, x.outcome]),
        pa.attempts.map((x) => [x.at, x.outcome]),
      );
    }
    const ts = (await api(base, 'GET', '/api/v1/problems/two-sum', { token: shuffled.token })).json.progress;
    assert.equal(ts.last_outcome, 'solved', 'the latest attempt by time, not by logging order');
    assert.equal(ts.best_minutes, 9);
    const lru = (await api(base, 'GET', '/api/v1/problems/lru-cache', { token: shuffled.token })).json.progress;
    assert.equal(lru.last_outcome, 'solved');
    assert.equal(lru.first_attempt_at, plan[2].at);
    assert.equal(lru.last_attempt_at, plan[8].at);
  });
});

describe('solved counts', () => {
  test('by difficulty and by topic; help and failures are not solved; repeats count once', async () => {
    const { token } = await registerUser(base, 'solved');
    const detail = async (slug) => (await api(base, 'GET', `/api/v1/problems/${slug}`, { token })).json;
    const easy = await detail('two-sum');
    const medium = await detail('add-two-numbers');
    const hard = await detail('merge-k-sorted-lists');
    assert.equal(easy.difficulty, 'easy');
    assert.equal(medium.difficulty, 'medium');
    assert.equal(hard.difficulty, 'hard');
    await logAttempt(base, token, { problem: 'two-sum', outcome: 'solved' });
    await logAttempt(base, token, { problem: 'two-sum', outcome: 'solved' });
    await logAttempt(base, token, { problem: 'add-two-numbers', outcome: 'failed' });
    await logAttempt(base, token, { problem: 'add-two-numbers', outcome: 'solved' });
    await logAttempt(base, token, { problem: 'merge-k-sorted-lists', outcome: 'solved' });
    await logAttempt(base, token, { problem: 'valid-parentheses', outcome: 'solved_with_help' });
    await logAttempt(base, token, { problem: 'trapping-rain-water', outcome: 'failed' });
    const p = await progress(token);
    assert.deepEqual(p.solved, { total: 3, easy: 1, medium: 1, hard: 1 });
    assert.equal(p.attempts, 7);
    const expect = {};
    for (const d of [easy, medium, hard]) for (const t of d.topics) expect[t] = (expect[t] || 0) + 1;
    for (const t of p.topics) {
      assert.equal(t.solved, expect[t.topic] || 0, `topic ${t.topic}`);
      assert.ok(t.solved <= t.total);
    }
  });
});

describe('time zone', () => {
  test("the calendar and streak follow the profile's zone, and changing it re-files days", async () => {
    const t0 = Date.now();
    const { token } = await registerUser(base, 'tz');
    const put = await api(base, 'PUT', '/api/v1/profile', { token, body: { time_zone: 'America/Los_Angeles' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.time_zone, 'America/Los_Angeles');

    // 03:00 UTC three days ago is still the evening before in Los Angeles.
    const utcDay = addDays(localDate(t0, 'UTC'), -3);
    const at = `${utcDay}T03:00:00Z`;
    const laDay = localDate(Date.parse(at), 'America/Los_Angeles');
    assert.equal(laDay, addDays(utcDay, -1));
    const r = await logAttempt(base, token, { problem: 'two-sum', outcome: 'solved', at });
    assert.equal(r.attempt.at, at);

    let p = await progress(token);
    let by = checkCalendar(p, 'America/Los_Angeles', t0);
    assert.equal(by[laDay], 1, 'filed under the Los Angeles date');
    assert.equal(by[utcDay], 0);

    const back = await api(base, 'PUT', '/api/v1/profile', { token, body: { time_zone: 'UTC' } });
    assert.equal(back.status, 200, back.text);
    p = await progress(token);
    by = checkCalendar(p, 'UTC', t0);
    assert.equal(by[utcDay], 1, 're-filed under the UTC date');
    assert.equal(by[laDay], 0);

    const tokyo = await api(base, 'PUT', '/api/v1/profile', { token, body: { time_zone: 'Asia/Tokyo' } });
    assert.equal(tokyo.status, 200);
    p = await progress(token);
    by = checkCalendar(p, 'Asia/Tokyo', t0);
    assert.equal(by[localDate(Date.parse(at), 'Asia/Tokyo')], 1);
    const a = await api(base, 'GET', `/api/v1/attempts/${r.attempt.id}`, { token });
    assert.equal(a.json.attempt.at, at, 'the instant itself never changes');
  });

  test('evening attempts in Los Angeles count on their local days and make a streak', async () => {
    // 18:30 in Los Angeles is 01:30 or 02:30 UTC the next day. Attempts at
    // 18:30 LA on three consecutive LA days are a 3-day streak there.
    const t0 = Date.now();
    const { token } = await registerUser(base, 'tzstreak');
    assert.equal((await api(base, 'PUT', '/api/v1/profile', { token, body: { time_zone: 'America/Los_Angeles' } })).status, 200);
    const laToday = localDate(t0, 'America/Los_Angeles');
    // Find the UTC instants of 18:30 LA on laToday-3, -2, -1 by probing offsets -7 and -8 h.
    const instant = (day) => {
      for (const off of [7, 8]) {
        const t = Date.parse(`${day}T18:30:00Z`) + off * 3600e3;
        const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Los_Angeles', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(t));
        if (parts === '18:30' && localDate(t, 'America/Los_Angeles') === day) return t;
      }
      throw new Error(`no 18:30 on ${day}`);
    };
    for (const d of [-3, -2, -1])
      await logAttempt(base, token, { problem: 'two-sum', outcome: 'solved', at: iso(instant(addDays(laToday, d))) });
    const p = await progress(token);
    assert.deepEqual(p.streak, { current: 3, longest: 3 });
    const by = checkCalendar(p, 'America/Los_Angeles', t0);
    for (const d of [-3, -2, -1]) assert.equal(by[addDays(laToday, d)], 1);
  });
});
