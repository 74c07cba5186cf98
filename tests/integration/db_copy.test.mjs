// db_copy.test.mjs: `maang db copy` moves a populated SQLite database to
// PostgreSQL with every table verified, is safe to re-run, and the copy
// serves the same data (same export, same login), and integers and doubles
// reach PostgreSQL exactly (they are sent in binary) up to the edges of
// their columns. Runs in the PostgreSQL pass; the usage checks run in both.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

test('integers and doubles arrive exactly at the edges of their columns; one too large fails the copy', { skip }, async () => {
  const file = path.join(dir, 'edges.db');
  const src = { ...env, DATABASE_URL: 'sqlite:' + file };
  assert.equal((await runCli(['migrate'], { env: src, cwd: dir })).code, 0);
  const sqlite = (sql) => execFileSync('sqlite3', [file, sql]);
  // BIGINT beyond 32 bits and below zero, INTEGER at both ends, a double with no exact decimal.
  sqlite(`
    INSERT INTO revoked_tokens VALUES ('edge-high', 'u', 8589934593, 9223372036854775807),
                                      ('edge-low', 'u', -2147483649, -9223372036854775808);
    UPDATE topics SET position = 2147483647 WHERE slug = 'trees';
    UPDATE topics SET position = -2147483648 WHERE slug = 'graphs';
    INSERT INTO users VALUES ('edge-user', 'edge@example.com', 'Edge', 'x', 'user', -1, 4102444800);
    INSERT INTO user_profiles (user_id, hours_per_week, updated_at) VALUES ('edge-user', 0.1, 4102444800);`);
  const target = pgDatabaseFor(path.join(dir, 'edges-target'), { migrate: false });
  const psql = (sql) => execFileSync('psql', [target, '-Atc', sql], { encoding: 'utf8' }).trim();
  const copy = await runCli(['db', 'copy', '--from', src.DATABASE_URL, '--to', target], { env: src, cwd: dir });
  assert.equal(copy.code, 0, copy.stdout + copy.stderr);
  for (const t of ['revoked_tokens', 'topics', 'users', 'user_profiles'])
    assert.match(copy.stdout, new RegExp(`verify ${t}\\s+\\d+ rows .* ok`), t);
  assert.equal(psql('SELECT jti, expires_at, revoked_at FROM revoked_tokens ORDER BY jti'),
    'edge-high|8589934593|9223372036854775807\nedge-low|-2147483649|-9223372036854775808');
  assert.equal(psql("SELECT position FROM topics WHERE slug IN ('trees', 'graphs') ORDER BY slug"), '-2147483648\n2147483647');
  assert.equal(psql("SELECT created_at, updated_at FROM users WHERE id = 'edge-user'"), '-1|4102444800');
  assert.equal(psql("SELECT hours_per_week = 0.1::float8 FROM user_profiles WHERE user_id = 'edge-user'"), 't');

  // 2^31 does not fit an INTEGER column: the copy fails, nothing wraps round to -2^31.
  sqlite("UPDATE topics SET position = 2147483648 WHERE slug = 'trees'");
  const over = await runCli(['db', 'copy', '--from', src.DATABASE_URL, '--to', target], { env: src, cwd: dir });
  assert.equal(over.code, 1, over.stdout + over.stderr);
  assert.match(over.stderr, /cannot bind topics/);
  assert.match(over.stderr, /pg_bind_int: 2147483648 does not fit integer parameter/);
  assert.equal(psql("SELECT position FROM topics WHERE slug = 'trees'"), '2147483647');
});
