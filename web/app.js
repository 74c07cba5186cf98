// app.js: the dashboard shell: hash routes to page modules, the sign-in
// guard, the nav, theme, live events. A page module exports default
// { title, public?, render(ctx) } where render returns a Node (or a promise
// of one) and ctx = { params, query, navigate, onLive, refresh, user }.
// The top bar also holds the notifications button and panel, and the Admin
// link, shown when /auth/me says the user is an administrator.

import { auth, get, post } from './lib/api.js';
import * as live from './lib/live.js';
import { errorBox, fmtDateTime, fmtRelative, h, spinner, toast } from './lib/ui.js';

const routes = [
  ['/signin', () => import('./pages/auth.js')],
  ['/signup', () => import('./pages/auth.js')],
  ['/', () => import('./pages/overview.js')],
  ['/problems', () => import('./pages/problems.js')],
  ['/problems/:slug', () => import('./pages/problem.js')],
  ['/reviews', () => import('./pages/reviews.js')],
  ['/weaknesses', () => import('./pages/weaknesses.js')],
  ['/roadmap', () => import('./pages/roadmap.js')],
  ['/interviews', () => import('./pages/interviews.js')],
  ['/interviews/:id', () => import('./pages/interview.js')],
  ['/coach', () => import('./pages/coach.js')],
  ['/memory', () => import('./pages/memory.js')],
  ['/settings', () => import('./pages/settings.js')],
  ['/admin', () => import('./pages/admin.js')],
];

const view = document.getElementById('view');
let pageLive = [];
let current = 0;

function match(path) {
  for (const [pattern, load] of routes) {
    const p = pattern.split('/');
    const s = path.split('/');
    if (p.length !== s.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < p.length; i++) {
      if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
      else if (p[i] !== s[i]) ok = false;
    }
    if (ok) return { pattern, load, params };
  }
  return null;
}

export function navigate(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = path;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(qs || '') };
}

async function render() {
  const token = ++current;
  for (const off of pageLive) off();
  pageLive = [];
  const { path, query } = parseHash();
  const route = match(path);
  const signedIn = !!auth.token;
  document.getElementById('top').hidden = !signedIn;
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('href').slice(1);
    const active = target === '/' ? path === '/' : path === target || path.startsWith(target + '/');
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!route) {
    view.replaceChildren(h('div.card', h('h1', 'Not found'), h('p', `No page at ${path}.`), h('a', { href: '#/' }, 'Go to the overview')));
    return;
  }
  if (!signedIn && !route.pattern.startsWith('/sign')) {
    navigate('/signin');
    return;
  }
  if (signedIn && route.pattern.startsWith('/sign')) {
    navigate('/');
    return;
  }
  if (signedIn) live.ensure();
  if (signedIn && meToken !== auth.token) whoAmI();
  view.replaceChildren(spinner());
  try {
    const page = (await route.load()).default;
    const ctx = {
      params: route.params,
      query,
      path,
      navigate,
      user: auth.user,
      refresh: () => token === current && render(),
      onLive(fn) {
        pageLive.push(live.on(fn));
      },
    };
    const node = await page.render(ctx);
    if (token !== current) return; // navigated away meanwhile
    document.title = `${page.title || 'MAANG Tracker'} · MAANG Tracker`;
    view.replaceChildren(node);
    view.focus({ preventScroll: true });
  } catch (e) {
    console.error(e);
    if (token === current) view.replaceChildren(errorBox(e, render));
  }
}

/* The Admin link: from the stored user at once, then from /auth/me (roles change). */
function showRole(user) {
  document.getElementById('nav-admin').hidden = !(user && user.role === 'admin');
}

let meToken = null; // the token /auth/me was last asked with

async function whoAmI() {
  showRole(auth.user);
  meToken = auth.token;
  if (!auth.token) return;
  try {
    const { user } = await get('/auth/me');
    if (!auth.token) return; // signed out meanwhile
    auth.set(auth.token, user);
    showRole(user);
    notes.load();
  } catch (e) {
    if (e.status === 401) return; // signed out by api()
    console.warn('auth/me', e.message);
    meToken = null; // asked again on the next navigation
  }
}

/*
 * Notifications: a button with the unread count and a panel of the latest
 * ones, each with "Mark read". Escape or a click elsewhere closes the panel;
 * focus returns to the button. A 'notification.created' event updates the
 * count (and the open panel) and shows a toast.
 */
const notes = (() => {
  const button = document.getElementById('notifications');
  const count = document.getElementById('notifications-count');
  const panel = document.getElementById('notifications-panel');
  let items = [];
  let unread = 0;
  let failed = null;
  let loaded = false;
  let seq = 0;

  function setUnread(n) {
    unread = Math.max(0, n);
    count.textContent = unread > 99 ? '99+' : String(unread);
    count.hidden = unread === 0;
    button.setAttribute('aria-label', `Notifications: ${unread === 0 ? 'none' : unread} unread`);
    button.dataset.unread = String(unread);
  }

  function item(n) {
    const read = !!n.read_at;
    return h('li', { class: read ? 'read' : 'unread', dataset: { notificationId: n.id } },
      h('div.notif-text',
        h('span.sr-only', read ? 'Read: ' : 'Unread: '),
        h('span', n.message),
        h('time.hint', { datetime: n.created_at, title: fmtDateTime(n.created_at) }, fmtRelative(n.created_at))),
      read ? null : h('button.ghost.small', { type: 'button', 'aria-label': `Mark read: ${n.message}`, onclick: () => markRead(n) }, 'Mark read'));
  }

  function draw() {
    if (panel.hidden) return;
    // Redrawing keeps the focus where it was (the same item's button, or Close).
    const had = panel.contains(document.activeElement);
    const focusedId = had && document.activeElement.closest('li')?.dataset.notificationId;
    panel.replaceChildren(
      h('div.notif-head', h('h2#notifications-title', 'Notifications'),
        h('button.ghost.small', { type: 'button', onclick: () => close(true) }, 'Close')),
      !loaded ? h('p.notif-empty', { 'aria-busy': 'true' }, 'Loading…') :
      failed ? h('p.notif-empty', { role: 'alert' }, `Could not load notifications: ${failed.message}`) :
        !items.length ? h('p.notif-empty', 'No notifications yet. Reminders about due reviews show up here.') :
          h('ul.notif-list', items.map(item)));
    if (had) (focusedId && panel.querySelector(`li[data-notification-id="${CSS.escape(focusedId)}"] button`) || panel.querySelector('button'))?.focus();
  }

  async function load() {
    if (!auth.token) return;
    const mine = ++seq;
    try {
      const data = await get('/notifications', { limit: 20 });
      if (mine !== seq) return;
      items = data.items;
      failed = null;
      setUnread(data.unread);
    } catch (e) {
      if (mine !== seq) return;
      failed = e;
    }
    loaded = true;
    draw();
  }

  async function markRead(n) {
    const li = panel.querySelector(`li[data-notification-id="${CSS.escape(n.id)}"]`);
    const next = li && [...panel.querySelectorAll('li.unread button')].find((b) => !li.contains(b) &&
      (li.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING));
    try {
      await post(`/notifications/${encodeURIComponent(n.id)}/read`);
    } catch (e) {
      toast(e, 'error');
      return;
    }
    n.read_at = new Date().toISOString();
    setUnread(unread - 1);
    draw();
    // The button is gone: focus the next unread one, else the panel's close button.
    const target = (next && panel.querySelector(`li[data-notification-id="${CSS.escape(next.closest('li').dataset.notificationId)}"] button`)) ||
      panel.querySelector('.notif-head button');
    target?.focus();
    load();
  }

  function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    draw();
    panel.querySelector('button')?.focus();
    load();
  }

  function close(refocus) {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  }

  button.addEventListener('click', () => (panel.hidden ? open() : close(true)));
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !panel.hidden && (panel.contains(document.activeElement) || document.activeElement === button)) {
      ev.preventDefault();
      close(true);
    }
  });
  panel.addEventListener('focusout', (ev) => {
    // Tabbing out of the panel closes it (a redraw's lost focus has no relatedTarget).
    if (ev.relatedTarget && !panel.contains(ev.relatedTarget) && ev.relatedTarget !== button) close(false);
  });
  document.addEventListener('click', (ev) => {
    if (!panel.hidden && !panel.contains(ev.target) && !button.contains(ev.target) && ev.target.isConnected) close(false);
  });
  live.on((type, data) => {
    if (type !== 'notification.created') return;
    if (data && data.message) toast(data.message);
    setUnread(unread + 1); // at once; the answer below corrects it
    load();
  });

  return {
    load,
    reset() {
      seq++;
      items = [];
      failed = null;
      loaded = false;
      setUnread(0);
      close(false);
      panel.replaceChildren();
    },
  };
})();

function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem('maang.theme', theme);
}

function start() {
  const saved = localStorage.getItem('maang.theme');
  if (saved) document.documentElement.dataset.theme = saved;
  document.getElementById('theme').addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches;
    setTheme(dark ? 'light' : 'dark');
  });
  const toggle = document.getElementById('menu-toggle');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    document.getElementById('nav').classList.toggle('open', open);
  });
  document.getElementById('nav').addEventListener('click', () => {
    toggle.setAttribute('aria-expanded', 'false');
    document.getElementById('nav').classList.remove('open');
  });
  document.getElementById('signout').addEventListener('click', async () => {
    try {
      await post('/auth/logout');
    } catch {
      /* signed out here either way */
    }
    auth.clear();
    live.disconnect();
    notes.reset();
    showRole(null);
    navigate('/signin');
  });
  const badge = document.getElementById('live');
  let wasLive = false;
  live.onState((state) => {
    badge.textContent = state;
    badge.dataset.state = state;
    // Back after a gap: notifications may have come meanwhile.
    if (state === 'live' && wasLive && meToken === auth.token) notes.load();
    if (state === 'live') wasLive = true;
  });
  auth.onUnauthorized(() => {
    live.disconnect();
    notes.reset();
    showRole(null);
    toast('Your session has ended: sign in again', 'error');
    navigate('/signin');
  });
  window.addEventListener('hashchange', render);
  if (auth.token) live.connect();
  render();
}

/** Called by the sign-in page once a token is stored. */
export function signedIn() {
  live.connect();
  navigate('/');
}

start();
