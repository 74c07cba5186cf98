// plan.test.mjs: the study plan. It runs from the user's local today to the
// day before the interview, never spends more than a week's share of
// hours_per_week, follows the roadmap (a topic's problems only after its
// prerequisites have a solved problem, planned ones included), places due
// reviews on their day, adds a weekly mock interview when the budget allows,
// hides difficulty in blind mode, and keeps dates right across time zones
// and daylight-saving changes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { api, assertError, iso, localDate, logAttempt, registerUser, serve } from './harness.mjs';

let base;
serve((s) => {
  base = s.base;
});

const DAY = 86400 * 1000;
const get = async (token, path) => {
  const r = await api(base, 'GET', path, { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const profile = async (token, body) => {
  const r = await api(base, 'PUT', '/api/v1/profile', { token, body });
  assert.equal(r.status, 200, r.text);
};
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const allItems = (plan) => plan.weeks.flatMap((w) => w.days.flatMap((d) => d.items.map((i) => ({ ...i, date: d.date }))));

describe('study plan', () => {
  test('fits the weekly budget, up to the day before the interview', async () => {
    const u = await registerUser(base, 'plan-budget');
    const today = localDate(Date.now(), 'UTC');
    const interview = addDays(today, 30);
    await profile(u.token, { interview_date: interview, hours_per_week: 4.5 });
    const p = await get(u.token, '/api/v1/plan');
    assert.equal(p.start, today);
    assert.equal(p.end, addDays(interview, -1));
    assert.equal(p.interview_date, interview);
    assert.equal(p.horizon, 'interview date');
    assert.equal(p.weeks.length, 5);
    let prev = addDays(today, -1);
    let total = 0;
    for (const w of p.weeks) {
      const sum = w.days.reduce((a, d) => a + d.minutes, 0);
      assert.equal(sum, w.minutes);
      assert.ok(w.minutes <= w.budget, `week ${w.week}: ${w.minutes} > ${w.budget}`);
      assert.ok(w.budget <= 270 && w.budget >= Math.floor((270 * w.days.length) / 7));
      for (const d of w.days) {
        assert.equal(d.date, addDays(prev, 1), 'consecutive days');
        prev = d.date;
        assert.equal(d.items.reduce((a, i) => a + i.minutes, 0), d.minutes);
      }
      total += w.minutes;
    }
    assert.equal(prev, addDays(interview, -1));
    assert.equal(p.totals.minutes, total);
    assert.ok(p.totals.new > 5);
    assert.equal(p.totals.mocks, 4, 'a mock in each full week of 4.5 hours');
    for (const m of allItems(p).filter((i) => i.kind === 'mock')) assert.equal(m.minutes, 60);
  });

  test('follows the roadmap and schedules the reviews of what it plans', async () => {
    const u = await registerUser(base, 'plan-roadmap');
    await profile(u.token, { hours_per_week: 10 });
    const p = await get(u.token, '/api/v1/plan?weeks=6');
    assert.equal(p.horizon, 'requested');
    assert.equal(p.weeks.length, 6);
    const topics = (await get(u.token, '/api/v1/topics')).items;
    const prereq = Object.fromEntries(topics.map((t) => [t.slug, t.prerequisites]));
    const started = new Set();
    const firstNew = new Map();
    for (const it of allItems(p)) {
      if (it.kind !== 'new') continue;
      for (const q of prereq[it.topic]) assert.ok(started.has(q), `${it.slug} (${it.topic}) before any ${q}`);
      started.add(it.topic);
      if (!firstNew.has(it.slug)) firstNew.set(it.slug, it.date);
      else assert.fail(`${it.slug} planned twice as new`);
    }
    assert.equal([...firstNew.keys()].length > 10, true);
    assert.ok(started.has('two-pointers'), 'the roadmap moves on after arrays');
    // A new problem comes back for review two days later (FSRS: first Good = 2.3 days).
    const reviews = allItems(p).filter((i) => i.kind === 'review');
    for (const [slug, date] of [...firstNew.entries()].slice(0, 5)) {
      const r = reviews.find((x) => x.slug === slug);
      assert.ok(r, `${slug} reviewed`);
      assert.ok(r.date >= addDays(date, 2), `${slug}: new ${date}, review ${r.date}`);
    }
  });

  test('due reviews come first, on their day', async () => {
    const u = await registerUser(base, 'plan-due');
    await logAttempt(base, u.token, { problem: 'two-sum', outcome: 'solved', at: iso(Date.now() - 10 * DAY) });
    const p = await get(u.token, '/api/v1/plan?weeks=1');
    const first = p.weeks[0].days[0].items[0];
    assert.equal(first.kind, 'review');
    assert.equal(first.slug, 'two-sum');
    assert.equal(first.minutes, 15);
  });

  test('is re-planned at once when progress changes', async () => {
    const u = await registerUser(base, 'plan-replan');
    const p = await get(u.token, '/api/v1/plan?weeks=2');
    const first = allItems(p).find((i) => i.kind === 'new');
    assert.deepEqual(await get(u.token, '/api/v1/plan?weeks=2'), p, 'the same answer twice (cached)');
    await logAttempt(base, u.token, { problem: first.slug, outcome: 'solved' });
    const q = await get(u.token, '/api/v1/plan?weeks=2');
    assert.ok(!allItems(q).some((i) => i.kind === 'new' && i.slug === first.slug));
    assert.ok(allItems(q).some((i) => i.kind === 'review' && i.slug === first.slug));
  });

  test('blind mode hides difficulty', async () => {
    const u = await registerUser(base, 'plan-blind');
    const p = await get(u.token, '/api/v1/plan?weeks=2&blind=1');
    const items = allItems(p).filter((i) => i.kind !== 'mock');
    assert.ok(items.length > 0);
    for (const i of items) assert.equal(i.difficulty, undefined);
    const q = await get(u.token, '/api/v1/plan?weeks=2');
    assert.ok(allItems(q).filter((i) => i.kind === 'new').every((i) => ['easy', 'medium', 'hard'].includes(i.difficulty)));
  });

  test('dates are local: far-apart time zones, and across a DST change', async () => {
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/New_York']) {
      const u = await registerUser(base, 'plan-tz');
      await profile(u.token, { time_zone: zone });
      const p = await get(u.token, '/api/v1/plan?weeks=20');
      assert.equal(p.start, localDate(Date.now(), zone), zone);
      const days = p.weeks.flatMap((w) => w.days.map((d) => d.date));
      assert.equal(days.length, 140);
      for (let i = 1; i < days.length; i++) assert.equal(days[i], addDays(days[i - 1], 1), `${zone} ${days[i]}`);
    }
  });

  test('limits', async () => {
    const u = await registerUser(base, 'plan-limits');
    assertError(await api(base, 'GET', '/api/v1/plan?weeks=53', { token: u.token }), 400);
    assert.equal((await get(u.token, '/api/v1/plan?weeks=52')).weeks.length, 52);
    assertError(await api(base, 'GET', '/api/v1/plan?blind=maybe', { token: u.token }), 400);
    const p = await get(u.token, '/api/v1/plan');
    assert.equal(p.horizon, 'default');
    assert.equal(p.weeks.length, 8);
    assert.equal(p.hours_per_week, 5);
    assertError(await api(base, 'GET', '/api/v1/plan'), 401);
  });
});
