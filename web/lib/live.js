// live.js: the user's live events (GET /api/v1/events) through EventSource.
// EventSource cannot send headers, so each connection first asks for a
// short-lived events token. On an error it reconnects with a fresh token,
// backing off to 10 s; pages subscribe with on(type, fn) ('*' for all).

import { auth, post } from './api.js';

const TYPES = ['attempt.created', 'attempt.deleted', 'attempts.imported', 'profile.updated',
  'memory.created', 'memory.updated', 'memory.deleted', 'coach.replied', 'notification.created',
  'interview.created', 'interview.started', 'interview.message', 'interview.hint', 'interview.completed', 'interview.abandoned'];

const listeners = new Set();
let source = null;
let retry = 1000;
let timer = null;
let lastId = null;
let stateFn = () => {};

/** fn(type, data) for every event; returns the unsubscribe function. */
export function on(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function onState(fn) {
  stateFn = fn;
}

function emit(type, data) {
  for (const fn of [...listeners]) {
    try {
      fn(type, data);
    } catch (e) {
      console.error('live listener', e);
    }
  }
}

let pending = false;

export async function connect() {
  disconnect();
  if (!auth.token) return;
  stateFn('connecting');
  let token;
  pending = true;
  try {
    token = (await post('/events/token')).token;
  } catch {
    pending = false;
    schedule();
    return;
  }
  pending = false;
  if (!auth.token) return; // signed out meanwhile
  const url = `/api/v1/events?token=${encodeURIComponent(token)}` + (lastId ? `&last_event_id=${encodeURIComponent(lastId)}` : '');
  source = new EventSource(url);
  source.onopen = () => {
    retry = 1000;
    stateFn('live');
  };
  source.onerror = () => {
    // The token is single-use in spirit: reconnect with a new one.
    stateFn('offline');
    schedule();
  };
  for (const type of TYPES) {
    source.addEventListener(type, (ev) => {
      lastId = ev.lastEventId || lastId;
      let data = null;
      try {
        data = JSON.parse(ev.data);
      } catch {
        /* not JSON */
      }
      emit(type, data);
    });
  }
}

function schedule() {
  if (source) {
    source.close();
    source = null;
  }
  clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    connect();
  }, retry);
  retry = Math.min(retry * 2, 10000);
}

/** Connects unless connected or about to reconnect (after a sign-in in this page). */
export function ensure() {
  if (!source && !timer && !pending && auth.token) connect();
}

export function disconnect() {
  clearTimeout(timer);
  timer = null;
  if (source) source.close();
  source = null;
  stateFn('offline');
}
