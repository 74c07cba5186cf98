// profile.test.mjs: GET and PUT /profile: defaults, partial updates, null
// clearing, validation (companies, dates, hours, zones, topics) and the rule
// that a failed update changes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { api, assertError, registerUser, serve } from './harness.mjs';

let srv;
let base;

serve((s) => {
  srv = s;
  base = s.base;
});

const getProfile = async (token) => {
  const r = await api(base, 'GET', '/api/v1/profile', { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const put = (token, body) => api(base, 'PUT', '/api/v1/profile', { token, body });

/** The profile without its update stamp, for before/after comparisons. */
const stable = ({ updated_at, ...rest }) => rest; // eslint-disable-line no-unused-vars

describe('profile', () => {
  let u;
  before(async () => {
    u = await registerUser(base, 'profile');
  });

  test('defaults for a new user', async () => {
    const p = await getProfile(u.token);
    assert.deepEqual(stable(p), {
      target_companies: [],
      interview_date: null,
      hours_per_week: null,
      focus_topic: null,
      time_zone: 'UTC',
    });
    assert.match(p.updated_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  test('needs authentication', async () => {
    assertError(await api(base, 'GET', '/api/v1/profile'), 401);
    assertError(await api(base, 'PUT', '/api/v1/profile', { body: { hours_per_week: 5 } }), 401);
  });

  test('PUT updates only the fields it names', async () => {
    let r = await put(u.token, { target_companies: ['google', 'meta'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.target_companies, ['google', 'meta']);
    r = await put(u.token, { interview_date: '2027-03-15' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.interview_date, '2027-03-15');
    assert.deepEqual(r.json.target_companies, ['google', 'meta']);
    r = await put(u.token, { hours_per_week: 7.5, focus_topic: 'graphs' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.hours_per_week, 7.5);
    assert.equal(r.json.focus_topic, 'graphs');
    r = await put(u.token, { time_zone: 'Europe/Berlin' });
    assert.equal(r.status, 200, r.text);
    const p = await getProfile(u.token);
    assert.deepEqual(stable(p), {
      target_companies: ['google', 'meta'],
      interview_date: '2027-03-15',
      hours_per_week: 7.5,
      focus_topic: 'graphs',
      time_zone: 'Europe/Berlin',
    });
    r = await put(u.token, {});
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(stable(r.json), stable(p));
    r = await put(u.token, { hours_per_week: 10 });
    assert.equal(r.json.hours_per_week, 10);
  });

  test('null clears a field', async () => {
    await put(u.token, { target_companies: ['amazon'], interview_date: '2027-01-01', hours_per_week: 3, focus_topic: 'trees' });
    const r = await put(u.token, { target_companies: null, interview_date: null, hours_per_week: null, focus_topic: null });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.target_companies, []);
    assert.equal(r.json.interview_date, null);
    assert.equal(r.json.hours_per_week, null);
    assert.equal(r.json.focus_topic, null);
    const p = await getProfile(u.token);
    assert.deepEqual(stable(p), stable(r.json));
    assert.deepEqual((await put(u.token, { target_companies: [] })).json.target_companies, []);
  });

  test('invalid values are 422 and change nothing', async () => {
    await put(u.token, { target_companies: ['apple'], interview_date: '2027-06-01', hours_per_week: 12, focus_topic: 'trees', time_zone: 'Asia/Tokyo' });
    const before_ = stable(await getProfile(u.token));
    const bad = [
      { target_companies: ['no-such-company'] },
      { target_companies: ['google', 'google'] },
      { target_companies: [42] },
      { target_companies: 'google' },
      { target_companies: Array.from({ length: 50 }, () => 'google') },
      { interview_date: '2027-13-01' },
      { interview_date: '2027-02-30' },
      { interview_date: 'next friday' },
      { interview_date: '2027-1-5' },
      { interview_date: '2027-06-01T10:00:00Z' },
      { interview_date: 20270601 },
      { hours_per_week: 200 },
      { hours_per_week: -1 },
      { hours_per_week: 169 },
      { hours_per_week: '10' },
      { focus_topic: 'no-such-topic' },
      { focus_topic: 5 },
      { time_zone: 'Mars/Olympus' },
      { time_zone: '../../etc/passwd' },
      { time_zone: '/etc/passwd' },
      { time_zone: 'Europe/../../../etc/passwd' },
      { time_zone: 'America' },
      { time_zone: 'zone.tab' },
      { time_zone: '' },
      { time_zone: null },
      { time_zone: 3 },
      { nickname: 'x' },
      { target_companies: ['google'], unknown: true },
      // A good field next to a bad one must not be half-applied.
      { hours_per_week: 1, time_zone: 'Nowhere/Else' },
      { interview_date: '2030-01-01', focus_topic: 'nope' },
    ];
    for (const body of bad) {
      const r = await put(u.token, body);
      assertError(r, 422);
      assert.deepEqual(stable(await getProfile(u.token)), before_, `after ${JSON.stringify(body)}`);
    }
    for (const raw of ['[1]', '"x"', '{"hours_per_week":', '{"a":1,"a":2}', '{"time_zone":"Europe/Berlin\\u0000"}']) {
      const r = await api(base, 'PUT', '/api/v1/profile', { token: u.token, raw, headers: { 'Content-Type': 'application/json' } });
      assertError(r, 400);
    }
    assert.deepEqual(stable(await getProfile(u.token)), before_);
  });

  test('boundaries: 0 and 168 hours are accepted', async () => {
    assert.equal((await put(u.token, { hours_per_week: 0 })).json.hours_per_week, 0);
    assert.equal((await put(u.token, { hours_per_week: 168 })).json.hours_per_week, 168);
  });

  test("one user's profile is not another's", async () => {
    const other = await registerUser(base, 'profile-other');
    await put(u.token, { target_companies: ['netflix'] });
    const p = await getProfile(other.token);
    assert.deepEqual(p.target_companies, []);
    assert.equal(p.time_zone, 'UTC');
  });
});

/** Up to N valid TZif zone names under DIR (relative), excluding SKIP. */
function zoneNames(dir, n, skip) {
  const out = [];
  const walk = (rel) => {
    if (out.length >= n) return;
    let entries;
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= n) return;
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (!/^[A-Za-z0-9_+\-/]+$/.test(name) || skip.has(name)) continue;
      const full = path.join(dir, name);
      let st;
      try {
        st = fs.statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(name);
      else if (st.isFile() && st.size < 1 << 20) {
        const head = Buffer.alloc(4);
        const fd = fs.openSync(full, 'r');
        fs.readSync(fd, head, 0, 4, 0);
        fs.closeSync(fd);
        if (head.toString('latin1') === 'TZif') out.push(name);
      }
    }
  };
  walk('');
  return out;
}

describe('time zones at scale', () => {
  // Loaded zones are cached by the server; using many distinct zone names
  // (any user can) must not make valid zones unusable for everybody else.
  test('after many distinct zones were used, a valid zone is still accepted', async (t) => {
    const dir = process.env.TZDIR || '/usr/share/zoneinfo';
    const keep = new Set(['Australia/Sydney', 'UTC', 'Etc/UTC']);
    const names = zoneNames(dir, 520, keep);
    if (names.length < 520 || !fs.existsSync(path.join(dir, 'Australia/Sydney'))) {
      t.skip(`only ${names.length} zones installed`);
      return;
    }
    const u = await registerUser(base, 'zones');
    for (const name of names) {
      const r = await put(u.token, { time_zone: name });
      if (r.status !== 200) assertError(r, 422); // a file that is not a usable zone
    }
    const other = await registerUser(base, 'zones-victim');
    const r = await put(other.token, { time_zone: 'Australia/Sydney' });
    assert.equal(r.status, 200, `Australia/Sydney after ${names.length} other zones: ${r.status} ${r.text}`);
  });
});
