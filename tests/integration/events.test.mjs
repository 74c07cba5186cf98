// events.test.mjs: live events over server-sent events: a change reaches
// the user's open streams (and nobody else's), Last-Event-ID resumes,
// EventSource tokens, limits, and clean shutdown with streams open.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, assertError, logAttempt, registerUser, start } from './harness.mjs';
import { openStream } from './sse.mjs';

let srv;
const streams = [];
before(async () => {
  srv = await start({ SSE_HEARTBEAT_SECONDS: '1' });
});
after(async () => {
  for (const s of streams) if (s.taken === -1) s.close();
  // Streams still open: shutdown must end them and exit cleanly.
  assert.deepEqual(await srv.stop(), { code: 0, signal: null });
});

const open = async (path, headers) => {
  const s = await openStream(srv.base + path, headers);
  streams.push(s);
  return s;
};
const bearer = (token) => ({ Authorization: `Bearer ${token}` });

test('an attempt logged elsewhere reaches the user\'s open stream, and only theirs', async () => {
  const u = await registerUser(srv.base, 'sse');
  const other = await registerUser(srv.base, 'sse-other');
  const mine = await open('/api/v1/events', bearer(u.token));
  const theirs = await open('/api/v1/events', bearer(other.token));
  assert.equal(mine.status, 200);
  assert.match(mine.headers.get('content-type'), /^text\/event-stream/);
  assert.equal(mine.headers.get('cache-control'), 'no-store');

  const logged = await logAttempt(srv.base, u.token, { problem: 'two-sum', outcome: 'solved', minutes: 11 });
  const ev = await mine.next('attempt.created');
  assert.equal(ev.data.attempt.id, logged.attempt.id);
  assert.equal(ev.data.progress.status, 'solved');
  assert.ok(ev.id);
  assert.equal(mine.retry, 3000);

  const prof = await api(srv.base, 'PUT', '/api/v1/profile', { token: u.token, body: { hours_per_week: 6 } });
  assert.equal(prof.status, 200);
  assert.equal((await mine.next('profile.updated')).data.hours_per_week, 6);
  const del = await api(srv.base, 'DELETE', `/api/v1/attempts/${logged.attempt.id}`, { token: u.token });
  assert.equal(del.status, 204);
  assert.equal((await mine.next('attempt.deleted')).data.id, logged.attempt.id);

  await new Promise((r) => setTimeout(r, 300));
  assert.equal(theirs.events.length, 0, 'another user sees none of it');
  mine.close();
  theirs.close();
});

test('Last-Event-ID resumes after the last event seen', async () => {
  const u = await registerUser(srv.base, 'resume');
  const s1 = await open('/api/v1/events', bearer(u.token));
  await logAttempt(srv.base, u.token, { problem: 'valid-anagram', outcome: 'solved' });
  const first = await s1.next('attempt.created');
  s1.close();
  await logAttempt(srv.base, u.token, { problem: 'group-anagrams', outcome: 'failed' });
  await logAttempt(srv.base, u.token, { problem: 'lru-cache', outcome: 'solved' });
  const s2 = await open('/api/v1/events', { ...bearer(u.token), 'Last-Event-ID': first.id });
  const a = await s2.next('attempt.created');
  const b = await s2.next('attempt.created');
  assert.deepEqual([a.data.attempt.problem, b.data.attempt.problem], ['group-anagrams', 'lru-cache']);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(s2.events.length, 2, 'nothing before the resumed id is sent again');
  s2.close();
});

test('EventSource tokens: short-lived, only good for the event stream', async () => {
  const u = await registerUser(srv.base, 'evtoken');
  const t = await api(srv.base, 'POST', '/api/v1/events/token', { token: u.token });
  assert.equal(t.status, 201);
  const left = (Date.parse(t.json.expires_at) - Date.now()) / 1000;
  assert.ok(left > 0 && left <= 61, `expires in ${left} s`);
  const s = await open(`/api/v1/events?token=${encodeURIComponent(t.json.token)}`);
  assert.equal(s.status, 200);
  await logAttempt(srv.base, u.token, { problem: 'two-sum', outcome: 'failed' });
  await s.next('attempt.created');
  s.close();
  // The events token is no access token, and an access token does not work in the query.
  assertError(await api(srv.base, 'GET', '/api/v1/auth/me', { token: t.json.token }), 401, 'invalid_token');
  const viaQuery = await open(`/api/v1/events?token=${encodeURIComponent(u.token)}`);
  assert.equal(viaQuery.status, 401);
  const none = await open('/api/v1/events');
  assert.equal(none.status, 401);
  const q = await open('/api/v1/auth/me?token=' + encodeURIComponent(t.json.token));
  assert.equal(q.status, 401, 'other routes ignore ?token=');
});

test('at most 16 streams per user; the 17th gets 429', async () => {
  const u = await registerUser(srv.base, 'many');
  const open16 = [];
  for (let i = 0; i < 16; i++) {
    const s = await open('/api/v1/events', bearer(u.token));
    assert.equal(s.status, 200);
    open16.push(s);
  }
  const extra = await open('/api/v1/events', bearer(u.token));
  assert.equal(extra.status, 429);
  assert.equal(JSON.parse(extra.text).error.code, 'too_many_streams');
  open16[0].close();
  // A suspended stream notices its client is gone at the next heartbeat (1 s here).
  let again;
  for (let i = 0; i < 40; i++) {
    again = await open('/api/v1/events', bearer(u.token));
    if (again.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(again.status, 200, 'a closed stream frees its place');
  for (const s of open16.slice(1)) s.close();
  // AGAIN stays open for the shutdown in after().
});

test('heartbeats keep a quiet stream alive', async () => {
  const u = await registerUser(srv.base, 'quiet');
  const s = await open('/api/v1/events', bearer(u.token));
  await new Promise((r) => setTimeout(r, 2500));
  assert.ok(s.comments >= 1, `heartbeat comments: ${s.comments}`);
  assert.equal(s.ended, false);
  s.close();
});

test('the stream counts show in /metrics', async () => {
  const r = await api(srv.base, 'GET', '/metrics');
  assert.match(r.text, /^maang_sse_clients \d+$/m);
  assert.match(r.text, /^maang_events_total\{fate="published"\} [1-9]\d*$/m);
});
