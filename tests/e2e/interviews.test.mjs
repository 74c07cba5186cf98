// interviews.test.mjs: the mock interview pages in real headless Chromium
// against the real `maang serve`: create a coding interview from the form,
// talk to the interviewer, take a hint, write code and submit (feedback,
// rubric and a logged attempt); a behavioral STAR answer; an abandoned
// system design session; a scheduled one started from the list; a live
// update from another tab; the history. Screenshots (light, dark, 390 px)
// go to the artifacts directory.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { api, start } from '../integration/harness.mjs';
import { artifactsDir, launch, newPage, skipReason } from './browser.mjs';

const skip = skipReason() || false; // node:test counts { skip: null } as skipped
let srv;
let browser;
let tab; // {page, problems}
let token;
const shots = artifactsDir();
const ALLOW = [/status of 40[134]/, /409/];
const ROOM = /#\/interviews\/[0-9a-f-]{36}$/;

before(async () => {
  if (skip) return;
  srv = await start({ AGENT_EMBEDDED: 'off' });
  browser = await launch();
  tab = await newPage(browser);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.logs().slice(-3000));
});

const url = (hash = '') => `${srv.base}/${hash}`;
const shot = (name, page = tab.page) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
const unexpected = (problems) => problems.filter((p) => !ALLOW.some((re) => re.test(p)));
const roomId = (page) => page.url().match(/interviews\/([0-9a-f-]{36})$/)[1];

/** Fills the new-interview form on #/interviews and starts (or schedules) it. */
async function createFromForm(page, type, { minutes = 30, when } = {}) {
  await page.goto(url('#/interviews'));
  await page.locator('#iv-new').waitFor();
  await page.check(`#iv-type-${type}`);
  await page.fill('#iv-duration', String(minutes));
  if (when) await page.fill('#iv-when', when);
  await page.locator('#iv-new button[type=submit]').click();
  await page.waitForURL(ROOM, { timeout: 10000 });
}

/** Accepts the next confirm() and clicks SELECTOR. */
async function confirmClick(page, selector) {
  page.once('dialog', (d) => d.accept());
  await page.click(selector);
}

/** A page of its own (another tab, theme or width) signed in with the test user's token. */
async function signedInPage(opts) {
  const t = await newPage(browser, opts);
  await t.page.goto(url('#/signin'));
  await t.page.evaluate(([tok]) => localStorage.setItem('maang.token', tok), [token]);
  return t;
}

test('sign up in the browser', { skip }, async () => {
  const { page } = tab;
  await page.goto(url('#/signup'));
  await page.fill('#name', 'Interview Tester');
  await page.fill('#email', `iv-${Date.now()}@example.com`);
  await page.fill('#password', 'correct-horse-battery');
  await page.click('button[type=submit]');
  await page.locator('#overview').waitFor({ timeout: 10000 });
  token = await page.evaluate(() => localStorage.getItem('maang.token'));
  assert.ok(token);
  await page.click('#nav a[href="#/interviews"]');
  await page.locator('#iv-new').waitFor();
  assert.match(await page.locator('.interviews-page .empty').textContent(), /No mock interviews yet/);
});

test('a coding interview: question, countdown, follow-up, hint, code, feedback and an attempt', { skip }, async () => {
  const { page } = tab;
  await createFromForm(page, 'coding');
  const questions = page.locator('.iv-questions > li');
  await questions.first().waitFor();
  assert.equal(await questions.count(), 1, '30 minutes: one problem');
  assert.match(await questions.first().locator('a').first().getAttribute('href'), /^https:\/\//);
  const timer = page.locator('#iv-timer');
  assert.match(await timer.textContent(), /^(30:00|29:5\d) left$/);
  assert.equal(await timer.getAttribute('role'), 'timer');

  // The opening question is there; a message brings the interviewer's follow-up.
  await page.locator('.iv-msg.interviewer.kind-question').waitFor();
  await page.fill('#iv-message', 'Can the input be empty? My approach: a hash set of seen values, because lookups are O(1).');
  await page.click('#iv-chat button[type=submit]');
  await page.locator('.iv-msg.candidate').waitFor();
  const follow = page.locator('.iv-msg.interviewer.kind-follow_up');
  await follow.waitFor({ timeout: 5000 });
  assert.match(await follow.textContent(), /approach/i);
  assert.equal(await page.inputValue('#iv-message'), '', 'the box is cleared after sending');

  // A hint: it appears in the transcript and the count goes to 1.
  assert.match(await page.locator('#iv-hint-note').textContent(), /lowers the grade/);
  await page.click('#iv-hint');
  await page.locator('.iv-msg.kind-hint').waitFor({ timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('#iv-hints').textContent === '1');

  // Code in the editor survives a reload (a draft in sessionStorage).
  const code = [
    'def contains_duplicate(nums):',
    '    seen = set()',
    '    for n in nums:',
    '        if n in seen:',
    '            return True',
    '        seen.add(n)',
    '    return False',
    '',
    '# time complexity O(n), space complexity O(n)',
    '# tests: empty list, one element, duplicate at the end',
  ].join('\n');
  await page.fill('#iv-answer', code);
  await page.reload();
  await page.locator('#iv-answer').waitFor();
  assert.equal(await page.inputValue('#iv-answer'), code);
  assert.equal(await page.locator('.iv-msg.kind-hint').count(), 1);
  await page.selectOption('#iv-confidence', '4');
  await shot('interview-room');

  await confirmClick(page, '#iv-submit');
  await page.locator('#iv-feedback').waitFor({ timeout: 10000 });
  assert.match(await page.locator('#iv-overall').textContent(), /^\d(\.\d)?\/4$/);
  const rows = page.locator('#iv-rubric tbody tr');
  assert.equal(await rows.count(), 5);
  assert.match(await rows.first().locator('td.iv-score').textContent(), /^[1-4]\/4$/);
  assert.equal(await page.locator('#iv-attempts li').count(), 1);
  assert.match(await page.locator('#iv-attempts li a').getAttribute('href'), /^#\/problems\//);
  assert.equal(await page.locator('#iv-answer').count(), 0, 'the editor is gone');
  await shot('interview-feedback');
  const session = (await api(srv.base, 'GET', `/api/v1/interviews/${roomId(page)}`, { token })).json;
  assert.equal(session.state, 'completed');
  assert.equal(session.topic, null, 'no topic chosen: none sent');
  assert.deepEqual(session.self_scores, { confidence: 4 });
  assert.equal(session.hints, 1);
  const attempts = await api(srv.base, 'GET', '/api/v1/attempts', { token });
  assert.equal(attempts.json.total, 1);
  assert.equal(attempts.json.items.length, 1);
  assert.equal(await page.evaluate((id) => sessionStorage.getItem(`maang.interview.draft.${id}`), roomId(page)), null, 'the draft is dropped');
});

test('a behavioral interview with a full STAR answer is graded', { skip }, async () => {
  const { page } = tab;
  await createFromForm(page, 'behavioral', { minutes: 20 });
  await page.locator('.iv-questions > li').first().waitFor();
  await page.fill('#iv-answer', [
    'Situation: last year at my company our team was behind on a payments project with a hard launch date.',
    'Task: I was responsible for the migration, and my goal was to ship without downtime.',
    'Action: I analyzed the failing jobs, I proposed a plan to split the work, I wrote the runbook and I led the daily check-ins.',
    'I reached out to the platform team and I set up dashboards for latency and error rates.',
    'Result: we launched two weeks later than planned but with zero downtime; latency improved by 35% and we saved 20 hours a week of manual work for 3 teams.',
    'I learned to raise risks early and to write down decisions.',
  ].join('\n'));
  await confirmClick(page, '#iv-submit');
  await page.locator('#iv-feedback').waitFor({ timeout: 10000 });
  assert.match(await page.locator('#iv-overall').textContent(), /^\d(\.\d)?\/4$/);
  assert.match(await page.locator('#iv-rubric tr[data-key="star"] td.iv-score').textContent(), /^4\/4/);
  assert.equal(await page.locator('#iv-checklist').count(), 0);
});

test('an abandoned system design interview says so; its checklist stays hidden', { skip }, async () => {
  const { page } = tab;
  await createFromForm(page, 'system_design', { minutes: 45 });
  await page.locator('.iv-design h3').waitFor();
  assert.equal(await page.locator('#iv-checklist').count(), 0, 'no checklist while active');
  await confirmClick(page, '#iv-abandon');
  await page.locator('#iv-abandoned').waitFor({ timeout: 5000 });
  assert.match(await page.locator('.page-head .badge.iv-abandoned').textContent(), /Abandoned/);
  assert.equal(await page.locator('#iv-checklist').count(), 0);
  assert.equal(await page.locator('#iv-submit').count(), 0);
  await shot('interview-abandoned');
});

test('the history lists the three sessions with a score chart', { skip }, async () => {
  const { page } = tab;
  await page.goto(url('#/interviews'));
  const rows = page.locator('tr[data-interview-id]');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 3);
  const states = await rows.locator('td:nth-child(4)').allTextContents();
  assert.deepEqual(states.sort(), ['Abandoned', 'Completed', 'Completed']);
  assert.equal(await page.locator('.iv-chart svg .dot').count(), 2, 'one point per completed interview');
  await shot('interviews');
});

test('a scheduled interview waits on the list and starts with its button', { skip }, async () => {
  const { page } = tab;
  const soon = new Date(Date.now() + 3 * 3600e3);
  const local = new Date(soon - soon.getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
  await createFromForm(page, 'coding', { minutes: 45, when: local });
  await page.locator('#iv-start').waitFor();
  assert.equal(await page.locator('.iv-questions').count(), 0, 'questions stay hidden until the start');
  await shot('interview-scheduled');
  const id = roomId(page);
  await page.goto(url('#/interviews'));
  const item = page.locator(`li[data-interview-id="${id}"]`);
  await item.waitFor();
  await item.locator('button').click();
  await page.waitForURL(ROOM);
  await page.locator('#iv-timer').waitFor();
  assert.match(await page.locator('#iv-timer').textContent(), /^(45:00|44:5\d) left$/);
  assert.equal(await page.locator('.iv-questions > li').count(), 2, '45 minutes: two problems');
});

test('a message sent from another tab shows in the open room', { skip }, async () => {
  const { page } = tab;
  const id = roomId(page);
  await page.locator('#live[data-state="live"]').waitFor({ timeout: 10000 });
  const r = await api(srv.base, 'POST', `/api/v1/interviews/${id}/messages`, { token, body: { content: 'Sent from the other tab' } });
  assert.equal(r.status, 201);
  await page.locator('.iv-msg.candidate', { hasText: 'Sent from the other tab' }).waitFor({ timeout: 5000 });
  // Submitted elsewhere: the room turns into the feedback.
  assert.equal((await api(srv.base, 'POST', `/api/v1/interviews/${id}/submit`, { token, body: { answer: 'x = 1' } })).status, 200);
  await page.locator('#iv-feedback').waitFor({ timeout: 5000 });
});

test('dark theme and a 390 px phone: the room and the feedback', { skip }, async () => {
  const created = await api(srv.base, 'POST', '/api/v1/interviews', { token, body: { type: 'system_design', duration_minutes: 5 } });
  assert.equal(created.status, 201);
  const id = created.json.id;
  await api(srv.base, 'POST', `/api/v1/interviews/${id}/messages`, { token, body: { content: 'Who are the users, and how many requests per second?' } });
  await api(srv.base, 'POST', `/api/v1/interviews/${id}/hint`, { token });
  const done = (await api(srv.base, 'GET', '/api/v1/interviews?state=completed', { token })).json.items.find((s) => s.type === 'coding');
  for (const [name, opts] of [['dark', { colorScheme: 'dark' }], ['phone', { width: 390, height: 844 }], ['phone-dark', { width: 390, height: 844, colorScheme: 'dark' }]]) {
    const t = await signedInPage(opts);
    if (name === 'dark') await t.page.clock.install();
    await t.page.goto(url(`#/interviews/${id}`));
    await t.page.locator('.iv-msg.kind-hint').waitFor();
    if (name === 'dark') {
      // Past the 5 minutes: the countdown turns into overtime, said in words.
      await t.page.clock.fastForward('06:00');
      await t.page.locator('#iv-timer.over').waitFor();
      assert.match(await t.page.locator('#iv-timer').textContent(), /^\+0[01]:\d\d over$/);
    }
    await shot(`interview-room-${name}`, t.page);
    if (opts.width) {
      const overflow = await t.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scroll at 390 px (${overflow} px)`);
    }
    await t.page.goto(url(`#/interviews/${done.id}`));
    await t.page.locator('#iv-rubric').waitFor();
    await shot(`interview-feedback-${name}`, t.page);
    await t.page.goto(url('#/interviews'));
    await t.page.locator('tr[data-interview-id]').first().waitFor();
    await shot(`interviews-${name}`, t.page);
    assert.deepEqual(unexpected(t.problems), []);
    await t.context.close();
  }
});

test('no console errors', { skip }, async () => {
  assert.deepEqual(unexpected(tab.problems), []);
});
