// charts.js: the dashboard's SVG charts, built with svg() (no library).
// Every chart is an element with a viewBox and class "chart", a role and an
// aria-label summing it up, and a <title> with the exact value on each mark;
// values are also written or given by a legend, never by colour alone.
// Charts whose text must stay legible (line, bars, mastery, topic graph) are
// drawn at the width of their box and redrawn when that width changes.

import { h, svg } from './ui.js';

const fmt = (n) => (typeof n === 'number' ? n.toLocaleString() : String(n ?? '—'));
const tip = (text) => svg('title', {}, text);
const plural = (n, one, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function frame(width, height, label, cls, interactive) {
  return svg('svg', {
    viewBox: `0 0 ${width} ${height}`, width, height, class: `chart ${cls}`,
    role: interactive ? 'group' : 'img', 'aria-label': label, preserveAspectRatio: 'xMinYMin meet',
  });
}

/** Cuts TEXT to about MAXPX pixels of 11-12 px text, with an ellipsis. */
function clip(text, maxPx, charPx = 6.6) {
  const n = Math.max(3, Math.floor(maxPx / charPx));
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** A <text> cut to MAXPX: estimated now, measured once it is on the page. */
function fitted(attrs, text, maxPx, charPx) {
  return svg('text', { ...attrs, 'data-fit': Math.round(maxPx), 'data-full': text }, clip(text, maxPx, charPx));
}

function fitText(root) {
  for (const t of root.querySelectorAll('text[data-fit]')) {
    const max = Number(t.dataset.fit), full = t.dataset.full;
    t.textContent = full;
    for (let n = full.length - 1; n > 2 && t.getComputedTextLength() > max; n--) t.textContent = `${full.slice(0, n)}…`;
  }
}

/** A box that draws BUILD(width) at its own width, again when it changes. */
function responsive(build, cls, initial = 640) {
  const box = h('div.chart-box', { class: cls });
  let drawn = 0;
  const draw = (w) => {
    drawn = w;
    box.replaceChildren(build(w));
    if (box.isConnected) fitText(box);
  };
  draw(initial);
  if (typeof ResizeObserver === 'function')
    new ResizeObserver((entries) => {
      const w = Math.floor(entries[0].contentRect.width);
      if (w > 0 && Math.abs(w - drawn) > 2) draw(w);
    }).observe(box);
  return box;
}

/** A step of 1, 2 or 5 × 10^k near X (at least MIN). */
function niceStep(x, min = 0) {
  if (!(x > 0)) return Math.max(1, min);
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return Math.max(min, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p);
}

/**
 * GitHub-style activity calendar: weeks as columns (Monday first), five
 * levels heat-0..heat-4, month labels, a "Less ... More" legend.
 * DAYS: [{date: 'YYYY-MM-DD', count}], oldest first.
 */
export function calendarHeatmap(calendarDays, { days = 365, label = 'attempt' } = {}) {
  const list = (calendarDays || []).slice(-days);
  const cell = 11, step = 13, left = 30, top = 18;
  const max = list.reduce((m, d) => Math.max(m, d.count || 0), 0);
  const level = (c) => (c > 0 ? Math.min(4, Math.max(1, Math.ceil((4 * c) / max))) : 0);
  const weekday = (iso) => (new Date(`${iso}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  const offset = list.length ? weekday(list[0].date) : 0;
  const weeks = Math.ceil((list.length + offset) / 7) || 1;
  const width = left + weeks * step, height = top + 7 * step;
  const total = list.reduce((s, d) => s + (d.count || 0), 0);
  const active = list.filter((d) => d.count > 0).length;
  const range = list.length ? ` from ${list[0].date} to ${list[list.length - 1].date}` : '';
  const root = frame(width, height, `Activity calendar: ${plural(total, label)} on ${plural(active, 'day')}${range}`, 'heatmap');
  root.dataset.testid = 'heatmap';
  ['Mon', 'Wed', 'Fri'].forEach((d, i) => root.appendChild(svg('text', { x: 0, y: top + i * 2 * step + 9, class: 'day-label' }, d)));
  let lastMonthCol = -3;
  list.forEach((d, i) => {
    const col = Math.floor((i + offset) / 7), row = (i + offset) % 7;
    const c = d.count || 0;
    const dom = Number(d.date.slice(8, 10));
    if (i === 0 ? dom <= 21 : dom === 1) {
      // The month's label over its first week column starting in it.
      const labelCol = row === 0 || i === 0 ? col : col + 1;
      if (labelCol - lastMonthCol >= 3 && labelCol < weeks - 1) {
        root.appendChild(svg('text', { x: left + labelCol * step, y: 11, class: 'month-label' }, MONTHS[Number(d.date.slice(5, 7)) - 1]));
        lastMonthCol = labelCol;
      }
    }
    root.appendChild(svg('rect', {
      x: left + col * step, y: top + row * step, width: cell, height: cell, rx: 2,
      class: `heat-${level(c)}`, 'data-date': d.date, 'data-count': c,
    }, tip(`${plural(c, label)} on ${d.date}`)));
  });
  // Legend: what each level means, in words as well as colour.
  const bound = (lv) => Math.floor((lv * max) / 4);
  const levels = [0, 1, 2, 3, 4].map((lv) => {
    const lo = lv === 0 ? 0 : bound(lv - 1) + 1, hi = lv === 0 ? 0 : bound(lv);
    const text = lv === 0 ? `0 ${label}s` : lo > hi ? 'no day at this level' : lo === hi ? plural(lo, label) : `${lo}–${hi} ${label}s`;
    return h('span.swatch', { class: `heat-${lv}`, title: text, role: 'img', 'aria-label': text });
  });
  const scroller = h('div.heatmap-scroll', root);
  if (typeof ResizeObserver === 'function') {
    // Narrow screens scroll; show the most recent weeks first.
    const ro = new ResizeObserver(() => {
      if (scroller.clientWidth) {
        scroller.scrollLeft = scroller.scrollWidth;
        ro.disconnect();
      }
    });
    ro.observe(scroller);
  }
  return h('div.heatmap-wrap', scroller,
    h('div.legend.heat-legend', h('span', 'Less'), levels, h('span', 'More'),
      max ? h('span.muted', `(busiest day: ${plural(max, label)})`) : null));
}

/**
 * A line chart of POINTS [{x, y, title?}] at even spacing. Options: label
 * (aria), height, xFormat(x) for axis labels, yLabel (unit in titles), area.
 */
export function lineChart(points, opts = {}) {
  const { label = 'Line chart', height = 220, xFormat = String, yLabel = '', area = true } = opts;
  return responsive((W) => {
    const m = { l: 40, r: 14, t: 14, b: 28 };
    const iw = Math.max(10, W - m.l - m.r), ih = height - m.t - m.b;
    const max = points.reduce((a, p) => Math.max(a, p.y || 0), 0);
    const stepY = niceStep(max / 4, 1);
    const top = Math.max(stepY, Math.ceil(max / stepY) * stepY);
    const X = (i) => m.l + (points.length > 1 ? (i * iw) / (points.length - 1) : iw / 2);
    const Y = (v) => m.t + ih - (v / top) * ih;
    const root = frame(W, height, label, 'line-chart');
    for (let v = 0; v <= top; v += stepY) {
      root.appendChild(svg('line', { x1: m.l, x2: m.l + iw, y1: Y(v), y2: Y(v), class: v ? 'grid-line' : 'axis' }));
      root.appendChild(svg('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
    }
    if (points.length) {
      const d = points.map((p, i) => `${i ? 'L' : 'M'}${X(i).toFixed(1)} ${Y(p.y || 0).toFixed(1)}`).join(' ');
      if (area) root.appendChild(svg('path', { d: `${d} L${X(points.length - 1).toFixed(1)} ${Y(0)} L${X(0).toFixed(1)} ${Y(0)} Z`, class: 'area' }));
      root.appendChild(svg('path', { d, class: 'line' }));
    }
    // X labels: as many as fit 70 px apart, always including the last.
    const every = Math.max(1, Math.ceil(points.length / Math.max(1, Math.floor(iw / 70))));
    points.forEach((p, i) => {
      const last = i === points.length - 1;
      if ((i % every === 0 && points.length - 1 - i >= every / 2) || last)
        root.appendChild(svg('text', { x: X(i), y: height - 8, 'text-anchor': last && points.length > 1 ? 'end' : i ? 'middle' : 'start' }, xFormat(p.x)));
      root.appendChild(svg('circle', { cx: X(i), cy: Y(p.y || 0), r: points.length > 60 ? 2 : 3.5, class: 'dot' },
        tip(p.title || `${xFormat(p.x)}: ${fmt(p.y)}${yLabel ? ` ${yLabel}` : ''}`)));
    });
    return root;
  }, 'line-box');
}

/** Vertical bars of ITEMS [{label, value, class?, title?}], values written above. */
export function barChart(items, opts = {}) {
  const { label = 'Bar chart', height = 200, unit = '' } = opts;
  return responsive((W) => {
    const m = { t: 22, b: 26, x: 8 };
    const ih = height - m.t - m.b;
    const slot = (W - 2 * m.x) / Math.max(1, items.length);
    const bw = Math.min(72, slot * 0.6);
    const max = items.reduce((a, it) => Math.max(a, it.value || 0), 0) || 1;
    const root = frame(W, height, label, 'bar-chart');
    root.appendChild(svg('line', { x1: m.x, x2: W - m.x, y1: m.t + ih, y2: m.t + ih, class: 'axis' }));
    items.forEach((it, i) => {
      const v = it.value || 0;
      const bh = Math.max(v ? 2 : 0, (v / max) * ih);
      const cx = m.x + slot * i + slot / 2;
      const text = it.title || `${it.label}: ${fmt(v)}${unit ? ` ${unit}` : ''}`;
      root.appendChild(svg('g', { class: 'bar-group' },
        tip(text),
        svg('rect', { x: cx - bw / 2, y: m.t + ih - bh, width: bw, height: bh, rx: 3, class: `bar ${it.class || ''}` }),
        svg('text', { x: cx, y: m.t + ih - bh - 6, 'text-anchor': 'middle', class: 'value' }, fmt(v)),
        fitted({ x: cx, y: height - 8, 'text-anchor': 'middle' }, String(it.label), slot - 4)));
    });
    return root;
  }, 'bar-box');
}

/**
 * Horizontal bars of TOPICS [{name, value 0..1 | null, href?, title?}] with
 * the percentage written at the end of each. Rows with href are links.
 */
export function masteryBars(topics, opts = {}) {
  const { label = 'Topic mastery', row = 26 } = opts;
  const linked = topics.some((t) => t.href);
  return responsive((W) => {
    // Wide: name | bar | value on one line. Narrow: name and value over the bar.
    const stack = W < 420;
    const rh = stack ? row + 12 : row;
    const lw = stack ? 0 : Math.min(190, Math.max(90, Math.round(W * 0.34)));
    const vw = stack ? 0 : 46;
    const bw = Math.max(20, W - lw - vw);
    const bh = stack ? 8 : row - 14;
    const height = topics.length * rh + 4;
    const root = frame(W, height, label, 'mastery-bars', linked);
    topics.forEach((t, i) => {
      const y = i * rh + 2;
      const by = stack ? y + rh - bh - 6 : y + 6;
      const ty = stack ? y + 13 : y + row / 2 + 3;
      const v = t.value === null || t.value === undefined ? null : Math.max(0, Math.min(1, t.value));
      const pctText = v === null ? 'n/a' : `${Math.round(v * 100)}%`;
      const text = t.title || `${t.name}: mastery ${pctText}`;
      const g = svg(t.href ? 'a' : 'g', t.href ? { href: t.href, class: 'row-link', 'aria-label': text } : { class: 'bar-row' },
        tip(text),
        svg('rect', { x: 0, y, width: W, height: rh - 2, class: 'hit' }),
        fitted({ x: 0, y: ty, class: 'name' }, t.name, (stack ? W - 50 : lw) - 8, 7),
        svg('rect', { x: lw, y: by, width: bw, height: bh, rx: 4, class: 'track' }),
        v ? svg('rect', { x: lw, y: by, width: Math.max(2, v * bw), height: bh, rx: 4, class: 'bar' }) : null,
        svg('text', { x: W - 2, y: ty, 'text-anchor': 'end', class: 'value' }, pctText));
      root.appendChild(g);
    });
    return root;
  }, 'mastery-box');
}

/**
 * The roadmap as a layered DAG: a topic's layer is its prerequisite depth;
 * each node links to #/problems?topic=<slug> and shows solved/total with a
 * bar; edges run from a prerequisite down to the topics it unlocks.
 * TOPICS: GET /topics items; PROGRESS: GET /progress topics (or a map by slug).
 */
export function topicGraph(topics, progress) {
  const bySlug = new Map(topics.map((t) => [t.slug, t]));
  const prog = progress instanceof Map ? progress : new Map((progress || []).map((p) => [p.topic, p]));
  const depth = new Map();
  const depthOf = (slug, seen = new Set()) => {
    if (depth.has(slug)) return depth.get(slug);
    if (seen.has(slug)) return 0; // a cycle: treat as a root
    seen.add(slug);
    const pre = (bySlug.get(slug).prerequisites || []).filter((p) => bySlug.has(p));
    const d = pre.length ? 1 + Math.max(...pre.map((p) => depthOf(p, seen))) : 0;
    depth.set(slug, d);
    return d;
  };
  const layers = [];
  for (const t of topics) (layers[depthOf(t.slug)] ||= []).push(t);
  const state = (t) => {
    const p = prog.get(t.slug) || {};
    const total = p.total ?? t.problem_count ?? 0;
    const solved = p.solved || 0;
    const locked = (t.prerequisites || []).some((s) => bySlug.has(s) && !(prog.get(s) || {}).solved);
    return { solved, total, mastery: p.mastery && p.mastery.value, kind: total && solved >= total ? 'done' : solved ? 'started' : locked ? 'locked' : 'open' };
  };
  const WORDS = { done: 'all solved', started: 'in progress', locked: 'a prerequisite has nothing solved yet', open: 'ready to start' };

  return responsive((W) => {
    const gap = 12, nodeH = 60, rowGap = 36;
    const widest = Math.max(1, ...layers.map((l) => (l ? l.length : 0)));
    const perRow = Math.max(1, Math.min(widest, Math.floor((W + gap) / (125 + gap))));
    const nodeW = Math.min(200, (W - 4 - (perRow - 1) * gap) / perRow);
    const pos = new Map();
    let y = 4;
    layers.forEach((layer) => {
      if (!layer) return;
      // Order a layer by where its prerequisites sit (fewer crossings).
      const key = (t) => {
        const xs = (t.prerequisites || []).filter((p) => pos.has(p)).map((p) => pos.get(p).x);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
      };
      const sorted = layer.map((t, i) => [t, key(t), i]).sort((a, b) => a[1] - b[1] || a[2] - b[2]).map((e) => e[0]);
      for (let i = 0; i < sorted.length; i += perRow) {
        const chunk = sorted.slice(i, i + perRow);
        const span = chunk.length * nodeW + (chunk.length - 1) * gap;
        chunk.forEach((t, j) => pos.set(t.slug, { x: (W - span) / 2 + j * (nodeW + gap), y }));
        y += nodeH + rowGap;
      }
    });
    const height = y - rowGap + 4;
    const root = frame(W, height, `Roadmap of ${topics.length} topics, ordered by prerequisites`, 'topic-graph', true);
    const edges = svg('g', { class: 'edges', 'aria-hidden': 'true' });
    root.appendChild(edges);
    for (const t of topics) {
      const b = pos.get(t.slug);
      for (const p of t.prerequisites || []) {
        const a = pos.get(p);
        if (!a) continue;
        const x1 = a.x + nodeW / 2, y1 = a.y + nodeH, x2 = b.x + nodeW / 2, y2 = b.y;
        const my = (y1 + y2) / 2;
        edges.appendChild(svg('path', { d: `M${x1} ${y1} C${x1} ${my} ${x2} ${my} ${x2} ${y2 - 4}`, class: 'edge', 'data-from': p, 'data-to': t.slug }));
        edges.appendChild(svg('circle', { cx: x2, cy: y2 - 3, r: 2.5, class: 'edge-end' }));
      }
    }
    for (const t of topics) {
      const { x, y: ny } = pos.get(t.slug);
      const s = state(t);
      const share = s.total ? s.solved / s.total : 0;
      const m = s.mastery === undefined || s.mastery === null ? '' : `, mastery ${Math.round(s.mastery * 100)}%`;
      const pre = (t.prerequisites || []).map((p) => (bySlug.get(p) || {}).name || p);
      const text = `${t.name}: ${s.solved} of ${s.total} solved${m} (${WORDS[s.kind]})`;
      root.appendChild(svg('a', { href: `#/problems?topic=${encodeURIComponent(t.slug)}`, class: `node ${s.kind}`, 'aria-label': text, 'data-topic': t.slug },
        tip(`${text}${pre.length ? `. Prerequisites: ${pre.join(', ')}` : ''}${t.description ? `. ${t.description}` : ''}`),
        svg('rect', { x, y: ny, width: nodeW, height: nodeH, rx: 8, class: 'node-box' }),
        fitted({ x: x + 10, y: ny + 19, class: 'node-name' }, t.name, nodeW - 20, 7.8),
        fitted({ x: x + 10, y: ny + 36, class: 'node-sub' }, `${s.solved}/${s.total} solved${m ? ` · ${Math.round(s.mastery * 100)}%` : ''}`, nodeW - 20, 6),
        svg('rect', { x: x + 10, y: ny + nodeH - 15, width: nodeW - 20, height: 6, rx: 3, class: 'track' }),
        share ? svg('rect', { x: x + 10, y: ny + nodeH - 15, width: Math.max(3, share * (nodeW - 20)), height: 6, rx: 3, class: 'bar' }) : null));
    }
    return root;
  }, 'graph-box', 900);
}
