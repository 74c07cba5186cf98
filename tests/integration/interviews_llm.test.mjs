// interviews_llm.test.mjs: with an LLM provider configured, the model plays
// the interviewer and grades on the same rubric; its grading is validated
// and used only when it scores every rubric item once, 1 to 4, with a
// reason. The provider is a local fake of the OpenAI chat API (hosted
// models cannot be reached from here; see fake_providers.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startFakeProviders } from './fake_providers.mjs';
import { api, registerUser, start } from './harness.mjs';

const KEY = 'test-openai-key';
let fake;
let srv;
let u;

before(async () => {
  fake = await startFakeProviders({ apiKey: KEY });
  srv = await start({ LLM_MODEL: 'openai:gpt-test', OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${fake.url}/v1`, AGENT_EMBEDDED: 'off' });
  u = await registerUser(srv.base, 'iv-llm');
});

after(async () => {
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.logs().slice(-3000));
  if (fake) await fake.close();
});

const call = (method, path, body) => api(srv.base, method, `/api/v1${path}`, { token: u.token, body });

test('the model interviews: its reply is the interviewer\'s, with the question in its instructions', async () => {
  const s = (await call('POST', '/interviews', { type: 'coding', difficulty: 'easy', duration_minutes: 20 })).json;
  const r = await call('POST', `/interviews/${s.id}/messages`, { content: 'Can I assume the input fits in memory?' });
  assert.equal(r.status, 201);
  assert.match(r.json.reply.content, /^FAKE-LLM reply to: Can I assume the input fits in memory\?/);
  const req = fake.requests.filter((x) => x.path.endsWith('/chat/completions')).at(-1);
  assert.match(JSON.stringify(req.body.messages[0]), new RegExp(s.questions[0].title.replace(/[()]/g, '.')));
});

test('a valid grading from the model replaces the rubric scores; the grader is named', async () => {
  const s = (await call('POST', '/interviews', { type: 'behavioral' })).json;
  fake.replyNext('```json\n' + JSON.stringify({
    rubric: [
      { key: 'star', score: 3, reason: 'all four parts, the result is vague' },
      { key: 'specificity', score: 2, reason: 'few specifics' },
      { key: 'impact', score: 2, reason: 'no numbers' },
      { key: 'competency', score: 4, reason: 'shows ownership' },
    ],
    strengths: ['clear ownership'],
    improvements: ['quantify the result'],
  }) + '\n```');
  const d = (await call('POST', `/interviews/${s.id}/submit`, { answer: 'When our team missed a deadline I took over the release and we shipped.' })).json;
  assert.equal(d.scores.grader, 'llm:openai:gpt-test');
  assert.deepEqual(d.scores.rubric.map((r) => [r.key, r.score]), [['star', 3], ['specificity', 2], ['impact', 2], ['competency', 4]]);
  assert.equal(d.scores.rubric[0].name, 'STAR structure', 'names stay the rubric\'s');
  assert.equal(d.scores.overall, 2.8);
  assert.deepEqual(d.feedback.improvements, ['quantify the result']);
});

test('an invalid grading is not used: the deterministic scores stand, with the reason', async () => {
  for (const bad of [
    'I think they did well overall.',
    JSON.stringify({ rubric: [{ key: 'star', score: 9, reason: 'x' }], strengths: [], improvements: [] }),
    JSON.stringify({ rubric: [{ key: 'star', score: 3, reason: 'x' }, { key: 'star', score: 3, reason: 'x' }, { key: 'impact', score: 2, reason: 'y' }, { key: 'competency', score: 2, reason: 'z' }], strengths: [], improvements: [] }),
  ]) {
    const s = (await call('POST', '/interviews', { type: 'behavioral' })).json;
    fake.replyNext(bad);
    const d = (await call('POST', `/interviews/${s.id}/submit`, { answer: 'I led the migration and as a result latency fell 30%.' })).json;
    assert.equal(d.scores.grader, 'deterministic');
    assert.match(d.scores.grader_note, /grading was not used/);
    assert.equal(d.scores.rubric.length, 4);
  }
});
