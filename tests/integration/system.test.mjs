// system.test.mjs: health and readiness, routing errors, request ids, the
// error format, access logs, graceful shutdown and the production guard.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import {
  BACKEND,
  api,
  assertError,
  makeEnv,
  randomSecret,
  registerUser,
  runCli,
  start,
  tempDir,
} from './harness.mjs';

let srv;
let base;
let user;

before(async () => {
  srv = await start({ MAX_BODY_BYTES: '4096' });
  base = srv.base;
  user = await registerUser(base, 'system');
});

after(async () => {
  if (!srv) return;
  const x = await srv.stop();
  assert.deepEqual(x, { code: 0, signal: null });
  assert.match(srv.logs(), /"msg":"stopped"/);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to 3 s) for access log lines of REQUEST_ID. */
async function accessLines(requestId) {
  for (let i = 0; i < 60; i++) {
    const lines = srv.logLines().filter((l) => l.msg === 'request' && l.request_id === requestId);
    if (lines.length) {
      await sleep(50); // a second line would come right after
      return srv.logLines().filter((l) => l.msg === 'request' && l.request_id === requestId);
    }
    await sleep(50);
  }
  return [];
}

/** A request with an exact, unnormalised path (fetch would clean it up). */
function rawGet(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, text, json, headers: new Headers(res.headers) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('health and readiness', () => {
  test('the server runs on the database engine this run is for', () => {
    const line = srv.logLines().find((l) => l.msg === 'listening');
    assert.equal(line.database, BACKEND);
  });

  test('/health 200 without authentication', async () => {
    const r = await api(base, 'GET', '/health');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ok');
    assert.match(r.headers.get('content-type'), /^application\/json/);
  });

  test('/ready 200 with the database checked', async () => {
    const r = await api(base, 'GET', '/ready');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'ready');
  });

  test('HEAD /health answers like GET without a body', async () => {
    const r = await api(base, 'HEAD', '/health');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });
});

describe('routing errors', () => {
  test('unknown routes are 404 JSON errors', async () => {
    for (const p of ['/nope', '/api/v1/nope', '/api/v2/problems', '/api/v1/problems/two-sum/extra/bits', '/api/v1/']) {
      const r = await api(base, 'GET', p, { token: user.token });
      assertError(r, 404);
    }
    assertError(await rawGet(srv.port, '/api/v1/../../etc/passwd'), 404);
    assertError(await rawGet(srv.port, '/..%2F..%2Fetc%2Fpasswd'), 404);
  });

  test('a wrong method is 405 with an error body', async () => {
    for (const [m, p] of [['DELETE', '/health'], ['POST', '/api/v1/progress'], ['GET', '/api/v1/auth/login'],
      ['PUT', '/api/v1/attempts'], ['PATCH', '/api/v1/profile'], ['GET', '/api/v1/tokens/abc']]) {
      const r = await api(base, m, p, { token: user.token });
      assertError(r, 405);
    }
  });

  test('the Allow header of a 405 lists the methods of that path only', async () => {
    const r = await api(base, 'DELETE', '/health');
    assert.equal(r.status, 405);
    const allow = (r.headers.get('allow') || '').split(',').map((s) => s.trim()).filter(Boolean);
    assert.ok(allow.includes('GET'), `Allow: ${allow}`);
    assert.ok(!allow.includes('DELETE'), `Allow lists DELETE although DELETE /health is refused: ${allow}`);
    const t = await api(base, 'GET', '/api/v1/tokens/abc', { token: user.token });
    const allowT = (t.headers.get('allow') || '').split(',').map((s) => s.trim());
    assert.deepEqual(allowT, ['DELETE'], `Allow for /api/v1/tokens/{id}: ${allowT}`);
  });

  test('an over-long path and a non-UTF-8 path are 4xx JSON errors', async () => {
    const long = await api(base, 'GET', `/api/v1/problems/${'a'.repeat(3000)}`, { token: user.token });
    assert.ok([400, 404, 414].includes(long.status), `${long.status}`);
    assertError(long, long.status);
    assertError(await api(base, 'GET', '/api/v1/problems/%FF%FE', { token: user.token }), 400);
  });
});

describe('request ids', () => {
  test('X-Request-Id is echoed when sent and generated otherwise', async () => {
    const sent = await api(base, 'GET', '/health', { headers: { 'X-Request-Id': 'it-req-0001' } });
    assert.equal(sent.headers.get('x-request-id'), 'it-req-0001');
    const a = await api(base, 'GET', '/health');
    const b = await api(base, 'GET', '/health');
    const ida = a.headers.get('x-request-id');
    const idb = b.headers.get('x-request-id');
    assert.ok(ida && ida.length >= 8, `generated id ${ida}`);
    assert.ok(idb && idb !== ida, 'generated ids are unique');
    const err = await api(base, 'GET', '/nope', { headers: { 'X-Request-Id': 'it-req-404' } });
    assert.equal(err.headers.get('x-request-id'), 'it-req-404', 'errors carry the id too');
  });

  test('an unsafe or over-long X-Request-Id is replaced, not echoed', async () => {
    for (const bad of ['has space', 'x'.repeat(200), 'a"b', 'inject\\n']) {
      const r = await api(base, 'GET', '/health', { headers: { 'X-Request-Id': bad } });
      const id = r.headers.get('x-request-id');
      assert.ok(id, 'an id is still sent');
      assert.notEqual(id, bad);
      assert.match(id, /^[A-Za-z0-9._-]{1,64}$/);
    }
  });
});

describe('error format', () => {
  test('every error body is exactly {error:{code,message}}', async () => {
    const other = await registerUser(base, 'system-other');
    const attempt = await api(base, 'POST', '/api/v1/attempts', { token: other.token, body: { problem: 'two-sum', outcome: 'solved' } });
    const cases = [
      [400, await api(base, 'POST', '/api/v1/attempts', { token: user.token, raw: '{bad', headers: { 'Content-Type': 'application/json' } })],
      [400, await api(base, 'GET', '/api/v1/problems?limit=0', { token: user.token })],
      [401, await api(base, 'GET', '/api/v1/progress')],
      [401, await api(base, 'GET', '/api/v1/progress', { token: 'nonsense' })],
      [403, await api(base, 'GET', '/api/v1/admin/users', { token: user.token })],
      [404, await api(base, 'GET', '/api/v1/problems/nope', { token: user.token })],
      [404, await api(base, 'GET', `/api/v1/attempts/${attempt.json.attempt.id}`, { token: user.token })],
      [405, await api(base, 'PUT', '/health')],
      [409, await api(base, 'POST', '/api/v1/auth/register', { body: { email: user.email, password: 'another-password' } })],
      [413, await api(base, 'POST', '/api/v1/attempts', { token: user.token, raw: 'x'.repeat(5000), headers: { 'Content-Type': 'application/json' } })],
      [422, await api(base, 'POST', '/api/v1/attempts', { token: user.token, body: { problem: 'two-sum', outcome: 'meh' } })],
      [422, await api(base, 'PUT', '/api/v1/profile', { token: user.token, body: { time_zone: 'Nowhere' } })],
    ];
    for (const [status, r] of cases) assertError(r, status);
  });
});

describe('authentication comes first', () => {
  test('an anonymous request to a protected route is 401 whatever its body', async () => {
    // Without credentials the caller should learn nothing about body validation.
    const json = { 'Content-Type': 'application/json' };
    assertError(await api(base, 'POST', '/api/v1/attempts', { body: { problem: 'two-sum', outcome: 'solved' } }), 401);
    assertError(await api(base, 'POST', '/api/v1/attempts', { raw: '{not json', headers: json }), 401);
    assertError(await api(base, 'PUT', '/api/v1/profile', { raw: '[]', headers: json }), 401);
  });
});

describe('access log', () => {
  test('each request logs one JSON line with request_id, method, path and status', async () => {
    const id = `it-log-${Date.now()}`;
    await api(base, 'GET', '/api/v1/problems?limit=1&q=two', { token: user.token, headers: { 'X-Request-Id': id } });
    const lines = await accessLines(id);
    assert.equal(lines.length, 1, `one access line for ${id}`);
    const l = lines[0];
    assert.equal(l.method, 'GET');
    assert.equal(l.path, '/api/v1/problems');
    assert.equal(l.status, 200);
    assert.equal(l.level, 'info');
    assert.ok(l.ts);

    const eid = `it-log-err-${Date.now()}`;
    await api(base, 'POST', '/api/v1/attempts', { token: user.token, body: { problem: 'nope', outcome: 'solved' }, headers: { 'X-Request-Id': eid } });
    const el = await accessLines(eid);
    assert.equal(el.length, 1);
    assert.equal(el[0].method, 'POST');
    assert.equal(el[0].path, '/api/v1/attempts');
    assert.equal(el[0].status, 422);

    const nid = `it-log-404-${Date.now()}`;
    await api(base, 'DELETE', '/health', { headers: { 'X-Request-Id': nid } });
    const nl = await accessLines(nid);
    assert.equal(nl.length, 1);
    assert.equal(nl[0].status, 405);
  });

  test('every stderr line is JSON, and no credential is ever logged', async () => {
    const t = await api(base, 'POST', '/api/v1/tokens', { token: user.token, body: { name: 'logged?' } });
    await api(base, 'GET', '/api/v1/auth/me', { token: t.json.token });
    await api(base, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
    await sleep(200);
    const logs = srv.logs();
    for (const line of logs.split('\n').filter((x) => x.trim())) assert.doesNotThrow(() => JSON.parse(line), line);
    assert.ok(!logs.includes(user.password), 'password not logged');
    assert.ok(!logs.includes(user.token), 'session token not logged');
    assert.ok(!logs.includes(t.json.token), 'API token not logged');
    assert.ok(!logs.includes(srv.secret), 'SECRET_KEY not logged');
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM stops the server with exit code 0', async () => {
    const s = await start();
    assert.equal((await api(s.base, 'GET', '/health')).status, 200);
    const x = await s.stop();
    assert.deepEqual(x, { code: 0, signal: null });
    assert.match(s.logs(), /"msg":"stopped"/);
    await assert.rejects(fetch(`${s.base}/health`), 'no longer listening');
  });

  test('the database survives a restart', async () => {
    const s = await start();
    const u = await registerUser(s.base, 'restart');
    await api(s.base, 'POST', '/api/v1/attempts', { token: u.token, body: { problem: 'two-sum', outcome: 'solved' } });
    assert.equal((await s.stop()).code, 0);
    const s2 = await start({ DATABASE_URL: s.env.DATABASE_URL, SECRET_KEY: s.env.SECRET_KEY });
    try {
      const p = await api(s2.base, 'GET', '/api/v1/progress', { token: u.token });
      assert.equal(p.status, 200, 'the session token survives a restart');
      assert.equal(p.json.solved.total, 1);
    } finally {
      assert.equal((await s2.stop()).code, 0);
    }
  });

  test('a request in flight when SIGTERM arrives still gets its answer', async () => {
    const s = await start();
    const body = JSON.stringify({ email: 'inflight@example.com', password: 'in-flight-password' });
    const sock = net.connect(s.port, '127.0.0.1');
    await new Promise((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    let resp = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (resp += d));
    sock.on('error', () => {});
    const closed = new Promise((r) => sock.on('close', r));
    sock.write(
      'POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nConnection: close\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await sleep(100);
    const stopping = s.stop();
    await sleep(100);
    sock.write(body.slice(10));
    await Promise.race([closed, sleep(5000)]);
    sock.destroy();
    const x = await stopping;
    assert.equal(x.code, 0);
    assert.match(resp, /^HTTP\/1\.1 201 /, `answer to the in-flight request: ${JSON.stringify(resp.slice(0, 80))}`);
  });
});

describe('production guard', () => {
  const serve = (extra) => {
    const dir = tempDir();
    return runCli(['serve'], { cwd: dir, env: makeEnv(dir, { ENVIRONMENT: 'production', ...extra }) });
  };

  test('a short SECRET_KEY in production: serve exits 3', async () => {
    const r = await serve({ SECRET_KEY: 'too-short-secret' });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /SECRET_KEY/);
    assert.ok(!r.stderr.includes('too-short-secret'), 'the secret itself is not printed');
  });

  test('a missing SECRET_KEY in production: serve exits 3', async () => {
    const r = await serve({ SECRET_KEY: undefined });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /SECRET_KEY/);
  });

  test('the development default SECRET_KEY in production: serve exits 3', async () => {
    const r = await serve({ SECRET_KEY: 'dev-insecure-secret-change-me' });
    assert.equal(r.code, 3, r.stderr);
  });

  test('a strong SECRET_KEY in production starts', async () => {
    const s = await start({ ENVIRONMENT: 'production', SECRET_KEY: randomSecret(64) });
    assert.equal((await api(s.base, 'GET', '/health')).status, 200);
    assert.equal((await s.stop()).code, 0);
  });

  test('a bad ENVIRONMENT or port is a configuration error (exit 3)', async () => {
    const dir = tempDir();
    const r = await runCli(['serve'], { cwd: dir, env: makeEnv(dir, { ENVIRONMENT: 'staging' }) });
    assert.equal(r.code, 3, r.stderr);
    const p = await runCli(['serve'], { cwd: dir, env: makeEnv(dir, { PORT: 'http' }) });
    assert.equal(p.code, 3, p.stderr);
  });
});
