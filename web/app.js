// app.js: the dashboard shell: hash routes to page modules, the sign-in
// guard, the nav, theme, live events. A page module exports default
// { title, public?, render(ctx) } where render returns a Node (or a promise
// of one) and ctx = { params, query, navigate, onLive, refresh, user }.

import { auth, post } from './lib/api.js';
import * as live from './lib/live.js';
import { errorBox, h, spinner, toast } from './lib/ui.js';

const routes = [
  ['/signin', () => import('./pages/auth.js')],
  ['/signup', () => import('./pages/auth.js')],
  ['/', () => import('./pages/overview.js')],
  ['/problems', () => import('./pages/problems.js')],
  ['/problems/:slug', () => import('./pages/problem.js')],
  ['/reviews', () => import('./pages/reviews.js')],
  ['/weaknesses', () => import('./pages/weaknesses.js')],
  ['/roadmap', () => import('./pages/roadmap.js')],
  ['/coach', () => import('./pages/coach.js')],
  ['/memory', () => import('./pages/memory.js')],
  ['/settings', () => import('./pages/settings.js')],
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
    navigate('/signin');
  });
  const badge = document.getElementById('live');
  live.onState((state) => {
    badge.textContent = state;
    badge.dataset.state = state;
  });
  auth.onUnauthorized(() => {
    live.disconnect();
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
