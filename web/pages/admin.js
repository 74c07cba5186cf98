// admin.js (#/admin): the background job queue for administrators: depth by
// state, counts per kind, the schedule, the jobs (filtered by state and kind
// in the hash query, paged), each with its payload, result and error, Retry
// (dead, cancelled) and Cancel (queued), and a form that enqueues a job now.
// Refreshes every 5 s while shown. Other users get a clear 403 message.

import { get, post, query } from '../lib/api.js';
import { badge, empty, errorBox, field, fmtDateTime, h, pageHeader, select, spinner, toast } from '../lib/ui.js';

const STATES = ['queued', 'running', 'done', 'dead', 'cancelled'];
const LIMIT = 25;
const REFRESH_MS = 5000;

/** "every hour", "every 10 minutes", "disabled" for 0. */
export function period(seconds) {
  const s = Number(seconds) || 0;
  if (s <= 0) return 'disabled';
  for (const [n, unit] of [[604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']])
    if (s % n === 0) return s === n ? `every ${unit}` : `every ${s / n} ${unit}s`;
  return `every ${s} seconds`;
}

/** 42 → "42 s", 200 → "3 min", 7500 → "2 h 5 min", 200000 → "2 d 7 h". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h${s % 3600 >= 60 ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86400)} d${s % 86400 >= 3600 ? ` ${Math.floor((s % 86400) / 3600)} h` : ''}`;
}

/** "just now", "5 min ago", "in 2 h" (coarse, so the refresh rarely changes it). */
function ago(iso) {
  if (!iso) return '—';
  const t = new Date(iso);
  if (isNaN(t)) return iso;
  const diff = Math.round((t - Date.now()) / 1000);
  if (Math.abs(diff) < 60) return diff > 5 ? 'in under a minute' : 'just now';
  return diff < 0 ? `${duration(-diff)} ago` : `in ${duration(diff)}`;
}

const when = (iso) => (iso ? h('time', { datetime: iso, title: fmtDateTime(iso) }, ago(iso)) : h('span.muted', '—'));
const stateBadge = (state) => (state ? badge(state, `job-state ${state}`) : h('span.muted', '—'));
const json = (v) => JSON.stringify(v, null, 2);

/** Replaces CONTAINER's content with NODE unless it would look the same (no flicker, no re-announcing). */
function swap(container, node) {
  if (container.childNodes.length === 1 && container.firstChild.isEqualNode(node)) return;
  // Focus stays on the control with the same data-key, when there is one.
  const key = container.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  container.replaceChildren(node);
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function forbidden() {
  return h('div#admin.admin-page',
    pageHeader('Admin', 'Background jobs, the schedule and the job queue.'),
    h('section.card#admin-forbidden', { role: 'alert' },
      h('h2', 'Administrators only'),
      h('p', 'Your account is not an administrator, so the job queue is not shown here.'),
      h('p.muted', 'An operator can grant the role on the server with ', h('code', 'maang user set-role EMAIL admin'),
        ', then reload this page.'),
      h('a.button.ghost', { href: '#/' }, 'Back to the overview')));
}

function tiles(stats) {
  const s = stats.states;
  const tile = (key, label, value, detail, alert) =>
    h('div.stat', { class: alert ? 'alert' : null, dataset: { testid: `tile-${key}` } },
      h('div.label', label), h('div.value', value), detail ? h('div.detail', detail) : null);
  return h('div.stats.job-tiles',
    tile('queued', 'Queued', String(s.queued), s.queued ? 'waiting to run' : 'nothing waiting'),
    tile('running', 'Running', String(s.running), s.running ? 'held by a worker' : 'no job running'),
    tile('dead', 'Dead', String(s.dead), s.dead ? 'failed every attempt: retry or cancel' : 'no failed jobs', s.dead > 0),
    tile('oldest', 'Oldest ready', stats.oldest_ready_seconds > 0 ? duration(stats.oldest_ready_seconds) : '—',
      stats.oldest_ready_seconds > 0 ? 'the longest a due job has waited' : 'no job is waiting', stats.oldest_ready_seconds >= 300),
    tile('finished', 'Finished', String(s.done), `done · ${s.cancelled} cancelled`));
}

function kindsTable(data) {
  const by = data.stats.by_kind || {};
  const names = [...new Set([...data.kinds.map((k) => k.kind), ...Object.keys(by)])];
  const about = Object.fromEntries(data.kinds.map((k) => [k.kind, k.about]));
  return h('div.table-wrap', h('table.kinds',
    h('caption.sr-only', 'Jobs by kind and state'),
    h('thead', h('tr', h('th', { scope: 'col' }, 'Kind'), STATES.map((s) => h('th.num', { scope: 'col' }, s)), h('th.num', { scope: 'col' }, 'Total'))),
    h('tbody', names.map((k) => {
      const row = by[k] || {};
      const total = STATES.reduce((n, s) => n + (row[s] || 0), 0);
      return h('tr', { dataset: { kind: k }, class: total ? null : 'idle' },
        h('th', { scope: 'row' }, h('a.mono', { href: `#/admin${query({ kind: k })}`, title: about[k] ? `${about[k]} (show these jobs)` : null }, k)),
        STATES.map((s) => h('td.num', { class: row[s] ? `has ${s}` : 'zero' }, String(row[s] || 0))),
        h('td.num', String(total)));
    }))));
}

function scheduleTable(schedule) {
  if (!schedule.length) return empty('Nothing is scheduled.');
  return h('div.table-wrap', h('table.schedule',
    h('caption.sr-only', 'The schedule'),
    h('thead', h('tr', ['Name', 'Job kind', 'Period', 'Last period', 'Last job'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', schedule.map((e) => h('tr', { dataset: { schedule: e.name }, class: e.period_seconds > 0 ? null : 'off' },
      h('th', { scope: 'row' }, h('span.mono', e.name), e.about ? h('div.hint', e.about) : null),
      h('td.mono', e.kind),
      h('td', e.period_seconds > 0 ? period(e.period_seconds) : badge('disabled', 'job-state disabled')),
      h('td', e.last_period ? when(e.last_period) : h('span.muted', 'never')),
      h('td', e.last_job ? h('span.nowrap', stateBadge(e.last_state), ' ', h('span.muted', `#${e.last_job}`)) : h('span.muted', '—')))))));
}

function details(j) {
  const kv = (label, value) => [h('dt', label), h('dd', value)];
  const block = (label, value, cls) => h('div.job-block', h('h3', label), h('pre', { class: cls || null }, value));
  return h('div.job-details',
    h('dl.kv',
      kv('Priority', String(j.priority)),
      kv('Attempts', `${j.attempts} of ${j.max_attempts}`),
      kv('Created', fmtDateTime(j.created_at)),
      kv('Runs at', fmtDateTime(j.run_at)),
      kv('Updated', fmtDateTime(j.updated_at)),
      j.finished_at ? kv('Finished', fmtDateTime(j.finished_at)) : null,
      j.locked_by ? kv('Held by', `${j.locked_by} until ${fmtDateTime(j.locked_until)}`) : null,
      j.idempotency_key ? kv('Idempotency key', h('span.mono', j.idempotency_key)) : null),
    h('div.job-blocks',
      block('Payload', json(j.payload ?? {})),
      j.result !== null && j.result !== undefined ? block('Result', json(j.result)) : null,
      j.last_error ? block('Last error', j.last_error, 'error-text') : null));
}

export default {
  title: 'Admin',
  async render(ctx) {
    const state = {
      state: STATES.includes(ctx.query.get('state')) ? ctx.query.get('state') : '',
      kind: /^[a-z0-9_.]{1,64}$/.test(ctx.query.get('kind') || '') ? ctx.query.get('kind') : '',
      offset: Math.max(0, parseInt(ctx.query.get('offset'), 10) || 0),
    };
    const open = new Set(); // job ids whose details are shown
    const fetchData = () => get('/admin/jobs', { state: state.state, kind: state.kind, limit: LIMIT, offset: state.offset });

    let data;
    try {
      data = await fetchData();
    } catch (e) {
      if (e.status === 403) return forbidden();
      if (e.status === 400 && (state.kind || state.offset)) {
        // A stale link (an unknown kind): show everything instead.
        toast(`${e.message}: showing all jobs`, 'error');
        state.kind = '';
        state.offset = 0;
        history.replaceState(null, '', `#/admin${query({ state: state.state })}`);
        data = await fetchData();
      } else throw e;
    }

    const root = h('div#admin.admin-page');
    // The refreshed parts are not live regions: a refresh every 5 s must not
    // be read out; actions answer with toasts, filters with the summary.
    const quietBox = (tag = 'div') => h(tag, { 'aria-live': 'off' });
    const tilesBox = quietBox();
    const kindsBox = quietBox();
    const scheduleBox = quietBox();
    const listBox = quietBox('div.job-list');
    const summary = h('p.muted.summary');
    const updated = quietBox('span.hint.updated');
    const runner = h('p.runner-note');
    let seq = 0;
    let busy = false;

    function writeUrl() {
      const hash = `#/admin${query({ state: state.state, kind: state.kind, offset: state.offset || '' })}`;
      if (hash !== location.hash) history.replaceState(null, '', hash);
    }

    function draw(d) {
      if (!d.items.length && d.total > 0 && state.offset > 0) {
        // Past the last page (jobs were cleaned up, or an old link): go to the last one.
        state.offset = Math.floor((d.total - 1) / LIMIT) * LIMIT;
        writeUrl();
        load({ quiet: true });
        return;
      }
      data = d;
      swap(tilesBox, tiles(d.stats));
      swap(kindsBox, kindsTable(d));
      swap(scheduleBox, scheduleTable(d.schedule));
      swap(runner, d.embedded_runner
        ? h('span', 'This server runs jobs itself (embedded runner); ', h('code', 'maang agent'), ' processes may add workers.')
        : h('span', 'This server runs no jobs itself (', h('code', 'AGENT_EMBEDDED=off'), '): queued jobs wait for a ', h('code', 'maang agent'), ' process.'));
      const text = d.total === 0 ? 'No jobs' : `${state.offset + 1}–${state.offset + d.items.length} of ${d.total} ${d.total === 1 ? 'job' : 'jobs'}`;
      const filters = [state.state, state.kind].filter(Boolean).join(', ');
      if (summary.textContent !== text + (filters ? ` (${filters})` : '')) summary.textContent = text + (filters ? ` (${filters})` : '');
      swap(listBox, jobList(d));
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    }

    async function load({ quiet = false } = {}) {
      const mine = ++seq;
      busy = true;
      if (!quiet) listBox.replaceChildren(spinner());
      try {
        const d = await fetchData();
        if (mine === seq) draw(d);
      } catch (e) {
        if (mine !== seq) return;
        if (e.status === 403) {
          root.replaceWith(forbidden());
          return;
        }
        if (!quiet) listBox.replaceChildren(errorBox(e, () => load()));
        else updated.textContent = `Refresh failed: ${e.message}`;
      } finally {
        if (mine === seq) busy = false;
      }
    }

    async function act(j, action) {
      try {
        await post(`/admin/jobs/${j.id}/${action}`);
        toast(action === 'retry' ? `Job #${j.id} (${j.kind}) is queued again` : `Job #${j.id} (${j.kind}) is cancelled`);
      } catch (e) {
        toast(e.status === 409 ? `Job #${j.id} changed meanwhile: ${e.message}` : e, 'error');
      }
      // The button is gone with the state that allowed it: focus goes to the row's Details.
      const wasFocused = listBox.contains(document.activeElement);
      await load({ quiet: true });
      if (wasFocused) listBox.querySelector(`[data-key="details-${j.id}"]`)?.focus();
    }

    function toggle(id) {
      if (open.has(id)) open.delete(id);
      else open.add(id);
      swap(listBox, jobList(data));
    }

    function jobList(d) {
      if (!d.items.length) {
        const filtered = state.state || state.kind;
        return empty(filtered ? 'No jobs match these filters.' : 'No jobs yet. Scheduled work and jobs enqueued with “Run now” show up here.',
          filtered ? h('button.ghost', { type: 'button', onclick: () => setFilters('', '') }, 'Show all jobs') : null);
      }
      const rows = [];
      for (const j of d.items) {
        const shown = open.has(j.id);
        const detailId = `job-${j.id}-details`;
        rows.push(h('tr', { dataset: { jobId: String(j.id), state: j.state }, class: shown ? 'expanded' : null },
          h('td.num', h('span.mono', `#${j.id}`)),
          h('td.mono', j.kind),
          h('td', stateBadge(j.state)),
          h('td.num', `${j.attempts}/${j.max_attempts}`),
          h('td.nowrap', j.finished_at ? when(j.finished_at) : when(j.run_at)),
          h('td.job-error', j.last_error ? h('span', { title: j.last_error }, j.last_error.length > 60 ? `${j.last_error.slice(0, 60)}…` : j.last_error) : h('span.muted', '—')),
          h('td.job-actions', h('div.actions',
            h('button.ghost.small', { type: 'button', 'aria-expanded': String(shown), 'aria-controls': detailId,
              dataset: { key: `details-${j.id}` }, onclick: () => toggle(j.id) }, shown ? 'Hide' : 'Details',
            h('span.sr-only', ` of job ${j.id}`)),
            ['dead', 'cancelled'].includes(j.state)
              ? h('button.small', { type: 'button', dataset: { key: `retry-${j.id}`, action: 'retry' }, onclick: () => act(j, 'retry') }, 'Retry', h('span.sr-only', ` job ${j.id}`)) : null,
            j.state === 'queued'
              ? h('button.ghost.small.danger-text', { type: 'button', dataset: { key: `cancel-${j.id}`, action: 'cancel' }, onclick: () => act(j, 'cancel') }, 'Cancel', h('span.sr-only', ` job ${j.id}`)) : null))));
        if (shown) rows.push(h('tr.job-detail-row', { id: detailId }, h('td', { colspan: 7 }, details(j))));
      }
      const pager = d.total > LIMIT ? h('div.pager', { role: 'navigation', 'aria-label': 'Job pages' },
        h('span.muted', `Page ${Math.floor(state.offset / LIMIT) + 1} of ${Math.ceil(d.total / LIMIT)}`),
        h('button.ghost.small', { type: 'button', disabled: state.offset === 0, dataset: { key: 'prev' }, onclick: () => go(Math.max(0, state.offset - LIMIT)) }, '← Newer'),
        h('button.ghost.small', { type: 'button', disabled: state.offset + d.items.length >= d.total, dataset: { key: 'next' }, onclick: () => go(state.offset + LIMIT) }, 'Older →')) : null;
      return h('div',
        h('div.table-wrap', h('table.jobs',
          h('caption.sr-only', 'Jobs, newest first'),
          h('thead', h('tr', h('th.num', { scope: 'col' }, 'Job'), h('th', { scope: 'col' }, 'Kind'), h('th', { scope: 'col' }, 'State'),
            h('th.num', { scope: 'col' }, 'Tries'), h('th', { scope: 'col' }, 'Runs / ran'), h('th.job-error', { scope: 'col' }, 'Last error'),
            h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
          h('tbody', rows))),
        pager);
    }

    function go(offset) {
      state.offset = offset;
      writeUrl();
      load();
    }

    function setFilters(st, kind) {
      state.state = st;
      state.kind = kind;
      state.offset = 0;
      stateSel.value = st;
      kindSel.value = kind;
      writeUrl();
      load();
    }

    const kindNames = data.kinds.map((k) => k.kind);
    const stateSel = select([['', 'All states'], ...STATES], state.state, { id: 'job-state', onchange: (e) => setFilters(e.target.value, state.kind) });
    const kindSel = select([['', 'All kinds'], ...kindNames], state.kind, { id: 'job-kind', onchange: (e) => setFilters(state.state, e.target.value) });

    // Run now: a kind and an optional JSON object as payload, checked here first.
    const runKind = select(data.kinds.map((k) => [k.kind, k.kind]), kindNames.includes('echo') ? 'echo' : kindNames[0], { id: 'run-kind' });
    const about = h('small.hint#run-kind-about');
    const showAbout = () => {
      about.textContent = (data.kinds.find((k) => k.kind === runKind.value) || {}).about || '';
    };
    runKind.setAttribute('aria-describedby', 'run-kind-about');
    runKind.addEventListener('change', showAbout);
    showAbout();
    const payload = h('textarea#run-payload', { rows: 3, spellcheck: 'false', placeholder: '{"message": "hello"}', class: 'mono' });
    const payloadError = h('div.form-error#run-payload-error', { role: 'alert', hidden: true });
    const runButton = h('button', { type: 'submit' }, 'Run now');
    const clearError = () => {
      payloadError.hidden = true;
      payload.removeAttribute('aria-invalid');
      payload.removeAttribute('aria-describedby');
    };
    payload.addEventListener('input', clearError);
    const runForm = h('form#run-job', { novalidate: true, onsubmit: runNow },
      field('Job kind', runKind),
      about,
      field('Payload (optional JSON object)', payload, 'Left empty, the job gets {}.'),
      payloadError,
      h('div.actions', runButton));

    async function runNow(ev) {
      ev.preventDefault();
      clearError();
      let body = { kind: runKind.value };
      const text = payload.value.trim();
      if (text) {
        let value;
        try {
          value = JSON.parse(text);
        } catch (e) {
          value = e;
        }
        const problem = value instanceof Error ? `The payload is not valid JSON: ${value.message}` :
          value === null || typeof value !== 'object' || Array.isArray(value) ? 'The payload must be a JSON object, like {"ms": 500}.' : null;
        if (problem) {
          payloadError.textContent = problem;
          payloadError.hidden = false;
          payload.setAttribute('aria-invalid', 'true');
          payload.setAttribute('aria-describedby', 'run-payload-error');
          payload.focus();
          return;
        }
        body.payload = value;
      }
      runButton.disabled = true;
      try {
        const r = await post('/admin/jobs', body);
        toast(`Job #${r.job.id} (${r.job.kind}) is queued`);
        payload.value = '';
        // Show it: the list's first page, unless the filters already include it.
        if ((state.state && state.state !== r.job.state) || (state.kind && state.kind !== r.job.kind) || state.offset) setFilters('', '');
        else await load({ quiet: true });
      } catch (e) {
        toast(e, 'error');
      } finally {
        runButton.disabled = false;
      }
    }

    const refreshButton = h('button.ghost', { type: 'button', onclick: () => load({ quiet: true }) }, 'Refresh');
    root.append(
      pageHeader('Admin', 'Background jobs: the queue, the schedule, and jobs run by hand.', h('div.refresh', updated, refreshButton)),
      runner,
      tilesBox,
      h('div.grid-2.admin-grid',
        h('section.card', h('h2', 'Jobs by kind'), kindsBox),
        h('section.card', h('h2', 'Run now'), runForm)),
      h('section.card.jobs-card', h('h2', 'Jobs'),
        h('div.filters', field('State', stateSel), field('Kind', kindSel)),
        summary, listBox),
      h('section.card', h('h2', 'Schedule'), h('p.muted', 'Each entry enqueues its job once per period across all processes; 0 (in JOB_SCHEDULE) turns it off.'), scheduleBox));
    draw(data);

    // Every 5 s while the page is shown (the router gives no "left" hook: the
    // timer stops itself once the page is out of the document).
    const timer = setInterval(() => {
      if (!document.body.contains(root)) {
        clearInterval(timer);
        return;
      }
      if (!document.hidden && !busy) load({ quiet: true });
    }, REFRESH_MS);
    return root;
  },
};
