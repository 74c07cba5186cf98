// reminders.test.mjs: scheduled mock interviews are reminded a day, an hour
// and five minutes before, as notifications with live events and as e-mail
// through SMTP (here a local SMTP sink: no real mail leaves the machine),
// each once however often the reminder job runs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, registerUser, start } from './harness.mjs';
import { startSmtpSink } from './smtp_sink.mjs';
import { openStream } from './sse.mjs';

let srv;
let sink;

before(async () => {
  sink = await startSmtpSink();
  srv = await start({
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    SMTP_FROM: 'reminders@maang.test',
    AGENT_EMBEDDED: 'on',
    JOB_POLL_MS: '50',
    JOB_SCHEDULE: 'cleanup=0,metrics_rollup=0,weakness_refresh=0,review_reminders=0,memory_consolidation=0,embedding_backfill=0,backup=0,interview_reminders=1',
  });
});

after(async () => {
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.logs().slice(-3000));
  if (sink) await sink.close();
});

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

test('reminders: the nearest window only, once each, by notification, live event and e-mail', async () => {
  const u = await registerUser(srv.base, 'remind');
  const events = await openStream(`${srv.base}/api/v1/events`, { Authorization: `Bearer ${u.token}` });
  const mk = async (offsetMs, body) => {
    const r = await api(srv.base, 'POST', '/api/v1/interviews', { token: u.token, body: { ...body, scheduled_at: iso(Date.now() + offsetMs) } });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const soon = await mk(4 * 60e3, { type: 'coding', company: 'google' });
  const today = await mk(10 * 3600e3, { type: 'behavioral' });
  const later = await mk(3 * 86400e3, { type: 'system_design' });
  const ev = await events.next('notification.created', 5000);
  assert.equal(ev.data.kind, 'interview_reminder');
  // Let the job run a few more times: nothing is sent twice.
  await new Promise((r) => setTimeout(r, 3500));
  events.close();
  const n = (await api(srv.base, 'GET', '/api/v1/notifications', { token: u.token })).json;
  const byInterview = Object.fromEntries(n.items.map((x) => [x.data.interview_id, x]));
  assert.equal(n.items.length, 2, JSON.stringify(n.items));
  assert.match(byInterview[soon.id].message, /coding mock interview for google starts in 5 minutes/);
  assert.equal(byInterview[soon.id].data.before_seconds, 300);
  assert.match(byInterview[today.id].message, /starts in a day/);
  assert.equal(byInterview[later.id], undefined, 'three days ahead: not yet');
  // The same two as e-mail, to the user, from SMTP_FROM.
  assert.equal(sink.messages.length, 2);
  for (const m of sink.messages) {
    assert.equal(m.to[0], `<${u.email}>`);
    assert.equal(m.from, '<reminders@maang.test>');
    assert.match(m.headers.subject, /mock interview/);
    assert.match(m.body, /Open the dashboard/);
  }
});
