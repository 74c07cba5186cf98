// screenshots.mjs: regenerates the README's screenshots (docs/screenshots/)
// from the real pages: a throwaway server and database, a user seeded with
// 3,000 attempts by bench/seed.sh, a profile, a few memories and a coach
// answer, then headless Chromium at 1280x800.
//
//   make screenshots        (or: node tests/e2e/screenshots.mjs)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { BIN, REPO, api, start } from '../integration/harness.mjs';
import { launch, newPage, skipReason } from './browser.mjs';

if (skipReason()) process.exit(1);
const out = path.join(REPO, 'docs', 'screenshots');
fs.mkdirSync(out, { recursive: true });

const srv = await start();
const password = 'screenshot-password-1';
const seedOut = execFileSync(path.join(REPO, 'bench', 'seed.sh'), [srv.env.DATABASE_URL, 'ada@example.com', '3000'], {
  env: { ...srv.env, MAANG: BIN, MAANG_PASSWORD: password, SEED: '7' },
  cwd: srv.dir,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'ignore'],
});
const token = seedOut.trim().split('\n').pop();
const day = (offset) => new Date(Date.now() + offset * 86400e3).toISOString().slice(0, 10);
await api(srv.base, 'PUT', '/api/v1/profile', {
  token,
  body: { target_companies: ['google', 'meta'], interview_date: day(45), hours_per_week: 10, time_zone: 'Europe/Berlin' },
});
for (const content of [
  'Sliding window: when the window must shrink, move the left edge in a while loop, not an if.',
  'Interval problems: sort by start first; merging needs only the last merged end.',
  'In system design answers I forget to size the storage before choosing the database.',
])
  await api(srv.base, 'POST', '/api/v1/memories', { token, body: { content, kind: 'insight' } });
await api(srv.base, 'POST', '/api/v1/coach/chat', { token, body: { message: 'What should I practice this week?' } });
// A mock interview under way, and one graded.
const room = (await api(srv.base, 'POST', '/api/v1/interviews', { token, body: { type: 'coding', company: 'google', difficulty: 'medium', duration_minutes: 45 } })).json;
await api(srv.base, 'POST', `/api/v1/interviews/${room.id}/messages`, { token, body: { content: 'Can the array be empty? I would start with a hash map from value to index.' } });
await api(srv.base, 'POST', `/api/v1/interviews/${room.id}/messages`, { token, body: { content: 'One pass: for each value, look up its complement before storing it.' } });
const star = (await api(srv.base, 'POST', '/api/v1/interviews', { token, body: { type: 'behavioral', company: 'amazon' } })).json;
await api(srv.base, 'POST', `/api/v1/interviews/${star.id}/submit`, {
  token,
  body: { answer: 'When our checkout service failed at peak traffic last year, my task was to bring errors under 0.1% in three weeks. I analyzed the traces, I proposed a circuit breaker and I built it with two engineers. As a result errors fell from 4% to 0.05% and we shipped a week early.', self_scores: { confidence: 4 } },
});

const browser = await launch();
const { page, context } = await newPage(browser, { width: 1280, height: 800 });
await page.goto(`${srv.base}/#/signin`);
await page.fill('#email', 'ada@example.com');
await page.fill('#password', password);
await page.click('button[type=submit]');
await page.locator('#overview').waitFor({ timeout: 15000 });
const pages = [
  ['overview', '#/'],
  ['problems', '#/problems?topic=sliding-window'],
  ['problem', '#/problems/longest-substring-without-repeating-characters'],
  ['reviews', '#/reviews'],
  ['weaknesses', '#/weaknesses'],
  ['roadmap', '#/roadmap'],
  ['coach', '#/coach'],
  ['memory', '#/memory'],
  ['settings', '#/settings'],
  ['interviews', '#/interviews'],
  ['interview', `#/interviews/${room.id}`],
  ['interview-feedback', `#/interviews/${star.id}`],
];
for (const [name, hash] of pages) {
  await page.goto(`${srv.base}/${hash}`);
  await page.waitForFunction(() => !document.querySelector('#view .loading'), null, { timeout: 15000 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(out, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}
await context.close();
const dark = await newPage(browser, { width: 1280, height: 800, colorScheme: 'dark' });
await dark.page.goto(`${srv.base}/`);
await dark.page.evaluate((t) => {
  localStorage.setItem('maang.token', t);
  localStorage.setItem('maang.user', '{}');
}, token);
await dark.page.goto(`${srv.base}/#/`);
await dark.page.locator('#overview').waitFor();
await dark.page.waitForTimeout(300);
await dark.page.screenshot({ path: path.join(out, 'overview-dark.png') });
console.log('docs/screenshots/overview-dark.png');
await browser.close();
await srv.stop();
