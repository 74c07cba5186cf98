// deploy.test.mjs: the deployment files stay in step with the code. Docker
// cannot run here, so this checks what can be checked: every variable the
// code reads is documented in .env.example, the nginx configuration passes
// `nginx -t`, and the Compose file and Dockerfile have what the README and
// docs/deployment.md promise.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { REPO, tempDir } from './harness.mjs';
import { nginxConfig } from './nginx.mjs';

const read = (p) => fs.readFileSync(path.join(REPO, p), 'utf8');

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.[ch]$/.test(e.name)) out.push(p);
  }
  return out;
}

test('every variable the code reads is in .env.example', () => {
  const env = read('.env.example');
  const documented = new Set([...env.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  const config = read('src/core/config.c');
  const keys = [...config.matchAll(/\{"([A-Z][A-Z0-9_]*)", K_(STR|INT)/g)].map((m) => m[1]);
  assert.ok(keys.length >= 25, `config keys found: ${keys.length}`);
  const getenvs = walk(path.join(REPO, 'src')).flatMap((f) =>
    [...fs.readFileSync(f, 'utf8').matchAll(/getenv\("([A-Z][A-Z0-9_]*)"\)/g)].map((m) => m[1]),
  );
  for (const k of [...keys, ...getenvs]) assert.ok(documented.has(k), `${k} is read by the code but not in .env.example`);
  // And Compose's own variables.
  const compose = read('deploy/docker-compose.yml');
  for (const m of compose.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) assert.ok(documented.has(m[1]), `${m[1]} (compose) not in .env.example`);
});

test('deploy/nginx.conf passes nginx -t', () => {
  const dir = tempDir('maang-nginx-t-');
  const conf = nginxConfig(dir, 18080, [18081, 18082]);
  execFileSync('nginx', ['-t', '-q', '-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
});

test('the Compose file has the services of the deployment', () => {
  const compose = read('deploy/docker-compose.yml');
  for (const s of ['postgres', 'redis', 'migrations', 'app', 'agent', 'mcp', 'nginx', 'pgadmin', 'redis-commander'])
    assert.match(compose, new RegExp(`^  ${s}:$`, 'm'), `service ${s}`);
  assert.match(compose, /image: postgres:15/);
  assert.match(compose, /image: redis:7/);
  assert.match(compose, /profiles: \["tools"\]/);
  assert.match(compose, /condition: service_completed_successfully/, 'app waits for the migrations');
  assert.match(compose, /command: \["migrate"\]/);
  assert.match(compose, /command: \["mcp", "--http"\]/, 'the MCP listener runs `maang mcp --http`');
  assert.match(compose, /command: \["agent"\]/, 'the agent service runs `maang agent`');
  assert.match(compose, /AGENT_EMBEDDED: "off"/, 'app instances leave jobs to the agent');
  assert.match(compose, /\.\/nginx\.conf:\/etc\/nginx\/nginx\.conf:ro/);
  assert.ok(!/^\s+container_name:/m.test(compose), 'app must be scalable (no container_name)');
  assert.ok(!/^\s+ports:\s*\n\s+- "5000/m.test(compose), 'app publishes no host port (nginx does)');
});

test('the Dockerfile builds in stages and runs as a non-root user with a health check', () => {
  const df = read('deploy/Dockerfile');
  assert.equal((df.match(/^FROM debian:12/gm) || []).length, 2);
  assert.match(df, /AS build/);
  assert.match(df, /COPY --from=build .*\/maang \/usr\/local\/bin\/maang/);
  assert.match(df, /^USER maang$/m);
  assert.match(df, /HEALTHCHECK .*\n?.*\/health/);
  // Every library the binary links is installed in the runtime stage.
  for (const lib of ['libmicrohttpd12', 'libjansson4', 'libsodium23', 'libssl3', 'libsqlite3-0', 'libhiredis0.14', 'libpq5'])
    assert.match(df, new RegExp(lib.replace('.', '\\.')));
  const ldd = execFileSync('ldd', [process.env.MAANG_BIN || path.join(REPO, 'build', 'maang')], { encoding: 'utf8' });
  for (const [so, pkg] of [['libmicrohttpd', 'libmicrohttpd12'], ['libjansson', 'libjansson4'], ['libsodium', 'libsodium23'],
                           ['libsqlite3', 'libsqlite3-0'], ['libhiredis', 'libhiredis0.14'], ['libpq', 'libpq5'], ['libcrypto', 'libssl3']])
    if (ldd.includes(so)) assert.match(df, new RegExp(pkg.replace('.', '\\.')), `${so} needs ${pkg}`);
});
