// overview.js (#/): totals, streaks, the year's activity, solved over time,
// difficulty split, topic mastery, due reviews and what to do next. Live
// events re-fetch and redraw in place (debounced), without a spinner.

import { get } from '../lib/api.js';
import { barChart, calendarHeatmap, lineChart, masteryBars } from '../lib/charts.js';
import { badge, empty, errorBox, fmtDate, fmtRelative, h, pageHeader, pct } from '../lib/ui.js';

const LIVE = new Set(['attempt.created', 'attempt.deleted', 'attempts.imported', 'profile.updated']);
const WEEKS = 26;
const DAY = 86400000;

const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
const short = (d, year) => new Date(`${d}T00:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: year ? 'numeric' : undefined, timeZone: 'UTC' });
const level = (r) => (r < 0.5 ? 'low' : r < 0.8 ? 'mid' : 'high');

async function load() {
  const calls = [
    get('/progress'),
    get('/stats', { period: 'week', from: iso(Date.now() - (WEEKS - 1) * 7 * DAY) }),
    get('/reviews/due', { limit: 5 }),
    get('/recommendations', { limit: 5 }),
    get('/profile'),
  ];
  const [progress, stats, due, recs, profile] = await Promise.allSettled(calls);
  if (progress.status === 'rejected') throw progress.reason;
  const val = (r) => (r.status === 'fulfilled' ? r.value : { error: r.reason });
  return { progress: progress.value, stats: val(stats), due: val(due), recs: val(recs), profile: val(profile) };
}

function stat(label, value, detail, props = {}) {
  return h('div.stat', props.class ? { class: props.class } : null,
    h('div.label', label), h('div.value', props.value || null, value, props.unit ? h('span.unit', props.unit) : null), detail ? h('div.detail', detail) : null);
}
const days = (n) => (n === 1 ? 'day' : 'days');

function countdown(date, today) {
  if (!date) return null;
  const left = Math.round((Date.parse(date) - Date.parse(today)) / DAY);
  const when = fmtDate(`${date}T12:00:00Z`);
  if (left < 0) return stat('Interview', 'Passed', `was on ${when}`, { class: 'countdown' });
  return stat('Interview', left ? String(left) : 'Today', left ? `until ${when}` : when, { class: 'countdown', unit: left ? ` ${days(left)}` : '' });
}

function tiles(p, profile) {
  const s = p.solved;
  const streak = (n) => `${n} ${days(n)}`;
  return h('div.stats',
    stat('Solved', String(s.total), `${s.easy} easy · ${s.medium} medium · ${s.hard} hard of ${p.catalog_total}`,
      { value: { 'data-testid': 'solved-total' } }),
    stat('Current streak', String(p.streak.current), p.streak.current ? `longest ${streak(p.streak.longest)}` : `log an attempt today · longest ${streak(p.streak.longest)}`,
      { unit: ` ${days(p.streak.current)}` }),
    stat('Attempts', p.attempts.toLocaleString(), `${p.attempted} attempted, not yet solved`),
    stat('Active days', p.active_days.toLocaleString(), 'days with at least one attempt'),
    profile && !profile.error ? countdown(profile.interview_date, p.today) : null);
}

function section(title, extra, ...body) {
  return h('section.card', h('div.card-head', h('h2', title), extra || null), body);
}

function trend(stats, state) {
  if (stats.error) return errorBox(stats.error, state.reload);
  const items = stats.items || [];
  if (!items.some((w) => w.attempts)) return empty(`No attempts in the last ${WEEKS} weeks: pick a problem and log your first one.`, h('a', { href: '#/problems' }, 'Browse problems'));
  let run = 0;
  const points = items.map((w) => {
    run += w.solved;
    const y = state.cumulative ? run : w.solved;
    const title = `Week of ${short(w.start, true)}: ${w.solved} solved of ${w.attempts} attempts${state.cumulative ? ` (${run} since ${short(items[0].start, true)})` : ''}`;
    return { x: w.start, y, title };
  });
  const total = items.reduce((a, w) => a + w.solved, 0);
  const label = state.cumulative
    ? `Solved attempts, cumulative over the last ${WEEKS} weeks: ${total}`
    : `Solved attempts per week over the last ${WEEKS} weeks, ${total} in all`;
  return lineChart(points, { label, xFormat: (d) => short(d), yLabel: 'solved' });
}

function dueList(due) {
  if (due.error) return errorBox(due.error);
  if (!due.items.length) return empty('Nothing due — log attempts to schedule reviews.');
  return h('ul.list', due.items.map((r) => h('li',
    h('div.grow', h('div.title-line', h('a', { href: `#/problems/${encodeURIComponent(r.slug)}` }, r.title), r.difficulty ? badge(r.difficulty) : null)),
    h('div.side', h('div', { title: fmtDate(r.due) }, `due ${fmtRelative(r.due)}`), h('div', `recall ${pct(r.recall)}`)))));
}

function recList(recs) {
  if (recs.error) return errorBox(recs.error);
  if (!recs.items.length) return empty('No recommendations right now.');
  return h('ol.list', recs.items.map((r) => h('li',
    h('div.grow',
      h('div.title-line', h('a', { href: `#/problems/${encodeURIComponent(r.slug)}` }, r.title), r.difficulty ? badge(r.difficulty) : null, badge(r.kind, 'kind')),
      h('p.reason', r.reason)))));
}

function build(d, state) {
  const p = d.progress;
  const trendBox = h('div', trend(d.stats, state));
  const toggle = (cumulative, text) => h('button.ghost.small', {
    type: 'button', 'aria-pressed': String(state.cumulative === cumulative),
    onclick: (e) => {
      state.cumulative = cumulative;
      e.currentTarget.parentNode.querySelectorAll('[aria-pressed]').forEach((b) => b.setAttribute('aria-pressed', String(b === e.currentTarget)));
      trendBox.replaceChildren(trend(d.stats, state));
    },
  }, text);
  const year = p.calendar.reduce((a, c) => a + c.count, 0);
  const attemptedTopics = p.topics.filter((t) => t.mastery && t.mastery.attempts);
  const dueTotal = d.due.error ? 0 : d.due.total;
  return [
    pageHeader('Overview', `Today is ${fmtDate(`${p.today}T12:00:00Z`)} (${p.time_zone})`, h('a.button', { href: '#/problems' }, 'Find a problem')),
    tiles(p, d.profile),
    section('Activity', h('span.muted', `${year.toLocaleString()} attempts in the last year`), calendarHeatmap(p.calendar, { days: 365 })),
    h('div.grid-2',
      section('Solved over time', d.stats.items && d.stats.items.some((w) => w.attempts)
        ? h('div.actions', { role: 'group', 'aria-label': 'Chart mode' }, toggle(false, 'Per week'), toggle(true, 'Cumulative')) : null, trendBox),
      section('Difficulty split', h('span.muted', `${p.solved.total} solved`),
        p.solved.total
          ? barChart([['Easy', 'easy'], ['Medium', 'medium'], ['Hard', 'hard']].map(([label, k]) => ({ label, value: p.solved[k], class: k, title: `${label}: ${p.solved[k]} solved` })),
            { label: `Solved problems by difficulty: ${p.solved.easy} easy, ${p.solved.medium} medium, ${p.solved.hard} hard` })
          : empty('Solve a problem to see the split.'))),
    h('div.grid-2.grid-top',
      section('Topic mastery', h('a', { href: '#/roadmap' }, 'Roadmap'),
        attemptedTopics.length
          ? masteryBars(p.topics.map((t) => {
            const v = t.mastery ? t.mastery.value : null;
            return { name: t.name, value: v, href: `#/problems?topic=${encodeURIComponent(t.topic)}`, title: `${t.name}: mastery ${pct(v)}, ${t.solved} of ${t.total} solved` };
          }), { label: 'Mastery by topic' })
          : empty('Mastery appears once you attempt problems of a topic.')),
      h('div',
        section('Due reviews', dueTotal ? h('a', { href: '#/reviews' }, `All ${dueTotal} due`) : null, dueList(d.due)),
        section('Next up', h('a', { href: '#/weaknesses' }, 'Weaknesses'), recList(d.recs)))),
  ];
}

export default {
  title: 'Overview',
  async render(ctx) {
    const state = { cumulative: false };
    const root = h('div#overview');
    let data = await load();
    state.reload = ctx.refresh;
    root.replaceChildren(...build(data, state));
    let timer = 0;
    let seq = 0;
    ctx.onLive((type) => {
      if (!LIVE.has(type)) return;
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++seq;
        root.setAttribute('aria-busy', 'true');
        try {
          data = await load();
          if (mine === seq && root.isConnected) root.replaceChildren(...build(data, state));
        } catch (e) {
          console.error('overview refresh', e);
        } finally {
          if (mine === seq) root.removeAttribute('aria-busy');
        }
      }, 150);
    });
    return root;
  },
};
