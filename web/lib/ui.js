// ui.js: small DOM helpers shared by the pages. No framework: h() builds
// elements, pages return a node, and state lives in the page's closure.
// Never build HTML from strings with data in them: h() sets text safely.

/**
 * h('div.card#id', {onclick, class, attrs...}, children...): an element.
 * Children may be nodes, strings, numbers, arrays, or null/false (skipped).
 * Props: on* are listeners, 'class' / 'className', 'dataset' object,
 * 'style' object (set through the CSSOM, allowed by the CSP), booleans
 * set or remove attributes, other values become attributes.
 */
export function h(tag, props, ...children) {
  const m = /^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i.exec(tag);
  const el = document.createElement((m && m[1]) || 'div');
  if (m && m[2])
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class' || k === 'className') String(v).split(/\s+/).filter(Boolean).forEach((c) => el.classList.add(c));
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An SVG element (charts): svg('rect', {x, y, width, height, class}). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A toast: toast('Saved'), toast(err, 'error'). */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const text = message instanceof Error ? message.message : String(message);
  const t = h('div.toast', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text);
  box.appendChild(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

/** A page heading with an optional sub-line and actions. */
export function pageHeader(title, sub, ...actions) {
  return h('div.page-head', h('div', h('h1', title), sub ? h('p.sub', sub) : null), actions.length ? h('div.actions', actions) : null);
}

export const card = (title, ...children) => h('section.card', title ? h('h2', title) : null, children);

/** What an empty list says, with an optional call to action. */
export const empty = (text, action) => h('div.empty', h('p', text), action || null);

/** A failed load, shown in place of the content (never a blank page). */
export function errorBox(err, retry) {
  return h('div.error-box', { role: 'alert' },
    h('strong', err && err.status >= 500 ? 'The server had a problem.' : 'Something went wrong.'),
    h('p', err ? err.message : 'Unknown error'),
    retry ? h('button', { onclick: retry }, 'Try again') : null);
}

export const spinner = () => h('div.loading', { 'aria-busy': 'true' }, 'Loading…');

/**
 * Renders ASYNC_BUILD() into a container: a spinner first, then its node,
 * or an error box with a retry. Returns the container.
 */
export function loadInto(container, build) {
  const run = async () => {
    container.replaceChildren(spinner());
    try {
      const node = await build();
      container.replaceChildren(node);
    } catch (e) {
      console.error(e);
      container.replaceChildren(errorBox(e, run));
    }
  };
  run();
  return container;
}

/** A labelled form field: field('Minutes', input). */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div.field', h('label', { for: id }, label), control, hint ? h('small.hint', hint) : null);
}

export function select(options, value, props = {}) {
  return h('select', props, options.map((o) => {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: v, selected: String(v) === String(value ?? '') }, text);
  }));
}

/** A difficulty / status badge. */
export const badge = (text, kind) => h('span.badge', { class: kind || String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-') }, text);

export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fmtDateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "in 3 days", "2 hours ago". */
export function fmtRelative(iso) {
  if (!iso) return '—';
  const diff = (new Date(iso) - Date.now()) / 1000;
  const abs = Math.abs(diff);
  const [n, unit] = abs < 3600 ? [Math.round(abs / 60), 'minute'] : abs < 86400 ? [Math.round(abs / 3600), 'hour'] : [Math.round(abs / 86400), 'day'];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  return rtf.format(diff < 0 ? -n : n, unit);
}

export const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);

/** Copies text to the clipboard, with a toast. */
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied');
  } catch {
    toast('Copy failed: select the text and copy it by hand', 'error');
  }
}
