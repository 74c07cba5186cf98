// weaknesses.js (#/weaknesses): the weak topics the learning engine finds,
// with the numbers behind each, what to practise, and what got better.

import { get } from '../lib/api.js';
import { badge, card, empty, fmtDate, fmtDateTime, fmtRelative, h, pageHeader, pct } from '../lib/ui.js';

const LIVE = new Set(['attempt.created', 'attempt.deleted', 'attempts.imported', 'profile.updated']);
const problemLink = (slug, title) => h('a', { href: `#/problems/${encodeURIComponent(slug)}` }, title || slug);
const outcome = (o) => (o ? badge(o.replace(/_/g, ' '), o.replace(/_/g, '-')) : '—');

function meter(value, cls, text) {
  const bar = h('span');
  bar.style.width = `${Math.round(Math.max(0, Math.min(1, value || 0)) * 100)}%`;
  return h('div', { class: cls }, h('div.meter', { 'aria-hidden': 'true' }, bar), h('span', text));
}

function evidence(e) {
  const rows = [
    ['Attempts', e.attempts], ['Failed', e.failed], ['With help', e.solved_with_help],
    ['Failed, 14 days', e.recent_failures, 'failures in the last 14 days'], ['Success', pct(e.success), 'recency-weighted success'],
    ['Pace', pct(e.speed), 'speed of solved attempts against interview targets'], ['Recall', pct(e.recall), 'estimated recall of the solved problems'],
    ['Solved', `${e.solved} of ${e.total}`],
  ];
  return h('dl.figs', rows.map(([k, v, t]) => h('div', { title: t }, h('dt', k), h('dd', String(v ?? '—')))));
}

function weakness(w) {
  const e = w.evidence || {};
  const problems = e.problems || [];
  return h('section.card', { 'data-topic': w.topic },
    h('div.weak-head',
      h('h2', h('a', { href: `#/problems?topic=${encodeURIComponent(w.topic)}` }, w.name)),
      h('div.weak-nums', { title: 'severity = (1 − mastery) × evidence; 0.2 or more counts as weak' },
        meter(w.severity, 'severity', `severity ${w.severity.toFixed(2)}`), badge(`mastery ${pct(w.mastery)}`, 'mastery'))),
    h('p', w.explanation),
    evidence(e),
    h('div.grid',
      h('div',
        h('h3', 'Problems that went wrong'),
        problems.length
          ? h('div.table-wrap', h('table.wrong',
            h('thead', h('tr', h('th', 'Problem'), h('th.num', 'Attempts'), h('th.num', 'Failed'), h('th', 'Last'))),
            h('tbody', problems.map((p) => h('tr',
              h('td', problemLink(p.slug, p.title)), h('td.num', String(p.attempts)), h('td.num', String(p.failed)),
              h('td.last', outcome(p.last_outcome), ' ', h('span.muted', fmtDate(p.last_attempt))))))))
          : h('p.muted', 'No failed problems: the trouble is speed or recall.')),
      h('div',
        h('h3', 'Practise next'),
        (w.recommendations || []).length
          ? h('ol.list', w.recommendations.map((r) => h('li', h('div.grow',
            h('div.title-line', problemLink(r.slug, r.title), r.difficulty ? badge(r.difficulty) : null, badge(r.kind, 'kind')),
            h('p.reason', r.reason)))))
          : h('p.muted', 'Nothing to recommend in this topic right now.'))));
}

function build(data, names) {
  const name = (slug) => names.get(slug) || slug;
  const items = data.items || [];
  const history = data.history || [];
  return [
    pageHeader('Weaknesses', `Computed ${fmtRelative(data.computed_at)} from your attempts, recall and speed; most severe first.`),
    items.length
      ? items.map(weakness)
      : h('section.card', empty('No weak topics right now. A topic shows up here once it has at least 2 attempts and a sign of trouble: a failure, a solve with help, fading recall or slow solves.',
        h('a', { href: '#/problems' }, 'Practise problems'))),
    (data.resolved || []).length
      ? card('Resolved', h('p.muted', 'Weak in an earlier analysis, and no longer:'),
        h('div.tags', data.resolved.map((t) => h('a.badge.solved', { href: `#/problems?topic=${encodeURIComponent(t)}` }, `✓ ${name(t)}`))))
      : null,
    history.length > 1 || (history.length === 1 && history[0].topics.length)
      ? card('History',
        h('div.table-wrap', h('table',
          h('thead', h('tr', h('th', 'Analysis'), h('th', 'Weak topics'))),
          h('tbody', history.map((a) => h('tr',
            h('td', fmtDateTime(a.computed_at)),
            h('td', a.topics.length ? a.topics.map(name).join(', ') : h('span.muted', 'none'))))))))
      : null,
  ].flat().filter(Boolean);
}

export default {
  title: 'Weaknesses',
  async render(ctx) {
    const [data, topics] = await Promise.all([get('/weaknesses'), get('/topics').catch(() => ({ items: [] }))]);
    const names = new Map(topics.items.map((t) => [t.slug, t.name]));
    const root = h('div#weaknesses', build(data, names));
    let timer = 0;
    let seq = 0;
    ctx.onLive((type) => {
      if (!LIVE.has(type)) return;
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++seq;
        try {
          const next = await get('/weaknesses');
          if (mine === seq && root.isConnected) root.replaceChildren(...build(next, names));
        } catch (e) {
          console.error('weaknesses refresh', e);
        }
      }, 150);
    });
    return root;
  },
};
