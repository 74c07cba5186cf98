// interviews.test.mjs: mock interviews through REST: sessions of each type
// with questions chosen from the catalog and the user's data, the
// transcript with follow-ups and hints, grading on constructed answers
// (a complete answer scores higher than a vague one), timing, scheduling
// and abandonment, validation, isolation, and the effects of a completed
// session on attempts, FSRS reviews, weaknesses and memories.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, assertError, registerUser, serve } from './harness.mjs';

let srv;
serve((s) => (srv = s), { AGENT_EMBEDDED: 'off' });

const call = (u, method, path, body) => api(srv.base, method, `/api/v1${path}`, { token: u.token, body });

async function session(u, body) {
  const r = await call(u, 'POST', '/interviews', body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const score = (s, key) => s.scores.rubric.find((r) => r.key === key).score;

test('a coding interview end to end: questions, follow-ups, a hint, grading, effects', async () => {
  const u = await registerUser(srv.base, 'iv-coding');
  await call(u, 'PUT', '/profile', { target_companies: ['google'] });
  const s = await session(u, { type: 'coding', company: 'google', difficulty: 'medium', level: 'L4' });
  assert.equal(s.state, 'active');
  assert.equal(s.duration_minutes, 45);
  assert.equal(s.questions.length, 2, '45 minutes: a warm-up and a main problem');
  for (const q of s.questions) {
    assert.equal(q.difficulty, 'medium');
    assert.ok(q.companies.includes('google'));
    assert.ok(q.why, 'each question says why it was chosen');
  }
  assert.ok(s.remaining_seconds > 44 * 60);
  assert.equal(s.transcript[0].role, 'interviewer');
  assert.match(s.transcript[0].content, new RegExp(s.questions[0].title.replace(/[()]/g, '.')));

  const m1 = await call(u, 'POST', `/interviews/${s.id}/messages`, { content: 'Can the input be empty?' });
  assert.equal(m1.status, 201);
  assert.equal(m1.json.reply.kind, 'follow_up');
  const m2 = await call(u, 'POST', `/interviews/${s.id}/messages`, { content: 'I would use a hash map of complements: one pass, because lookups are O(1).' });
  assert.notEqual(m2.json.reply.content, m1.json.reply.content, 'the follow-ups move on');
  const note = await call(u, 'POST', `/interviews/${s.id}/messages`, { content: 'remember: sorted input?', kind: 'note' });
  assert.equal(note.status, 201);
  assert.equal(note.json.reply, null, 'a note gets no answer');
  assertError(await call(u, 'POST', `/interviews/${s.id}/messages`, { content: 'x', kind: 'shout' }), 422);
  const h = await call(u, 'POST', `/interviews/${s.id}/hint`);
  assert.equal(h.status, 201);
  assert.equal(h.json.hints, 1);
  assert.ok(h.json.hint.length > 10);

  const code = `def solve(nums, target):
    seen = {}
    for i, x in enumerate(nums):
        if target - x in seen:
            return [seen[target - x], i]
        seen[x] = i
    return []

def test_solve():
    assert solve([], 1) == []          # edge case: empty input
    assert solve([3, 3], 6) == [0, 1]  # duplicates
# Time O(n), space O(n): one pass with a hash map instead of the O(n^2) brute force.`;
  const done = await call(u, 'POST', `/interviews/${s.id}/submit`, { answer: code, self_scores: { confidence: 4 } });
  assert.equal(done.status, 200, done.text);
  const d = done.json;
  assert.equal(d.state, 'completed');
  assert.deepEqual(d.scores.rubric.map((r) => r.key), ['problem_solving', 'code_quality', 'communication', 'testing', 'complexity']);
  for (const r of d.scores.rubric) {
    assert.ok(r.score >= 1 && r.score <= 4);
    assert.ok(r.reason.length > 5, `${r.key} explains itself`);
  }
  assert.ok(score(d, 'complexity') >= 3, 'time and space complexity stated');
  assert.ok(score(d, 'testing') >= 2);
  assert.match(d.scores.rubric[0].reason, /1 hint/);
  assert.ok(Array.isArray(d.feedback.strengths) && Array.isArray(d.feedback.improvements));
  // Effects: an attempt per problem (with help: a hint was taken), reviews, a memory.
  assert.equal(d.effects.attempts.length, 2);
  for (const a of d.effects.attempts) assert.notEqual(a.outcome, 'solved', 'a hint lowers the outcome FSRS sees');
  const attempts = await call(u, 'GET', '/attempts');
  assert.equal(attempts.json.total, 2);
  const progress = await call(u, 'GET', `/problems/${s.questions[0].slug}`);
  assert.ok(progress.json.progress.next_review, 'the review schedule moved');
  const mem = await call(u, 'GET', `/memories/${d.effects.memory_id}`);
  assert.equal(mem.status, 200);
  assert.equal(mem.json.memory.kind, 'interview_feedback');
  assert.ok(Array.isArray(d.effects.weak_topics));
  // A finished session takes no more messages, hints or answers.
  assertError(await call(u, 'POST', `/interviews/${s.id}/messages`, { content: 'one more thing' }), 409);
  assertError(await call(u, 'POST', `/interviews/${s.id}/hint`), 409);
  assertError(await call(u, 'POST', `/interviews/${s.id}/submit`, { answer: 'again' }), 409);
});

test('a problem asked in a recent session is not asked again while others fit', async () => {
  const u = await registerUser(srv.base, 'iv-fresh');
  const slugs = [];
  for (let i = 0; i < 3; i++) {
    const s = await session(u, { type: 'coding', topic: 'two-pointers', duration_minutes: 20 });
    slugs.push(s.questions[0].slug);
    await call(u, 'POST', `/interviews/${s.id}/abandon`);
  }
  assert.equal(new Set(slugs).size, 3, slugs.join(', '));
});

test('a short coding interview has one problem; blind mode hides difficulty and companies', async () => {
  const u = await registerUser(srv.base, 'iv-blind');
  const s = await session(u, { type: 'coding', topic: 'sliding-window', duration_minutes: 20, blind: true });
  assert.equal(s.questions.length, 1);
  assert.equal(s.blind, true);
  assert.equal(s.questions[0].difficulty, undefined);
  assert.equal(s.questions[0].companies, undefined);
  assert.equal(s.questions[0].topics, undefined, 'blind: the pattern is not given away');
  assert.equal(s.questions[0].why, undefined);
  const done = (await call(u, 'POST', `/interviews/${s.id}/submit`, { answer: 'def f(): return 0' })).json;
  assert.ok(done.questions[0].topics.includes('sliding-window'), 'shown once it is over');
});

test('behavioral: a complete STAR answer scores higher than a vague one', async () => {
  const u = await registerUser(srv.base, 'iv-star');
  const star = `When I was the tech lead on our payments team last year, the checkout service failed during peak traffic and we were losing orders.
My task was to find the cause and get the error rate under 0.1% before Black Friday, in three weeks.
I analyzed the traces and found a retry storm against the fraud service. I proposed a circuit breaker and I built the change with two engineers; I set up a load test that replayed 2x peak traffic, and I talked to the fraud team to agree on a timeout budget.
As a result, errors fell from 4% to 0.05%, checkout latency improved by 30%, and we shipped a week early. I learned to load test dependencies, not only our own service.`;
  const vague = 'I usually work well with people and try my best when things are hard.';
  const grade = async (answer) => {
    const s = await session(u, { type: 'behavioral', company: 'amazon' });
    assert.equal(s.questions.length, 3);
    for (const q of s.questions) assert.ok(q.question && q.competency);
    return (await call(u, 'POST', `/interviews/${s.id}/submit`, { answer })).json;
  };
  const good = await grade(star);
  const bad = await grade(vague);
  assert.deepEqual(good.scores.rubric.map((r) => r.key), ['star', 'specificity', 'impact', 'competency']);
  assert.equal(score(good, 'star'), 4, good.scores.rubric[0].reason);
  assert.ok(score(bad, 'star') <= 2, bad.scores.rubric[0].reason);
  assert.ok(good.scores.overall > bad.scores.overall + 1, `${good.scores.overall} vs ${bad.scores.overall}`);
  assert.equal(good.effects.attempts.length, 0, 'behavioral sessions log no problem attempts');
});

test('system design: covering the checklist scores higher than not', async () => {
  const u = await registerUser(srv.base, 'iv-design');
  const s1 = await session(u, { type: 'system_design', difficulty: 'easy' });
  assert.equal(s1.questions[0].checklist, undefined, 'the answer key stays hidden during the session');
  const topic = (await call(u, 'GET', '/design-topics')).json.items.find((t) => t.slug === s1.questions[0].slug);
  assert.ok(topic.title && topic.checklist.length >= 5);
  const thorough = `Requirements: 100M users, 10k writes per second, 1M reads per second, read-heavy, p99 latency under 50 ms, high availability.
API: POST /items and GET /items/{id} endpoints returning JSON.
Data model: a key-value table keyed by id with an index on the owner; the database is sharded by id (partition key).
High level: stateless service behind a load balancer, a cache in front of the database, a queue and workers for asynchronous work, a CDN for static data.
Scaling: shard with consistent hashing, add read replicas, cache hot keys.
Trade-offs: eventual consistency instead of strong consistency because reads dominate; the bottleneck is the write path, so we batch writes. However the downside is stale reads for a few seconds.
${topic.checklist.join('\n')}`;
  const good = (await call(u, 'POST', `/interviews/${s1.id}/submit`, { answer: thorough })).json;
  assert.deepEqual(good.questions[0].checklist, topic.checklist, 'the checklist comes with the feedback');
  const s2 = await session(u, { type: 'system_design', difficulty: 'easy' });
  const bad = (await call(u, 'POST', `/interviews/${s2.id}/submit`, { answer: 'I would use a server and a database.' })).json;
  assert.ok(good.scores.rubric.some((r) => r.key === 'checklist'));
  assert.ok(score(good, 'checklist') >= 3, good.scores.rubric.find((r) => r.key === 'checklist').reason);
  assert.ok(score(bad, 'checklist') <= 2);
  assert.ok(good.scores.overall > bad.scores.overall + 1);
  assert.ok(bad.feedback.improvements.some((x) => /not covered/.test(x)), 'missed checklist points are named');
});

test('scheduling, starting, abandoning, listing; validation and isolation', async () => {
  const u = await registerUser(srv.base, 'iv-states');
  const later = new Date(Date.now() + 3 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const sched = await session(u, { type: 'behavioral', scheduled_at: later, repeat: 'weekly' });
  assert.equal(sched.repeat, 'weekly');
  assert.equal(sched.state, 'scheduled');
  assert.equal(sched.started_at, null);
  assert.equal(sched.transcript.length, 0);
  assertError(await call(u, 'POST', `/interviews/${sched.id}/messages`, { content: 'hello' }), 409);
  const started = await call(u, 'POST', `/interviews/${sched.id}/start`);
  assert.equal(started.json.state, 'active');
  assert.equal(started.json.transcript.length, 1);
  assertError(await call(u, 'POST', `/interviews/${sched.id}/start`), 409);
  const gone = await call(u, 'POST', `/interviews/${sched.id}/abandon`);
  assert.equal(gone.json.state, 'abandoned');
  assert.ok(gone.json.ended_at);
  // A weekly session books the next one, a week after its slot.
  const next = gone.json.effects.next_interview;
  assert.equal(Date.parse(next.scheduled_at) - Date.parse(later), 7 * 86400e3);
  const booked = await call(u, 'GET', `/interviews/${next.id}`);
  assert.equal(booked.json.state, 'scheduled');
  assert.equal(booked.json.repeat, 'weekly');
  assert.equal(booked.json.type, 'behavioral');
  assertError(await call(u, 'POST', `/interviews/${sched.id}/submit`, { answer: 'x' }), 409);

  for (const [body, status] of [
    [{ type: 'chess' }, 422],
    [{}, 422],
    [{ type: 'coding', company: 'no-such-co' }, 422],
    [{ type: 'coding', difficulty: 'trivial' }, 422],
    [{ type: 'coding', topic: 'no-such-topic' }, 422],
    [{ type: 'coding', duration_minutes: 4 }, 422],
    [{ type: 'coding', duration_minutes: 181 }, 422],
    [{ type: 'coding', scheduled_at: 'tomorrow' }, 422],
    [{ type: 'coding', extra: 1 }, 422],
    [{ type: 'coding', repeat: 'weekly' }, 422],
    [{ type: 'coding', repeat: 'daily', scheduled_at: later }, 422],
  ])
    assertError(await call(u, 'POST', '/interviews', body), status);
  // The boundaries of the duration are accepted.
  assert.equal((await call(u, 'POST', '/interviews', { type: 'behavioral', duration_minutes: 5 })).status, 201);
  assert.equal((await call(u, 'POST', '/interviews', { type: 'behavioral', duration_minutes: 180 })).status, 201);
  const s = await session(u, { type: 'coding', duration_minutes: 30 });
  assertError(await call(u, 'POST', `/interviews/${s.id}/messages`, { content: '' }), 422);
  assertError(await call(u, 'POST', `/interviews/${s.id}/messages`, { content: 'x'.repeat(8001) }), 422);
  assert.equal((await call(u, 'POST', `/interviews/${s.id}/messages`, { content: 'x'.repeat(8000) })).status, 201);
  assertError(await call(u, 'POST', `/interviews/${s.id}/submit`, { answer: 'x', self_scores: { confidence: 9 } }), 422);

  const list = await call(u, 'GET', '/interviews');
  assert.equal(list.json.total, 5);
  assert.equal(list.json.items[0].transcript, undefined, 'the list is a summary');
  assert.equal((await call(u, 'GET', '/interviews?state=abandoned')).json.total, 1);
  assertError(await call(u, 'GET', '/interviews?state=odd'), 400);

  const other = await registerUser(srv.base, 'iv-other');
  assertError(await call(other, 'GET', `/interviews/${s.id}`), 404);
  assertError(await call(other, 'POST', `/interviews/${s.id}/messages`, { content: 'hi' }), 404);
  assertError(await call(other, 'POST', `/interviews/${s.id}/submit`, { answer: 'hi' }), 404);
  assert.equal((await call(other, 'GET', '/interviews')).json.total, 0);
});
