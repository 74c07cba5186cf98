// metrics.test.mjs: /metrics in the Prometheus text format: requests by
// route and status, latency histograms, database pool, cache, errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BACKEND, api, registerUser, start } from './harness.mjs';

let srv;
before(async () => {
  srv = await start();
});
after(async () => {
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null });
});

/** Parses the exposition text into [{name, labels, value}], checking every line's shape. */
function parse(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+]+|\+Inf|NaN)$/);
    assert.ok(m, `not an exposition line: ${line}`);
    const labels = {};
    if (m[3])
      for (const part of m[3].match(/[a-z_]+="[^"]*"/g)) {
        const [k, v] = part.split('=');
        labels[k] = v.slice(1, -1);
      }
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}

const find = (samples, name, labels) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

test('counts requests by route and status, with cumulative latency histograms', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await api(srv.base, 'GET', '/health')).status, 200);
  assert.equal((await api(srv.base, 'GET', '/api/v1/progress')).status, 401);
  assert.equal((await api(srv.base, 'GET', '/no/such/route')).status, 404);
  const u = await registerUser(srv.base, 'metrics');
  await api(srv.base, 'GET', '/api/v1/progress', { token: u.token });
  await api(srv.base, 'GET', '/api/v1/progress', { token: u.token }); // served from the cache

  const r = await api(srv.base, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const s = parse(r.text);
  assert.equal(find(s, 'maang_http_requests_total', { route: 'GET /health', status: '200' })[0].value, 3);
  assert.equal(find(s, 'maang_http_requests_total', { route: 'GET /api/v1/progress', status: '401' })[0].value, 1);
  assert.equal(find(s, 'maang_http_requests_total', { route: 'GET /api/v1/progress', status: '200' })[0].value, 2);
  assert.equal(find(s, 'maang_http_requests_total', { route: 'unmatched', status: '404' })[0].value, 1);
  assert.equal(find(s, 'maang_http_requests_total', { route: 'POST /api/v1/auth/register', status: '201' })[0].value, 1);

  const buckets = find(s, 'maang_http_request_duration_seconds_bucket', { route: 'GET /api/v1/progress' });
  assert.ok(buckets.length > 5);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'cumulative');
  const inf = buckets.find((b) => b.labels.le === '+Inf');
  const count = find(s, 'maang_http_request_duration_seconds_count', { route: 'GET /api/v1/progress' })[0];
  assert.equal(inf.value, 3);
  assert.equal(count.value, 3);
  assert.ok(find(s, 'maang_http_request_duration_seconds_sum', { route: 'GET /api/v1/progress' })[0].value > 0);

  const backend = BACKEND === 'postgres' ? 'postgres' : 'sqlite';
  assert.equal(find(s, 'maang_db_pool_connections', { backend, state: 'in_use' }).length, 1);
  assert.ok(find(s, 'maang_db_pool_size', { backend })[0].value >= 1);
  assert.ok(find(s, 'maang_cache_requests_total', { backend: 'local', result: 'hit' })[0].value >= 1);
  assert.ok(find(s, 'maang_cache_requests_total', { backend: 'local', result: 'miss' })[0].value >= 1);
  assert.equal(find(s, 'maang_cache_up', { backend: 'local' })[0].value, 1);
  assert.equal(find(s, 'maang_http_server_errors_total', {})[0].value, 0);
  assert.ok(find(s, 'maang_start_time_seconds', {})[0].value > 1.7e9);
});
