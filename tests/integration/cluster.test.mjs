// cluster.test.mjs: the deployment in miniature, on loopback: two
// `maang serve` instances on one database (SQLite file, or PostgreSQL in the
// PostgreSQL pass) and one throwaway Redis, behind a real nginx configured
// from deploy/nginx.conf. An attempt logged through one instance reaches an
// event stream held through the other and through nginx; a write through
// any instance invalidates cached reads everywhere; Redis dying mid-run
// fails no request.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { api, iso, logAttempt, randomSecret, registerUser, start, tempDir } from './harness.mjs';
import { nginxConfig } from './nginx.mjs';
import { openStream } from './sse.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

let redisPort;
let redisDir;
let a;
let b;
let nginx;
let lb;

function redis(cmd) {
  if (cmd === 'start') {
    execFileSync('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'yes', '--dir', redisDir, '--pidfile', path.join(redisDir, 'r.pid'), '--logfile', path.join(redisDir, 'r.log')]);
    for (let i = 0; i < 100; i++) {
      if (spawnSync('redis-cli', ['-p', String(redisPort), 'ping']).stdout?.toString().includes('PONG')) return;
      spawnSync('sleep', ['0.05']);
    }
    throw new Error('redis-server did not answer');
  }
  spawnSync('redis-cli', ['-p', String(redisPort), 'shutdown', 'nosave']);
}

before(async () => {
  redisDir = tempDir('maang-cluster-redis-');
  redisPort = await freePort();
  redis('start');
  const shared = tempDir('maang-cluster-');
  const env = {
    DATABASE_URL: 'sqlite:' + path.join(shared, 'cluster.db'),
    SECRET_KEY: randomSecret(48),
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  };
  a = await start(env);
  b = await start(env);
  const ndir = tempDir('maang-cluster-nginx-');
  const port = await freePort();
  const conf = nginxConfig(ndir, port, [a.port, b.port]);
  nginx = spawn('nginx', ['-p', ndir, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  lb = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(lb + '/health')).status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
});

after(async () => {
  if (nginx) nginx.kill('SIGQUIT');
  for (const s of [a, b]) if (s) assert.deepEqual(await s.stop(), { code: 0, signal: null });
  redis('stop');
});

const requestsServed = (s) => s.logLines().filter((l) => l.msg === 'request' && l.path === '/api/v1/problems').length;

test('nginx spreads requests over both instances', async () => {
  const u = await registerUser(lb, 'cluster');
  const before1 = [requestsServed(a), requestsServed(b)];
  for (let i = 0; i < 20; i++) assert.equal((await api(lb, 'GET', '/api/v1/problems?limit=1', { token: u.token })).status, 200);
  // An access-log line is written as its request completes, a moment after the answer.
  let servedA = 0;
  let servedB = 0;
  for (let i = 0; i < 50 && servedA + servedB < 20; i++) {
    await sleep(20);
    servedA = requestsServed(a) - before1[0];
    servedB = requestsServed(b) - before1[1];
  }
  assert.equal(servedA + servedB, 20);
  assert.ok(servedA > 0 && servedB > 0, `a served ${servedA}, b served ${servedB}`);
});

test('an attempt logged through instance A reaches streams on instance B and through nginx', async () => {
  const u = await registerUser(lb, 'cluster-sse');
  const auth = { Authorization: `Bearer ${u.token}` };
  const onB = await openStream(b.base + '/api/v1/events', auth);
  const viaLb = await openStream(lb + '/api/v1/events', auth);
  assert.equal(onB.status, 200);
  assert.equal(viaLb.status, 200);
  await sleep(300);
  const logged = await logAttempt(a.base, u.token, { problem: 'two-sum', outcome: 'solved', minutes: 7 });
  assert.equal((await onB.next('attempt.created')).data.attempt.id, logged.attempt.id);
  assert.equal((await viaLb.next('attempt.created')).data.attempt.id, logged.attempt.id);
  onB.close();
  viaLb.close();
});

test('a write through one instance invalidates cached progress on every instance', async () => {
  const u = await registerUser(lb, 'cluster-cache');
  for (const s of [a, b]) assert.equal((await api(s.base, 'GET', '/api/v1/progress', { token: u.token })).json.attempts, 0);
  await logAttempt(b.base, u.token, { problem: 'valid-anagram', outcome: 'solved' });
  for (const base of [a.base, b.base, lb, lb]) assert.equal((await api(base, 'GET', '/api/v1/progress', { token: u.token })).json.attempts, 1);
});

test('Redis killed mid-run: no failed request through nginx', async () => {
  const u = await registerUser(lb, 'cluster-redis');
  let ok = 0;
  for (let i = 0; i < 30; i++) {
    if (i === 10) redis('stop');
    const r = i % 3 === 0
      ? await api(lb, 'POST', '/api/v1/attempts', { token: u.token, body: { problem: 'lru-cache', outcome: 'failed', at: iso(Date.now() - i * 1000) } })
      : await api(lb, 'GET', '/api/v1/progress', { token: u.token });
    assert.ok(r.status === 200 || r.status === 201, `request ${i}: ${r.status} ${r.text}`);
    ok++;
  }
  assert.equal(ok, 30);
  assert.equal((await api(lb, 'GET', '/api/v1/progress', { token: u.token })).json.attempts, 10);
  redis('start');
});
