// problem.js: #/problems/:slug, one problem: details, your progress, the
// attempt history (with delete), similar problems and the log-attempt form
// with a stopwatch. The form and timer stay put while the data around them
// reloads (after a save, a delete, or a live event), so typing is never lost.

import { del, get, post } from '../lib/api.js';
import { badge, card, empty, errorBox, field, fmtDate, fmtDateTime, fmtRelative, h, pct, select, spinner, toast } from '../lib/ui.js';
import { catalog, difficultyBadge, statusBadge } from './problems.js';

const OUTCOMES = [['solved', 'Solved'], ['solved_with_help', 'Solved with help'], ['failed', 'Failed']];
const OUTCOME_NAME = Object.fromEntries(OUTCOMES);
const CONFIDENCE = [['', 'Not rated'], ['1', '1 · guessed'], ['2', '2 · shaky'], ['3', '3 · okay'], ['4', '4 · solid'], ['5', '5 · could teach it']];
const FREQ = ['', 'sometimes', 'often', 'very often'];
const LANGS = ['python', 'java', 'c++', 'javascript', 'typescript', 'go', 'rust', 'c#', 'kotlin', 'swift', 'c', 'ruby', 'scala'];

export const outcomeBadge = (o) => badge(OUTCOME_NAME[o] || o, o === 'solved_with_help' ? 'solved-with-help' : o);

function clock(ms) {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** A stopwatch that writes whole minutes into MINUTES (unless the user typed there). */
function stopwatch(slug, minutes) {
  const key = `maang.timer.${slug}`;
  let st = { acc: 0, since: null };
  try {
    st = { ...st, ...JSON.parse(sessionStorage.getItem(key) || '{}') };
  } catch {
    /* fresh timer */
  }
  let tick = null;
  let filled = null;
  const display = h('span.timer-display', { role: 'timer', 'aria-label': 'Elapsed time' }, '00:00');
  const start = h('button#timer-start', { type: 'button' }, 'Start');
  const reset = h('button#timer-reset.ghost', { type: 'button' }, 'Reset');
  const elapsed = () => st.acc + (st.since ? Date.now() - st.since : 0);
  const save = () => (st.acc || st.since ? sessionStorage.setItem(key, JSON.stringify(st)) : sessionStorage.removeItem(key));

  function paint() {
    if (!display.isConnected && tick) {
      // The page is gone: stop ticking (the state stays in sessionStorage).
      clearInterval(tick);
      tick = null;
      return;
    }
    const ms = elapsed();
    display.textContent = clock(ms);
    start.textContent = st.since ? 'Pause' : ms ? 'Resume' : 'Start';
    start.setAttribute('aria-pressed', String(!!st.since));
    if (ms && (minutes.value === '' || minutes.value === String(filled))) {
      filled = Math.max(1, Math.round(ms / 60000));
      minutes.value = String(filled);
    }
  }
  start.addEventListener('click', () => {
    if (st.since) {
      st.acc += Date.now() - st.since;
      st.since = null;
      clearInterval(tick);
      tick = null;
    } else {
      st.since = Date.now();
      tick = setInterval(paint, 1000);
    }
    save();
    paint();
  });
  const clear = () => {
    clearInterval(tick);
    tick = null;
    st = { acc: 0, since: null };
    if (filled !== null && minutes.value === String(filled)) minutes.value = '';
    filled = null;
    save();
    paint();
  };
  reset.addEventListener('click', clear);
  if (st.since) tick = setInterval(paint, 1000);
  paint();
  return { node: h('div.timer', display, h('div.actions', start, reset)), clear, pause: () => st.since && start.click() };
}

export default {
  title: 'Problem',
  async render(ctx) {
    const slug = ctx.params.slug;
    const blind = ctx.query.get('blind') === '1';
    let cat, first;
    try {
      [cat, first] = await Promise.all([catalog(), get(`/problems/${encodeURIComponent(slug)}`)]);
    } catch (e) {
      if (e.status !== 404) throw e;
      this.title = 'Problem not found';
      return h('section.card', h('h1', 'Problem not found'), empty(`There is no problem “${slug}” in the catalog.`, h('a.button', { href: '#/problems' }, 'Browse the problems')));
    }
    this.title = first.title;

    const head = h('div');
    const stats = h('div');
    const history = h('div');
    const details = h('div');
    const similar = h('div');
    let problem = first;
    let seq = 0;
    let pending = null;

    function paint() {
      const p = problem;
      const title = `${p.number}. ${p.title}`;
      head.replaceChildren(h('div.page-head',
        h('div',
          h('h1', title),
          h('p.sub.tags', blind ? null : difficultyBadge(p.difficulty), statusBadge(p.status),
            p.url ? h('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer' }, 'Open the problem ↗') : null)),
        h('div.actions',
          blind ? h('a.button.ghost', { href: `#/problems/${encodeURIComponent(slug)}` }, 'Show difficulty') : null,
          h('a.button.ghost', { href: '#/problems' }, '← All problems'))));

      const pr = p.progress || {};
      const stat = (label, value, detail) => h('div.stat', h('div.label', label), h('div.value', String(value)), detail ? h('div.detail', detail) : null);
      stats.replaceChildren(h('div.stats',
        stat('Attempts', pr.attempts || 0, pr.solved_count ? `${pr.solved_count} solved` : 'none solved yet'),
        stat('Best time', pr.best_minutes != null ? `${pr.best_minutes} min` : '—', pr.last_outcome ? `last: ${OUTCOME_NAME[pr.last_outcome] || pr.last_outcome}` : null),
        stat('Last attempt', pr.last_attempt_at ? fmtRelative(pr.last_attempt_at) : '—', pr.first_attempt_at ? `first ${fmtDate(pr.first_attempt_at)}` : null),
        stat('Next review', pr.next_review ? fmtDate(pr.next_review) : '—',
          pr.next_review ? `${fmtRelative(pr.next_review)}${pr.recall != null ? ` · recall now ${pct(pr.recall)}` : ''}` : 'after your first attempt')));

      history.replaceChildren(card('History', p.attempts.length ? h('div.table-wrap', h('table',
        h('thead', h('tr', ['Date', 'Outcome', 'Minutes', 'Language', 'Confidence', 'Notes', ''].map((t, i) =>
          h(i === 2 ? 'th.num' : 'th', { scope: 'col' }, t ? t : h('span.sr-only', 'Actions'))))),
        h('tbody', p.attempts.map((a) => h('tr', { dataset: { attemptId: a.id } },
          h('td.nowrap', fmtDateTime(a.at)),
          h('td', outcomeBadge(a.outcome)),
          h('td.num', a.minutes != null ? String(a.minutes) : '—'),
          h('td', a.language || '—'),
          h('td', a.confidence ? `${a.confidence}/5` : '—'),
          h('td.notes', a.notes ? h('div', a.notes) : null,
            a.solution_url ? h('a', { href: a.solution_url, target: '_blank', rel: 'noopener noreferrer' }, 'Solution ↗') : null,
            !a.notes && !a.solution_url ? '—' : null),
          h('td', h('button.ghost.small', { type: 'button', 'aria-label': `Delete the attempt of ${fmtDateTime(a.at)}`, onclick: (ev) => remove(a, ev.currentTarget) }, 'Delete'))))))) :
        empty('No attempts yet: start the timer, solve it, then log how it went.')));

      const freq = new Map((p.company_frequency || []).map((c) => [c.company, c.frequency]));
      details.replaceChildren(card('About',
        h('dl.kv',
          h('dt', 'Topics'), h('dd', h('div.tags', p.topics.map((t) => h('a.tag', { href: `#/problems?topic=${encodeURIComponent(t)}` }, cat.topicName[t] || t)))),
          p.lists && p.lists.length ? [h('dt', 'Lists'), h('dd', h('div.tags', p.lists.map((l) => h('a.tag', { href: `#/problems?list=${encodeURIComponent(l)}` }, (cat.lists.find((x) => x.slug === l) || {}).name || l))))] : null,
          blind ? null : [h('dt', 'Companies'), h('dd', p.companies && p.companies.length ? h('ul.companies', p.companies.map((c) => {
            const f = freq.get(c) || 0;
            return h('li', h('a', { href: `#/problems?company=${encodeURIComponent(c)}` }, cat.companyName[c] || c),
              f ? h('span.freq', { title: `Asked ${FREQ[f]}` }, h('span', { 'aria-hidden': 'true' }, '●'.repeat(f) + '○'.repeat(3 - f)), h('span.sr-only', `asked ${FREQ[f]}`)) : null);
          })) : '—')])));
    }

    function paintSimilar(items) {
      similar.replaceChildren(items && items.length ? card('Similar problems', h('ul.list', items.map((s) => h('li',
        h('div', h('a', { href: `#/problems/${encodeURIComponent(s.slug)}${blind ? '?blind=1' : ''}` }, s.title),
          s.shared_topics && s.shared_topics.length ? h('div.hint', `shares ${s.shared_topics.map((t) => cat.topicName[t] || t).join(', ')}`) : null),
        blind ? null : difficultyBadge(s.difficulty))))) : '');
    }

    async function reload() {
      // Coalesces bursts (our own save and its live event).
      if (pending) return pending;
      pending = (async () => {
        await new Promise((r) => setTimeout(r, 150));
        pending = null;
        const my = ++seq;
        try {
          const p = await get(`/problems/${encodeURIComponent(slug)}`);
          if (my !== seq) return;
          problem = p;
          paint();
        } catch (e) {
          if (!e.status || e.status >= 500) console.error(e);
          if (my === seq) history.replaceChildren(errorBox(e, reload));
        }
      })();
      return pending;
    }

    async function remove(a, button) {
      if (!window.confirm(`Delete the attempt of ${fmtDateTime(a.at)} (${OUTCOME_NAME[a.outcome] || a.outcome})? Its note memory goes too.`)) return;
      button.disabled = true;
      try {
        await del(`/attempts/${encodeURIComponent(a.id)}`);
        toast('Attempt deleted');
        problem = { ...problem, attempts: problem.attempts.filter((x) => x.id !== a.id) };
        paint();
        reload();
      } catch (e) {
        button.disabled = false;
        toast(e, 'error');
      }
    }

    // The log-attempt form.
    const minutes = h('input#minutes', { type: 'number', min: 0, max: 1440, step: 1, inputmode: 'numeric' });
    const timer = stopwatch(slug, minutes);
    const outcome = select(OUTCOMES, 'solved', { id: 'outcome' });
    const language = h('input#language', { type: 'text', list: 'langs', maxlength: 32, autocomplete: 'off', value: localStorage.getItem('maang.language') || '' });
    const confidence = select(CONFIDENCE, '', { id: 'confidence' });
    const notes = h('textarea#notes', { rows: 4, maxlength: 20000, placeholder: 'Approach, mistakes, what to remember next time' });
    const url = h('input#solution_url', { type: 'url', placeholder: 'https://…', maxlength: 2048 });
    const formError = h('div.form-error', { role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit' }, 'Log attempt');
    const form = h('form#log-attempt', { novalidate: true, onsubmit: save },
      h('div.field', { role: 'group', 'aria-labelledby': 'timer-label' },
        h('span#timer-label.label', 'Timer'), timer.node, h('small.hint', 'Fills in the minutes as it runs.')),
      h('div.row', field('Outcome', outcome), field('Minutes', minutes)),
      h('div.row', field('Language', language), field('Confidence', confidence)),
      h('datalist#langs', LANGS.map((l) => h('option', { value: l }))),
      field('Notes', notes, 'Saved as a memory the coach can use.'),
      field('Solution URL', url),
      formError,
      submit);

    async function save(ev) {
      ev.preventDefault();
      formError.hidden = true;
      const body = { problem: slug, outcome: outcome.value };
      if (minutes.value !== '') {
        const m = Number(minutes.value);
        if (!Number.isInteger(m) || m < 0 || m > 1440) {
          formError.textContent = 'Minutes must be a whole number from 0 to 1440.';
          formError.hidden = false;
          minutes.focus();
          return;
        }
        body.minutes = m;
      }
      if (language.value.trim()) body.language = language.value.trim();
      if (confidence.value) body.confidence = Number(confidence.value);
      if (notes.value.trim()) body.notes = notes.value.trim();
      if (url.value.trim()) body.solution_url = url.value.trim();
      submit.disabled = true;
      try {
        const res = await post('/attempts', body);
        if (body.language) localStorage.setItem('maang.language', body.language);
        toast(`Logged: ${OUTCOME_NAME[body.outcome]}${body.minutes != null ? ` in ${body.minutes} min` : ''}`);
        notes.value = '';
        url.value = '';
        confidence.value = '';
        minutes.value = '';
        timer.clear();
        problem = { ...problem, status: res.progress.status, progress: res.progress, attempts: [res.attempt, ...problem.attempts.filter((x) => x.id !== res.attempt.id)] };
        paint();
        reload();
      } catch (e) {
        formError.textContent = e.message ? e.message[0].toUpperCase() + e.message.slice(1) : String(e);
        formError.hidden = false;
      } finally {
        submit.disabled = false;
      }
    }

    ctx.onLive((type, data) => {
      if (type === 'attempts.imported') reload();
      else if (type === 'attempt.created' && data && data.attempt && data.attempt.problem === slug) reload();
      else if (type === 'attempt.deleted' && data && problem.attempts.some((a) => a.id === data.id)) reload();
    });

    paint();
    similar.replaceChildren(spinner());
    get(`/problems/${encodeURIComponent(slug)}/similar`).then((r) => paintSimilar(r.items), (e) => {
      if (!e.status || e.status >= 500) console.error(e);
      similar.replaceChildren('');
    });

    return h('div.problem-page.page-b',
      head,
      stats,
      h('div.grid-2',
        h('div', card('Log an attempt', form), history),
        h('div', details, similar)));
  },
};
