// cli.test.mjs: the `maang` command line: help, version, exit codes,
// migrations, user management, import/export and config check, checked
// together with the HTTP API on the same database.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { api, assertError, iso, makeEnv, registerUser, runCli, start, tempDir, uniqueEmail } from './harness.mjs';

let srv;

before(async () => {
  srv = await start();
});

after(async () => {
  if (!srv) return;
  const x = await srv.stop();
  assert.deepEqual(x, { code: 0, signal: null });
});

const login = (email, password) => api(srv.base, 'POST', '/api/v1/auth/login', { body: { email, password } });

/** A fresh database of its own (not the server's); opts as for makeEnv. */
function freshEnv(extra = {}, opts = {}) {
  const dir = tempDir();
  return { dir, env: makeEnv(dir, extra, opts) };
}

describe('help, version and exit codes', () => {
  test('maang version', async () => {
    const r = await runCli(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^maang \d+\.\d+\.\d+/);
    assert.match(r.stdout, /sqlite/i);
  });

  test('maang --help lists every command', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const c of ['serve', 'migrate', 'user', 'import', 'export', 'config', 'version'])
      assert.match(r.stdout, new RegExp(`\\b${c}\\b`), c);
    assert.match(r.stdout, /exit codes?/i);
  });

  test('maang user --help shows the user actions', async () => {
    const r = await runCli(['user', '--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const a of ['add', 'list', 'set-role', 'token']) assert.match(r.stdout, new RegExp(a));
    const h = await runCli(['help', 'user']);
    assert.equal(h.code, 0);
    assert.equal(h.stdout, r.stdout);
  });

  test('--help on every command exits 0 without side effects', async () => {
    const { dir, env } = freshEnv();
    for (const c of ['serve', 'migrate', 'import', 'export', 'config', 'version']) {
      const r = await runCli([c, '--help'], { env, cwd: dir });
      assert.equal(r.code, 0, `${c} --help: ${r.stderr}`);
      assert.match(r.stdout, /usage/i);
    }
    assert.ok(!fs.existsSync(path.join(dir, 't.db')), '--help touched no database');
  });

  test('usage errors exit 2', async () => {
    const none = await runCli([]);
    assert.equal(none.code, 2);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /frobnicate/);
    assert.equal((await runCli(['help', 'frobnicate'])).code, 2);
    assert.equal((await srv.cli(['migrate', 'sideways'])).code, 2);
    assert.equal((await srv.cli(['user'])).code, 2);
    assert.equal((await srv.cli(['user', 'dance'])).code, 2);
    assert.equal((await srv.cli(['config'])).code, 2);
    assert.equal((await srv.cli(['config', 'show'])).code, 2);
    assert.equal((await srv.cli(['export', '--user', 'x@example.com', '--format', 'xml'])).code, 2);
    const f = path.join(srv.dir, 'usage.csv');
    fs.writeFileSync(f, 'problem,outcome\ntwo-sum,solved\n');
    assert.equal((await srv.cli(['import', f])).code, 2, 'import without --user');
    assert.equal((await srv.cli(['import', '--user'])).code, 2, 'import without a file');
  });
});

describe('migrate', () => {
  test('twice: the second run changes nothing; status exits 0 afterwards', async () => {
    const { dir, env } = freshEnv({}, { migrate: false });
    const pending = await runCli(['migrate', 'status'], { env, cwd: dir });
    assert.equal(pending.code, 1, 'a fresh database has pending migrations');
    const first = await runCli(['migrate'], { env, cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /migrations applied: [1-9]\d*/);
    assert.match(first.stdout, /catalog updated/);
    const second = await runCli(['migrate', 'up'], { env, cwd: dir });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /migrations applied: 0/);
    assert.match(second.stdout, /unchanged/);
    const status = await runCli(['migrate', 'status'], { env, cwd: dir });
    assert.equal(status.code, 0, status.stderr + status.stdout);
    assert.match(status.stdout, /0001/);
  });

  test('an unusable DATABASE_URL is reported, not a crash', async () => {
    const { dir, env } = freshEnv();
    // A directory cannot be created under a regular file, even by root.
    fs.writeFileSync(path.join(dir, 'plain-file'), 'x');
    env.DATABASE_URL = `sqlite:${path.join(dir, 'plain-file', 'sub', 'x.db')}`;
    const r = await runCli(['migrate'], { env, cwd: dir });
    assert.ok([1, 4].includes(r.code), `exit ${r.code}: ${r.stderr}`);
    assert.ok(r.stderr.length > 0);
    const bad = await runCli(['migrate'], { env: { ...env, DATABASE_URL: 'mysql://nope' }, cwd: dir });
    assert.ok([3, 4].includes(bad.code), `exit ${bad.code}: ${bad.stderr}`);
  });
});

describe('user', () => {
  test('add with MAANG_PASSWORD, then login over HTTP works', async () => {
    const email = uniqueEmail('cliadd');
    const r = await srv.cli(['user', 'add', email, '--name', 'Cli User'], { env: { MAANG_PASSWORD: 'cli-password-123' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(email.replace(/[.+]/g, '\\$&')));
    assert.ok(!r.stdout.includes('cli-password-123'), 'a given password is not echoed');
    const l = await login(email, 'cli-password-123');
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.user.name, 'Cli User');
    assert.equal(l.json.user.role, 'user');
  });

  test('add reads the password from stdin, or generates and prints one', async () => {
    const e1 = uniqueEmail('clistdin');
    const r1 = await srv.cli(['user', 'add', e1], { input: 'stdin-password-42\n', env: { MAANG_PASSWORD: undefined } });
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal((await login(e1, 'stdin-password-42')).status, 200);

    const e2 = uniqueEmail('cligen');
    const r2 = await srv.cli(['user', 'add', e2], { env: { MAANG_PASSWORD: undefined } });
    assert.equal(r2.code, 0, r2.stderr);
    const m = r2.stdout.match(/password:\s*(\S+)/);
    assert.ok(m, `a generated password is printed: ${r2.stdout}`);
    assert.ok(m[1].length >= 12);
    assert.equal((await login(e2, m[1])).status, 200);
  });

  test('add --admin; duplicate and weak passwords fail', async () => {
    const email = uniqueEmail('cliadmin');
    const r = await srv.cli(['user', 'add', email, '--admin'], { env: { MAANG_PASSWORD: 'admin-password-1' } });
    assert.equal(r.code, 0, r.stderr);
    const l = await login(email, 'admin-password-1');
    assert.equal(l.json.user.role, 'admin');
    assert.equal((await api(srv.base, 'GET', '/api/v1/admin/users', { token: l.json.token })).status, 200);
    const dup = await srv.cli(['user', 'add', email.toUpperCase()], { env: { MAANG_PASSWORD: 'admin-password-2' } });
    assert.equal(dup.code, 1, dup.stderr);
    assert.match(dup.stderr, /exists|taken/i);
    assert.equal((await login(email, 'admin-password-1')).status, 200, 'the original password still works');
    const weak = await srv.cli(['user', 'add', uniqueEmail('cliweak')], { env: { MAANG_PASSWORD: 'short' } });
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /password/i);
    const badEmail = await srv.cli(['user', 'add', 'not-an-email'], { env: { MAANG_PASSWORD: 'long-enough-pw' } });
    assert.notEqual(badEmail.code, 0);
  });

  test('list shows users registered over HTTP with their roles', async () => {
    const u = await registerUser(srv.base, 'clilist');
    const r = await srv.cli(['user', 'list']);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((x) => x.includes(u.email));
    assert.ok(line, `${u.email} listed`);
    assert.match(line, /\buser\b/);
    assert.ok(line.includes(u.user.id));
    assert.ok(!/argon2|\$v=/.test(r.stdout), 'no password hashes');
  });

  test('set-role: bad role exits 2, unknown user fails, good role applies', async () => {
    const u = await registerUser(srv.base, 'clirole');
    const bad = await srv.cli(['user', 'set-role', u.email, 'superuser']);
    assert.equal(bad.code, 2, bad.stderr);
    const unknown = await srv.cli(['user', 'set-role', uniqueEmail('ghost'), 'admin']);
    assert.equal(unknown.code, 1, unknown.stderr);
    const missing = await srv.cli(['user', 'set-role', u.email]);
    assert.equal(missing.code, 2);
    assertError(await api(srv.base, 'GET', '/api/v1/admin/users', { token: u.token }), 403);
    const ok = await srv.cli(['user', 'set-role', u.email, 'admin']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await api(srv.base, 'GET', '/api/v1/admin/users', { token: u.token })).status, 200);
    const list = await srv.cli(['user', 'list']);
    assert.match(list.stdout.split('\n').find((x) => x.includes(u.email)), /\badmin\b/);
  });

  test('token prints an mt_ token usable over HTTP', async () => {
    const u = await registerUser(srv.base, 'clitoken');
    const r = await srv.cli(['user', 'token', u.email, '--name', 'claude desktop']);
    assert.equal(r.code, 0, r.stderr);
    const tok = r.stdout.trim();
    assert.match(tok, /^mt_[A-Za-z0-9_-]{20,}$/);
    const me = await api(srv.base, 'GET', '/api/v1/auth/me', { token: tok });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user.id, u.user.id);
    const list = await api(srv.base, 'GET', '/api/v1/tokens', { token: u.token });
    assert.ok(list.json.items.some((t) => t.name === 'claude desktop'));
    assert.ok(!list.text.includes(tok));
    const unknown = await srv.cli(['user', 'token', uniqueEmail('ghost')]);
    assert.equal(unknown.code, 1);
  });
});

describe('import and export', () => {
  test('CLI export of A, CLI import into B: same progress over HTTP', async () => {
    const a = await registerUser(srv.base, 'cliexp-a');
    const b = await registerUser(srv.base, 'cliexp-b');
    const now = Date.now();
    for (const [problem, outcome, d] of [['two-sum', 'solved', 0], ['lru-cache', 'failed', 1], ['merge-intervals', 'solved', 2], ['lru-cache', 'solved', 3]]) {
      const r = await api(srv.base, 'POST', '/api/v1/attempts', { token: a.token, body: { problem, outcome, at: iso(now - d * 86400e3), notes: 'from "A", with commas\nand lines' } });
      assert.equal(r.status, 201);
    }
    const out = path.join(srv.dir, 'a-export.json');
    const e = await srv.cli(['export', '--user', a.email, '--output', out]);
    assert.equal(e.code, 0, e.stderr);
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(doc.user.email, a.email);
    assert.equal(doc.attempts.length, 4);

    const i = await srv.cli(['import', '--user', b.email, out]);
    assert.equal(i.code, 0, i.stderr);
    const report = JSON.parse(i.stdout);
    assert.equal(report.imported, 4);
    assert.equal(report.failed, 0);

    const pa = (await api(srv.base, 'GET', '/api/v1/progress', { token: a.token })).json;
    const pb = (await api(srv.base, 'GET', '/api/v1/progress', { token: b.token })).json;
    assert.deepEqual(pb.solved, pa.solved);
    assert.deepEqual(pb.streak, pa.streak);
    assert.deepEqual(pb.calendar, pa.calendar);

    // The same file again: all duplicates.
    const again = await srv.cli(['import', '--user', b.email, out]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).duplicates, 4);
  });

  test('CSV export to stdout and CSV import from stdin', async () => {
    const a = await registerUser(srv.base, 'clicsv-a');
    const c = await registerUser(srv.base, 'clicsv-c');
    await api(srv.base, 'POST', '/api/v1/attempts', { token: a.token, body: { problem: 'word-break', outcome: 'solved_with_help', minutes: 33, notes: 'dp, "bottom up"' } });
    const e = await srv.cli(['export', '--user', a.email, '--format', 'csv']);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /^problem,outcome,minutes,language,confidence,notes,solution_url,at\r?\n/);
    assert.match(e.stdout, /word-break,solved_with_help,33,,,"dp, ""bottom up""",/);
    const i = await srv.cli(['import', '--user', c.email, '--format', 'csv', '-'], { input: e.stdout });
    assert.equal(i.code, 0, i.stderr);
    assert.equal(JSON.parse(i.stdout).imported, 1);
    const list = await api(srv.base, 'GET', '/api/v1/attempts', { token: c.token });
    assert.equal(list.json.items[0].notes, 'dp, "bottom up"');
    assert.equal(list.json.items[0].minutes, 33);
  });

  test('import exits 1 when rows fail and reports them; unknown user and missing file fail', async () => {
    const u = await registerUser(srv.base, 'clibad');
    const f = path.join(srv.dir, 'bad.csv');
    fs.writeFileSync(f, 'problem,outcome\ntwo-sum,solved\nnope,solved\n');
    const r = await srv.cli(['import', '--user', u.email, f]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assert.equal(report.imported, 1);
    assert.equal(report.failed, 1);
    assert.equal(report.errors[0].row, 2);
    assert.equal((await srv.cli(['import', '--user', uniqueEmail('ghost'), f])).code, 1);
    const missing = await srv.cli(['import', '--user', u.email, path.join(srv.dir, 'missing.csv')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missing\.csv/);
    assert.equal((await srv.cli(['export', '--user', uniqueEmail('ghost')])).code, 1);
  });
});

describe('config check', () => {
  const secrets = {
    SECRET_KEY: 'S3cr3t-value-that-must-never-be-printed-0123456789',
    DB_PASSWORD: 'db-pass-never-printed',
    REDIS_PASSWORD: 'redis-pass-never-printed',
    OPENAI_API_KEY: 'sk-openai-never-printed',
    GOOGLE_API_KEY: 'google-key-never-printed',
    GITHUB_TOKEN: 'ghp_github-never-printed',
    REDIS_URL: 'redis://:redis-url-pass-never-printed@localhost:6379/0',
  };

  test('prints the effective configuration with every secret masked', async () => {
    const { dir, env } = freshEnv(secrets);
    const r = await runCli(['config', 'check'], { env, cwd: dir });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    for (const [k, v] of Object.entries(secrets)) {
      assert.match(r.stdout, new RegExp(`\\b${k}\\b`), `${k} is listed`);
      assert.ok(!r.stdout.includes(v) && !r.stderr.includes(v), `${k} value is masked`);
    }
    assert.ok(!r.stdout.includes('redis-url-pass'), 'the password inside REDIS_URL is masked');
    assert.match(r.stdout, /PORT\s+0\b/);
    assert.match(r.stdout, /ENVIRONMENT\s+test\b/);
  });

  test('a secret in .env is masked too, and the environment wins over .env', async () => {
    const { dir, env } = freshEnv({ SECRET_KEY: undefined, LOG_LEVEL: undefined });
    fs.writeFileSync(path.join(dir, '.env'), 'SECRET_KEY="dotenv-secret-never-printed-0123456789abcdef"\nLOG_LEVEL=warn\nPORT=7777\n');
    const r = await runCli(['config', 'check'], { env, cwd: dir });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(!r.stdout.includes('dotenv-secret-never-printed'));
    assert.match(r.stdout, /LOG_LEVEL\s+warn\b/);
    assert.match(r.stdout, /PORT\s+0\b/, 'PORT from the environment beats .env');
  });

  test('exits 3 in production with a weak secret, still masking it', async () => {
    const { dir, env } = freshEnv({ ENVIRONMENT: 'production', SECRET_KEY: 'weak-secret-xyz' });
    const r = await runCli(['config', 'check'], { env, cwd: dir });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.ok(!r.stdout.includes('weak-secret-xyz') && !r.stderr.includes('weak-secret-xyz'));
    assert.match(r.stdout + r.stderr, /SECRET_KEY/);
    const missing = freshEnv({ ENVIRONMENT: 'production', SECRET_KEY: undefined });
    assert.equal((await runCli(['config', 'check'], { env: missing.env, cwd: missing.dir })).code, 3);
    const strong = freshEnv({ ENVIRONMENT: 'production', SECRET_KEY: secrets.SECRET_KEY });
    assert.equal((await runCli(['config', 'check'], { env: strong.env, cwd: strong.dir })).code, 0);
  });
});
