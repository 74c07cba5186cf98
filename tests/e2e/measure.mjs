// measure.mjs: the dashboard's first paint and weight per page, in headless
// Chromium on loopback against a throwaway server (a user with 3,000
// attempts from bench/seed.sh). Median of RUNS cold loads (new context, no
// cache) per page. Prints a Markdown table for BENCHMARKS.md.
//
//   MAANG_BIN=build/maang node tests/e2e/measure.mjs [RUNS]
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { BIN, REPO, start } from '../integration/harness.mjs';
import { launch, newPage, skipReason } from './browser.mjs';

if (skipReason()) process.exit(1);
const runs = Number(process.argv[2] || 5);
const srv = await start();
const token = execFileSync(path.join(REPO, 'bench', 'seed.sh'), [srv.env.DATABASE_URL, 'm@example.com', '3000'], {
  env: { ...srv.env, MAANG: BIN },
  cwd: srv.dir,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'ignore'],
}).trim().split('\n').pop();
const browser = await launch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| page | first contentful paint (median of ${runs}) | content shown | bytes transferred |`);
console.log('|---|---:|---:|---:|');
for (const [name, hash, ready] of [
  ['sign-in', '#/signin', '#email'],
  ['overview', '#/', '[data-testid="heatmap"]'],
  ['problems', '#/problems', 'tr[data-slug]'],
  ['problem', '#/problems/two-sum', '#log-attempt'],
  ['roadmap', '#/roadmap', 'a.node'],
]) {
  const fcp = [];
  const shown = [];
  const bytes = [];
  for (let i = 0; i < runs; i++) {
    const tab = await newPage(browser);
    if (name !== 'sign-in') {
      await tab.page.goto(`${srv.base}/static/x/favicon.svg`);
      await tab.page.evaluate((t) => {
        localStorage.setItem('maang.token', t);
        localStorage.setItem('maang.user', '{}');
      }, token);
    }
    tab.bytes.total = 0;
    const t0 = Date.now();
    await tab.page.goto(`${srv.base}/${hash}`);
    await tab.page.locator(ready).first().waitFor({ timeout: 15000 });
    shown.push(Date.now() - t0);
    await tab.page.waitForLoadState('networkidle');
    fcp.push(await tab.page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
    bytes.push(tab.bytes.total);
    await tab.context.close();
  }
  console.log(`| ${name} | ${median(fcp).toFixed(0)} ms | ${median(shown)} ms | ${(median(bytes) / 1024).toFixed(1)} KB |`);
}
await browser.close();
await srv.stop();
