// sse.mjs: a small server-sent events client for the tests (Node's fetch
// with a streamed body), parsing "id:", "event:" and "data:" fields.
import assert from 'node:assert/strict';

/**
 * Opens an event stream. Resolves once the response headers arrived to
 * {status, headers, events, next(type, ms), close()}: events collects
 * {id, event, data}; next waits for the first not-yet-taken event of TYPE.
 */
export async function openStream(url, headers = {}) {
  const ctl = new AbortController();
  const res = await fetch(url, { headers, signal: ctl.signal });
  const stream = { status: res.status, headers: res.headers, events: [], comments: 0, ended: false, taken: 0 };
  stream.close = () => ctl.abort();
  if (res.status !== 200) {
    stream.text = await res.text();
    return stream;
  }
  let waiters = [];
  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments++;
            const m = line.match(/^(id|event|data|retry): ?(.*)$/);
            if (m) ev[m[1]] = m[2];
          }
          if (ev.data !== undefined) {
            ev.data = JSON.parse(ev.data);
            stream.events.push(ev);
          }
          if (ev.retry) stream.retry = Number(ev.retry);
        }
        notify();
      }
    } catch {
      /* aborted */
    }
    stream.ended = true;
    notify();
  })();
  stream.next = async (type, ms = 5000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const k = stream.events.findIndex((e, idx) => idx >= stream.taken && e.event === type);
      if (k >= 0) {
        stream.taken = k + 1;
        return stream.events[k];
      }
      if (stream.ended) throw new Error(`stream ended before a ${type} event`);
      const left = deadline - Date.now();
      assert.ok(left > 0, `no ${type} event within ${ms} ms`);
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, Math.min(left, 200));
      });
    }
  };
  stream.waitEnd = async (ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!stream.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return stream.ended;
  };
  return stream;
}

/**
 * The events of a whole text/event-stream body: [{event, data, id}], data
 * parsed as JSON (a streamed answer that has ended, as opposed to openStream).
 */
export function parseSse(text) {
  const events = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const ev = {};
    for (const line of block.split('\n')) {
      const m = line.match(/^(event|data|id): ?(.*)$/);
      if (m) ev[m[1]] = m[2];
    }
    if (ev.data !== undefined) ev.data = JSON.parse(ev.data);
    events.push(ev);
  }
  return events;
}
