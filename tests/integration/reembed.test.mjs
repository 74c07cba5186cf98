// reembed.test.mjs: changing EMBEDDING_MODEL re-embeds stored memories in the
// background. Memories written with the built-in encoder are picked up by
// an instance configured for an OpenAI-compatible provider (a local fake of
// its documented API), which embeds them all without a request asking for
// it; search then compares only vectors of the new model.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startFakeProviders } from './fake_providers.mjs';
import { api, randomSecret, registerUser, start, tempDir } from './harness.mjs';

const dir = tempDir('maang-reembed-');
const shared = {
  DATABASE_URL: 'sqlite:' + path.join(dir, 'shared.db'),
  SECRET_KEY: randomSecret(48),
};
let fake;

before(async () => {
  fake = await startFakeProviders();
});
after(async () => {
  await fake.close();
});

test('a new embedding model re-embeds every memory in the background', async () => {
  const texts = [
    'Topological sort with Kahn and an indegree queue for course schedule',
    'Binary search on the answer for koko eating bananas',
    'Two heaps keep the running median balanced',
  ];
  const a = await start(shared);
  const u = await registerUser(a.base, 'reembed');
  const ids = [];
  for (const content of texts) {
    const r = await api(a.base, 'POST', '/api/v1/memories', { token: u.token, body: { content } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.memory.embedding_model, /^builtin\//);
    ids.push(r.json.memory.id);
  }
  assert.deepEqual(await a.stop(), { code: 0, signal: null }, a.logs().slice(-3000));

  const b = await start({
    ...shared,
    EMBEDDING_MODEL: 'openai:text-embedding-3-small',
    OPENAI_API_KEY: 'test-openai-key',
    OPENAI_BASE_URL: `${fake.url}/v1`,
  });
  try {
    const deadline = Date.now() + 15000;
    for (;;) {
      const list = await api(b.base, 'GET', '/api/v1/memories', { token: u.token });
      assert.equal(list.status, 200, list.text);
      if (list.json.items.every((m) => m.embedding_model === 'openai:text-embedding-3-small')) break;
      assert.ok(Date.now() < deadline, `not re-embedded: ${JSON.stringify(list.json.items)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const p = await api(b.base, 'GET', '/api/v1/providers', { token: u.token });
    assert.equal(p.json.embedding.pending, 0);
    assert.equal(p.json.embedding.model, 'openai:text-embedding-3-small');
    const sent = fake.requests
      .filter((r) => r.path === '/v1/embeddings')
      .flatMap((r) => (Array.isArray(r.body.input) ? r.body.input : [r.body.input]));
    for (const t of texts) assert.ok(sent.includes(t), `${t} was not sent to the provider`);
    // Only vectors of the new model are compared: a vector hit has a similarity.
    const s = await api(b.base, 'GET', `/api/v1/memories/search?q=${encodeURIComponent('running median heaps')}&mode=vector`, {
      token: u.token,
    });
    assert.equal(s.status, 200);
    assert.equal(s.json.model, 'openai:text-embedding-3-small');
    assert.equal(s.json.items[0]?.id, ids[2], s.text);
    assert.ok(s.json.items[0].similarity > 0);
  } finally {
    assert.deepEqual(await b.stop(), { code: 0, signal: null }, b.logs().slice(-3000));
  }
});
