// problems.js: #/problems, the catalog with search, filters, blind mode and
// paging. The filters live in the hash query; while the page is open they
// are written with history.replaceState/pushState (no re-render, so the
// search box keeps its focus) and the table alone is reloaded.

import { get, query } from '../lib/api.js';
import { badge, empty, errorBox, field, h, select, spinner } from '../lib/ui.js';

const LIMIT = 50;
const FILTERS = ['q', 'topic', 'difficulty', 'company', 'list', 'status', 'blind', 'offset'];

let catalogP = null;
/** Topics, companies and lists (static catalog), fetched once per page load. */
export function catalog() {
  if (!catalogP) {
    catalogP = Promise.all([get('/topics'), get('/companies'), get('/lists')]).then(([t, c, l]) => ({
      topics: t.items, companies: c.items, lists: l.items,
      topicName: Object.fromEntries(t.items.map((x) => [x.slug, x.name])),
      companyName: Object.fromEntries(c.items.map((x) => [x.slug, x.name])),
    }));
    catalogP.catch(() => {
      catalogP = null;
    });
  }
  return catalogP;
}

export const DIFFICULTIES = [['easy', 'Easy'], ['medium', 'Medium'], ['hard', 'Hard']];
export const STATUS = { todo: 'To do', attempted: 'Attempted', solved: 'Solved' };
export const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);
export const difficultyBadge = (d) => (d ? badge(cap(d), d) : null);
export const statusBadge = (s) => badge(STATUS[s] || s || 'To do', s || 'todo');

export default {
  title: 'Problems',
  async render(ctx) {
    const state = {};
    for (const k of FILTERS) state[k] = ctx.query.get(k) || '';
    state.offset = Math.max(0, parseInt(state.offset, 10) || 0);
    state.blind = state.blind === '1';

    const cat = await catalog();
    const results = h('div.results', spinner());
    const summary = h('p.sub', { 'aria-live': 'polite' }, ' ');
    let seq = 0;

    const params = (withPaging = true) => ({
      q: state.q.trim(), topic: state.topic, difficulty: state.blind ? '' : state.difficulty, company: state.company,
      list: state.list, status: state.status, blind: state.blind, offset: withPaging && state.offset ? state.offset : '',
    });

    function writeUrl(push) {
      const hash = `#/problems${query(params())}`;
      if (hash === location.hash) return;
      if (push) history.pushState(null, '', hash);
      else history.replaceState(null, '', hash);
    }

    async function load({ quiet = false } = {}) {
      const my = ++seq;
      if (!quiet) results.setAttribute('aria-busy', 'true');
      try {
        const data = await get('/problems', { ...params(), limit: LIMIT, offset: state.offset });
        if (my !== seq) return;
        if (state.offset && state.offset >= data.total && data.total > 0) {
          state.offset = Math.floor((data.total - 1) / LIMIT) * LIMIT;
          writeUrl(false);
          load({ quiet });
          return;
        }
        results.replaceChildren(table(data));
        summary.textContent = data.total === 1 ? '1 problem' : `${data.total} problems`;
      } catch (e) {
        if (my !== seq) return;
        if (!e.status || e.status >= 500) console.error(e);
        results.replaceChildren(errorBox(e, () => load()));
      } finally {
        if (my === seq) results.removeAttribute('aria-busy');
      }
    }

    const anyFilter = () => ['q', 'topic', 'difficulty', 'company', 'list', 'status'].some((k) => state[k]);

    function update(push = true) {
      state.offset = 0;
      writeUrl(push);
      clearBtn.hidden = !anyFilter();
      load();
    }

    function clear() {
      for (const k of ['q', 'topic', 'difficulty', 'company', 'list', 'status']) state[k] = '';
      for (const k of ['q', 'topic', 'difficulty', 'company', 'list', 'status']) controls[k].value = '';
      update(true);
    }

    function table(data) {
      if (!data.items.length) {
        return empty(anyFilter() ? 'No problems match these filters.' : 'The catalog is empty.',
          anyFilter() ? h('button.ghost', { type: 'button', onclick: clear }, 'Clear filters') : null);
      }
      const suffix = state.blind ? '?blind=1' : '';
      const rows = data.items.map((p) => h('tr', { dataset: { slug: p.slug } },
        h('td.num', String(p.number)),
        h('td', h('a', { href: `#/problems/${encodeURIComponent(p.slug)}${suffix}` }, p.title)),
        state.blind ? null : h('td', difficultyBadge(p.difficulty)),
        h('td', h('div.tags', p.topics.map((t) => h('span.tag', cat.topicName[t] || t)))),
        h('td', statusBadge(p.status))));
      const from = data.offset + 1;
      const to = data.offset + data.items.length;
      const pages = data.total > LIMIT;
      const go = (offset) => {
        state.offset = offset;
        writeUrl(true);
        load();
        results.scrollIntoView({ block: 'start', behavior: 'smooth' });
      };
      return h('div',
        h('div.table-wrap', h('table.problems',
          h('caption.sr-only', 'Problems'),
          h('thead', h('tr', h('th.num', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Title'),
            state.blind ? null : h('th', { scope: 'col' }, 'Difficulty'), h('th', { scope: 'col' }, 'Topics'), h('th', { scope: 'col' }, 'Status'))),
          h('tbody', rows))),
        h('nav.pager', { 'aria-label': 'Pages' },
          h('span.muted', `${from}–${to} of ${data.total}`),
          pages ? h('button.ghost.small', { type: 'button', disabled: data.offset === 0, onclick: () => go(Math.max(0, data.offset - LIMIT)) }, '← Previous') : null,
          pages ? h('button.ghost.small', { type: 'button', disabled: to >= data.total, onclick: () => go(data.offset + LIMIT) }, 'Next →') : null));
    }

    let debounce = null;
    const controls = {
      q: h('input#q', { type: 'search', value: state.q, placeholder: 'Title, slug or number', autocomplete: 'off',
        oninput: () => {
          clearTimeout(debounce);
          debounce = setTimeout(() => {
            if (state.q === controls.q.value) return;
            state.q = controls.q.value;
            update(false);
          }, 300);
        } }),
      topic: select([['', 'All topics'], ...cat.topics.map((t) => [t.slug, t.name])], state.topic, { id: 'topic' }),
      difficulty: select([['', 'Any difficulty'], ...DIFFICULTIES], state.difficulty, { id: 'difficulty' }),
      company: select([['', 'All companies'], ...cat.companies.map((c) => [c.slug, `${c.name} (${c.problem_count})`])], state.company, { id: 'company' }),
      list: select([['', 'All problems'], ...cat.lists.map((l) => [l.slug, l.name])], state.list, { id: 'list' }),
      status: select([['', 'Any status'], ...Object.entries(STATUS)], state.status, { id: 'status' }),
    };
    for (const k of ['topic', 'difficulty', 'company', 'list', 'status']) {
      controls[k].addEventListener('change', () => {
        state[k] = controls[k].value;
        update(true);
      });
    }
    const blind = h('input#blind', { type: 'checkbox', checked: state.blind,
      onchange: () => {
        state.blind = blind.checked;
        diffField.hidden = state.blind;
        update(true);
      } });
    const diffField = field('Difficulty', controls.difficulty);
    diffField.hidden = state.blind;
    const clearBtn = h('button.ghost', { type: 'button', onclick: clear, hidden: !anyFilter() }, 'Clear filters');

    ctx.onLive((type) => {
      if (type.startsWith('attempt')) load({ quiet: true });
    });

    load();
    return h('div.problems-page.page-b',
      h('div.page-head', h('h1', 'Problems')),
      h('section.card', { 'aria-label': 'Filters' },
        h('div.filters',
          field('Search', controls.q),
          field('Topic', controls.topic),
          diffField,
          field('Company', controls.company),
          field('List', controls.list),
          field('Status', controls.status)),
        h('div.filter-foot',
          h('div',
            h('label.check', { for: 'blind' }, blind, 'Blind mode'),
            h('small.hint', 'Hides difficulty and company tags, as in a real interview.')),
          clearBtn)),
      h('section.card', { 'aria-label': 'Results' }, summary, results));
  },
};
