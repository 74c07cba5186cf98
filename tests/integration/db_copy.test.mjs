// db_copy.test.mjs: `maang db copy` moves a populated SQLite database to
// PostgreSQL with every table verified, is safe to re-run, and the copy
// serves the same data (same export, same login). Runs in the PostgreSQL
// pass; the usage checks run in both.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BACKEND, PASSWORD, api, pgDatabaseFor, randomSecret, runCli, start, tempDir } from './harness.mjs';

const skip = BACKEND !== 'postgres' && 'runs in the PostgreSQL pass (integration_pg.db_copy)';
let dir;
let env;
let srv;

before(async () => {
  dir = tempDir('maang-copy-');
  env = { ...process.env, DATABASE_URL: 'sqlite:' + path.join(dir, 'source.db'), SECRET_KEY: randomSecret(48), LOG_LEVEL: 'warn' };
});

after(async () => {
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null });
});

test('usage errors exit 2', async () => {
  for (const args of [['db'], ['db', 'copy'], ['db', 'copy', '--from', 'sqlite:x.db'], ['db', 'move', '--from', 'a', '--to', 'b'],
                      ['db', 'copy', '--from', 'sqlite:x.db', '--to', 'sqlite:x.db']]) {
    const r = await runCli(args, { env, cwd: dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('a populated SQLite database moves to PostgreSQL, verified, and serves the same data', { skip }, async () => {
  const cli = (args, input) => runCli(args, { env: { ...env, MAANG_PASSWORD: PASSWORD }, cwd: dir, input });
  assert.equal((await cli(['migrate'])).code, 0);
  assert.equal((await cli(['user', 'add', 'mover@example.com', '--name', 'Mover'])).code, 0);
  assert.equal((await cli(['user', 'add', 'other@example.com'])).code, 0);
  const day = 86400;
  const now = Math.floor(Date.now() / 1000);
  const rows = ['problem,outcome,minutes,confidence,notes,at'];
  const slugs = ['two-sum', 'valid-anagram', 'group-anagrams', 'lru-cache', 'coin-change'];
  for (let i = 0; i < 40; i++)
    rows.push(`${slugs[i % 5]},${i % 3 ? 'solved' : 'failed'},${10 + i},${1 + (i % 5)},"note ${i}, with a comma",${new Date((now - i * day) * 1000).toISOString()}`);
  const imp = await cli(['import', '--user', 'mover@example.com', '--format', 'csv', '-'], rows.join('\n'));
  assert.equal(imp.code, 0, imp.stdout + imp.stderr);

  const target = pgDatabaseFor(path.join(dir, 'target'), { migrate: false });
  const copy = await cli(['db', 'copy', '--from', env.DATABASE_URL, '--to', target]);
  assert.equal(copy.code, 0, copy.stdout + copy.stderr);
  assert.match(copy.stdout, /verify attempts\s+40 rows .* ok/);
  assert.match(copy.stdout, /verify users\s+2 rows .* ok/);
  assert.match(copy.stdout, /copy verified/);
  assert.ok(!/DIFFERS/.test(copy.stdout));

  const again = await cli(['db', 'copy', '--from', env.DATABASE_URL, '--to', target]);
  assert.equal(again.code, 0, 'a second run is safe: ' + again.stdout + again.stderr);
  assert.match(again.stdout, /verify attempts\s+40 rows .* ok/);

  // The same export from both databases.
  const exportFrom = async (url) => {
    const r = await runCli(['export', '--user', 'mover@example.com'], { env: { ...env, DATABASE_URL: url }, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    delete doc.exported_at;
    return doc;
  };
  assert.deepEqual(await exportFrom(target), await exportFrom(env.DATABASE_URL));

  // The copy serves: the same password logs in, the progress is there, new writes get new ids.
  srv = await start({ DATABASE_URL: target, SECRET_KEY: env.SECRET_KEY });
  const login = await api(srv.base, 'POST', '/api/v1/auth/login', { body: { email: 'mover@example.com', password: PASSWORD } });
  assert.equal(login.status, 200);
  const token = login.json.token;
  const progress = await api(srv.base, 'GET', '/api/v1/progress', { token });
  assert.equal(progress.json.attempts, 40);
  const w = await api(srv.base, 'POST', '/api/v1/attempts', { token, body: { problem: 'two-sum', outcome: 'solved' } });
  assert.equal(w.status, 201, w.text);
  assert.equal((await api(srv.base, 'GET', '/api/v1/attempts?limit=1', { token })).json.total, 41);
});
