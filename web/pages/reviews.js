// reviews.js (#/reviews): the problems whose review is due (FSRS), within a
// chosen horizon, with their recall now and projected to the interview.

import { get } from '../lib/api.js';
import { badge, empty, errorBox, field, fmtDate, fmtRelative, h, pageHeader, pct, select, spinner } from '../lib/ui.js';

const HORIZONS = [['0', 'Due now'], ['1', 'Within a day'], ['7', 'Within a week'], ['30', 'Within 30 days'], ['90', 'Within 90 days'], ['365', 'Within a year']];
const PAGE = 50;
const LIVE = new Set(['attempt.created', 'attempt.deleted', 'attempts.imported', 'profile.updated']);

const level = (r) => (r < 0.5 ? 'low' : r < 0.8 ? 'mid' : 'high');

function recall(r) {
  if (r === null || r === undefined) return h('span.muted', '—');
  const bar = h('span', { class: level(r) });
  bar.style.width = `${Math.round(r * 100)}%`;
  return h('div.recall', h('div.meter', { 'aria-hidden': 'true' }, bar), h('span', pct(r)));
}

function table(data, state, more) {
  const interview = data.interview_date;
  if (!data.items.length)
    return empty('Nothing due — log attempts to schedule reviews.',
      state.horizon === '0' ? h('p.muted', 'Choose a longer horizon to see what comes up next, or ', h('a', { href: '#/problems' }, 'practise a new problem'), '.') : h('a', { href: '#/problems' }, 'Practise a problem'));
  return h('div',
    h('p.muted', `${data.total} ${data.total === 1 ? 'review' : 'reviews'} ${state.horizon === '0' ? 'due now' : 'due within the horizon'}, most overdue first`,
      interview ? `; recall at interview is projected to ${fmtDate(`${interview}T12:00:00Z`)} without further review` : '', '.'),
    h('div.table-wrap', h('table.due',
      h('thead', h('tr', h('th', 'Problem'), h('th', 'Difficulty'), h('th', 'Due'), h('th', 'Recall now'),
        interview ? h('th', 'At interview') : null, h('th.num', 'Reviews'), h('th.num', 'Lapses'))),
      h('tbody', data.items.map((r) => h('tr', { 'data-slug': r.slug },
        h('td', h('a', { href: `#/problems/${encodeURIComponent(r.slug)}` }, r.title)),
        h('td', r.difficulty ? badge(r.difficulty) : '—'),
        h('td', h('span', { title: `${fmtDate(r.due)}${r.overdue_days > 0 ? ` (${Math.floor(r.overdue_days)} days overdue)` : ''}` }, fmtRelative(r.due))),
        h('td', recall(r.recall)),
        interview ? h('td', recall(r.recall_at_interview)) : null,
        h('td.num', String(r.reviews)), h('td.num', String(r.lapses))))))),
    data.total > data.items.length
      ? h('div.pager', h('span.muted', `Showing ${data.items.length} of ${data.total}`),
        state.limit < 500 ? h('button.ghost', { type: 'button', onclick: more }, `Show ${Math.min(PAGE, data.total - data.items.length)} more`) : null)
      : null);
}

export default {
  title: 'Reviews',
  async render(ctx) {
    const state = {
      horizon: HORIZONS.some(([v]) => v === ctx.query.get('horizon')) ? ctx.query.get('horizon') : '0',
      limit: PAGE,
    };
    const box = h('div');
    const fetchList = () => get('/reviews/due', { horizon_days: state.horizon, limit: state.limit });
    let seq = 0;
    const show = async (quiet) => {
      const mine = ++seq;
      if (!quiet) box.replaceChildren(spinner());
      try {
        const data = await fetchList();
        if (mine === seq) box.replaceChildren(table(data, state, more));
      } catch (e) {
        console.error(e);
        if (mine === seq && !quiet) box.replaceChildren(errorBox(e, () => show(false)));
      }
    };
    const more = async () => {
      const seen = box.querySelectorAll('tbody tr').length;
      state.limit = Math.min(500, state.limit + PAGE);
      await show(true);
      const next = box.querySelectorAll('tbody tr a')[seen];
      if (next) next.focus(); // keyboard users continue where the new rows start
    };
    const horizon = select(HORIZONS, state.horizon, {
      onchange: (e) => {
        state.horizon = e.target.value;
        state.limit = PAGE;
        history.replaceState(null, '', state.horizon === '0' ? '#/reviews' : `#/reviews?horizon=${state.horizon}`);
        show(false);
      },
    });
    // The first answer comes before the page shows (the router's spinner), so
    // a failure there is the router's error box with its retry.
    box.replaceChildren(table(await fetchList(), state, more));
    let timer = 0;
    ctx.onLive((type) => {
      if (!LIVE.has(type)) return;
      clearTimeout(timer);
      timer = setTimeout(() => box.isConnected && show(true), 150);
    });
    return h('div#reviews',
      pageHeader('Reviews', 'Spaced repetition: review a solution before you forget it.'),
      h('section.card', h('div.page-controls', field('Show reviews', horizon)), box));
  },
};
