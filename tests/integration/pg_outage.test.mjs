// pg_outage.test.mjs: PostgreSQL going away under a running server and
// coming back. During the outage requests get 503 database_unavailable and
// /ready says so; afterwards the pool reconnects by itself, without a
// restart of the server, and no committed data is lost. Runs in the
// PostgreSQL pass, on a cluster of its own (stopping the shared one would
// break the tests running beside it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BACKEND, BIN, REPO, api, assertError, logAttempt, registerUser, start, tempDir } from './harness.mjs';

const skip = BACKEND !== 'postgres' && 'runs in the PostgreSQL pass (integration_pg.pg_outage)';
const pgTest = path.join(REPO, 'scripts', 'pg-test.sh');
let dir;
let srv;

before(async () => {
  if (skip) return;
  const parent = tempDir('maang-pgout-');
  fs.chmodSync(parent, 0o755); // the cluster runs as the postgres user
  dir = path.join(parent, 'cluster');
  execFileSync(pgTest, ['start', dir]);
  const port = fs.readFileSync(path.join(dir, 'port'), 'utf8').trim();
  execFileSync('psql', ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', '-q', '-c', 'CREATE DATABASE outage']);
  const url = `postgresql://postgres@127.0.0.1:${port}/outage`;
  execFileSync(BIN, ['migrate'], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' } });
  srv = await start({ DATABASE_URL: url });
});

after(async () => {
  if (skip) return;
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null });
  execFileSync(pgTest, ['stop', dir]);
});

test('requests get 503 while PostgreSQL is down and succeed again once it is back', { skip }, async () => {
  const u = await registerUser(srv.base, 'outage');
  await logAttempt(srv.base, u.token, { problem: 'two-sum', outcome: 'solved' });

  execFileSync(pgTest, ['stop', dir]);
  const down = await api(srv.base, 'GET', '/api/v1/attempts', { token: u.token });
  assertError(down, 503, 'database_unavailable');
  const ready = await api(srv.base, 'GET', '/ready');
  assert.equal(ready.status, 503);
  const write = await api(srv.base, 'POST', '/api/v1/attempts', {
    token: u.token,
    body: { problem: 'valid-anagram', outcome: 'solved' },
  });
  assert.equal(write.status, 503);

  execFileSync(pgTest, ['resume', dir]);
  let back;
  for (let i = 0; i < 50; i++) {
    back = await api(srv.base, 'GET', '/api/v1/attempts', { token: u.token });
    if (back.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.total, 1, 'the attempt committed before the outage is there; the one refused during it is not');
  await logAttempt(srv.base, u.token, { problem: 'valid-anagram', outcome: 'solved' });
  assert.equal((await api(srv.base, 'GET', '/ready')).status, 200);
});
