// interview.js: #/interviews/:id, the room. Scheduled: Start. Active: the
// questions, a countdown from the server's remaining time, the transcript,
// hints, the answer (a draft in sessionStorage), Submit / Abandon. Completed:
// the feedback and its effects. Live events for this session refresh it.

import { get, post } from '../lib/api.js';
import { badge, card, empty, field, fmtDateTime, h, select, toast } from '../lib/ui.js';
import { catalog, difficultyBadge } from './problems.js';
import { TYPE_NAME, clock, score, stateBadge, words } from './interviews.js';

const KIND = { hint: 'Hint', question: 'Question', follow_up: 'Follow-up' };
const OUTCOME = { solved: 'Solved', solved_with_help: 'Solved with help', failed: 'Failed' };
const CONFIDENCE = [['', 'Not rated'], ...['guessed', 'shaky', 'okay', 'solid', 'nailed it'].map((t, i) => [i + 1, `${i + 1} · ${t}`])];
const ANSWER = {
  coding: ['Your code', 'Code, with notes on approach, complexity and tests'],
  system_design: ['Your design', 'Requirements, API, data model, components, scaling, trade-offs'],
  behavioral: ['Your answers', 'Situation, task, action, result'],
};
const enc = encodeURIComponent;
const ext = (url, text) => h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text, h('span', { 'aria-hidden': 'true' }, ' ↗'));
const meter = (v, max) => {
  const fill = h('span', { class: v / max < 0.5 ? 'low' : v / max < 0.75 ? 'mid' : 'high' });
  fill.style.width = `${Math.round((100 * v) / max)}%`;
  return h('div.meter', { 'aria-hidden': 'true' }, fill);
};
const bullets = (items, none) => (items && items.length ? h('ul.iv-bullets', items.map((x) => h('li', x))) : h('p.muted', none));

/** The countdown: the deadline comes from the server's remaining (or overtime) seconds. */
function countdown() {
  const el = h('span#iv-timer.iv-timer', { role: 'timer' });
  let deadline = 0;
  let seen = false;
  let wasLeft = false;
  const tick = () => {
    if (el.isConnected) seen = true;
    else if (seen) return clearInterval(timer);
    const left = (deadline - Date.now()) / 1000;
    const over = left <= 0;
    el.textContent = over ? `+${clock(-left)} over` : `${clock(Math.ceil(left))} left`;
    el.classList.toggle('over', over);
    el.classList.toggle('low', !over && left <= 300);
    if (over && wasLeft) toast('Time is up: wrap up and submit your answer.');
    wasLeft = !over;
  };
  const timer = setInterval(tick, 1000);
  return {
    node: el,
    sync(s) {
      deadline = Date.now() + (s.remaining_seconds > 0 ? s.remaining_seconds : -s.overtime_seconds) * 1000;
      tick();
    },
  };
}

/** The transcript: new messages are appended (role="log" reads them out), older ones stay. */
function transcript(follow = true) {
  const list = h('ol#iv-transcript.iv-transcript', { role: 'log', 'aria-label': 'Transcript', tabindex: 0 });
  let shown = [];
  const key = (m) => `${m.role}\n${m.kind}\n${m.content}`;
  return {
    node: list,
    set(items) {
      if (shown.length > items.length || shown.some((m, i) => key(m) !== key(items[i]))) {
        list.replaceChildren();
        shown = [];
      }
      for (const m of items.slice(shown.length)) {
        const me = m.role === 'candidate';
        list.appendChild(h('li.iv-msg', { class: `${me ? 'candidate' : 'interviewer'} kind-${m.kind}` },
          h('div.iv-who', h('strong', me ? 'You' : 'Interviewer'), KIND[m.kind] ? ` · ${KIND[m.kind]}` : '',
            m.at ? h('time', { datetime: m.at }, ` · ${new Date(m.at).toLocaleTimeString(undefined, { timeStyle: 'short' })}`) : null),
          h('div.iv-text', m.content)));
      }
      shown = items.slice();
      if (!list.children.length) list.appendChild(h('li.muted', 'No messages yet.'));
      // The newest message in view (once the list is on the page).
      if (follow) requestAnimationFrame(() => (list.scrollTop = list.scrollHeight));
    },
  };
}

function questions(s, done) {
  const qs = s.questions;
  if (s.type === 'coding')
    return card(qs.length > 1 ? 'Problems' : 'Problem', h('ol.iv-questions', qs.map((q) => h('li',
      h('div.title-line', q.url ? ext(q.url, q.title) : q.title, s.blind ? null : difficultyBadge(q.difficulty),
        done ? h('a.small', { href: `#/problems/${enc(q.slug)}${s.blind ? '?blind=1' : ''}` }, 'Problem page') : null),
      (done || !s.blind) && q.why ? h('p.hint', `Picked because: ${q.why}`) : null))));
  if (s.type === 'system_design')
    return card('Design question', qs.map((q) => h('div.iv-design', h('h3', q.title),
      q.category ? h('span.tag', words(q.category)) : null, q.summary ? h('p', q.summary) : null)));
  return card(qs.length > 1 ? 'Questions' : 'Question', h('ol.iv-questions', qs.map((q) => h('li',
    h('p', q.question), q.competency ? h('span.tag', words(q.competency)) : null,
    done && q.follow_ups && q.follow_ups.length ? h('div.hint', 'Follow-ups: ', q.follow_ups.join(' · ')) : null))));
}

function header(s, cat, timerNode) {
  return h('div.page-head',
    h('div', h('h1', `${TYPE_NAME[s.type] || s.type} interview`),
      h('p.sub.tags', stateBadge(s.state), s.company ? h('span', cat.companyName[s.company] || s.company) : null,
        s.level ? h('span', words(s.level)) : null, s.blind ? badge('Blind', 'iv-blind') : difficultyBadge(s.difficulty),
        s.topic ? h('span.tag', cat.topicName[s.topic] || words(s.topic)) : null, h('span.muted', `${s.duration_minutes} min`))),
    h('div.actions', timerNode, h('a.button.ghost', { href: '#/interviews' }, '← All interviews')));
}

function feedback(s, effects, cat) {
  const sc = s.scores || {};
  const stat = (label, value, detail) => h('div.stat', h('div.label', label), h('div.value', value), detail ? h('div.detail', detail) : null);
  const conf = s.self_scores && s.self_scores.confidence;
  const title = h('h2#iv-feedback-title', { tabindex: -1 }, 'Feedback');
  const byslug = Object.fromEntries(s.questions.map((q) => [q.slug, q.title]));
  const attempts = effects && effects.attempts;
  const changed = [];
  if (s.type === 'coding')
    changed.push(h('h3', 'Attempts logged'), attempts
      ? attempts.length ? h('ul.list#iv-attempts', attempts.map((a) => h('li', { dataset: { slug: a.problem } },
        h('a', { href: `#/problems/${enc(a.problem)}` }, byslug[a.problem] || a.problem),
        h('span.tags', badge(OUTCOME[a.outcome] || a.outcome, a.outcome === 'solved_with_help' ? 'solved-with-help' : a.outcome),
          a.minutes != null ? h('span.muted', `${a.minutes} min`) : null)))) : h('p.muted', 'No attempt could be logged.')
      : h('p', 'Each problem was logged as an attempt (see its problem page).'));
  if (effects && effects.weak_topics)
    changed.push(h('h3', 'Weak topics now'), effects.weak_topics.length
      ? h('div.tags#iv-weak', effects.weak_topics.map((t) => h('a.tag', { href: `#/problems?topic=${enc(t)}` }, cat.topicName[t] || t)))
      : h('p.muted', 'None: keep it up.'));
  changed.push(h('p.hint', 'The feedback is saved as a memory the ', h('a', { href: '#/coach' }, 'coach'), ' uses.'));
  const checklist = s.type === 'system_design' && s.questions[0] && s.questions[0].checklist;
  return [
    h('section.card#iv-feedback', { 'aria-labelledby': 'iv-feedback-title' }, title,
      h('div.stats',
        h('div.stat.iv-overall', h('div.label', 'Overall'), h('div.value#iv-overall', score(sc.overall)), typeof sc.overall === 'number' ? meter(sc.overall, 4) : null),
        stat('Time', clock(s.elapsed_seconds), s.overtime_seconds > 0 ? `+${clock(s.overtime_seconds)} over ${s.duration_minutes} min` : `of ${s.duration_minutes} min`),
        stat('Hints', String(s.hints), s.hints ? 'each one lowered the grade' : 'none taken'),
        stat('Confidence', conf ? `${conf}/5` : '—', 'your own rating')),
      sc.rubric ? h('div.table-wrap', h('table#iv-rubric',
        h('thead', h('tr', h('th', { scope: 'col' }, 'Criterion'), h('th', { scope: 'col' }, 'Score'))),
        h('tbody', sc.rubric.map((r) => h('tr', { dataset: { key: r.key } },
          h('td', h('strong', r.name), h('div.iv-why', r.reason)), h('td.iv-score', h('span', `${r.score}/4`), meter(r.score, 4))))))) : null,
      h('div.grid.iv-lists',
        h('div', h('h3', 'Strengths'), bullets(sc.strengths || (s.feedback || {}).strengths, 'None stood out this time.')),
        h('div', h('h3', 'To improve'), bullets(sc.improvements || (s.feedback || {}).improvements, 'Nothing flagged.'))),
      sc.grader === 'deterministic' ? h('p.hint', 'The built-in grader scores what the session shows; it does not run code.') : null),
    checklist ? card('What a strong design covers', h('ul.iv-bullets#iv-checklist', checklist.map((c) => h('li', c)))) : null,
    card('What it changed', changed),
  ];
}

export default {
  title: 'Mock interview',
  async render(ctx) {
    const id = ctx.params.id;
    let s, cat;
    try {
      [cat, s] = await Promise.all([catalog(), get(`/interviews/${enc(id)}`)]);
    } catch (e) {
      if (e.status !== 404) throw e;
      this.title = 'Interview not found';
      return h('section.card', h('h1', 'Interview not found'), empty('There is no such mock interview.', h('a.button', { href: '#/interviews' }, 'All interviews')));
    }
    const draftKey = `maang.interview.draft.${id}`;
    const effectsKey = `maang.interview.effects.${id}`;
    const root = h('div.interview-page.page-b');
    let painted = null; // the state on screen
    let live = null; // the active room's update(s)
    let busy = 0; // calls in flight: a reload meanwhile may be older than they are

    const act = async (button, path, body, done) => {
      button.disabled = true;
      busy++;
      try {
        const r = await post(`/interviews/${enc(id)}${path}`, body);
        await done(r);
      } catch (e) {
        toast(e, 'error');
        if (e.status === 409) reload();
      } finally {
        busy--;
        button.disabled = false;
      }
    };
    const abandonButton = () => h('button#iv-abandon.ghost.danger-text', { type: 'button', onclick: (ev) => {
      if (!window.confirm('Abandon this interview? It ends now and is not graded.')) return;
      act(ev.currentTarget, '/abandon', undefined, (r) => {
        toast('Interview abandoned');
        paint(r);
      });
    } }, s.state === 'scheduled' ? 'Cancel' : 'Abandon');

    function activeRoom() {
      const timer = countdown();
      const tv = transcript();
      const message = h('textarea#iv-message', { rows: 3, maxlength: 8000, placeholder: 'Clarify, think aloud, explain your approach' });
      const send = h('button', { type: 'submit' }, 'Send');
      const hints = h('span#iv-hints', '0');
      const hint = h('button#iv-hint.ghost', { type: 'button', 'aria-describedby': 'iv-hint-note' }, 'Take a hint');
      const [label, placeholder] = ANSWER[s.type] || ANSWER.coding;
      const code = s.type === 'coding';
      const answer = h('textarea#iv-answer', { rows: code ? 16 : 12, maxlength: 65536, placeholder, class: code ? 'mono iv-code' : null,
        spellcheck: code ? 'false' : null, autocapitalize: code ? 'off' : null, wrap: code ? 'off' : null, value: sessionStorage.getItem(draftKey) || '' });
      answer.addEventListener('input', () => (answer.value ? sessionStorage.setItem(draftKey, answer.value) : sessionStorage.removeItem(draftKey)));
      const confidence = select(CONFIDENCE, '', { id: 'iv-confidence' });
      const submit = h('button#iv-submit', { type: 'button' }, 'Submit answer');

      async function say(ev) {
        ev.preventDefault();
        const content = message.value.trim();
        if (!content) return message.focus();
        await act(send, '/messages', { content }, (r) => {
          message.value = '';
          talk({ ...s, transcript: [...s.transcript, { role: 'candidate', kind: 'message', content }, r.reply] });
          reload();
        });
      }
      message.addEventListener('keydown', (ev) => ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && say(ev));
      hint.addEventListener('click', () => act(hint, '/hint', undefined, (r) => {
        talk({ ...s, hints: r.hints, transcript: [...s.transcript, { role: 'interviewer', kind: 'hint', content: r.hint }] });
        reload();
      }));
      submit.addEventListener('click', () => {
        const empty = !answer.value.trim();
        if (!window.confirm(`${empty ? 'Your answer is empty. ' : ''}Submit${empty ? ' anyway' : ' your answer'}? The interview ends and is graded.`)) return;
        const body = { answer: answer.value };
        if (confidence.value) body.self_scores = { confidence: Number(confidence.value) };
        act(submit, '/submit', body, (r) => {
          if (r.effects) sessionStorage.setItem(effectsKey, JSON.stringify(r.effects));
          toast(`Submitted: ${score(r.scores && r.scores.overall)} overall`);
          paint(r);
          window.scrollTo(0, 0);
          root.querySelector('#iv-feedback-title')?.focus({ preventScroll: true });
        });
      });

      // The transcript and hints as known (after a call); the clock only from a fetched session.
      function talk(x) {
        s = x;
        tv.set(x.transcript || []);
        hints.textContent = String(x.hints);
      }
      live = (x) => {
        talk(x);
        timer.sync(x);
      };
      const node = [
        header(s, cat, timer.node),
        h('div.iv-room',
          h('div.iv-q', questions(s, false)),
          h('section.card.iv-chat', h('h2', 'Interviewer'), tv.node,
            h('form#iv-chat', { onsubmit: say }, field('Message', message, 'Ctrl+Enter sends.'),
              h('div.actions', send, hint)),
            h('p#iv-hint-note.hint', 'Hints taken: ', hints, '. Each hint lowers the grade.')),
          h('section.card.iv-answer', h('h2', 'Answer'),
            field(label, answer, 'Kept as a draft in this tab until you submit.'),
            h('div.row', field('Confidence', confidence, 'How sure are you of your answer?')),
            h('div.actions', submit, abandonButton()))),
      ];
      live(s);
      return node;
    }

    function paint(x) {
      s = x;
      painted = s.state;
      live = null;
      let body;
      if (s.state === 'active') body = activeRoom();
      else if (s.state === 'scheduled')
        body = [header(s, cat), card('Scheduled',
          h('p', `Starts ${fmtDateTime(s.scheduled_at)}. The questions are revealed and the clock runs once you start.`),
          h('div.actions', h('button#iv-start', { type: 'button', onclick: (ev) => act(ev.currentTarget, '/start', undefined, (r) => {
            toast('The interview has started');
            paint(r);
          }) }, 'Start now'), abandonButton()))];
      else {
        sessionStorage.removeItem(draftKey);
        let effects = null;
        try {
          effects = JSON.parse(sessionStorage.getItem(effectsKey) || 'null');
        } catch {
          /* none */
        }
        const tv = transcript(false);
        tv.set(s.transcript || []);
        body = [header(s, cat),
          s.state === 'completed' ? feedback(s, effects, cat)
            : h('section.card#iv-abandoned', h('h2', 'Abandoned'), h('p', `This interview was abandoned ${fmtDateTime(s.ended_at)}${s.started_at ? ` after ${clock(s.elapsed_seconds)}` : ''}. It was not graded.`),
              h('a.button', { href: '#/interviews' }, 'Start another')),
          h('div.grid.iv-after', questions(s, s.state === 'completed'), s.answer ? card('Your answer', h('pre.iv-answer-text', { class: s.type === 'coding' ? 'mono' : 'prose' }, s.answer)) : null),
          s.transcript && s.transcript.length ? card('Transcript', tv.node) : null];
      }
      root.replaceChildren(...[body].flat(2).filter(Boolean));
    }

    let pending = null;
    function reload() {
      pending ??= (async () => {
        await new Promise((r) => setTimeout(r, 150));
        pending = null;
        try {
          const x = await get(`/interviews/${enc(id)}`);
          if (!root.isConnected || busy) return; // gone, or a newer answer is coming
          if (x.state !== painted) paint(x);
          else if (live) live(x);
        } catch (e) {
          if (!e.status || e.status >= 500) console.error(e);
        }
      })();
      return pending;
    }
    ctx.onLive((type, data) => {
      if (type.startsWith('interview.') && data && (data.id === id || data.interview_id === id)) reload();
    });

    this.title = `${TYPE_NAME[s.type] || 'Mock'} interview`;
    paint(s);
    return root;
  },
};
