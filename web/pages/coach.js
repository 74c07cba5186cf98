// coach.js: #/coach, a conversation with the coach (POST /coach/chat).
// Answers stream in (server-sent events over fetch) and end with the
// memories they used and the provider that answered. The session id is kept
// in sessionStorage so a reload shows the conversation again.

import { api, auth, get } from '../lib/api.js';
import { badge, empty, errorBox, field, h, pageHeader, spinner } from '../lib/ui.js';

const SESSION_KEY = 'maang.coach.session';
const SUGGESTIONS = ['What should I practise next?', 'What are my weak topics?', 'Explain the sliding window pattern', 'How am I doing?'];
const KIND = { conversation: 'conversation', note: 'note', insight: 'insight', attempt_note: 'attempt note', interview_feedback: 'interview feedback' };

function providerLine(provider, providerError) {
  return h('div.used',
    h('span', 'Answered by ', h('strong', provider === 'builtin' ? 'the built-in coach' : provider || 'the coach')),
    providerError ? h('div.warn-text', `The language model failed (${providerError}); the built-in coach answered instead.`) : null);
}

function memoriesUsed(memories) {
  if (!memories) return null;
  if (!memories.length) return h('div.used', 'No memories used.');
  if (typeof memories[0] !== 'object') return h('div.used', `Used ${memories.length} ${memories.length === 1 ? 'memory' : 'memories'}.`);
  return h('details.used',
    h('summary', `Used ${memories.length} ${memories.length === 1 ? 'memory' : 'memories'}`),
    h('ul.memlist', memories.map((m) => h('li',
      h('div.tags', badge(KIND[m.kind] || m.kind, 'kind'), m.score != null ? h('span.muted', `score ${Number(m.score).toFixed(2)}`) : null,
        m.match ? h('span.muted', `· ${m.match}`) : null),
      h('div.memtext', m.content)))));
}

/** POST /coach/chat with stream:true; onDelta(text) per piece; resolves to the final JSON. */
async function chat(body, onDelta) {
  let res;
  try {
    res = await fetch('/api/v1/coach/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', Authorization: `Bearer ${auth.token}` },
      body: JSON.stringify({ ...body, stream: true }),
    });
  } catch {
    throw new Error('The server cannot be reached. Is it running?');
  }
  const type = res.headers.get('Content-Type') || '';
  if (!res.ok || !type.includes('event-stream')) {
    if (res.status === 401) {
      // Let the API client run its sign-out path.
      await api('GET', '/auth/me').catch(() => {});
    }
    const data = await res.json().catch(() => null);
    if (res.ok && data && data.reply) return data;
    throw Object.assign(new Error(data && data.error ? data.error.message : `The coach failed (${res.status})`), { status: res.status });
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let done = null;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (value) buf += decoder.decode(value, { stream: true });
    let i;
    while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data = [];
      for (const line of frame.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      let json = null;
      try {
        json = JSON.parse(data.join('\n'));
      } catch {
        continue;
      }
      if (event === 'delta' && json.text) onDelta(json.text);
      else if (event === 'done') done = json;
      else if (event === 'error') throw new Error(json.message || json.error || 'The coach failed');
    }
    if (end) break;
  }
  if (!done) throw new Error('The answer was cut off: try again.');
  return done;
}

export default {
  title: 'Coach',
  async render() {
    let sessionId = sessionStorage.getItem(SESSION_KEY);
    const log = h('div.chat', { role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' });
    const input = h('textarea#coach-message', { rows: 3, maxlength: 4000, placeholder: 'Ask about your practice, a pattern, or a problem…' });
    const send = h('button', { type: 'submit' }, 'Send');
    const error = h('div.form-error', { role: 'alert', hidden: true });
    let busy = false;

    const userMsg = (text) => h('div.msg.user', h('span.sr-only', 'You: '), text);
    function assistantMsg(m) {
      return h('div.msg.assistant', h('span.sr-only', 'Coach: '), h('div.reply', m.content), providerLine(m.provider, m.provider_error), memoriesUsed(m.memories));
    }
    function welcome() {
      return empty('Ask the coach anything about your preparation. It answers from your progress, weak topics and memories.',
        h('div.suggestions', SUGGESTIONS.map((s) => h('button.ghost.small', { type: 'button', onclick: () => ask(s) }, s))));
    }
    const scroll = () => log.lastElementChild && log.lastElementChild.scrollIntoView({ block: 'nearest' });

    async function ask(text) {
      if (busy) return;
      text = text.trim();
      if (!text) {
        error.textContent = 'Write a message first.';
        error.hidden = false;
        input.focus();
        return;
      }
      error.hidden = true;
      busy = true;
      send.disabled = true;
      if (log.querySelector('.empty')) log.replaceChildren();
      log.append(userMsg(text));
      const reply = h('div.reply', h('span.muted', 'Thinking…'));
      const bubble = h('div.msg.assistant', { 'aria-busy': 'true' }, h('span.sr-only', 'Coach: '), reply);
      log.append(bubble);
      scroll();
      input.value = '';
      let streamed = '';
      try {
        const body = { message: text };
        if (sessionId) body.session_id = sessionId;
        const res = await chat(body, (piece) => {
          streamed += piece;
          reply.textContent = streamed;
        });
        sessionId = res.session_id;
        sessionStorage.setItem(SESSION_KEY, sessionId);
        reply.textContent = res.reply;
        bubble.append(providerLine(res.provider, res.provider_error), memoriesUsed(res.memories));
      } catch (e) {
        bubble.remove();
        if (!streamed) input.value = text;
        error.textContent = e.message;
        error.hidden = false;
        if (e.message && /session_id/.test(e.message)) {
          sessionStorage.removeItem(SESSION_KEY);
          sessionId = null;
          error.textContent += ' Start a new conversation.';
        }
      } finally {
        bubble.removeAttribute('aria-busy');
        busy = false;
        send.disabled = false;
        scroll();
        input.focus();
      }
    }

    function reset() {
      sessionStorage.removeItem(SESSION_KEY);
      sessionId = null;
      error.hidden = true;
      log.replaceChildren(welcome());
      input.focus();
    }

    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    const form = h('form.chat-form', { onsubmit: (ev) => { ev.preventDefault(); ask(input.value); } },
      field('Message', input, 'Enter sends; Shift+Enter starts a new line.'), error, h('div.actions', send));

    async function restore() {
      log.replaceChildren(spinner());
      try {
        const s = await get(`/coach/sessions/${encodeURIComponent(sessionId)}`);
        log.replaceChildren(...(s.items.length ? s.items.map((m) => (m.role === 'user' ? userMsg(m.content) : assistantMsg(m))) : [welcome()]));
      } catch (e) {
        if (e.status === 404) {
          sessionStorage.removeItem(SESSION_KEY);
          sessionId = null;
          log.replaceChildren(welcome());
        } else log.replaceChildren(errorBox(e, restore));
      }
    }
    if (sessionId) restore();
    else log.replaceChildren(welcome());

    return h('div.coach-page.page-b',
      pageHeader('Coach', 'Answers use your progress, weak topics and memories.',
        h('button.ghost', { type: 'button', onclick: reset }, 'New conversation')),
      h('section.card', log),
      h('section.card', form));
  },
};
