// browser.mjs: headless Chromium for the dashboard tests, through npm
// playwright-core driving Debian's chromium (no browser download). When no
// Chromium can be found the tests are skipped with a loud message, never
// silently.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium executable, or null. */
export function chromiumPath() {
  for (const c of CANDIDATES) if (c && fs.existsSync(c)) return c;
  return null;
}

/** Why the browser tests cannot run here, or null. */
export function skipReason() {
  if (chromiumPath()) return null;
  const msg = 'NO CHROMIUM: the dashboard browser tests are SKIPPED (install the Debian package chromium, or set CHROMIUM)';
  console.error(`\n${'!'.repeat(msg.length)}\n${msg}\n${'!'.repeat(msg.length)}\n`);
  return msg;
}

export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** Where screenshots go: MAANG_E2E_ARTIFACTS, or a directory under the system's temp dir. */
export function artifactsDir() {
  const dir = process.env.MAANG_E2E_ARTIFACTS || path.join(os.tmpdir(), 'maang-e2e-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A page that records console errors, page errors and CSP violations into
 * problems[] (assert it is empty at the end), and failed requests.
 */
export async function newPage(browser, { width = 1280, height = 900, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const bytes = { total: 0 };
  page.on('response', async (r) => {
    const len = Number(r.headers()['content-length'] || 0);
    bytes.total += len;
  });
  return { context, page, problems, bytes };
}
