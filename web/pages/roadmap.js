// roadmap.js (#/roadmap): the topics as a prerequisite graph with your
// progress, and the study plan from today to the interview (GET /plan).

import { get } from '../lib/api.js';
import { topicGraph } from '../lib/charts.js';
import { badge, empty, errorBox, field, fmtDate, h, pageHeader, select, spinner } from '../lib/ui.js';

const LIVE = new Set(['attempt.created', 'attempt.deleted', 'attempts.imported', 'profile.updated']);
const WEEKS = [['', 'Until the interview (or 8 weeks)'], ...[1, 2, 4, 6, 8, 12, 16, 26, 52].map((n) => [String(n), `${n} ${n === 1 ? 'week' : 'weeks'}`])];
const MOCKS = { coding: 'coding', system_design: 'system design', behavioral: 'behavioral' };
const HORIZON = { 'interview date': 'until the day before your interview', requested: 'for the weeks you chose', default: 'the default 8 weeks (set an interview date in Settings)' };

const day = (d, opts) => new Date(`${d}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: 'UTC', ...opts });
const short = (d) => day(d, { month: 'short', day: 'numeric' });
function hours(min) {
  const hh = Math.floor(min / 60), mm = Math.round(min % 60);
  return hh ? (mm ? `${hh} h ${mm} min` : `${hh} h`) : `${mm} min`;
}

function graph(topics, progress) {
  const started = progress.topics.filter((t) => t.solved > 0).length;
  const swatch = (cls, text) => h('span', h('span.swatch', { class: cls }), text);
  return h('div',
    h('p.muted', `${started} of ${topics.length} topics started. Each topic sits below its prerequisites; select one to see its problems.`),
    topicGraph(topics, progress.topics),
    h('div.legend.graph-legend', { 'aria-label': 'Legend' },
      swatch('open', 'ready to start'), swatch('started', 'in progress'), swatch('done', 'all solved'),
      swatch('locked', 'dashed: a prerequisite has nothing solved'), h('span', 'bar: share of the topic solved')));
}

function item(it, names) {
  if (it.kind === 'mock')
    return h('li', h('div.grow', h('div.title-line', badge('mock'), h('strong', `Mock interview: ${MOCKS[it.type] || it.type}`)), it.reason ? h('p.reason', it.reason) : null),
      h('span.side', hours(it.minutes)));
  return h('li', { 'data-slug': it.slug },
    h('div.grow',
      h('div.title-line', badge(it.kind), h('a', { href: `#/problems/${encodeURIComponent(it.slug)}` }, it.title || it.slug),
        it.difficulty ? badge(it.difficulty) : null),
      h('p.reason', [names.get(it.topic) || it.topic, it.reason].filter(Boolean).join(' · '))),
    h('span.side', hours(it.minutes)));
}

function plan(p, names) {
  const t = p.totals || {};
  const weeks = p.weeks || [];
  return h('div',
    h('p', `${fmtDate(`${p.start}T12:00:00Z`)} to ${fmtDate(`${p.end}T12:00:00Z`)}, ${HORIZON[p.horizon] || p.horizon}, at ${p.hours_per_week} hours a week.`),
    h('dl.figs',
      [['Weeks', weeks.length], ['New problems', t.new], ['Reviews', t.reviews], ['Mock interviews', t.mocks], ['Total time', hours(t.minutes || 0)]]
        .map(([k, v]) => h('div', h('dt', k), h('dd', String(v ?? '—'))))),
    weeks.length ? weeks.map((w, i) => {
      const days = (w.days || []).filter((d) => d.items && d.items.length);
      return h('details.plan-week', { open: i === 0, 'data-week': w.week },
        h('summary',
          h('strong', `Week ${w.week}`), h('span', `${short(w.start)} – ${short(w.end)}`),
          h('span.muted', `${hours(w.minutes)} of ${hours(w.budget)}`),
          w.focus && w.focus.length ? h('span.muted', `focus: ${w.focus.map((f) => names.get(f) || f).join(', ')}`) : null),
        h('div.days', days.length
          ? days.map((d) => h('div.plan-day',
            h('h3', `${day(d.date, { weekday: 'short', month: 'short', day: 'numeric' })} · ${hours(d.minutes)}`),
            h('ul.list', d.items.map((it) => item(it, names)))))
          : h('p.muted', 'Nothing planned this week.')));
    }) : empty('No weeks to plan: is the interview date today or past? Change it in Settings.', h('a', { href: '#/settings' }, 'Settings')),
    (p.assumptions || []).length ? h('ul.hint', p.assumptions.map((a) => h('li', a))) : null);
}

export default {
  title: 'Roadmap',
  async render(ctx) {
    const weeksQ = ctx.query.get('weeks') || '';
    const state = { weeks: WEEKS.some(([v]) => v === weeksQ) ? weeksQ : '', blind: ctx.query.get('blind') === '1' };
    const topics = (await get('/topics')).items;
    const names = new Map(topics.map((t) => [t.slug, t.name]));
    const graphBox = h('div');
    const planBox = h('div');
    let seq = { graph: 0, plan: 0 };
    // Loads into BOX: a spinner first unless QUIET (live refresh keeps the old view).
    const load = async (key, box, fn, quiet) => {
      const mine = ++seq[key];
      if (!quiet) box.replaceChildren(spinner());
      try {
        const node = await fn();
        if (mine === seq[key]) box.replaceChildren(node);
      } catch (e) {
        console.error(e);
        if (mine === seq[key] && !quiet) box.replaceChildren(errorBox(e, () => load(key, box, fn, false)));
      }
    };
    const loadGraph = (quiet) => load('graph', graphBox, async () => graph(topics, await get('/progress')), quiet);
    const loadPlan = (quiet) => load('plan', planBox, async () => {
      const open = new Set([...planBox.querySelectorAll('details[open]')].map((d) => d.dataset.week));
      const node = plan(await get('/plan', { weeks: state.weeks, blind: state.blind }), names);
      if (quiet) for (const d of node.querySelectorAll('details')) d.open = open.has(d.dataset.week);
      return node;
    }, quiet);
    const sync = () => {
      const q = new URLSearchParams();
      if (state.weeks) q.set('weeks', state.weeks);
      if (state.blind) q.set('blind', '1');
      history.replaceState(null, '', `#/roadmap${q.toString() ? `?${q}` : ''}`);
      loadPlan(false);
    };
    const weeks = select(WEEKS, state.weeks, { onchange: (e) => { state.weeks = e.target.value; sync(); } });
    const blind = h('input', { type: 'checkbox', checked: state.blind, onchange: (e) => { state.blind = e.target.checked; sync(); } });
    loadGraph(false);
    loadPlan(false);
    let timer = 0;
    ctx.onLive((type) => {
      if (!LIVE.has(type)) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!graphBox.isConnected) return;
        loadGraph(true);
        loadPlan(true);
      }, 150);
    });
    return h('div#roadmap',
      pageHeader('Roadmap', 'The patterns in order, with your progress, and a week-by-week plan.'),
      h('section.card', h('h2', 'Topics'), graphBox),
      h('section.card',
        h('h2', 'Study plan'),
        h('div.page-controls', field('Plan length', weeks), h('label.check', blind, 'Blind: hide difficulty')),
        planBox));
  },
};
