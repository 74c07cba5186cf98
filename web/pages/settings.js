// settings.js: #/settings: the profile, the account, personal API tokens
// and the MCP client configuration that uses them, the AI providers, and
// export/import of your data. Each card loads on its own (a failure in one
// leaves the others usable).

import { api, auth, del, get, post, put } from '../lib/api.js';
import { card, copy, empty, field, fmtDate, fmtRelative, h, loadInto, pageHeader, select, toast } from '../lib/ui.js';
import { download } from './memory.js';
import { catalog } from './problems.js';

const COMMON_ZONES = ['UTC', 'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'Europe/Madrid', 'Europe/Warsaw', 'Europe/Kyiv',
  'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Toronto', 'America/Sao_Paulo',
  'Asia/Kolkata', 'Asia/Dubai', 'Asia/Singapore', 'Asia/Shanghai', 'Asia/Tokyo', 'Asia/Seoul', 'Australia/Sydney', 'Pacific/Auckland'];
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function zones() {
  try {
    const all = Intl.supportedValuesOf('timeZone');
    return all.includes('UTC') ? all : ['UTC', ...all];
  } catch {
    return COMMON_ZONES;
  }
}

const errorLine = () => h('div.form-error', { role: 'alert', hidden: true });
function showError(el, e) {
  el.textContent = e ? (e.message || String(e)) : '';
  el.hidden = !e;
}

function codeBlock(label, text) {
  const pre = h('pre.config', { tabindex: 0, 'aria-label': label }, text);
  return h('div.code-block', h('div.code-head', h('h3', label), h('button.ghost.small', { type: 'button', onclick: () => copy(pre.textContent) }, 'Copy')), pre);
}

export default {
  title: 'Settings',
  render(ctx) {
    let newToken = null;
    const mcpBox = h('div');

    // Profile.
    let dirty = false;
    let savedAt = 0;
    const profileBox = h('div');
    const loadProfile = () => loadInto(profileBox, async () => {
      dirty = false;
      const [profile, cat] = await Promise.all([get('/profile'), catalog()]);
      const chosen = new Set(profile.target_companies || []);
      const boxes = cat.companies.map((c) => h('label.check', h('input', { type: 'checkbox', name: 'company', value: c.slug, checked: chosen.has(c.slug) }), c.name));
      const date = h('input#interview-date', { type: 'date', value: profile.interview_date || '' });
      const hours = h('input#hours-per-week', { type: 'number', min: 0, max: 168, step: 0.5, inputmode: 'decimal', value: profile.hours_per_week ?? '' });
      const detected = browserZone();
      const suggest = profile.time_zone === 'UTC' && detected !== 'UTC';
      const tz = h('input#time-zone', { type: 'text', list: 'tz-list', autocomplete: 'off', spellcheck: 'false', value: suggest ? detected : profile.time_zone, required: true });
      const focus = select([['', 'Automatic (next roadmap topic)'], ...cat.topics.map((t) => [t.slug, t.name])], profile.focus_topic || '', { id: 'focus-topic' });
      const err = errorLine();
      const save = h('button', { type: 'submit' }, 'Save profile');
      const form = h('form#profile', { novalidate: true,
        onsubmit: async (ev) => {
          ev.preventDefault();
          showError(err, null);
          const picked = [...form.querySelectorAll('input[name=company]:checked')].map((b) => b.value);
          if (picked.length > 20) return showError(err, new Error('Choose at most 20 target companies.'));
          const h_ = hours.value === '' ? null : Number(hours.value);
          if (h_ !== null && !(h_ >= 0 && h_ <= 168)) return showError(err, new Error('Hours per week must be between 0 and 168.'));
          if (!tz.value.trim()) return showError(err, new Error('Enter a time zone, e.g. Europe/Berlin.'));
          save.disabled = true;
          try {
            await put('/profile', { target_companies: picked, interview_date: date.value || null, hours_per_week: h_, focus_topic: focus.value || null, time_zone: tz.value.trim() });
            savedAt = Date.now();
            dirty = false;
            toast('Profile saved');
            tzHint.textContent = '';
          } catch (e) {
            showError(err, e);
          } finally {
            save.disabled = false;
          }
        } },
      h('fieldset.companies-pick', h('legend', 'Target companies'), h('div.checks', boxes)),
      h('div.row', field('Interview date', date, 'Plans and reviews count down to it.'), field('Hours per week', hours)),
      h('div.row', field('Time zone', tz), field('Focus topic', focus)),
      h('datalist#tz-list', zones().map((z) => h('option', { value: z }))),
      err, save);
      const tzHint = h('p.hint', suggest ? `Your profile is on UTC; the field shows your browser's zone (${detected}): save to use it.` : '');
      tz.after(tzHint);
      form.addEventListener('input', () => {
        dirty = true;
      });
      return form;
    });
    loadProfile();

    // Account.
    const accountBox = loadInto(h('div'), async () => {
      const { user } = await get('/auth/me');
      return h('dl.kv', h('dt', 'Name'), h('dd', user.name || '—'), h('dt', 'Email'), h('dd', user.email), h('dt', 'Role'), h('dd', user.role));
    });

    // Tokens.
    const tokenList = h('div');
    const shown = h('div');
    const tokenName = h('input#token-name', { type: 'text', maxlength: 100, placeholder: 'e.g. Claude Desktop', autocomplete: 'off' });
    const tokenErr = errorLine();
    const createBtn = h('button#token-create', { type: 'submit' }, 'Create token');
    const tokenForm = h('form.token-form', {
      onsubmit: async (ev) => {
        ev.preventDefault();
        showError(tokenErr, null);
        const name = tokenName.value.trim();
        if (!name) {
          showError(tokenErr, new Error('Name the token after where you will use it.'));
          tokenName.focus();
          return;
        }
        createBtn.disabled = true;
        try {
          const t = await post('/tokens', { name });
          newToken = t.token;
          tokenName.value = '';
          shown.replaceChildren(h('div.new-token', { role: 'status' },
            h('p', h('strong', `Token “${t.name}” created.`), ' Copy it now: it is not shown again.'),
            h('div.token-line', h('code#new-token', t.token), h('button.small', { type: 'button', onclick: () => copy(t.token) }, 'Copy')),
            h('p.hint', 'The MCP configuration below now contains it.')));
          renderMcp();
          loadTokens();
        } catch (e) {
          showError(tokenErr, e);
        } finally {
          createBtn.disabled = false;
        }
      },
    }, h('div.row', field('Token name', tokenName), h('div.field', createBtn)), tokenErr);

    function loadTokens() {
      loadInto(tokenList, async () => {
        const data = await get('/tokens');
        if (!data.items.length) return empty('No tokens yet. Create one for Claude Desktop, another MCP client or a script.');
        return h('ul.list.tokens', data.items.map((t) => h('li', { dataset: { tokenId: t.id } },
          h('div', h('strong', t.name), h('div.hint', h('code', `${t.prefix}…`), ` · created ${fmtDate(t.created_at)} · `,
            t.last_used_at ? `last used ${fmtRelative(t.last_used_at)}` : 'never used')),
          h('button.ghost.small.danger-text', { type: 'button', 'aria-label': `Revoke ${t.name}`,
            onclick: async (ev) => {
              if (!window.confirm(`Revoke the token “${t.name}”? Clients using it stop working at once.`)) return;
              const b = ev.currentTarget;
              b.disabled = true;
              try {
                await del(`/tokens/${encodeURIComponent(t.id)}`);
                toast(`Token “${t.name}” revoked`);
                if (newToken && newToken.startsWith(t.prefix)) {
                  newToken = null;
                  shown.replaceChildren();
                  renderMcp();
                }
                b.closest('li').remove();
                if (!tokenList.querySelector('li')) loadTokens();
              } catch (e) {
                b.disabled = false;
                toast(e, 'error');
              }
            } }, 'Revoke'))));
      });
    }
    loadTokens();

    // MCP configuration.
    function renderMcp() {
      const token = newToken || 'mt_your_token_here';
      const stdio = { mcpServers: { maang: { command: '/usr/local/bin/maang', args: ['mcp'],
        env: { MAANG_TOKEN: token, DATABASE_URL: 'sqlite:/path/to/maang.db', SECRET_KEY: "the server's SECRET_KEY" } } } };
      const http = { mcpServers: { maang: { type: 'http', url: `${location.origin}/mcp`, headers: { Authorization: `Bearer ${token}` } } } };
      mcpBox.replaceChildren(h('div',
        newToken ? null : h('p.hint', 'Create a token above and it is filled in here; otherwise replace mt_your_token_here with one.'),
        codeBlock('Claude Desktop (stdio): claude_desktop_config.json', JSON.stringify(stdio, null, 2)),
        h('p.hint', 'Runs maang mcp on the machine that has the database: adjust the command path, DATABASE_URL and SECRET_KEY to the server\'s.'),
        codeBlock('HTTP clients (Streamable HTTP)', JSON.stringify(http, null, 2)),
        h('p.hint', 'For clients that speak MCP over HTTP (this server\'s /mcp; a dedicated listener, MCP_PORT, usually 127.0.0.1:8765, works the same). Every request carries the token.')));
    }
    renderMcp();

    // Providers.
    const providersBox = loadInto(h('div'), async () => {
      const p = await get('/providers');
      const row = (k, v) => [h('dt', k), h('dd', v)];
      return h('dl.kv',
        row('Coach', p.llm.provider === 'builtin' || !p.llm.model ? 'built-in coach (no language model configured)' : `${p.llm.provider} · ${p.llm.model}`),
        row('Embeddings', `${p.embedding.provider} · ${p.embedding.model} (${p.embedding.dim} dimensions)`),
        row('Waiting for vectors', `${p.embedding.pending}${p.embedding.failures ? ` · ${p.embedding.failures} failures` : ''}`),
        row('Vector index', `${p.index.vectors} vectors · ${(p.index.bytes / 1048576).toFixed(1)} MB · ${p.index.partitions} partition${p.index.partitions === 1 ? '' : 's'}${p.index.kernels ? ` · ${p.index.kernels}` : ''}`),
        row('Retrieval', `top ${p.rag.top_k} · similarity ≥ ${p.rag.threshold}`));
    });

    // Export and import.
    const exportErr = errorLine();
    const exporter = (format) => h('button.ghost', { type: 'button',
      onclick: async (ev) => {
        const b = ev.currentTarget;
        b.disabled = true;
        showError(exportErr, null);
        try {
          const data = await get('/export', { format });
          const day = new Date().toISOString().slice(0, 10);
          if (format === 'csv') download(`maang-attempts-${day}.csv`, data, 'text/csv');
          else download(`maang-export-${day}.json`, JSON.stringify(data, null, 2), 'application/json');
        } catch (e) {
          showError(exportErr, e);
        } finally {
          b.disabled = false;
        }
      } }, format === 'csv' ? 'Export attempts (CSV)' : 'Export everything (JSON)');
    const file = h('input#import-file', { type: 'file', accept: '.csv,.json,text/csv,application/json' });
    const importErr = errorLine();
    const report = h('div', { 'aria-live': 'polite' });
    const importBtn = h('button', { type: 'submit' }, 'Import');
    const importForm = h('form#import', {
      onsubmit: async (ev) => {
        ev.preventDefault();
        showError(importErr, null);
        const f = file.files[0];
        if (!f) return showError(importErr, new Error('Choose a CSV or JSON file first.'));
        importBtn.disabled = true;
        report.replaceChildren();
        try {
          const text = await f.text();
          const json = /^\s*[[{]/.test(text);
          const res = await fetch('/api/v1/import', { method: 'POST', body: text,
            headers: { 'Content-Type': json ? 'application/json' : 'text/csv', Authorization: `Bearer ${auth.token}` } });
          const data = await res.json().catch(() => null);
          if (res.status === 401) await api('GET', '/auth/me').catch(() => {});
          if (!res.ok) throw new Error(data && data.error ? data.error.message : `Import failed (${res.status})`);
          report.replaceChildren(h('div.report',
            h('p', h('strong', `${data.imported} imported`), ` of ${data.rows} rows (${data.format}) · ${data.duplicates} already there · ${data.failed} failed`,
              data.memories ? ` · ${data.memories} notes saved as memories` : ''),
            data.errors && data.errors.length ? h('ul.import-errors', data.errors.map((e) => h('li', `Row ${e.row}: ${e.error}`))) : null));
          toast(`Imported ${data.imported} ${data.imported === 1 ? 'attempt' : 'attempts'}`);
          file.value = '';
        } catch (e) {
          showError(importErr, e);
        } finally {
          importBtn.disabled = false;
        }
      },
    }, field('Attempts file (CSV or JSON)', file, 'Our export, a CSV with a problem,outcome,… header, or a LeetCode submissions dump. Rows already imported are skipped.'), importErr, importBtn, report);

    ctx.onLive((type) => {
      // A change made elsewhere (another tab, an assistant): show it unless edits are in progress.
      if (type === 'profile.updated' && !dirty && Date.now() - savedAt > 3000) loadProfile();
    });

    return h('div.settings-page.page-b',
      pageHeader('Settings', 'Your profile, API tokens for AI assistants, and your data.'),
      h('div.grid-2',
        h('div',
          card('Profile', profileBox),
          card('API tokens', h('p.hint', 'Personal tokens let MCP clients (Claude Desktop, IDEs) and scripts act as you. Each is shown once.'), tokenForm, shown, tokenList),
          card('MCP client configuration', mcpBox)),
        h('div',
          card('Account', accountBox),
          card('AI providers', providersBox),
          card('Your data', h('div.actions', exporter('json'), exporter('csv')), exportErr, h('hr.sep'), importForm))));
  },
};
