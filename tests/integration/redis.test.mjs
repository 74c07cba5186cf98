// redis.test.mjs: two `maang serve` instances sharing one database and a
// real, throwaway redis-server: a write on one instance (or by `maang
// import`) invalidates the cached progress and problem lists read through
// the other; Redis going away fails no request and /ready reports it; Redis
// coming back is picked up by itself.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { api, iso, logAttempt, randomSecret, registerUser, start, tempDir } from './harness.mjs';
import { openStream } from './sse.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let redisPort;
let redisDir;

function redisStart() {
  execFileSync('redis-server', [
    '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--daemonize', 'yes', '--dir', redisDir, '--pidfile', path.join(redisDir, 'r.pid'),
    '--logfile', path.join(redisDir, 'r.log'),
  ]);
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(redisPort), 'ping']).stdout?.toString().includes('PONG')) return;
    spawnSync('sleep', ['0.05']);
  }
  throw new Error('redis-server did not answer');
}

function redisStop() {
  spawnSync('redis-cli', ['-p', String(redisPort), 'shutdown', 'nosave']);
}

let a;
let b;

before(async () => {
  redisDir = tempDir('maang-redis-');
  redisPort = await freePort();
  redisStart();
  const shared = tempDir('maang-shared-');
  const env = {
    DATABASE_URL: 'sqlite:' + path.join(shared, 'shared.db'),
    SECRET_KEY: randomSecret(48),
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
  };
  a = await start(env);
  b = await start(env);
});

after(async () => {
  for (const s of [a, b]) if (s) assert.deepEqual(await s.stop(), { code: 0, signal: null });
  redisStop();
});

test('both instances use Redis and say so', async () => {
  for (const s of [a, b]) {
    const r = await api(s.base, 'GET', '/ready');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ready');
    assert.equal(r.json.cache_backend, 'redis');
    assert.equal(r.json.checks.cache, 'ok');
    const line = s.logLines().find((l) => l.msg === 'listening');
    assert.equal(line.cache, 'redis');
  }
});

test('a write through one instance invalidates the progress cached through the other', async () => {
  const u = await registerUser(a.base, 'redis');
  const before1 = await api(b.base, 'GET', '/api/v1/progress', { token: u.token });
  assert.equal(before1.json.attempts, 0);
  // Read again through B: now from the cache.
  assert.deepEqual((await api(b.base, 'GET', '/api/v1/progress', { token: u.token })).json, before1.json);
  await logAttempt(a.base, u.token, { problem: 'two-sum', outcome: 'solved', minutes: 9 });
  const after1 = await api(b.base, 'GET', '/api/v1/progress', { token: u.token });
  assert.equal(after1.json.attempts, 1);
  assert.equal(after1.json.solved.total, 1);
  assert.equal(after1.json.streak.current, 1);
});

test('a problem list cached on one instance shows a status written through the other or by maang import', async () => {
  const u = await registerUser(a.base, 'redis-list');
  const status = async (slug) => {
    const r = await api(b.base, 'GET', `/api/v1/problems?q=${slug}`, { token: u.token });
    assert.equal(r.status, 200, r.text);
    return r.json.items.find((p) => p.slug === slug).status;
  };
  const hits = async () =>
    Number((await api(b.base, 'GET', '/metrics')).text.match(/^maang_cache_requests_total\{backend="redis",result="hit"\} (\d+)$/m)[1]);
  assert.equal(await status('two-sum'), 'todo');
  const h0 = await hits();
  assert.equal(await status('two-sum'), 'todo');
  assert.equal(await hits(), h0 + 1, 'the second read is a hit');
  await logAttempt(a.base, u.token, { problem: 'two-sum', outcome: 'failed' });
  assert.equal(await status('two-sum'), 'attempted');

  assert.equal(await status('coin-change'), 'todo');
  assert.equal(await status('coin-change'), 'todo'); // cached on B
  const imp = await a.cli(['import', '--user', u.email, '--format', 'csv', '-'], { input: 'problem,outcome\ncoin-change,solved\n' });
  assert.equal(imp.code, 0, imp.stdout + imp.stderr);
  assert.equal(await status('coin-change'), 'solved');
});

test('an attempt logged through one instance reaches an event stream open on the other', async () => {
  const u = await registerUser(a.base, 'redis-sse');
  const onB = await openStream(b.base + '/api/v1/events', { Authorization: `Bearer ${u.token}` });
  assert.equal(onB.status, 200);
  await sleep(300); // B's subscription to the channel is up
  const logged = await logAttempt(a.base, u.token, { problem: 'coin-change', outcome: 'solved' });
  const ev = await onB.next('attempt.created');
  assert.equal(ev.data.attempt.id, logged.attempt.id);
  onB.close();
  const m = await api(b.base, 'GET', '/metrics');
  assert.match(m.text, /^maang_events_total\{fate="from_other_instances"\} [1-9]\d*$/m);
});

test('Redis down: no failed request, /ready degraded; back: picked up again', async () => {
  const u = await registerUser(a.base, 'redisdown');
  await logAttempt(a.base, u.token, { problem: 'valid-anagram', outcome: 'solved' });
  redisStop();
  for (let i = 0; i < 5; i++) {
    const s = i % 2 ? a : b;
    const p = await api(s.base, 'GET', '/api/v1/progress', { token: u.token });
    assert.equal(p.status, 200);
    assert.equal(p.json.attempts, 1 + i);
    const w = await api(s.base, 'POST', '/api/v1/attempts', {
      token: u.token,
      body: { problem: 'contains-duplicate', outcome: 'failed', at: iso(Date.now() - i * 1000) },
    });
    assert.equal(w.status, 201);
  }
  const ready = await api(a.base, 'GET', '/ready');
  assert.equal(ready.status, 200);
  assert.equal(ready.json.status, 'degraded');
  assert.equal(ready.json.checks.cache, 'unavailable');
  redisStart();
  await sleep(1500); // past the reconnect back-off
  for (const s of [a, b]) {
    const r = await api(s.base, 'GET', '/ready');
    assert.equal(r.json.checks.cache, 'ok');
    const p = await api(s.base, 'GET', '/api/v1/progress', { token: u.token });
    assert.equal(p.json.attempts, 6);
  }
});
