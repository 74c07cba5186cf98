// admin.test.mjs: the admin page and the notifications in real headless
// Chromium against the real `maang serve` (AGENT_EMBEDDED=off, so jobs stay
// queued until a `maang agent` runs them): an administrator sees the queue
// tiles, the jobs per kind and the schedule, enqueues a job with the form
// and cancels it, retries a dead job; a user who is not an administrator
// gets a clear message and no Admin link; a review reminder reaches an open
// page live, and is marked read in the panel. Screenshots go to the
// artifacts directory.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { PASSWORD, api, logAttempt, registerUser, start, startAgent, waitFor } from '../integration/harness.mjs';
import { artifactsDir, launch, newPage, skipReason } from './browser.mjs';

const skip = skipReason() || false; // node:test counts { skip: null } as skipped
let srv;
let browser;
let tab; // the administrator's page
let admin;
const pages = []; // every page opened, for the console check at the end
const agents = new Set();
const shots = artifactsDir();

before(async () => {
  if (skip) return;
  srv = await start({ AGENT_EMBEDDED: 'off' });
  admin = await registerUser(srv.base, 'e2e-admin', { name: 'Ada Admin' });
  const r = await srv.cli(['user', 'set-role', admin.email, 'admin']);
  assert.equal(r.code, 0, r.stderr);
  browser = await launch();
  tab = await open();
});

after(async () => {
  for (const a of agents) a.child.kill('SIGKILL');
  if (browser) await browser.close();
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.logs().slice(-3000));
});

async function open(opts) {
  const p = await newPage(browser, opts);
  pages.push(p);
  return p;
}

/** A `maang agent` on the server's database, fast polling and no schedule. */
function agent() {
  const a = startAgent(srv);
  agents.add(a);
  const stop = a.stop;
  a.stop = async () => {
    const x = await stop();
    agents.delete(a);
    return x;
  };
  return a;
}

const url = (hash = '') => `${srv.base}/${hash}`;
const shot = (name, page = tab.page) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
/** Console errors other than the expected failed requests. */
const unexpected = (problems, allow = []) => problems.filter((p) => !allow.some((re) => re.test(p)));
const enqueue = (body) => api(srv.base, 'POST', '/api/v1/admin/jobs', { token: admin.token, body });
const job = async (id) => (await api(srv.base, 'GET', `/api/v1/admin/jobs/${id}`, { token: admin.token })).json.job;


async function signIn(page, email, password = PASSWORD) {
  await page.goto(url('#/signin'));
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.locator('#overview').waitFor({ timeout: 10000 });
}

const tile = (page, key) => page.locator(`[data-testid="tile-${key}"] .value`).textContent();

test('an administrator sees the Admin link, the queue tiles, the jobs per kind and the schedule', { skip }, async () => {
  const { page } = tab;
  await signIn(page, admin.email);
  const link = page.locator('#nav-admin');
  await link.waitFor({ state: 'visible', timeout: 5000 });
  await link.click();
  await page.waitForURL(/#\/admin$/);
  await page.locator('#admin [data-testid="tile-queued"]').waitFor();
  assert.equal(await link.getAttribute('aria-current'), 'page');
  for (const key of ['queued', 'running', 'dead', 'oldest']) assert.ok(await page.locator(`[data-testid="tile-${key}"]`).isVisible(), key);
  assert.equal(await tile(page, 'dead'), '0');
  // Every known kind has a row; the schedule says its periods in words.
  for (const kind of ['cleanup', 'reminders.reviews', 'echo', 'fail']) await page.locator(`table.kinds tr[data-kind="${kind}"]`).waitFor();
  const period = async (name) => (await page.locator(`table.schedule tr[data-schedule="${name}"] td`).nth(1).textContent()).trim();
  assert.equal(await period('cleanup'), 'every hour');
  assert.equal(await period('backup'), 'every day');
  assert.equal(await period('embedding_backfill'), 'every 10 minutes');
  assert.equal(await period('heartbeat'), 'disabled');
  assert.match(await page.locator('.runner-note').textContent(), /runs no jobs itself/);
  assert.equal(await page.locator('#view .error-box').count(), 0);
  // Every form control has a label.
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('#view input, #view select, #view textarea')]
      .filter((el) => el.type !== 'hidden' && !el.labels?.length && !el.getAttribute('aria-label'))
      .map((el) => el.id || el.outerHTML.slice(0, 60)));
  assert.deepEqual(unlabelled, []);
  await shot('admin-empty');
});

test('Run now checks the payload, enqueues a job that shows as queued, and Cancel cancels it', { skip }, async () => {
  const { page } = tab;
  await page.goto(url('#/admin'));
  await page.locator('#run-job').waitFor();
  await page.selectOption('#run-kind', 'echo');
  // Not JSON, then not an object: refused here, nothing sent.
  for (const bad of ['{oops', '[1, 2]']) {
    await page.fill('#run-payload', bad);
    await page.click('#run-job button[type=submit]');
    await page.locator('#run-payload-error').waitFor({ state: 'visible' });
    assert.equal(await page.getAttribute('#run-payload', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'run-payload');
  }
  assert.equal((await api(srv.base, 'GET', '/api/v1/admin/jobs', { token: admin.token })).json.total, 0);
  await page.fill('#run-payload', '{"hello": "from the dashboard"}');
  assert.ok(await page.locator('#run-payload-error').isHidden(), 'typing clears the error');
  await page.click('#run-job button[type=submit]');
  const row = page.locator('table.jobs tr[data-job-id]', { hasText: 'echo' }).first();
  await row.waitFor({ timeout: 5000 });
  assert.equal(await row.getAttribute('data-state'), 'queued');
  const id = Number(await row.getAttribute('data-job-id'));
  const j = await job(id);
  assert.equal(j.state, 'queued');
  assert.deepEqual(j.payload, { hello: 'from the dashboard' });
  await page.waitForFunction(() => document.querySelector('[data-testid="tile-queued"] .value').textContent === '1', null, { timeout: 3000 });
  // The details show the payload.
  await row.getByRole('button', { name: /details/i }).click();
  const detail = page.locator(`#job-${id}-details`);
  await detail.waitFor();
  assert.match(await detail.textContent(), /from the dashboard/);
  assert.equal(await row.getByRole('button', { name: /hide/i }).getAttribute('aria-expanded'), 'true');
  await shot('admin-queued');
  // The 5 s refresh keeps the details open.
  await page.waitForTimeout(5600);
  assert.ok(await detail.isVisible(), 'the details stay open across a refresh');
  await row.getByRole('button', { name: /cancel/i }).click();
  await page.locator(`tr[data-job-id="${id}"][data-state="cancelled"]`).waitFor({ timeout: 5000 });
  assert.equal((await job(id)).state, 'cancelled');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.key), `details-${id}`, 'focus moves to the row, not the page');
  // The filters live in the URL and survive a reload.
  await page.selectOption('#job-state', 'queued');
  await page.waitForURL(/state=queued/);
  await page.locator('.jobs-card .empty').waitFor();
  await page.selectOption('#job-state', 'cancelled');
  await page.selectOption('#job-kind', 'echo');
  await page.waitForURL(/state=cancelled&kind=echo/);
  await page.reload();
  await page.locator(`tr[data-job-id="${id}"]`).waitFor();
  assert.equal(await page.inputValue('#job-state'), 'cancelled');
  assert.equal(await page.inputValue('#job-kind'), 'echo');
});

test('a dead job shows its error and is retried from the page', { skip }, async () => {
  const { page } = tab;
  const r = await enqueue({ kind: 'fail', payload: { message: 'boom on purpose' }, max_attempts: 1 });
  assert.equal(r.status, 201, r.text);
  const id = r.json.job.id;
  const a = agent();
  const dead = await waitFor('the fail job to die', async () => {
    const j = await job(id);
    return j.state === 'dead' && j;
  });
  assert.match(dead.last_error, /boom on purpose/);
  assert.deepEqual(await a.stop(), { code: 0, signal: null }); // nothing runs the retried job
  await page.goto(url('#/admin'));
  await page.reload();
  const row = page.locator(`tr[data-job-id="${id}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'dead');
  assert.match(await row.textContent(), /boom on purpose/);
  assert.equal(await tile(page, 'dead'), '1');
  assert.match(await page.locator('table.kinds tr[data-kind="fail"]').textContent(), /1/);
  await row.getByRole('button', { name: /details/i }).click();
  assert.match(await page.locator(`#job-${id}-details`).textContent(), /Last error[\s\S]*boom on purpose/);
  await shot('admin');
  await row.getByRole('button', { name: /retry/i }).click();
  await page.locator(`tr[data-job-id="${id}"][data-state="queued"]`).waitFor({ timeout: 5000 });
  const j = await job(id);
  assert.equal(j.state, 'queued');
  assert.equal(j.attempts, 0);
  await page.waitForFunction(() => document.querySelector('[data-testid="tile-dead"] .value').textContent === '0', null, { timeout: 3000 });
});

test('a user who is not an administrator gets a clear message and no Admin link', { skip }, async () => {
  const user = await registerUser(srv.base, 'e2e-user');
  const p = await open();
  await signIn(p.page, user.email);
  assert.ok(await p.page.locator('#nav-admin').isHidden());
  await p.page.goto(url('#/admin'));
  const box = p.page.locator('#admin-forbidden');
  await box.waitFor({ timeout: 5000 });
  assert.match(await box.textContent(), /Administrators only/);
  assert.ok(await p.page.locator('#nav-admin').isHidden());
  await shot('admin-forbidden', p.page);
  await p.context.close();
});

test('a review reminder reaches the open page live; the panel marks it read', { skip }, async () => {
  const user = await registerUser(srv.base, 'e2e-remind');
  // An attempt long ago: its review is due now.
  await logAttempt(srv.base, user.token, { problem: 'two-sum', outcome: 'solved', at: '2025-01-01T10:00:00Z' });
  const p = await open();
  const { page } = p;
  await signIn(page, user.email);
  await page.locator('#live[data-state="live"]').waitFor({ timeout: 5000 });
  const bell = page.locator('#notifications');
  assert.equal(await bell.getAttribute('aria-label'), 'Notifications: none unread');
  await page.evaluate(() => (window.__samePage = true));
  agent();
  const r = await enqueue({ kind: 'reminders.reviews' });
  assert.equal(r.status, 201, r.text);
  await page.waitForFunction(() => document.getElementById('notifications').getAttribute('aria-label') === 'Notifications: 1 unread', null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.__samePage), true, 'no reload');
  assert.equal((await page.locator('#notifications-count').textContent()).trim(), '1');
  await page.locator('.toast', { hasText: /review/ }).waitFor({ timeout: 3000 });
  // The panel: opened by keyboard, one unread item, Mark read, Escape closes.
  await bell.focus();
  await page.keyboard.press('Enter');
  const panel = page.locator('#notifications-panel');
  await panel.waitFor({ state: 'visible' });
  assert.equal(await bell.getAttribute('aria-expanded'), 'true');
  const item = panel.locator('li.unread');
  await item.waitFor();
  assert.match(await item.textContent(), /review is due/);
  assert.ok(await page.evaluate(() => document.getElementById('notifications-panel').contains(document.activeElement)), 'focus moves into the panel');
  await shot('notifications', page);
  await item.getByRole('button', { name: /mark read/i }).click();
  await page.waitForFunction(() => document.getElementById('notifications').getAttribute('aria-label') === 'Notifications: none unread', null, { timeout: 5000 });
  assert.ok(await page.locator('#notifications-count').isHidden());
  await panel.locator('li.read').waitFor();
  const n = await api(srv.base, 'GET', '/api/v1/notifications', { token: user.token });
  assert.equal(n.json.unread, 0);
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'notifications', 'focus returns to the button');
  // After a reload the count comes from the server.
  await page.reload();
  await page.locator('#overview').waitFor();
  await page.waitForTimeout(500);
  assert.equal(await bell.getAttribute('aria-label'), 'Notifications: none unread');
  await p.context.close();
});

test('the admin page on a phone-sized screen, dark', { skip }, async () => {
  const phone = await open({ width: 390, height: 844, colorScheme: 'dark' });
  await phone.page.goto(url());
  await phone.page.evaluate(([t, u]) => {
    localStorage.setItem('maang.token', t);
    localStorage.setItem('maang.user', JSON.stringify(u));
  }, [admin.token, admin.user]);
  await phone.page.goto(url('#/admin'));
  await phone.page.locator('#admin table.jobs').waitFor();
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  await shot('admin-phone-dark', phone.page);
  await phone.page.click('#notifications');
  await phone.page.locator('#notifications-panel').waitFor({ state: 'visible' });
  const box = await phone.page.locator('#notifications-panel').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `the panel fits: ${JSON.stringify(box)}`);
  await shot('notifications-phone-dark', phone.page);
  await phone.context.close();
});

test('no console errors or CSP violations', { skip }, async () => {
  for (const p of pages) assert.deepEqual(unexpected(p.problems, [/status of 40[134]/]), []);
});
