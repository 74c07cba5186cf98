// memory.js: #/memory, the memories the coach draws on: search them
// (hybrid retrieval) or page through them by kind; add, edit, delete, see
// a memory's history, export them all as JSON. The search text and kind are
// kept in the hash query (written with replaceState, so typing keeps focus).

import { del, get, patch, post, query } from '../lib/api.js';
import { badge, empty, errorBox, field, fmtDate, fmtDateTime, h, pageHeader, select, spinner, toast } from '../lib/ui.js';

const LIMIT = 20;
const KINDS = [['note', 'Note'], ['insight', 'Insight'], ['interview_feedback', 'Interview feedback'], ['conversation', 'Conversation'], ['attempt_note', 'Attempt note']];
const KIND = Object.fromEntries(KINDS);

/** Saves TEXT as a file through a Blob link. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a.sr-only', { href: url, download: name }, name);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const importance = (value, id) => h('input', { id, type: 'number', min: 0, max: 1, step: 0.05, value: value ?? 0.5, inputmode: 'decimal' });

export default {
  title: 'Memory',
  render(ctx) {
    const state = { q: ctx.query.get('q') || '', kind: ctx.query.get('kind') || '', offset: Math.max(0, parseInt(ctx.query.get('offset'), 10) || 0) };
    const results = h('div');
    const summary = h('p.muted.summary', { 'aria-live': 'polite' });
    let seq = 0;
    let editing = 0; // open edit forms: live reloads wait for them

    function writeUrl() {
      const hash = `#/memory${query({ q: state.q.trim(), kind: state.kind, offset: state.offset || '' })}`;
      if (hash !== location.hash) history.replaceState(null, '', hash);
    }

    async function load({ quiet = false } = {}) {
      const my = ++seq;
      if (!quiet) results.replaceChildren(spinner());
      try {
        const q = state.q.trim();
        const data = q ? await get('/memories/search', { q, kind: state.kind, k: 50 }) :
          await get('/memories', { kind: state.kind, limit: LIMIT, offset: state.offset });
        if (my !== seq) return;
        editing = 0;
        results.replaceChildren(list(data, q));
      } catch (e) {
        if (my !== seq) return;
        if (!e.status || e.status >= 500) console.error(e);
        results.replaceChildren(errorBox(e, () => load()));
      }
    }

    function list(data, q) {
      if (q) {
        summary.textContent = `${data.items.length} best ${data.items.length === 1 ? 'match' : 'matches'} (${data.mode} search${data.degraded ? ', full-text only: the embedding provider failed' : ''})`;
      } else {
        summary.textContent = data.total === 1 ? '1 memory' : `${data.total} memories`;
      }
      if (!data.items.length) {
        return q || state.kind ? empty(q ? `Nothing found for “${q}”.` : `No ${KIND[state.kind] ? KIND[state.kind].toLowerCase() : ''} memories.`,
          h('button.ghost', { type: 'button', onclick: () => { search.value = ''; kind.value = ''; state.q = ''; state.kind = ''; state.offset = 0; writeUrl(); load(); } }, 'Show all memories')) :
          empty('No memories yet. Add a note above, chat with the coach, or log an attempt with notes.');
      }
      const pager = !q && data.total > LIMIT ? h('nav.pager', { 'aria-label': 'Pages' },
        h('span.muted', `${data.offset + 1}–${data.offset + data.items.length} of ${data.total}`),
        h('button.ghost.small', { type: 'button', disabled: data.offset === 0, onclick: () => go(Math.max(0, data.offset - LIMIT)) }, '← Previous'),
        h('button.ghost.small', { type: 'button', disabled: data.offset + data.items.length >= data.total, onclick: () => go(data.offset + LIMIT) }, 'Next →')) : null;
      return h('div', h('ul.list.mems', data.items.map(item)), pager);
    }

    function go(offset) {
      state.offset = offset;
      writeUrl();
      load();
      results.scrollIntoView({ block: 'start', behavior: 'smooth' });
    }

    function item(m) {
      const li = h('li.mem', { dataset: { memoryId: m.id } });
      const extra = h('div.mem-extra');
      const view = () => {
        li.replaceChildren(
          h('div.mem-head',
            h('div.tags', badge(KIND[m.kind] || m.kind, 'kind'),
              h('span.muted', `importance ${Number(m.importance).toFixed(2)}`),
              m.score != null ? h('span.muted', `· score ${Number(m.score).toFixed(2)} (${m.match})`) : null,
              m.embedding_model ? null : h('span.muted', '· waiting for a vector')),
            h('div.actions',
              h('button.ghost.small', { type: 'button', 'aria-expanded': 'false', onclick: (ev) => showHistory(ev.currentTarget) }, 'History'),
              h('button.ghost.small', { type: 'button', onclick: edit }, 'Edit'),
              h('button.ghost.small.danger-text', { type: 'button', onclick: (ev) => remove(ev.currentTarget) }, 'Delete'))),
          h('div.memtext', m.content),
          h('div.hint', `Added ${fmtDate(m.created_at)}`, m.updated_at && m.updated_at !== m.created_at ? ` · edited ${fmtDateTime(m.updated_at)}` : '',
            m.access_count ? ` · used ${m.access_count}×` : '', m.metadata && m.metadata.problem ? ' · ' : '',
            m.metadata && m.metadata.problem ? h('a', { href: `#/problems/${encodeURIComponent(m.metadata.problem)}` }, m.metadata.problem) : null),
          extra);
      };

      async function showHistory(button) {
        if (button.getAttribute('aria-expanded') === 'true') {
          extra.replaceChildren();
          button.setAttribute('aria-expanded', 'false');
          return;
        }
        button.setAttribute('aria-expanded', 'true');
        extra.replaceChildren(spinner());
        try {
          const hist = await get(`/memories/${encodeURIComponent(m.id)}/history`);
          extra.replaceChildren(h('ol.history', hist.items.map((e) => h('li',
            h('div.tags', badge(e.event, 'kind'), h('span.muted', fmtDateTime(e.at))),
            e.old_content != null && e.old_content !== e.new_content ? h('div.memtext.old', h('span.sr-only', 'Before: '), e.old_content) : null,
            e.new_content != null ? h('div.memtext', h('span.sr-only', 'After: '), e.new_content) : null))));
        } catch (e) {
          extra.replaceChildren(errorBox(e, () => { button.setAttribute('aria-expanded', 'false'); showHistory(button); }));
        }
      }

      function edit() {
        editing++;
        const content = h('textarea', { rows: 4, maxlength: 8000, 'aria-describedby': null }, m.content);
        const k = select(KINDS, m.kind);
        const imp = importance(m.importance);
        const err = h('div.form-error', { role: 'alert', hidden: true });
        const save = h('button', { type: 'submit' }, 'Save');
        const close = () => {
          editing = Math.max(0, editing - 1);
          view();
        };
        li.replaceChildren(h('form.mem-edit', {
          onsubmit: async (ev) => {
            ev.preventDefault();
            const body = {};
            if (content.value.trim() !== m.content) body.content = content.value.trim();
            if (k.value !== m.kind) body.kind = k.value;
            if (Number(imp.value) !== m.importance) body.importance = Number(imp.value);
            if (!Object.keys(body).length) return close();
            save.disabled = true;
            try {
              m = (await patch(`/memories/${encodeURIComponent(m.id)}`, body)).memory;
              toast('Memory saved');
              close();
            } catch (e) {
              err.textContent = e.message;
              err.hidden = false;
              save.disabled = false;
            }
          },
        }, field('Content', content), h('div.row', field('Kind', k), field('Importance (0–1)', imp)), err,
        h('div.actions', save, h('button.ghost', { type: 'button', onclick: close }, 'Cancel'))));
        content.focus();
      }

      async function remove(button) {
        const short = m.content.length > 80 ? `${m.content.slice(0, 80)}…` : m.content;
        if (!window.confirm(`Delete this memory?\n\n“${short}”`)) return;
        button.disabled = true;
        try {
          await del(`/memories/${encodeURIComponent(m.id)}`);
          toast('Memory deleted');
          li.remove();
          load({ quiet: true });
        } catch (e) {
          button.disabled = false;
          toast(e, 'error');
        }
      }

      view();
      return li;
    }

    // Search and filter.
    let debounce = null;
    const search = h('input#memory-q', { type: 'search', value: state.q, placeholder: 'Search by meaning or words', autocomplete: 'off',
      oninput: () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => {
          if (search.value === state.q) return;
          state.q = search.value;
          state.offset = 0;
          writeUrl();
          load();
        }, 300);
      } });
    const kind = select([['', 'All kinds'], ...KINDS], state.kind, { id: 'memory-kind',
      onchange: () => {
        state.kind = kind.value;
        state.offset = 0;
        writeUrl();
        load();
      } });

    // Add.
    const content = h('textarea#memory-content', { rows: 3, maxlength: 8000, placeholder: 'e.g. I keep forgetting to handle the empty input in sliding-window problems' });
    const addKind = select(KINDS.slice(0, 3), 'note', { id: 'memory-kind-new' });
    const addImp = importance(0.5, 'memory-importance');
    const addErr = h('div.form-error', { role: 'alert', hidden: true });
    const addBtn = h('button', { type: 'submit' }, 'Add memory');
    const addForm = h('form#memory-add', {
      onsubmit: async (ev) => {
        ev.preventDefault();
        addErr.hidden = true;
        if (!content.value.trim()) {
          addErr.textContent = 'Write something to remember first.';
          addErr.hidden = false;
          content.focus();
          return;
        }
        addBtn.disabled = true;
        try {
          const res = await post('/memories', { content: content.value.trim(), kind: addKind.value, importance: Number(addImp.value) });
          toast(res.merged ? 'Merged into a similar memory you already had' : 'Memory added');
          content.value = '';
          load({ quiet: true });
        } catch (e) {
          addErr.textContent = e.message;
          addErr.hidden = false;
        } finally {
          addBtn.disabled = false;
        }
      },
    }, field('What to remember', content), h('div.row', field('Kind', addKind), field('Importance (0–1)', addImp, 'Higher ranks first in search.')), addErr, addBtn);

    const exportBtn = h('button.ghost', { type: 'button',
      onclick: async () => {
        exportBtn.disabled = true;
        try {
          const data = await get('/memories/export');
          download(`maang-memories-${new Date().toISOString().slice(0, 10)}.json`, JSON.stringify(data, null, 2), 'application/json');
          toast(`Exported ${data.memories.length} memories`);
        } catch (e) {
          toast(e, 'error');
        } finally {
          exportBtn.disabled = false;
        }
      } }, 'Export JSON');

    ctx.onLive((type) => {
      if (type.startsWith('memory.') && !editing) load({ quiet: true });
    });

    load();
    return h('div.memory-page.page-b',
      pageHeader('Memory', 'What the coach remembers: your notes, insights, attempt notes and conversations.', exportBtn),
      h('section.card', h('h2', 'Add a memory'), addForm),
      h('section.card', { 'aria-label': 'Memories' },
        h('div.filters.mem-filters', field('Search', search), field('Kind', kind)),
        summary,
        results));
  },
};
