// attempts.test.mjs: logging attempts (validation, hostile bodies), listing
// with filters, reading, deleting, isolation between users, and the rule
// that a failed request changes nothing.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { api, assertError, iso, logAttempt, registerUser, serve } from './harness.mjs';

let srv;
let base;

serve((s) => {
  srv = s;
  base = s.base;
}, { MAX_BODY_BYTES: '4096' });

const post = (token, body) => api(base, 'POST', '/api/v1/attempts', { token, body });
const postRaw = (token, raw, type = 'application/json') =>
  api(base, 'POST', '/api/v1/attempts', { token, raw, headers: { 'Content-Type': type } });

/** What a user can see of their data: progress, attempts and the activity log. */
async function snapshot(token) {
  const p = await api(base, 'GET', '/api/v1/progress', { token });
  const a = await api(base, 'GET', '/api/v1/attempts?limit=500', { token });
  const e = await api(base, 'GET', '/api/v1/export', { token });
  assert.equal(p.status, 200);
  assert.equal(a.status, 200);
  assert.equal(e.status, 200);
  return { progress: p.json, attempts: a.json, activity: e.json.activity, progressRows: e.json.progress };
}

describe('POST /attempts', () => {
  let u;
  before(async () => {
    u = await registerUser(base, 'att');
  });

  test('201 with {attempt, progress} and a Location that reads it back', async () => {
    const r = await post(u.token, {
      problem: 'two-sum', outcome: 'solved', minutes: 15, language: 'python', confidence: 4,
      notes: 'hash map, one pass', solution_url: 'https://example.com/s/1',
    });
    assert.equal(r.status, 201, r.text);
    const a = r.json.attempt;
    assert.match(a.id, /^[0-9a-f-]{36}$/);
    assert.equal(a.problem, 'two-sum');
    assert.equal(a.outcome, 'solved');
    assert.equal(a.minutes, 15);
    assert.equal(a.language, 'python');
    assert.equal(a.confidence, 4);
    assert.equal(a.notes, 'hash map, one pass');
    assert.equal(a.solution_url, 'https://example.com/s/1');
    assert.match(a.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Math.abs(Date.parse(a.at) - Date.now()) < 5 * 60 * 1000, 'at defaults to now');
    const p = r.json.progress;
    assert.equal(p.status, 'solved');
    assert.equal(p.attempts, 1);
    assert.ok('next_review' in p);
    assert.equal(r.headers.get('location'), `/api/v1/attempts/${a.id}`);
    const g = await api(base, 'GET', r.headers.get('location'), { token: u.token });
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.json.attempt, a);
  });

  test('optional fields may be left out or null', async () => {
    const r = await post(u.token, { problem: 'contains-duplicate', outcome: 'failed' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.attempt.minutes, null);
    assert.equal(r.json.attempt.confidence, null);
    assert.equal(r.json.attempt.language, null);
    assert.equal(r.json.progress.status, 'attempted');
    const n = await post(u.token, { problem: 'contains-duplicate', outcome: 'failed', minutes: null, notes: null });
    assert.equal(n.status, 201, n.text);
    assert.equal(n.json.progress.attempts, 2);
  });

  test('boundaries: minutes 0 and 1440, confidence 1 and 5 are accepted', async () => {
    assert.equal((await post(u.token, { problem: 'valid-anagram', outcome: 'solved', minutes: 0, confidence: 1 })).status, 201);
    assert.equal((await post(u.token, { problem: 'valid-anagram', outcome: 'solved', minutes: 1440, confidence: 5 })).status, 201);
  });

  test('a past "at" is accepted and reflected, offsets are normalised to UTC', async () => {
    const r = await post(u.token, { problem: 'valid-palindrome', outcome: 'solved_with_help', at: '2024-03-05T10:20:30Z' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.attempt.at, '2024-03-05T10:20:30Z');
    assert.equal(r.json.progress.status, 'attempted');
    const o = await post(u.token, { problem: 'valid-palindrome', outcome: 'failed', at: '2024-03-05T10:20:30+02:00' });
    assert.equal(o.status, 201, o.text);
    assert.equal(o.json.attempt.at, '2024-03-05T08:20:30Z');
    const recent = iso(Date.now() - 3 * 86400e3);
    const x = await post(u.token, { problem: 'valid-palindrome', outcome: 'failed', at: recent });
    assert.equal(x.json.attempt.at, recent);
  });

  test('validation errors are 422 naming the problem', async () => {
    const cases = [
      [{ problem: 'two-sum', outcome: 'solved', at: iso(Date.now() + 86400e3) }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', at: 'yesterday' }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', at: '2024-02-30T10:00:00Z' }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', at: '1999-12-31T23:59:59Z' }, 'invalid_field'],
      [{ problem: 'no-such-problem', outcome: 'solved' }, 'unknown_problem'],
      [{ problem: '../../etc/passwd', outcome: 'solved' }, 'unknown_problem'],
      [{ problem: 'two-sum', outcome: 'win' }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'SOLVED' }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', minutes: -1 }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', minutes: 1441 }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', minutes: 1.5 }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', minutes: '30' }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', confidence: 0 }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', confidence: 6 }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', confidence: true }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', solution_url: 'javascript:alert(1)' }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', language: 'x'.repeat(100) }, 'invalid_field'],
      [{ problem: 'two-sum', outcome: 'solved', user_id: 'someone-else' }, 'unknown_field'],
      [{ problem: ['two-sum'], outcome: 'solved' }, 'invalid_field'],
      [{ outcome: 'solved' }, 'missing_field'],
      [{ problem: 'two-sum' }, 'missing_field'],
      [{}, 'missing_field'],
    ];
    for (const [body, code] of cases) {
      const r = await post(u.token, body);
      assertError(r, 422, code);
    }
  });

  test('hostile bodies are 400/413 JSON errors', async () => {
    assertError(await postRaw(u.token, '{"problem":"two-sum","outcome":'), 400, 'invalid_json');
    assertError(await postRaw(u.token, '{"problem":"two-sum",}'), 400, 'invalid_json');
    assertError(await postRaw(u.token, ''), 400);
    assertError(await postRaw(u.token, '[1,2,3]'), 400);
    assertError(await postRaw(u.token, '"two-sum"'), 400);
    assertError(await postRaw(u.token, 'null'), 400);
    assertError(await postRaw(u.token, '{"problem":"two-sum","problem":"lru-cache","outcome":"solved"}'), 400);
    // Deep nesting, depth 40.
    assertError(
      await postRaw(u.token, `{"problem":"two-sum","outcome":"solved","notes":${'['.repeat(40)}${']'.repeat(40)}}`),
      400,
    );
    // Invalid UTF-8 inside a string.
    const bad = Buffer.concat([
      Buffer.from('{"problem":"two-sum","outcome":"solved","notes":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}'),
    ]);
    assertError(await postRaw(u.token, bad), 400);
    // Overlong UTF-8 encoding of "/".
    const overlong = Buffer.concat([
      Buffer.from('{"problem":"two-sum","outcome":"solved","notes":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"}'),
    ]);
    assertError(await postRaw(u.token, overlong), 400);
    // Huge numbers.
    for (const n of ['1e400', '9223372036854775808', '-9223372036854775809', '123456789012345678901234567890']) {
      const r = await postRaw(u.token, `{"problem":"two-sum","outcome":"solved","minutes":${n}}`);
      assert.ok([400, 422].includes(r.status), `minutes ${n}: ${r.status} ${r.text}`);
      assertError(r, r.status);
    }
    const big = await postRaw(u.token, '{"problem":"two-sum","outcome":"solved","minutes":9223372036854775807}');
    assertError(big, 422);
  });

  test('a body over MAX_BODY_BYTES is 413 body_too_large (with and without Content-Length)', async () => {
    const body = JSON.stringify({ problem: 'two-sum', outcome: 'solved', notes: 'x'.repeat(5000) });
    assert.ok(body.length > 5000);
    assertError(await postRaw(u.token, body), 413, 'body_too_large');
    // Chunked transfer: no Content-Length up front.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < body.length; i += 1000) c.enqueue(new TextEncoder().encode(body.slice(i, i + 1000)));
        c.close();
      },
    });
    const res = await fetch(`${base}/api/v1/attempts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${u.token}`, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    const text = await res.text();
    assertError({ status: res.status, text, json: JSON.parse(text), headers: res.headers }, 413, 'body_too_large');
    // Just under the limit is fine.
    const ok = JSON.stringify({ problem: 'two-sum', outcome: 'failed', notes: 'y'.repeat(3900) });
    assert.ok(ok.length < 4096);
    assert.equal((await postRaw(u.token, ok)).status, 201);
  });

  test('SQL-looking and unusual strings are stored verbatim', async () => {
    const notes = "'); DROP TABLE attempts; -- \" \\ ✓ 日本語 🚀\n\ttab";
    const language = "c' OR '1'='1";
    const r = await post(u.token, { problem: 'merge-intervals', outcome: 'solved', notes, language });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.attempt.notes, notes);
    assert.equal(r.json.attempt.language, language);
    const g = await api(base, 'GET', `/api/v1/attempts/${r.json.attempt.id}`, { token: u.token });
    assert.equal(g.json.attempt.notes, notes);
    assert.equal(g.json.attempt.language, language);
    const l = await api(base, 'GET', '/api/v1/attempts?problem=merge-intervals', { token: u.token });
    assert.equal(l.status, 200);
    assert.equal(l.json.items[0].notes, notes);
  });

  test('a string with an escaped NUL is refused or stored without truncation', async () => {
    const r = await post(u.token, { problem: 'merge-intervals', outcome: 'failed', notes: 'before\u0000after' });
    if (r.status === 201) assert.equal(r.json.attempt.notes, 'before\u0000after');
    else assertError(r, r.status >= 400 && r.status < 500 ? r.status : 400);
  });

  test('needs authentication', async () => {
    assertError(await post(undefined, { problem: 'two-sum', outcome: 'solved' }), 401);
  });
});

describe('GET /attempts', () => {
  let u;
  const logged = [];
  before(async () => {
    u = await registerUser(base, 'list');
    const day = 86400e3;
    const now = Date.now();
    const plan = [
      ['two-sum', 'solved', now - 10 * day],
      ['two-sum', 'failed', now - 20 * day],
      ['lru-cache', 'solved_with_help', now - 5 * day],
      ['number-of-islands', 'solved', now - 1 * day],
      ['two-sum', 'solved', now - 2 * day],
    ];
    for (const [problem, outcome, t] of plan)
      logged.push((await logAttempt(base, u.token, { problem, outcome, at: iso(t) })).attempt);
  });

  const list = async (q) => {
    const r = await api(base, 'GET', `/api/v1/attempts${q}`, { token: u.token });
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    return r.json;
  };

  test('all attempts, newest first, with total', async () => {
    const r = await list('');
    assert.equal(r.total, 5);
    assert.equal(r.items.length, 5);
    const ats = r.items.map((a) => a.at);
    assert.deepEqual(ats, [...ats].sort().reverse());
  });

  test('problem filter', async () => {
    const r = await list('?problem=two-sum');
    assert.equal(r.total, 3);
    for (const a of r.items) assert.equal(a.problem, 'two-sum');
    assert.equal((await list('?problem=valid-parentheses')).total, 0);
    assertError(await api(base, 'GET', '/api/v1/attempts?problem=no-such-problem', { token: u.token }), 422);
  });

  test('since filter (date and date-time)', async () => {
    const since = iso(Date.now() - 6 * 86400e3);
    const r = await list(`?since=${since}`);
    assert.equal(r.total, 3);
    for (const a of r.items) assert.ok(a.at >= since);
    const d = await list(`?since=${since.slice(0, 10)}`);
    assert.equal(d.total, 3);
    assert.equal((await list('?since=2000-01-01')).total, 5);
    assertError(await api(base, 'GET', '/api/v1/attempts?since=last-week', { token: u.token }), 400);
  });

  test('limit/offset pagination', async () => {
    const a = await list('?limit=2');
    const b = await list('?limit=2&offset=2');
    const c = await list('?limit=2&offset=4');
    assert.equal(a.total, 5);
    assert.equal(a.items.length, 2);
    assert.equal(b.items.length, 2);
    assert.equal(c.items.length, 1);
    const all = await list('');
    assert.deepEqual([...a.items, ...b.items, ...c.items].map((x) => x.id), all.items.map((x) => x.id));
    assertError(await api(base, 'GET', '/api/v1/attempts?limit=0', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/attempts?limit=501', { token: u.token }), 400);
    assertError(await api(base, 'GET', '/api/v1/attempts?offset=-5', { token: u.token }), 400);
  });

  test('GET /attempts/{id}; unknown id 404', async () => {
    const r = await api(base, 'GET', `/api/v1/attempts/${logged[2].id}`, { token: u.token });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.attempt, logged[2]);
    assertError(await api(base, 'GET', '/api/v1/attempts/00000000-0000-4000-8000-000000000000', { token: u.token }), 404);
    assertError(await api(base, 'GET', `/api/v1/attempts/${encodeURIComponent("x' OR '1'='1")}`, { token: u.token }), 404);
  });
});

describe("another user's attempt", () => {
  test('GET and DELETE are 404, and the attempt still exists for its owner', async () => {
    const owner = await registerUser(base, 'owner');
    const intruder = await registerUser(base, 'intruder');
    const { attempt } = await logAttempt(base, owner.token, { problem: 'two-sum', outcome: 'solved' });
    assertError(await api(base, 'GET', `/api/v1/attempts/${attempt.id}`, { token: intruder.token }), 404);
    assertError(await api(base, 'DELETE', `/api/v1/attempts/${attempt.id}`, { token: intruder.token }), 404);
    const mine = await api(base, 'GET', '/api/v1/attempts', { token: intruder.token });
    assert.equal(mine.json.total, 0);
    const prob = await api(base, 'GET', '/api/v1/problems/two-sum', { token: intruder.token });
    assert.equal(prob.json.progress.status, 'todo');
    assert.deepEqual(prob.json.attempts, []);
    const g = await api(base, 'GET', `/api/v1/attempts/${attempt.id}`, { token: owner.token });
    assert.equal(g.status, 200);
    assert.deepEqual(g.json.attempt, attempt);
    const p = await api(base, 'GET', '/api/v1/progress', { token: owner.token });
    assert.equal(p.json.solved.total, 1);
  });
});

describe('DELETE /attempts/{id}', () => {
  test('204, progress recomputed: back to todo when the last attempt goes', async () => {
    const u = await registerUser(base, 'del');
    const s = (await logAttempt(base, u.token, { problem: 'climbing-stairs', outcome: 'solved', at: iso(Date.now() - 86400e3) })).attempt;
    const f = (await logAttempt(base, u.token, { problem: 'climbing-stairs', outcome: 'failed' })).attempt;
    let p = await api(base, 'GET', '/api/v1/problems/climbing-stairs', { token: u.token });
    assert.equal(p.json.progress.status, 'solved');
    assert.equal(p.json.progress.attempts, 2);

    const d1 = await api(base, 'DELETE', `/api/v1/attempts/${s.id}`, { token: u.token });
    assert.equal(d1.status, 204, d1.text);
    assert.equal(d1.text, '');
    p = await api(base, 'GET', '/api/v1/problems/climbing-stairs', { token: u.token });
    assert.equal(p.json.progress.status, 'attempted');
    assert.equal(p.json.progress.attempts, 1);
    let prog = (await api(base, 'GET', '/api/v1/progress', { token: u.token })).json;
    assert.equal(prog.solved.total, 0);
    assert.equal(prog.attempts, 1);

    assert.equal((await api(base, 'DELETE', `/api/v1/attempts/${f.id}`, { token: u.token })).status, 204);
    p = await api(base, 'GET', '/api/v1/problems/climbing-stairs', { token: u.token });
    assert.equal(p.json.progress.status, 'todo');
    assert.equal(p.json.progress.attempts, 0);
    assert.deepEqual(p.json.attempts, []);
    prog = (await api(base, 'GET', '/api/v1/progress', { token: u.token })).json;
    assert.equal(prog.attempts, 0);
    assert.equal(prog.streak.current, 0);
    assert.equal(prog.streak.longest, 0);
    assert.ok(prog.calendar.every((c) => c.count === 0));
    const st = await api(base, 'GET', '/api/v1/problems?status=attempted', { token: u.token });
    assert.equal(st.json.total, 0);

    assertError(await api(base, 'DELETE', `/api/v1/attempts/${f.id}`, { token: u.token }), 404);
    assertError(await api(base, 'GET', `/api/v1/attempts/${f.id}`, { token: u.token }), 404);
    const log = (await api(base, 'GET', '/api/v1/export', { token: u.token })).json.activity;
    const deletes = log.filter((x) => x.action === 'attempt.delete').map((x) => x.entity_id).sort();
    assert.deepEqual(deletes, [s.id, f.id].sort(), 'each delete is in the activity log');
  });
});

describe('concurrent writes', () => {
  test('attempts logged at the same time are all recorded, each for its own user', async () => {
    const a = await registerUser(base, 'conc-a');
    const b = await registerUser(base, 'conc-b');
    const rs = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        post(i % 2 ? a.token : b.token, { problem: i % 3 ? 'two-sum' : 'lru-cache', outcome: i % 4 ? 'failed' : 'solved' }),
      ),
    );
    for (const r of rs) assert.equal(r.status, 201, r.text);
    for (const u of [a, b]) {
      const p = (await api(base, 'GET', '/api/v1/progress', { token: u.token })).json;
      assert.equal(p.attempts, 30);
      assert.equal(p.calendar.at(-1).count, 30);
      const l = await api(base, 'GET', '/api/v1/attempts?limit=500', { token: u.token });
      assert.equal(l.json.total, 30);
      const ts = (await api(base, 'GET', '/api/v1/problems/two-sum', { token: u.token })).json.progress;
      assert.equal(ts.attempts, l.json.items.filter((x) => x.problem === 'two-sum').length);
    }
  });
});

describe('failed requests change nothing', () => {
  test('progress, attempts and the activity log are the same after every error case', async () => {
    const u = await registerUser(base, 'unchanged');
    await logAttempt(base, u.token, { problem: 'two-sum', outcome: 'solved', minutes: 10 });
    await logAttempt(base, u.token, { problem: 'lru-cache', outcome: 'failed', at: iso(Date.now() - 2 * 86400e3) });
    const other = await registerUser(base, 'unchanged-other');
    const foreign = (await logAttempt(base, other.token, { problem: 'two-sum', outcome: 'solved' })).attempt;
    const before_ = await snapshot(u.token);

    const errors = [
      await post(u.token, { problem: 'two-sum', outcome: 'win' }),
      await post(u.token, { problem: 'nope', outcome: 'solved' }),
      await post(u.token, { problem: 'two-sum', outcome: 'solved', minutes: 5000 }),
      await post(u.token, { problem: 'two-sum', outcome: 'solved', at: iso(Date.now() + 7 * 86400e3) }),
      await post(u.token, { problem: 'two-sum', outcome: 'solved', extra: 1 }),
      await postRaw(u.token, '{"problem":"two-sum","outcome":"solved"'),
      await postRaw(u.token, '{"problem":"two-sum","outcome":"solved","notes":"' + 'z'.repeat(5000) + '"}'),
      await postRaw(u.token, Buffer.from([0x7b, 0xff, 0x7d])),
      await post('not-a-token', { problem: 'two-sum', outcome: 'solved' }),
      await api(base, 'DELETE', `/api/v1/attempts/${foreign.id}`, { token: u.token }),
      await api(base, 'DELETE', '/api/v1/attempts/nope', { token: u.token }),
      await api(base, 'PUT', '/api/v1/profile', { token: u.token, body: { time_zone: 'Mars/Olympus' } }),
      await api(base, 'PUT', '/api/v1/profile', { token: u.token, body: { hours_per_week: 500 } }),
      await api(base, 'POST', '/api/v1/import', { token: u.token, raw: 'garbage{', headers: { 'Content-Type': 'application/json' } }),
      await api(base, 'POST', '/api/v1/import', { token: u.token, raw: 'problem,outcome\n"two-sum,solved\n', headers: { 'Content-Type': 'text/csv' } }),
    ];
    for (const r of errors) assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);

    const after_ = await snapshot(u.token);
    assert.deepEqual(after_, before_);
    // And the other user's attempt is untouched.
    const g = await api(base, 'GET', `/api/v1/attempts/${foreign.id}`, { token: other.token });
    assert.equal(g.status, 200);
  });
});

describe('per-problem progress', () => {
  test('folding attempts in one by one equals recomputing from all of them', async () => {
    const u = await registerUser(base, 'fold');
    const day = 86400 * 1000;
    const now = Date.now();
    // Out of order, with a tie on "at", a help-assisted solve, and changing minutes.
    const attempts = [
      { outcome: 'failed', minutes: 40, at: iso(now - 5 * day) },
      { outcome: 'solved', minutes: 25, at: iso(now - 9 * day) },
      { outcome: 'solved_with_help', minutes: 12, at: iso(now - 2 * day) },
      { outcome: 'solved', minutes: 18, at: iso(now - 2 * day) },
      { outcome: 'failed', minutes: 50, at: iso(now - 12 * day) },
    ];
    for (const a of attempts) await logAttempt(base, u.token, { problem: 'group-anagrams', ...a });
    const folded = (await api(base, 'GET', '/api/v1/problems/group-anagrams', { token: u.token })).json.progress;
    assert.equal(folded.status, 'solved');
    assert.equal(folded.attempts, 5);
    assert.equal(folded.solved_count, 2);
    assert.equal(folded.best_minutes, 18);
    assert.equal(folded.last_outcome, 'solved'); // the later-logged of the two at the same instant
    // Deleting an extra attempt makes the server recompute from the attempts that remain.
    const extra = await logAttempt(base, u.token, { problem: 'group-anagrams', outcome: 'failed', at: iso(now - 20 * day) });
    const del = await api(base, 'DELETE', `/api/v1/attempts/${extra.attempt.id}`, { token: u.token });
    assert.equal(del.status, 204);
    const recomputed = (await api(base, 'GET', '/api/v1/problems/group-anagrams', { token: u.token })).json.progress;
    assert.deepEqual(recomputed, folded);
  });
});
