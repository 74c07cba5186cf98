// jobs.test.mjs: the durable job queue with real `maang agent` processes
// (and serve's embedded runner) on one database: no job runs twice across
// workers, a worker killed with SIGKILL mid-job leaves it to another after
// the lease, backoff and the dead letter, graceful SIGTERM gives a running
// job back, the schedule enqueues each period once across four processes,
// the admin API and CLI, notifications from the review reminder, and the
// cleanup job. Runs on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { NO_SCHEDULE, api, assertError, logAttempt, registerUser, start, startAgent, waitFor } from './harness.mjs';

let srv;
let admin;
const agents = new Set();

before(async () => {
  srv = await start({ AGENT_EMBEDDED: 'off', JOB_POLL_MS: '50' });
  admin = await registerUser(srv.base, 'jobs-admin');
  const r = await srv.cli(['user', 'set-role', admin.email, 'admin']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  for (const a of agents) a.child.kill('SIGKILL');
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.logs().slice(-3000));
});

/** A `maang agent` on the server's database, stopped (killed) at the end if a test fails first. */
function agent(env = {}) {
  const a = startAgent(srv, env);
  agents.add(a);
  const stop = a.stop;
  a.stop = async () => {
    const x = await stop();
    agents.delete(a);
    return x;
  };
  return a;
}

const enqueue = (body) => api(srv.base, 'POST', '/api/v1/admin/jobs', { token: admin.token, body });
const job = async (id) => (await api(srv.base, 'GET', `/api/v1/admin/jobs/${id}`, { token: admin.token })).json.job;


test('the admin API: 403 for users, validation, idempotency keys, list and stats', async () => {
  const user = await registerUser(srv.base, 'jobs-user');
  assertError(await api(srv.base, 'GET', '/api/v1/admin/jobs', { token: user.token }), 403);
  assertError(await api(srv.base, 'POST', '/api/v1/admin/jobs', { token: user.token, body: { kind: 'echo' } }), 403);
  assertError(await enqueue({ kind: 'no.such.kind' }), 422);
  assertError(await enqueue({ kind: 'echo', payload: [1] }), 422);
  assertError(await enqueue({ kind: 'echo', priority: 101 }), 422);
  const a = await enqueue({ kind: 'echo', payload: { n: 1 }, idempotency_key: 'once-only', delay_seconds: 3600 });
  assert.equal(a.status, 201, a.text);
  const b = await enqueue({ kind: 'echo', payload: { n: 2 }, idempotency_key: 'once-only' });
  assert.equal(b.status, 200);
  assert.equal(b.json.created, false);
  assert.equal(b.json.job.id, a.json.job.id, 'the same key gives the first job');
  const list = await api(srv.base, 'GET', '/api/v1/admin/jobs?state=queued&kind=echo', { token: admin.token });
  assert.equal(list.status, 200);
  assert.ok(list.json.items.some((j) => j.id === a.json.job.id));
  assert.ok(list.json.stats.states.queued >= 1);
  assert.ok(list.json.schedule.some((s) => s.name === 'backup' && s.period_seconds === 86400));
  assert.ok(list.json.kinds.some((k) => k.kind === 'cleanup'));
  assertError(await api(srv.base, 'GET', '/api/v1/admin/jobs?state=weird', { token: admin.token }), 400);
  // Cancel the delayed job; a cancelled job can be retried, a queued one not.
  const c = await api(srv.base, 'POST', `/api/v1/admin/jobs/${a.json.job.id}/cancel`, { token: admin.token });
  assert.equal(c.json.job.state, 'cancelled');
  assertError(await api(srv.base, 'POST', `/api/v1/admin/jobs/${a.json.job.id}/cancel`, { token: admin.token }), 409);
  assertError(await api(srv.base, 'GET', '/api/v1/admin/jobs/999999999', { token: admin.token }), 404);
});

test('two agents with several workers never run the same job twice', async () => {
  const ids = [];
  for (let i = 0; i < 40; i++) ids.push((await enqueue({ kind: 'echo', payload: { i } })).json.job.id);
  const a = agent({ AGENT_WORKERS: '3' });
  const b = agent({ AGENT_WORKERS: '3' });
  await waitFor('40 jobs done', async () => {
    const list = await api(srv.base, 'GET', '/api/v1/admin/jobs?kind=echo&state=done&limit=500', { token: admin.token });
    return ids.every((id) => list.json.items.some((j) => j.id === id));
  });
  // Stopped first, so that a failure below leaves no agent to disturb the next tests.
  assert.deepEqual(await a.stop(), { code: 0, signal: null });
  assert.deepEqual(await b.stop(), { code: 0, signal: null });
  for (const id of ids) {
    const j = await job(id);
    assert.equal(j.attempts, 1, `job ${id} was claimed once`);
  }
  // Each job id appears in exactly one "done" log line across both agents (one fast
  // worker may well take them all: what matters is that none ran twice).
  const lines = (a.log() + b.log()).split('\n').filter((l) => l.includes('"msg":"job"')).map((l) => JSON.parse(l));
  for (const id of ids) assert.equal(lines.filter((l) => l.job === id && l.outcome === 'done').length, 1, `job ${id}`);
});

test('a worker killed mid-job leaves it to another after the lease', async () => {
  const { json } = await enqueue({ kind: 'sleep', payload: { ms: 1500 } });
  const id = json.job.id;
  const a = agent({ JOB_LEASE_SECONDS: '2' });
  await waitFor('the job to run', async () => (await job(id)).state === 'running');
  a.child.kill('SIGKILL');
  await a.exited;
  agents.delete(a);
  const held = await job(id);
  assert.equal(held.state, 'running', 'the dead worker still holds it');
  const b = agent({ JOB_LEASE_SECONDS: '2' });
  const done = await waitFor('another worker to finish it', async () => {
    const j = await job(id);
    return j.state === 'done' && j;
  });
  assert.equal(done.attempts, 2);
  assert.notEqual(done.result.worker, held.locked_by);
  assert.deepEqual(await b.stop(), { code: 0, signal: null });
});

test('failures back off exponentially and end in the dead letter', async () => {
  const { json } = await enqueue({ kind: 'fail', payload: { message: 'upstream said no' }, max_attempts: 3 });
  const id = json.job.id;
  const a = agent({ JOB_BACKOFF_SECONDS: '1' });
  const runs = [];
  await waitFor('three attempts', async () => {
    const j = await job(id);
    if (j.attempts > runs.length && j.state !== 'running') runs.push({ attempts: j.attempts, run_at: Date.parse(j.run_at), updated: Date.parse(j.updated_at) });
    return j.state === 'dead';
  }, 30000);
  const dead = await job(id);
  assert.equal(dead.attempts, 3);
  assert.equal(dead.last_error, 'upstream said no');
  assert.ok(dead.finished_at);
  // The retries waited 1 s, then 2 s.
  const r1 = runs.find((r) => r.attempts === 1);
  const r2 = runs.find((r) => r.attempts === 2);
  if (r1 && r2) {
    assert.ok(r1.run_at - r1.updated >= 1000 - 1000, 'first wait ~1 s');
    assert.ok(r2.run_at - r2.updated >= 2000 - 1000, 'second wait ~2 s');
  }
  // An admin can run it again.
  const again = await api(srv.base, 'POST', `/api/v1/admin/jobs/${id}/retry`, { token: admin.token });
  assert.equal(again.json.job.state, 'queued');
  assert.equal(again.json.job.attempts, 0);
  await a.stop();
  const cli = await srv.cli(['jobs', 'cancel', String(id)]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).state, 'cancelled');
});

test('SIGTERM gives a running job back; the agent exits 0', async () => {
  const { json } = await enqueue({ kind: 'sleep', payload: { ms: 60000 } });
  const id = json.job.id;
  const a = agent();
  await waitFor('the job to run', async () => (await job(id)).state === 'running');
  const t0 = Date.now();
  assert.deepEqual(await a.stop(), { code: 0, signal: null });
  assert.ok(Date.now() - t0 < 5000, 'stopped promptly');
  const j = await job(id);
  assert.equal(j.state, 'queued');
  assert.equal(j.attempts, 0, 'the interrupted attempt does not count');
  await api(srv.base, 'POST', `/api/v1/admin/jobs/${id}/cancel`, { token: admin.token });
});

test('the schedule enqueues each period once across two agents and two servers', async () => {
  const env = { JOB_SCHEDULE: `${NO_SCHEDULE},heartbeat=1` };
  const procs = [agent(env), agent(env)];
  const s2 = await start({ DATABASE_URL: srv.env.DATABASE_URL, SECRET_KEY: srv.env.SECRET_KEY, AGENT_EMBEDDED: 'on', JOB_POLL_MS: '50', ...env });
  const s3 = await start({ DATABASE_URL: srv.env.DATABASE_URL, SECRET_KEY: srv.env.SECRET_KEY, AGENT_EMBEDDED: 'on', JOB_POLL_MS: '50', ...env });
  await new Promise((r) => setTimeout(r, 4500));
  for (const p of procs) assert.deepEqual(await p.stop(), { code: 0, signal: null });
  assert.deepEqual(await s2.stop(), { code: 0, signal: null });
  assert.deepEqual(await s3.stop(), { code: 0, signal: null });
  const list = await api(srv.base, 'GET', '/api/v1/admin/jobs?kind=echo&limit=500', { token: admin.token });
  const beats = list.json.items.filter((j) => j.payload && j.payload.schedule === 'heartbeat');
  const periods = beats.map((j) => j.payload.period_start);
  assert.ok(periods.length >= 3, `${periods.length} periods ran`);
  assert.equal(new Set(periods).size, periods.length, 'no period was enqueued twice');
  assert.ok(beats.every((j) => j.idempotency_key === `schedule:heartbeat:${j.payload.period_start}`));
});

test('review reminders notify the user; notifications can be read', async () => {
  const u = await registerUser(srv.base, 'jobs-remind');
  // An attempt long ago puts a review in the past.
  await logAttempt(srv.base, u.token, { problem: 'two-sum', outcome: 'solved', at: '2025-01-01T10:00:00Z' });
  const { json } = await enqueue({ kind: 'reminders.reviews' });
  const a = agent();
  const done = await waitFor('the reminder job', async () => {
    const j = await job(json.job.id);
    return j.state === 'done' && j;
  });
  assert.ok(done.result.reminded >= 1);
  const n = await api(srv.base, 'GET', '/api/v1/notifications', { token: u.token });
  assert.equal(n.status, 200);
  assert.equal(n.json.unread, 1);
  assert.equal(n.json.items[0].kind, 'reviews_due');
  assert.match(n.json.items[0].message, /review/);
  // A second run the same day sends nothing new.
  const again = await enqueue({ kind: 'reminders.reviews' });
  await waitFor('the second reminder job', async () => (await job(again.json.job.id)).state === 'done');
  assert.equal((await api(srv.base, 'GET', '/api/v1/notifications', { token: u.token })).json.items.length, 1);
  const id = n.json.items[0].id;
  assert.equal((await api(srv.base, 'POST', `/api/v1/notifications/${id}/read`, { token: u.token })).status, 204);
  assert.equal((await api(srv.base, 'GET', '/api/v1/notifications', { token: u.token })).json.unread, 0);
  // Someone else's notification is not found.
  const other = await registerUser(srv.base, 'jobs-other');
  assertError(await api(srv.base, 'POST', `/api/v1/notifications/${id}/read`, { token: other.token }), 404);
  await a.stop();
});

test('maintenance jobs run: cleanup, rollups, weaknesses, memory upkeep, backfill', async () => {
  const a = agent();
  for (const kind of ['cleanup', 'metrics.rollup', 'weakness.refresh', 'memory.consolidate', 'memory.backfill']) {
    const { json } = await enqueue({ kind });
    const j = await waitFor(kind, async () => {
      const x = await job(json.job.id);
      return ['done', 'dead'].includes(x.state) && x;
    });
    assert.equal(j.state, 'done', `${kind}: ${j.last_error}`);
    assert.equal(typeof j.result, 'object');
  }
  const m = await fetch(`${srv.base}/metrics`);
  const text = await m.text();
  assert.match(text, /^maang_jobs\{state="done"\} [1-9]\d*$/m);
  await a.stop();
});
