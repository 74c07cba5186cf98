// transfer.test.mjs: export (JSON, CSV) and import (CSV, our JSON,
// LeetCode-style dumps) with per-row reports, duplicates and round trips.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { api, assertError, iso, logAttempt, registerUser, serve } from './harness.mjs';

let srv;
let base;

serve((s) => {
  srv = s;
  base = s.base;
});

const importRaw = (token, raw, type) =>
  api(base, 'POST', '/api/v1/import', { token, raw, headers: type ? { 'Content-Type': type } : {} });
const importCsv = (token, csv) => importRaw(token, csv, 'text/csv');
const importJson = (token, doc) => importRaw(token, JSON.stringify(doc), 'application/json');
const attempts = async (token, q = '') => {
  const r = await api(base, 'GET', `/api/v1/attempts?limit=500${q}`, { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const progress = async (token) => (await api(base, 'GET', '/api/v1/progress', { token })).json;

/** RFC 4180 parser for checking exports. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(f);
      f = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
    } else f += c;
  }
  if (f || row.length) {
    row.push(f);
    rows.push(row);
  }
  return rows;
}

const TRICKY_NOTE = 'multi-line "quoted"\nnote, with comma';

describe('export', () => {
  let u;
  before(async () => {
    u = await registerUser(base, 'export');
    await api(base, 'PUT', '/api/v1/profile', { token: u.token, body: { target_companies: ['google'], hours_per_week: 6 } });
    await logAttempt(base, u.token, { problem: 'two-sum', outcome: 'solved', minutes: 11, language: 'go', confidence: 3, notes: TRICKY_NOTE, at: '2024-05-01T10:00:00Z' });
    await logAttempt(base, u.token, { problem: 'lru-cache', outcome: 'failed', at: '2024-05-02T10:00:00Z' });
    const t = await api(base, 'POST', '/api/v1/tokens', { token: u.token, body: { name: 'exported' } });
    u.apiToken = t.json.token;
  });

  test('JSON export holds the user, profile, attempts, progress and no secrets', async () => {
    const r = await api(base, 'GET', '/api/v1/export', { token: u.token });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    const e = r.json;
    assert.equal(e.user.id, u.user.id);
    assert.equal(e.user.email, u.email);
    assert.deepEqual(e.profile.target_companies, ['google']);
    assert.equal(e.profile.hours_per_week, 6);
    assert.equal(e.attempts.length, 2);
    const ts = e.attempts.find((a) => a.problem === 'two-sum');
    assert.equal(ts.outcome, 'solved');
    assert.equal(ts.minutes, 11);
    assert.equal(ts.notes, TRICKY_NOTE);
    assert.equal(ts.at, '2024-05-01T10:00:00Z');
    assert.ok(Array.isArray(e.progress));
    assert.ok(e.progress.some((p) => p.problem === 'two-sum' && p.status === 'solved'));
    assert.ok(Array.isArray(e.activity));
    const actions = e.activity.map((a) => a.action);
    for (const a of ['user.register', 'profile.update', 'attempt.create', 'api_token.create'])
      assert.ok(actions.includes(a), `activity log has ${a}: ${actions}`);
    assert.equal(actions.filter((a) => a === 'attempt.create').length, 2);
    for (const a of e.activity) {
      assert.match(a.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.equal(a.ip, '127.0.0.1', 'who and from where');
    }
    assert.ok(!r.text.includes(u.apiToken), 'the API token secret is not exported');
    assert.ok(!r.text.includes(u.password), 'nor the password');
    assert.ok(!/password_hash|argon2/i.test(r.text), 'nor its hash');
    assert.ok(!r.text.includes(u.token), 'nor the session token');
  });

  test('CSV export: header and one quoted-safe row per attempt', async () => {
    const r = await api(base, 'GET', '/api/v1/export?format=csv', { token: u.token });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    const rows = parseCsv(r.text);
    assert.deepEqual(rows[0], ['problem', 'outcome', 'minutes', 'language', 'confidence', 'notes', 'solution_url', 'at']);
    assert.equal(rows.length, 3);
    const ts = rows.find((x) => x[0] === 'two-sum');
    assert.deepEqual(ts, ['two-sum', 'solved', '11', 'go', '3', TRICKY_NOTE, '', '2024-05-01T10:00:00Z']);
  });

  test('unknown format is 400; anonymous is 401', async () => {
    assertError(await api(base, 'GET', '/api/v1/export?format=xml', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/export'), 401);
  });

  test("the export is the caller's data only", async () => {
    const other = await registerUser(base, 'export-other');
    const r = await api(base, 'GET', '/api/v1/export', { token: other.token });
    assert.equal(r.json.attempts.length, 0);
    assert.equal(r.json.user.id, other.user.id);
    assert.ok(!r.text.includes(u.email));
  });
});

describe('import CSV', () => {
  const csv = [
    'problem,outcome,minutes,language,confidence,notes,solution_url,at',
    'two-sum,solved,15,python,4,"notes, with a comma",,2024-05-01T10:00:00Z',
    'two-sum,win,10,python,3,,,2024-05-01T11:00:00Z',
    'no-such-problem,solved,10,python,3,,,2024-05-01T12:00:00Z',
    `lru-cache,failed,30,go,2,"${TRICKY_NOTE.replace(/"/g, '""')}",https://example.com/x,2024-05-02T11:00:00Z`,
    'merge-intervals,solved_with_help,,,,,,2024-05-03T12:00:00Z',
    'valid-anagram,solved,5',
    'valid-anagram,solved,eleven,,,,,2024-05-04T12:00:00Z',
  ].join('\r\n') + '\r\n';
  let u;
  before(async () => {
    u = await registerUser(base, 'csv');
  });

  test('per-row report: good rows in, bad rows named', async () => {
    const r = await importCsv(u.token, csv);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.format, 'csv');
    assert.equal(r.json.imported, 3);
    assert.equal(r.json.failed, 4);
    assert.equal(r.json.duplicates, 0);
    assert.equal(r.json.errors.length, 4);
    assert.deepEqual(r.json.errors.map((e) => e.row), [2, 3, 6, 7], 'rows are numbered from the first data row');
    for (const e of r.json.errors) assert.ok(typeof e.error === 'string' && e.error.length > 0);
    assert.match(r.json.errors[0].error, /outcome/);
    assert.match(r.json.errors[1].error, /no-such-problem/);

    const list = await attempts(u.token);
    assert.equal(list.total, 3);
    const lru = list.items.find((a) => a.problem === 'lru-cache');
    assert.equal(lru.notes, TRICKY_NOTE);
    assert.equal(lru.minutes, 30);
    assert.equal(lru.confidence, 2);
    assert.equal(lru.solution_url, 'https://example.com/x');
    assert.equal(lru.at, '2024-05-02T11:00:00Z');
    const ts = list.items.find((a) => a.problem === 'two-sum');
    assert.equal(ts.notes, 'notes, with a comma');
    const p = await progress(u.token);
    assert.equal(p.solved.total, 1);
    assert.equal(p.attempts, 3);
  });

  test('re-importing reports duplicates and adds nothing', async () => {
    const before_ = await attempts(u.token);
    const r = await importCsv(u.token, csv);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 0);
    assert.equal(r.json.duplicates, 3);
    assert.equal(r.json.failed, 4);
    assert.deepEqual(await attempts(u.token), before_);
  });

  test('format=csv query, LF endings, a BOM and header aliases work too', async () => {
    const v = await registerUser(base, 'csv2');
    const body = '\ufeffSlug, Outcome ,AT\ncontains-duplicate,solved,2024-06-01T08:00:00Z\n';
    const r = await importRaw(v.token, body, 'application/octet-stream');
    // Without a CSV content type the body is read as JSON and refused...
    assertError(r, 400);
    const q = await api(base, 'POST', '/api/v1/import?format=csv', { token: v.token, raw: body });
    assert.equal(q.status, 200, q.text);
    assert.equal(q.json.imported, 1);
    assert.equal((await attempts(v.token)).items[0].problem, 'contains-duplicate');
  });

  test('a CSV header naming a column twice is refused (which value would win?)', async () => {
    const v = await registerUser(base, 'csvdup');
    const r = await importCsv(v.token, 'problem,outcome,problem\ntwo-sum,solved,lru-cache\n');
    assertError(r, 400);
    assert.equal((await attempts(v.token)).total, 0);
  });

  test('broken CSV is 400 and imports nothing', async () => {
    const v = await registerUser(base, 'csvbad');
    const cases = [
      'problem,outcome,at\n"two-sum,solved,2024-01-01T00:00:00Z\n', // unclosed quote
      'problem,outcome,colour\ntwo-sum,solved,red\n', // unknown column
      'garbage',
      Buffer.concat([Buffer.from('problem,outcome\ntwo-sum,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]),
    ];
    for (const c of cases) assertError(await importCsv(v.token, c), 400);
    assert.equal((await attempts(v.token)).total, 0);
  });
});

describe('import JSON', () => {
  test('{attempts:[...]} and a bare array, with a per-row report', async () => {
    const u = await registerUser(base, 'json');
    const r = await importJson(u.token, {
      attempts: [
        { problem: 'two-sum', outcome: 'solved', minutes: 9, at: '2024-07-01T09:00:00Z' },
        { problem: 'two-sum', outcome: 'solved', minutes: 'nine', at: '2024-07-01T10:00:00Z' },
        { problem: 'climbing-stairs', outcome: 'failed', at: '2024-07-02T09:00:00Z' },
        'not an object',
        { problem: 'climbing-stairs', outcome: 'solved', at: '2999-01-01T00:00:00Z' },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.format, 'json');
    assert.equal(r.json.imported, 2);
    assert.equal(r.json.failed, 3);
    assert.deepEqual(r.json.errors.map((e) => e.row), [2, 4, 5]);
    const arr = await importJson(u.token, [{ problem: 'house-robber', outcome: 'solved', at: '2024-07-03T09:00:00Z' }]);
    assert.equal(arr.status, 200, arr.text);
    assert.equal(arr.json.imported, 1);
    assert.equal((await attempts(u.token)).total, 3);
    const again = await importJson(u.token, [{ problem: 'house-robber', outcome: 'solved', at: '2024-07-03T09:00:00Z' }]);
    assert.equal(again.json.duplicates, 1);
    assert.equal(again.json.imported, 0);
  });

  test('LeetCode-style submissions_dump', async () => {
    const u = await registerUser(base, 'leetcode');
    const r = await importJson(u.token, {
      submissions_dump: [
        { title_slug: 'two-sum', status_display: 'Accepted', lang: 'python3', timestamp: 1700000000 },
        { title_slug: 'lru-cache', status_display: 'Wrong Answer', lang: 'cpp', timestamp: '1700003600' },
        { title_slug: 'not-a-leetcode-problem', status_display: 'Accepted', lang: 'java', timestamp: 1700007200 },
        { status_display: 'Accepted' },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.format, 'leetcode');
    assert.equal(r.json.imported, 2);
    assert.equal(r.json.failed, 2);
    const list = await attempts(u.token);
    const ts = list.items.find((a) => a.problem === 'two-sum');
    assert.equal(ts.outcome, 'solved');
    assert.equal(ts.language, 'python3');
    assert.equal(ts.at, iso(1700000000 * 1000));
    const lru = list.items.find((a) => a.problem === 'lru-cache');
    assert.equal(lru.outcome, 'failed');
    assert.equal(lru.at, iso(1700003600 * 1000));
  });

  test('garbage bodies are 400 and import nothing', async () => {
    const u = await registerUser(base, 'garbage');
    for (const raw of ['hello world', '{"foo":1}', '42', '{"attempts":', '{"attempts":{"problem":"two-sum"}}', '']) {
      const r = await importRaw(u.token, raw, 'application/json');
      assertError(r, 400);
    }
    assertError(await importRaw(u.token, `{"attempts":${'['.repeat(40)}${']'.repeat(40)}}`, 'application/json'), 400);
    assertError(await importRaw(u.token, Buffer.from([0x5b, 0xff, 0x5d]), 'application/json'), 400);
    assertError(await importJson(undefined, { attempts: [] }), 401);
    assert.equal((await attempts(u.token)).total, 0);
  });
});

describe('round trip', () => {
  test("user A's JSON export imported into user B gives the same progress", async () => {
    const a = await registerUser(base, 'trip-a');
    const b = await registerUser(base, 'trip-b');
    const now = Date.now();
    const plan = [
      ['two-sum', 'solved', 0, 10],
      ['two-sum', 'failed', 1, 30],
      ['lru-cache', 'solved_with_help', 1, null],
      ['merge-k-sorted-lists', 'solved', 2, 45],
      ['add-two-numbers', 'solved', 5, 20],
      ['number-of-islands', 'failed', 40, 25],
      ['number-of-islands', 'solved', 39, 18],
    ];
    for (const [problem, outcome, d, minutes] of plan)
      await logAttempt(base, a.token, { problem, outcome, at: iso(now - d * 86400e3 - 60e3), notes: `${problem} note`, ...(minutes ? { minutes } : {}) });
    const exp = await api(base, 'GET', '/api/v1/export', { token: a.token });
    assert.equal(exp.status, 200);
    const r = await importRaw(b.token, exp.text, 'application/json');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, plan.length);
    assert.equal(r.json.failed, 0, JSON.stringify(r.json.errors));
    const pa = await progress(a.token);
    const pb = await progress(b.token);
    assert.deepEqual(pb.solved, pa.solved);
    assert.equal(pb.attempts, pa.attempts);
    assert.deepEqual(pb.streak, pa.streak);
    assert.deepEqual(pb.calendar, pa.calendar);
    assert.deepEqual(pb.topics, pa.topics);
    const strip = (x) => x.items.map(({ id, created_at, ...rest }) => JSON.stringify(rest)).sort(); // eslint-disable-line no-unused-vars
    assert.deepEqual(strip(await attempts(b.token)), strip(await attempts(a.token)));
    // A's own data is untouched and the import shows in B's activity log.
    assert.equal((await attempts(a.token)).total, plan.length);
    const eb = await api(base, 'GET', '/api/v1/export', { token: b.token });
    assert.ok(eb.json.activity.some((x) => x.action === 'attempt.import'));
    // Importing A's export again into B changes nothing.
    const again = await importRaw(b.token, exp.text, 'application/json');
    assert.equal(again.json.imported, 0);
    assert.equal(again.json.duplicates, plan.length);
  });

  test('CSV export of A imported into C gives the same attempts', async () => {
    const a = await registerUser(base, 'csvtrip-a');
    const c = await registerUser(base, 'csvtrip-c');
    await logAttempt(base, a.token, { problem: 'two-sum', outcome: 'solved', minutes: 3, language: 'c', confidence: 5, notes: TRICKY_NOTE, solution_url: 'https://example.com/a,b', at: '2024-01-02T03:04:05Z' });
    await logAttempt(base, a.token, { problem: 'word-break', outcome: 'failed', at: '2024-01-03T03:04:05Z' });
    const csv = (await api(base, 'GET', '/api/v1/export?format=csv', { token: a.token })).text;
    const r = await importCsv(c.token, csv);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 2);
    const strip = (x) => x.items.map(({ id, created_at, ...rest }) => JSON.stringify(rest)).sort(); // eslint-disable-line no-unused-vars
    assert.deepEqual(strip(await attempts(c.token)), strip(await attempts(a.token)));
  });
});
