// interviews.js: #/interviews: the "new mock interview" form (now or
// scheduled), sessions waiting to start, the history with a chart of the
// overall scores. Exports the bits the room (interview.js) shares.

import { get, post } from '../lib/api.js';
import { lineChart } from '../lib/charts.js';
import { badge, card, empty, errorBox, field, fmtDateTime, fmtRelative, h, pageHeader, select, toast } from '../lib/ui.js';
import { DIFFICULTIES, catalog } from './problems.js';

const TYPES = [['coding', 'Coding'], ['system_design', 'System design'], ['behavioral', 'Behavioral']];
export const TYPE_NAME = Object.fromEntries(TYPES);
const STATE_NAME = { scheduled: 'Scheduled', active: 'In progress', completed: 'Completed', abandoned: 'Abandoned' };
export const stateBadge = (s) => badge(STATE_NAME[s] || s, `iv-${s}`);
export const words = (slug) => (slug ? slug[0].toUpperCase() + slug.slice(1).replace(/[-_]/g, ' ') : '');
export const score = (x) => (typeof x === 'number' ? `${x.toFixed(1).replace(/\.0$/, '')}/4` : '—');

/** 75 → "01:15"; 3700 → "1:01:40". */
export function clock(sec) {
  const s = Math.max(0, Math.floor(sec));
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}

let compP = null;
/** The behavioral competencies, from the question bank. */
function competencies() {
  compP ??= get('/behavioral-questions').then((r) => [...new Set(r.items.map((q) => q.competency).filter(Boolean))].sort());
  compP.catch(() => (compP = null));
  return compP;
}

function newForm(cat, ctx) {
  const radios = TYPES.map(([v, text], i) => h('label.check', h('input', { type: 'radio', name: 'iv-type', id: `iv-type-${v}`, value: v, checked: i === 0 }), text));
  const company = select([['', 'Any company'], ...cat.companies.map((c) => [c.slug, c.name])], '', { id: 'iv-company' });
  const level = h('input#iv-level', { type: 'text', list: 'iv-levels', maxlength: 32, placeholder: 'e.g. senior', autocomplete: 'off' });
  const difficulty = select([['', 'Any'], ...DIFFICULTIES], '', { id: 'iv-difficulty' });
  const topic = h('select#iv-topic');
  const duration = h('input#iv-duration', { type: 'number', min: 5, max: 180, step: 1, value: 45, inputmode: 'numeric' });
  const blind = h('input#iv-blind', { type: 'checkbox' });
  const when = h('input#iv-when', { type: 'datetime-local' });
  const error = h('div.form-error', { role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit' }, 'Start now');
  const diffField = field('Difficulty', difficulty);
  const topicField = field('Topic', topic);
  const type = () => radios.map((l) => l.firstChild).find((r) => r.checked).value;

  async function fillTopics() {
    const t = type();
    topicField.hidden = t === 'system_design';
    diffField.hidden = t === 'behavioral';
    topicField.querySelector('label').textContent = t === 'behavioral' ? 'Competency' : 'Topic';
    const opts = t === 'behavioral' ? (await competencies().catch(() => [])).map((c) => [c, words(c)]) : cat.topics.map((x) => [x.slug, x.name]);
    if (t === type()) topic.replaceChildren(...[['', t === 'behavioral' ? 'Any competency' : 'Any topic'], ...opts].map(([v, x]) => h('option', { value: v }, x)));
  }

  async function create(ev) {
    ev.preventDefault();
    error.hidden = true;
    const fail = (msg, el) => {
      error.textContent = msg;
      error.hidden = false;
      el?.focus();
    };
    const t = type();
    const body = { type: t, duration_minutes: Number(duration.value), blind: blind.checked };
    if (!Number.isInteger(body.duration_minutes) || body.duration_minutes < 5 || body.duration_minutes > 180)
      return fail('The duration must be a whole number of minutes from 5 to 180.', duration);
    if (company.value) body.company = company.value;
    if (level.value.trim()) body.level = level.value.trim();
    if (difficulty.value && t !== 'behavioral') body.difficulty = difficulty.value;
    if (topic.value && t !== 'system_design') body.topic = topic.value;
    if (when.value) {
      const at = new Date(when.value);
      if (isNaN(at) || at <= new Date()) return fail('The scheduled time must be in the future (or leave it empty to start now).', when);
      body.scheduled_at = at.toISOString();
    }
    submit.disabled = true;
    try {
      const s = await post('/interviews', body);
      if (s.state === 'scheduled') toast(`Scheduled for ${fmtDateTime(s.scheduled_at)}`);
      ctx.navigate(`/interviews/${encodeURIComponent(s.id)}`);
    } catch (e) {
      fail(e.message ? e.message[0].toUpperCase() + e.message.slice(1) : String(e));
    } finally {
      submit.disabled = false;
    }
  }

  for (const l of radios) l.firstChild.addEventListener('change', fillTopics);
  when.addEventListener('input', () => (submit.textContent = when.value ? 'Schedule' : 'Start now'));
  fillTopics();
  return h('form#iv-new', { novalidate: true, onsubmit: create },
    h('fieldset.iv-types', h('legend', 'Type'), radios),
    h('div.row', field('Company', company), field('Level', level)),
    h('datalist#iv-levels', ['junior', 'mid', 'senior', 'staff', 'principal'].map((v) => h('option', { value: v }))),
    h('div.row', diffField, topicField),
    h('div.row', field('Minutes', duration, 'Coding: 40 or more gives two problems.'), field('Schedule for', when, 'Empty: start now.')),
    h('label.check.field', blind, 'Blind: hide difficulty and companies'),
    error, submit);
}

/** "Nov 28, 7:44 PM" (with the year when not this one). */
function shortDate(iso) {
  const d = new Date(iso);
  const opts = { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' };
  if (d.getFullYear() !== new Date().getFullYear()) opts.year = 'numeric';
  return h('time', { datetime: iso, title: fmtDateTime(iso) }, d.toLocaleString(undefined, opts));
}

function history(list, cat) {
  const { items, total } = list;
  if (!items.length) return empty('No mock interviews yet: choose a type and start your first one.');
  const done = items.filter((s) => s.state === 'completed' && s.scores).sort((a, b) => a.ended_at.localeCompare(b.ended_at));
  const fmtX = (iso) => new Date(iso).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return h('div',
    done.length ? h('figure.iv-chart',
      lineChart(done.map((s) => ({ x: s.ended_at, y: s.scores.overall, title: `${TYPE_NAME[s.type]}, ${fmtDateTime(s.ended_at)}: ${score(s.scores.overall)}` })),
        { label: `Overall scores (out of 4) of ${done.length} completed interviews, latest ${score(done[done.length - 1].scores.overall)}`, height: 160, xFormat: fmtX, area: false }),
      h('figcaption.hint', 'Overall score (1–4) of each completed interview.')) : null,
    h('div.table-wrap', h('table.iv-history',
      h('thead', h('tr', ['Date', 'Interview', 'Company', 'State', 'Score', 'Time'].map((t, i) => h(i > 3 ? 'th.num' : 'th', { scope: 'col' }, t)))),
      h('tbody', items.map((s) => h('tr', { dataset: { interviewId: s.id } },
        h('td.nowrap', shortDate(s.started_at || s.scheduled_at || s.created_at)),
        h('td', h('a', { href: `#/interviews/${encodeURIComponent(s.id)}` }, TYPE_NAME[s.type] || s.type),
          s.level || s.topic ? h('div.hint', [words(s.level), cat.topicName[s.topic] || words(s.topic)].filter(Boolean).join(' · ')) : null),
        h('td', s.company ? cat.companyName[s.company] || s.company : '—'),
        h('td', stateBadge(s.state)),
        h('td.num', s.scores ? score(s.scores.overall) : '—'),
        h('td.num.nowrap', s.started_at && s.state !== 'active' ? `${clock(s.elapsed_seconds)} of ${s.duration_minutes} min` : `${s.duration_minutes} min`)))))),
    total > items.length ? h('p.hint', `Showing the latest ${items.length} of ${total}.`) : null);
}

function waiting(items, cat, ctx, reload) {
  const start = async (s, button) => {
    button.disabled = true;
    try {
      await post(`/interviews/${encodeURIComponent(s.id)}/start`);
      ctx.navigate(`/interviews/${encodeURIComponent(s.id)}`);
    } catch (e) {
      button.disabled = false;
      toast(e, 'error');
      reload();
    }
  };
  return h('ul.list', items.map((s) => {
    const name = `${TYPE_NAME[s.type]} interview${s.company ? ` (${cat.companyName[s.company] || s.company})` : ''}`;
    return h('li', { dataset: { interviewId: s.id } },
      h('div.grow', h('a', { href: `#/interviews/${encodeURIComponent(s.id)}` }, name),
        h('div.hint', s.state === 'active' ? `started ${fmtRelative(s.started_at)}, ${clock(s.remaining_seconds)} left` : `${fmtDateTime(s.scheduled_at)} (${fmtRelative(s.scheduled_at)}) · ${s.duration_minutes} min`)),
      s.state === 'active' ? h('a.button.small', { href: `#/interviews/${encodeURIComponent(s.id)}` }, 'Resume')
        : h('button.small', { type: 'button', 'aria-label': `Start the ${name} now`, onclick: (ev) => start(s, ev.currentTarget) }, 'Start'));
  }));
}

export default {
  title: 'Mock interviews',
  async render(ctx) {
    const cat = await catalog();
    const upcoming = h('div');
    const past = h('div', { 'aria-busy': 'true' });
    let seq = 0;
    let timer = null;
    async function load() {
      const mine = ++seq;
      try {
        const list = await get('/interviews', { limit: 100 });
        if (mine !== seq) return;
        const open = list.items.filter((s) => s.state === 'scheduled' || s.state === 'active')
          .sort((a, b) => (a.scheduled_at || a.started_at || '').localeCompare(b.scheduled_at || b.started_at || ''));
        upcoming.replaceChildren(open.length ? card('Waiting for you', waiting(open, cat, ctx, load)) : '');
        past.replaceChildren(history(list, cat));
      } catch (e) {
        if (mine === seq) past.replaceChildren(errorBox(e, load));
      }
      past.removeAttribute('aria-busy');
    }
    ctx.onLive((type) => {
      if (!type.startsWith('interview.')) return;
      clearTimeout(timer);
      timer = setTimeout(load, 200);
    });
    await load();
    return h('div.interviews-page.page-b',
      pageHeader('Mock interviews', 'Timed practice with an interviewer, graded on a rubric.'),
      upcoming,
      h('div.iv-grid',
        card('New mock interview', newForm(cat, ctx)),
        h('section.card', h('h2', 'History'), past)));
  },
};
