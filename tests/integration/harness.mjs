// harness.mjs: starts the real `maang serve` for one test file on a free
// loopback port with a temporary SQLite database, and offers small helpers
// for HTTP calls, users, forged tokens and the CLI.
//
// Usage:
//   const srv = await start({LOGIN_MAX_FAILURES: '3'});
//   after(async () => assert.equal((await srv.stop()).code, 0));
//   const r = await api(srv.base, 'GET', '/health');

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = process.env.MAANG_SOURCE_DIR || path.resolve(here, '..', '..');
// Resolved now: the server and the CLI run with a temporary directory as cwd.
export const BIN = path.resolve(process.env.MAANG_BIN || path.join(REPO, 'build', 'maang'));
export const PASSWORD = 'correct-horse-battery';

const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 10000;

/** A random secret of N url-safe characters. */
export function randomSecret(n = 48) {
  return crypto.randomBytes(n).toString('base64url').slice(0, n);
}

/** A fresh temporary directory, removed at process exit. */
export function tempDir(tag = 'maang-it-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), tag));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Which database engine this run uses: MAANG_TEST_BACKEND=postgres or sqlite (default). */
export const BACKEND = process.env.MAANG_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** The port of the throwaway PostgreSQL cluster of this run (pg fixture). */
function pgPort() {
  const dir = process.env.MAANG_TEST_PG_DIR;
  if (!dir) throw new Error('MAANG_TEST_BACKEND=postgres needs MAANG_TEST_PG_DIR (see tests/CMakeLists.txt)');
  return fs.readFileSync(path.join(dir, 'port'), 'utf8').trim();
}

const pgDatabases = new Map();

/**
 * The PostgreSQL database standing in for the SQLite file PATH: one per
 * path, so instances sharing a file share a database. Created on first
 * use and, with MIGRATE, migrated (serve migrates only embedded SQLite).
 */
export function pgDatabaseFor(sqlitePath, { migrate = true } = {}) {
  const name = 'maang_' + crypto.createHash('sha256').update(sqlitePath).digest('hex').slice(0, 20);
  const url = `postgresql://postgres@127.0.0.1:${pgPort()}/${name}`;
  if (!pgDatabases.has(name)) {
    execFileSync('psql', ['-h', '127.0.0.1', '-p', pgPort(), '-U', 'postgres', '-q', '-c', `CREATE DATABASE ${name}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (migrate)
      execFileSync(BIN, ['migrate'], {
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    pgDatabases.set(name, url);
  }
  return url;
}

/**
 * The environment of a test instance: fixed keys, then EXTRA on top. On
 * the PostgreSQL backend a sqlite: DATABASE_URL is replaced by a database
 * of its own (opts.migrate = false leaves it unmigrated).
 */
export function makeEnv(dir, extra = {}, { migrate = true } = {}) {
  const env = {
    ...process.env,
    PORT: '0',
    MCP_PORT: '0', // no dedicated MCP listener unless a test asks for one
    // No background jobs unless a test asks: scheduled work (weakness refresh,
    // reminders, ...) would race with what the test itself checks.
    AGENT_EMBEDDED: 'off',
    BIND_ADDRESS: '127.0.0.1',
    DATABASE_URL: 'sqlite:' + path.join(dir, 't.db'),
    SECRET_KEY: randomSecret(48),
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'info',
    ...extra,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  if (BACKEND === 'postgres' && env.DATABASE_URL.startsWith('sqlite:'))
    env.DATABASE_URL = pgDatabaseFor(env.DATABASE_URL.slice(7), { migrate });
  return env;
}

/**
 * Runs `maang ARGS` to completion. opts.env is the whole environment (use
 * srv.env to share the server's database); opts.input is written to stdin.
 * Resolves to {code, signal, stdout, stderr}.
 */
export function runCli(args, { env, input, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, {
      cwd: cwd || (env && env.MAANG_TEST_DIR) || os.tmpdir(),
      env: env || process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the command may exit before reading
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * Starts `maang serve`. Resolves to
 * {base, port, env, dir, secret, child, logs(), logLines(), stop(), cli()}.
 * stop() sends SIGTERM and resolves to {code, signal} once it exited.
 */
export async function start(extraEnv = {}) {
  const dir = tempDir();
  const env = makeEnv(dir, { MAANG_TEST_DIR: dir, ...extraEnv });
  const child = spawn(BIN, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let exitInfo = null;
  exited.then((x) => (exitInfo = x));

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`maang serve did not report "listening" within 10 s; stderr:\n${stderr}`));
    }, START_TIMEOUT_MS);
    const scan = () => {
      for (const line of stderr.split('\n')) {
        if (!line.includes('"listening"')) continue;
        try {
          const o = JSON.parse(line);
          if (o.msg === 'listening' && Number.isInteger(o.port) && o.port > 0) {
            clearTimeout(timer);
            resolve(o.port);
            return true;
          }
        } catch {
          /* a partial line: wait for more */
        }
      }
      return false;
    };
    child.stderr.on('data', (d) => {
      stderr += d;
      scan();
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`maang serve exited early (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });

  const srv = {
    base: `http://127.0.0.1:${port}`,
    port,
    env,
    dir,
    secret: env.SECRET_KEY,
    child,
    logs: () => stderr,
    stdout: () => stdout,
    /** The JSON log lines parsed (non-JSON lines are skipped). */
    logLines: () =>
      stderr
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return null;
          }
        })
        .filter(Boolean),
    /** Runs the CLI against this server's database. */
    cli: (args, opts = {}) =>
      runCli(args, { ...opts, cwd: dir, env: { ...env, ...(opts.env || {}) } }),
    stop: async () => {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const x = await exited;
      clearTimeout(timer);
      return x;
    },
  };
  return srv;
}

/**
 * One HTTP call. body: a value sent as JSON; raw: a string or Buffer sent
 * as is (Content-Type from headers, or none). Resolves to
 * {status, json, text, headers} (json undefined when the body is not JSON).
 */
export async function api(base, method, urlPath, { token, body, raw, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload;
  if (raw !== undefined) {
    payload = raw;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
      h['Content-Type'] = 'application/json';
  }
  const res = await fetch(base + urlPath, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Asserts R is an error answer: STATUS, exactly {error:{code,message}}, CODE if given. */
export function assertError(r, status, code) {
  const ctx = `${r.status} ${r.text}`;
  assert.equal(r.status, status, `expected ${status}, got ${ctx}`);
  assert.ok(r.json && typeof r.json === 'object', `error body is not JSON: ${ctx}`);
  assert.deepEqual(Object.keys(r.json), ['error'], `error body keys: ${ctx}`);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message'], `error keys: ${ctx}`);
  assert.match(r.json.error.code, /^[a-z][a-z0-9_]*$/, `error code is snake_case: ${ctx}`);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0, 'error message is not empty');
  if (code) assert.equal(r.json.error.code, code, `error code: ${ctx}`);
  const type = r.headers.get('content-type') || '';
  assert.match(type, /^application\/json/, `error Content-Type: ${type}`);
}

let userCounter = 0;

/** A unique email address with PREFIX. */
export function uniqueEmail(prefix = 'user') {
  userCounter += 1;
  return `${prefix}-${process.pid}-${userCounter}-${crypto.randomBytes(3).toString('hex')}@example.com`;
}

/** Registers a new user; resolves to {token, user, email, password}. */
export async function registerUser(base, prefix = 'user', { name, password = PASSWORD } = {}) {
  const email = uniqueEmail(prefix);
  const r = await api(base, 'POST', '/api/v1/auth/register', {
    body: { email, password, name: name || `${prefix} tester` },
  });
  assert.equal(r.status, 201, `register ${email}: ${r.status} ${r.text}`);
  return { token: r.json.token, user: r.json.user, email, password };
}

/** An HS256 JWT over CLAIMS signed with SECRET; header fields may be overridden. */
export function signJwt(secret, claims, header = { alg: 'HS256', typ: 'JWT' }) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc(header)}.${enc(claims)}`;
  const sig = crypto.createHmac('sha256', secret).update(head).digest('base64url');
  return `${head}.${sig}`;
}

/** Claims like the server's for USER_ID, valid for an hour unless overridden. */
export function claimsFor(userId, over = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { sub: userId, jti: crypto.randomBytes(16).toString('hex'), iat: now, exp: now + 3600, ...over };
}

/** YYYY-MM-DD of instant T (ms) in IANA zone TZ. */
export function localDate(t, tz = 'UTC') {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(t));
}

/** The date string DAYS days after YYYY-MM-DD S (negative: before). */
export function addDays(s, days) {
  const d = new Date(`${s}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** ISO 8601 UTC of T (ms) without milliseconds, as the server formats. */
export function iso(t) {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Logs an attempt; asserts 201 and resolves to the answer's JSON. */
export async function logAttempt(base, token, body) {
  const r = await api(base, 'POST', '/api/v1/attempts', { token, body });
  assert.equal(r.status, 201, `log attempt ${JSON.stringify(body)}: ${r.status} ${r.text}`);
  return r.json;
}

/**
 * One server for a test file: started before its tests (ON_START receives
 * it), stopped after them with a check that it shut down cleanly (exit 0).
 */
export function serve(onStart, extraEnv = {}) {
  let srv;
  before(async () => {
    srv = await start(extraEnv);
    onStart(srv);
  });
  after(async () => {
    if (!srv) return;
    // The server's last log lines tell why, when it did not stop cleanly.
    assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.logs().slice(-3000));
  });
}

/** JOB_SCHEDULE with every scheduled job off (tests enqueue what they need). */
export const NO_SCHEDULE =
  'cleanup=0,metrics_rollup=0,weakness_refresh=0,review_reminders=0,interview_reminders=0,memory_consolidation=0,embedding_backfill=0,backup=0';

/**
 * Starts `maang agent` on SRV's database (fast polling, no schedule unless
 * ENV says otherwise). Resolves immediately to {child, log(), exited, stop()};
 * stop() sends SIGTERM and resolves to {code, signal}.
 */
export function startAgent(srv, env = {}) {
  const child = spawn(BIN, ['agent'], {
    cwd: srv.dir,
    env: { ...srv.env, JOB_POLL_MS: '50', JOB_SCHEDULE: NO_SCHEDULE, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    log: () => log,
    exited,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls FN every 50 ms until it returns something truthy (returned), or fails after MS. */
export async function waitFor(what, fn, ms = 20000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
