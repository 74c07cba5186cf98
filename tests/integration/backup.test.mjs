// backup.test.mjs: `maang backup` and `maang restore`. Backups are taken
// while the server serves reads and writes and are consistent snapshots;
// rotation keeps the newest; a backup restored into a fresh database serves
// the same user (export, API token); restore refuses a non-empty target
// without --force and replaces its data with it; bad arguments exit 2, a
// damaged file exits 1. Runs on both backends (the backup is a SQLite file
// either way; the PostgreSQL pass also restores into a SQLite file).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BACKEND, PASSWORD, api, logAttempt, pgDatabaseFor, registerUser, runCli, start, tempDir } from './harness.mjs';

const NAME = /^maang-\d{8}-\d{6}(-\d+)?\.db$/;

let srv; // the original server
let dir; // backups and restored databases
let u; // its user, with attempts, memories, a profile and an API token
const servers = []; // servers started on restored databases

before(async () => {
  srv = await start();
  dir = tempDir('maang-backup-');
  u = await registerUser(srv.base, 'backup');
  const p = await api(srv.base, 'PUT', '/api/v1/profile', {
    token: u.token,
    body: { target_companies: ['google', 'meta'], hours_per_week: 7.5, time_zone: 'Europe/Berlin' },
  });
  assert.equal(p.status, 200, p.text);
  const slugs = ['two-sum', 'valid-anagram', 'lru-cache', 'coin-change', 'group-anagrams'];
  for (let i = 0; i < slugs.length; i++)
    await logAttempt(srv.base, u.token, {
      problem: slugs[i], outcome: i % 2 ? 'failed' : 'solved', minutes: 10 + i, confidence: 1 + i,
      notes: `backup note ${i}: two pointers, "quoted", ünïcode`, at: `2024-06-0${i + 1}T10:00:00Z`,
    });
  for (const content of ['I keep forgetting the sliding window invariant', 'Prefer BFS for shortest paths'])
    assert.equal((await api(srv.base, 'POST', '/api/v1/memories', { token: u.token, body: { content, kind: 'insight' } })).status, 201);
  const t = await api(srv.base, 'POST', '/api/v1/tokens', { token: u.token, body: { name: 'backup-test' } });
  assert.equal(t.status, 201, t.text);
  u.apiToken = t.json.token;
});

after(async () => {
  for (const s of servers) assert.deepEqual(await s.stop(), { code: 0, signal: null }, s.logs().slice(-2000));
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.logs().slice(-2000));
});

/** Runs `maang ARGS` on the original server's database. */
const cli = (args) => srv.cli(args);

/** `maang backup ARGS`: asserts exit 0 and resolves to the report. */
async function backup(args) {
  const r = await cli(['backup', ...args]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout);
}

/** A query on a backup file, opened read-only. */
const sqlite = (file, sql) => execFileSync('sqlite3', ['-readonly', file, sql], { encoding: 'utf8' }).trim();

/** The user's export without its time stamp. */
async function exportOf(base, token) {
  const r = await api(base, 'GET', '/api/v1/export', { token });
  assert.equal(r.status, 200, r.text);
  delete r.json.exported_at;
  return r.json;
}

/** A database nobody has used: a new SQLite path, or a new unmigrated PostgreSQL database. */
function freshTarget(tag) {
  const file = path.join(dir, `${tag}.db`);
  return BACKEND === 'postgres' ? pgDatabaseFor(file, { migrate: false }) : 'sqlite:' + file;
}

/** Starts a server on URL with the original's secret (sessions stay valid, as after a real restore). */
async function serveOn(url) {
  const s = await start({ DATABASE_URL: url, SECRET_KEY: srv.secret });
  servers.push(s);
  return s;
}

describe('backup', () => {
  test('backups taken while the server reads and writes are sound, consistent snapshots', async () => {
    const out = path.join(dir, 'live', 'nested');
    const total = async () => (await api(srv.base, 'GET', '/api/v1/attempts?limit=1', { token: u.token })).json.total;
    const before = await total();
    let stop = false;
    const failures = [];
    let writes = 0;
    const writer = (async () => {
      while (!stop) {
        const w = await api(srv.base, 'POST', '/api/v1/attempts', { token: u.token, body: { problem: 'two-sum', outcome: 'solved', minutes: 3 } });
        if (w.status !== 201) failures.push(`${w.status} ${w.text}`);
        else writes++;
      }
    })();
    const reader = (async () => {
      while (!stop) {
        const r = await api(srv.base, 'GET', '/api/v1/progress', { token: u.token });
        if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
      }
    })();
    const reports = [];
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        reports.push(await backup(['--dir', out, '--keep', '10']));
      }
    } finally {
      stop = true;
      await Promise.all([writer, reader]);
    }
    assert.deepEqual(failures, [], 'requests during the backups all succeed');
    assert.ok(writes > 0, 'writes happened during the backups');
    const after = await total();

    assert.equal((fs.statSync(out).mode & 0o777), 0o700, 'the directory is created private');
    const seen = [];
    for (const rep of reports) {
      assert.deepEqual(Object.keys(rep).sort(), ['bytes', 'file', 'removed', 'rows', 'seconds', 'source', 'tables']);
      assert.equal(path.dirname(rep.file), out);
      assert.match(path.basename(rep.file), NAME);
      assert.ok(!seen.includes(rep.file), 'each backup gets a name of its own');
      seen.push(rep.file);
      const st = fs.statSync(rep.file);
      assert.equal(rep.bytes, st.size);
      assert.equal(st.mode & 0o777, 0o600, 'backups hold password hashes: owner only');
      assert.equal(rep.source, BACKEND);
      assert.ok(rep.tables >= 25, `tables: ${rep.tables}`);
      assert.ok(rep.rows > 500, `rows (the catalog alone has hundreds): ${rep.rows}`);
      assert.ok(rep.seconds >= 0 && rep.seconds < 30);
      assert.deepEqual(rep.removed, []);
      // A self-contained file: rollback journal, nothing beside it.
      assert.equal(fs.readFileSync(rep.file).subarray(18, 20).toString('hex'), '0101');
      for (const ext of ['-wal', '-shm', '-journal']) assert.ok(!fs.existsSync(rep.file + ext), ext);
      assert.equal(sqlite(rep.file, 'PRAGMA integrity_check'), 'ok');
      // One snapshot: the attempts and the progress they roll up into agree.
      const n = Number(sqlite(rep.file, `SELECT count(*) FROM attempts WHERE user_id = '${u.user.id}'`));
      const rolled = Number(sqlite(rep.file, `SELECT sum(attempts) FROM problem_progress WHERE user_id = '${u.user.id}'`));
      assert.equal(rolled, n, `progress ${rolled} vs attempts ${n} in ${rep.file}`);
      assert.ok(n >= before && n <= after, `${n} attempts, between ${before} and ${after}`);
    }
    assert.deepEqual(fs.readdirSync(out).sort(), seen.map((f) => path.basename(f)).sort(), 'no temporary files are left');
  });

  test('rotation keeps the newest N backups and never touches other files', async () => {
    const out = path.join(dir, 'rotation');
    fs.mkdirSync(out, { mode: 0o755 });
    const bystanders = ['notes.txt', 'maang-manual.db', 'maang-20000101-000000.db.bak'];
    for (const f of bystanders) fs.writeFileSync(path.join(out, f), 'keep me');
    // Temporary files: one left by a crashed run two days ago, one of a run in progress.
    const crashed = path.join(out, '.maang-backup-Crash1');
    const running = path.join(out, '.maang-backup-Run123');
    fs.writeFileSync(crashed, 'half a backup');
    fs.writeFileSync(running, 'half a backup');
    const twoDaysAgo = Date.now() / 1000 - 2 * 86400;
    fs.utimesSync(crashed, twoDaysAgo, twoDaysAgo);
    const reps = [];
    for (let i = 0; i < 3; i++) reps.push(await backup(['--dir', out, '--keep', '2']));
    assert.deepEqual(reps[0].removed, []);
    assert.deepEqual(reps[1].removed, []);
    assert.deepEqual(reps[2].removed, [reps[0].file]);
    const backups = fs.readdirSync(out).filter((f) => NAME.test(f)).sort();
    assert.deepEqual(backups, [reps[1].file, reps[2].file].map((f) => path.basename(f)).sort());
    for (const f of bystanders) assert.equal(fs.readFileSync(path.join(out, f), 'utf8'), 'keep me', f);
    assert.ok(!fs.existsSync(crashed), 'a crashed run\'s temporary file is swept');
    assert.ok(fs.existsSync(running), 'a recent temporary file is left to its run');
    // Names sort by age even within one second (-2, -3, ... after the last one there).
    const one = await backup(['--dir', out, '--keep', '1']);
    assert.deepEqual(fs.readdirSync(out).filter((f) => NAME.test(f)), [path.basename(one.file)]);
    assert.deepEqual(one.removed.sort(), [reps[1].file, reps[2].file].sort());
  });

  test('BACKUP_DIR and BACKUP_KEEP are the defaults', async () => {
    const out = path.join(dir, 'defaults');
    const env = { BACKUP_DIR: out, BACKUP_KEEP: '1' };
    for (let i = 0; i < 2; i++) {
      const r = await srv.cli(['backup'], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(path.dirname(JSON.parse(r.stdout).file), out);
    }
    assert.equal(fs.readdirSync(out).length, 1);
  });
});

describe('restore', () => {
  let file; // a backup taken with nothing being written
  let original; // the export at that moment
  let target; // the fresh database it was restored into

  before(async () => {
    file = (await backup(['--dir', path.join(dir, 'restore')])).file;
    original = await exportOf(srv.base, u.token);
    assert.ok(original.attempts.length >= 5 && original.profile && original.api_tokens.length === 1);
    // The two insights, and the attempts' notes (which become memories too).
    assert.ok(original.memories.length >= 7, `memories: ${original.memories.length}`);
    assert.ok(original.memories.some((m) => /sliding window/.test(m.content)));
  });

  test('into a fresh database: the same user, data and API token', async () => {
    target = freshTarget('restored');
    const r = await cli(['restore', file, '--to', target]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.file, file);
    assert.equal(rep.engine, BACKEND);
    assert.equal(rep.users, 1);
    assert.equal(rep.replaced_users, 0);
    assert.deepEqual(rep.emptied, []);

    const s = await serveOn(target);
    assert.deepEqual(await exportOf(s.base, u.token), original);
    const me = await api(s.base, 'GET', '/api/v1/auth/me', { token: u.apiToken });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user.email, u.email);
    const login = await api(s.base, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    const found = await api(s.base, 'GET', '/api/v1/memories/search?q=sliding%20window', { token: u.token });
    assert.equal(found.status, 200, found.text);
    assert.match(found.json.items[0].content, /sliding window/, 'restored memories are searchable');
    // New writes continue after the restored ids.
    assert.equal((await api(s.base, 'POST', '/api/v1/attempts', { token: u.token, body: { problem: 'lru-cache', outcome: 'solved' } })).status, 201);
  });

  test('a PostgreSQL backup restores into a SQLite file as well', { skip: BACKEND !== 'postgres' && 'PostgreSQL pass only' }, async () => {
    const url = 'sqlite:' + path.join(dir, 'pg-to-sqlite.db');
    const r = await cli(['restore', file, '--to', url]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // A server here would be given a PostgreSQL database: compare the CLI's exports instead.
    const exportCli = async (databaseUrl) => {
      const x = await runCli(['export', '--user', u.email], { env: { ...srv.env, DATABASE_URL: databaseUrl } });
      assert.equal(x.code, 0, x.stderr);
      const doc = JSON.parse(x.stdout);
      delete doc.exported_at;
      return doc;
    };
    const doc = await exportCli(url);
    assert.deepEqual(doc, await exportCli(srv.env.DATABASE_URL));
    assert.equal(doc.attempts.length, original.attempts.length);
    const file2 = url.slice(7);
    assert.equal(Number(sqlite(file2, `SELECT count(*) FROM memories WHERE user_id = '${u.user.id}'`)), original.memories.length);
    assert.equal(sqlite(file2, "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'sliding'"), '1', 'the full-text index is rebuilt');
  });

  test('onto a database with users: refused without --force, replaced with it', async () => {
    // The restored database gets a second user and more attempts; its server stops first.
    const s = servers.pop();
    const other = await registerUser(s.base, 'intruder');
    await logAttempt(s.base, other.token, { problem: 'two-sum', outcome: 'solved' });
    assert.deepEqual(await s.stop(), { code: 0, signal: null });

    const work = tempDir('maang-backup-work-');
    const refused = await srv.cli(['restore', file, '--to', target], { env: { TMPDIR: work } });
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /^maang: .*not empty \(2 users\).*--force/m);
    assert.equal(refused.stdout, '');
    assert.deepEqual(fs.readdirSync(work), [], 'the working copy is removed');

    const forced = await cli(['restore', file, '--to', target, '--force']);
    assert.equal(forced.code, 0, forced.stdout + forced.stderr);
    const rep = JSON.parse(forced.stdout);
    assert.equal(rep.replaced_users, 2);
    assert.equal(rep.users, 1);
    assert.equal(rep.emptied.at(-1), 'users', 'users go last');
    for (const t of ['attempts', 'memories', 'api_tokens', 'user_profiles']) assert.ok(rep.emptied.includes(t), t);
    for (const t of ['problems', 'topics', 'schema_migrations']) assert.ok(!rep.emptied.includes(t), t);

    const again = await serveOn(target);
    assert.deepEqual(await exportOf(again.base, u.token), original, 'the data is the backup again');
    const gone = await api(again.base, 'POST', '/api/v1/auth/login', { body: { email: other.email, password: PASSWORD } });
    assert.equal(gone.status, 401, 'the user added after the backup is gone');
  });

  test('usage errors exit 2', async () => {
    for (const args of [
      ['backup', '--keep', '0'], ['backup', '--keep', 'many'], ['backup', '--keep'], ['backup', '--dir'],
      ['backup', 'somewhere'], ['backup', '--verbose'],
      ['restore'], ['restore', file, file], ['restore', file, '--to'], ['restore', '--force'],
      ['restore', file, '--to', 'mysql://db/x'], ['restore', file, '--bogus'],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout} ${r.stderr}`);
      assert.equal(r.stdout, '', args.join(' '));
      assert.match(r.stderr, /usage|takes|must|unexpected/, args.join(' '));
    }
    if (BACKEND === 'sqlite') {
      const self = await cli(['restore', srv.env.DATABASE_URL.slice(7)]);
      assert.equal(self.code, 2, self.stderr);
      assert.match(self.stderr, /target database itself/);
    }
    const bad = await srv.cli(['backup', '--dir', path.join(dir, 'never')], { env: { DATABASE_URL: 'mysql://x/y' } });
    assert.equal(bad.code, 3, bad.stderr);
    assert.ok(!fs.existsSync(path.join(dir, 'never')));
  });

  test('a missing or damaged file exits 1 and leaves the target alone', async () => {
    const bad = path.join(dir, 'bad');
    fs.mkdirSync(bad);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(path.join(bad, 'random.db'), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
    fs.writeFileSync(path.join(bad, 'truncated.db'), whole.subarray(0, Math.floor(whole.length / 3)));
    const flipped = Buffer.from(whole);
    for (let i = 2 * 4096; i < flipped.length; i += 4096) flipped.fill(0x5a, i + 100, i + 600);
    fs.writeFileSync(path.join(bad, 'scribbled.db'), flipped);
    execFileSync('sqlite3', [path.join(bad, 'foreign.db'), 'CREATE TABLE t (x); INSERT INTO t VALUES (1);']);
    const cases = {
      'missing.db': /cannot read/,
      'random.db': /not a sound SQLite database|integrity check/,
      'truncated.db': /not a sound SQLite database|integrity check/,
      'scribbled.db': /not a sound SQLite database|integrity check/,
      'foreign.db': /not a maang database/,
    };
    for (const [name, message] of Object.entries(cases)) {
      const to = 'sqlite:' + path.join(bad, `target-${name}`);
      const r = await cli(['restore', path.join(bad, name), '--to', to]);
      assert.equal(r.code, 1, `${name}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, /^maang: restore failed: /, name);
      assert.match(r.stderr, message, name);
      assert.ok(!fs.existsSync(to.slice(7)), `${name}: the target is not even created`);
    }
  });
});
