// shutdown.test.mjs: SIGTERM while the coach is streaming an answer from a
// slow LLM provider (a local fake of the OpenAI API): the server lets the
// answer finish, then stops cleanly (exit 0); the client gets the whole
// answer and its done event.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startFakeProviders } from './fake_providers.mjs';
import { registerUser, start } from './harness.mjs';
import { parseSse } from './sse.mjs';

test('a streamed answer in progress finishes before the server stops', async () => {
  const fake = await startFakeProviders({ delayMs: 1500 });
  const srv = await start({
    LLM_MODEL: 'openai:gpt-test',
    OPENAI_API_KEY: 'test-openai-key',
    OPENAI_BASE_URL: `${fake.url}/v1`,
  });
  try {
    const u = await registerUser(srv.base, 'shutdown');
    const answer = fetch(`${srv.base}/api/v1/coach/chat`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${u.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'what should I practice today?', stream: true }),
    }).then((r) => r.text());
    // SIGTERM while the provider is still thinking.
    await new Promise((r) => setTimeout(r, 500));
    const stopped = srv.stop();
    const events = parseSse(await answer);
    const done = events.find((e) => e.event === 'done');
    assert.ok(done, JSON.stringify(events));
    assert.equal(done.data.provider, 'openai:gpt-test');
    assert.match(done.data.reply, /^FAKE-LLM reply to: what should I practice today\?/);
    assert.deepEqual(await stopped, { code: 0, signal: null }, srv.logs().slice(-3000));
  } finally {
    await srv.stop();
    await fake.close();
  }
});
