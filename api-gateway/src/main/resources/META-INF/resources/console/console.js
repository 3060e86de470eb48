// The Stackl Tasks console: a small static app on the gateway's own REST API, without a build step or any file from
// elsewhere. Every view has a stable URL (the part after #), so a link pasted into a chat opens the same view.
// Untrusted text (task ids, keys, values, reasons) is only ever set as text, never as HTML.
'use strict';

const KEY_STORE = 'stackl.apiKey';
const TERMINAL = new Set(['SUCCEEDED', 'ROLLED_BACK', 'ROLLBACK_FAILED', 'REJECTED']);
const STATES = ['SUBMITTED', 'WAITING_FOR_LOCKS', 'DISPATCHED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED',
  'RETRY_WAITING', 'ROLLING_BACK', 'ROLLED_BACK', 'ROLLBACK_FAILED', 'REJECTED'];

// ------------------------------------------------------------------ DOM helpers

/** An element with attributes and children; strings become text nodes (never parsed as HTML). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const main = () => document.getElementById('main');

function show(title, ...content) {
  document.title = title + ' · Stackl Tasks';
  main().replaceChildren(...content.flat(Infinity).filter((child) => child !== null && child !== undefined
    && child !== false));
}

function setLive(text) {
  document.getElementById('live').textContent = text;
}

// ------------------------------------------------------------------ links (stable URLs)

const enc = encodeURIComponent;
const taskHref = (id) => '#/tasks/' + enc(id);
const documentHref = (key) => '#/documents/' + enc(key);
const lockHref = (key) => '#/locks/' + enc(key);
const taskLink = (id) => id ? h('a', { href: taskHref(id), class: 'mono' }, id) : h('span', { class: 'muted' }, '–');
const documentLink = (key) => h('a', { href: documentHref(key), class: 'mono' }, key);
/** Who last wrote a document: a task, or the rollback of one ({@code rollback:<task id>}). */
const writerLink = (by) => by && by.startsWith('rollback:') ? ['rollback of ', taskLink(by.slice(9))] : taskLink(by);
const lockLink = (key) => h('a', { href: lockHref(key) }, 'lock');
const stateBadge = (state) => h('span', { class: 'state state-' + state }, state || '–');

// ------------------------------------------------------------------ API

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
    this.status = status;
    this.problem = problem;
  }
}

/** The credential as the gateway takes it: a JWT (three base64url parts) as a bearer token, else as an API key. */
function headers() {
  const key = sessionStorage.getItem(KEY_STORE);
  if (!key) return {};
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(key) ? { Authorization: 'Bearer ' + key } : { 'X-API-Key': key };
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { Accept: 'application/json', ...headers() } });
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = { detail: text };
  }
  if (response.status === 401) {
    askForKey();
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/**
 * Reads a Server-Sent Events stream with fetch (EventSource cannot send the API key) and hands each event's data,
 * parsed as JSON, to onEvent. Reconnects after a second when the stream ends, until the signal aborts.
 */
async function stream(path, onEvent, signal, { reconnect = true, onOpen = () => {} } = {}) {
  while (!signal.aborted) {
    try {
      const response = await fetch(path, { headers: { Accept: 'text/event-stream', ...headers() }, signal });
      if (response.status === 401) {
        askForKey();
        return;
      }
      if (!response.ok) throw new ApiError(response.status, null);
      onOpen();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          const data = block.split(/\r?\n/).filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).replace(/^ /, '')).join('\n');
          if (data) {
            try {
              onEvent(JSON.parse(data));
            } catch (e) {
              // Not JSON: not one of ours.
            }
          }
        }
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    if (!reconnect) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function askForKey() {
  if (document.getElementById('key-form')) return;
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', required: true });
  const form = h('form', {
    id: 'key-form', class: 'panel', onsubmit: (e) => {
      e.preventDefault();
      sessionStorage.setItem(KEY_STORE, input.value.trim());
      route();
    },
  },
  h('p', {}, 'The gateway asks who you are: paste an API key or a bearer token (JWT). It is kept in this browser tab'
    + ' only (session storage).'),
  h('label', { for: 'api-key' }, 'API key or token '), input, ' ', h('button', { type: 'submit' }, 'Use it'));
  show('Credentials', h('h1', {}, 'Credentials'), form);
  input.focus();
}

// ------------------------------------------------------------------ formatting

function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toISOString().replace('T', ' ').replace('Z', '');
}

function ms(value) {
  if (value === null || value === undefined) return '–';
  if (value < 1000) return Math.round(value) + ' ms';
  if (value < 60000) return (value / 1000).toFixed(value < 10000 ? 2 : 1) + ' s';
  return (value / 60000).toFixed(1) + ' min';
}

function between(a, b) {
  if (!a || !b) return null;
  return new Date(b) - new Date(a);
}

function json(value) {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

const pre = (value) => h('pre', { class: 'panel' }, value === null || value === undefined ? 'null' : json(value));

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** A line diff of two JSON values (longest common subsequence of their pretty-printed lines). */
function diff(before, after, { beforeMissing = false, afterMissing = false } = {}) {
  const a = beforeMissing ? [] : json(before).split('\n');
  const b = afterMissing ? [] : json(after).split('\n');
  const box = h('div', { class: 'diff mono', role: 'group', 'aria-label': 'before and after' });
  if (a.length * b.length > 250000) {
    a.forEach((line) => box.append(h('div', { class: 'del' }, line)));
    b.forEach((line) => box.append(h('div', { class: 'add' }, line)));
    return box;
  }
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      box.append(h('div', { class: 'same' }, a[i]));
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      box.append(h('div', { class: 'del' }, a[i++]));
    } else {
      box.append(h('div', { class: 'add' }, b[j++]));
    }
  }
  return box;
}

function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error.message || String(error));
}

// ------------------------------------------------------------------ views

let leaving = null; // aborts the streams, timers and late renders of the view being left

function onLeave() {
  const controller = new AbortController();
  leaving = controller;
  return controller.signal;
}

const views = {
  async tasks(params, signal) {
    const filters = ['state', 'topic', 'source', 'from', 'to'];
    const query = new URLSearchParams();
    filters.forEach((f) => params.get(f) && query.set(f, params.get(f)));
    const page = new URLSearchParams(query);
    if (params.get('before')) page.set('before', params.get('before'));
    page.set('limit', '50');
    const [rows, counts] = await Promise.all([api('/tasks?' + page), api('/tasks/-/counts?' + query)]);
    if (signal.aborted) return;

    const stateSelect = h('select', { id: 'f-state', name: 'state' }, h('option', { value: '' }, 'any'),
      STATES.map((s) => h('option', { value: s, selected: params.get('state') === s }, s)));
    const input = (name, label, type = 'text') => h('label', { for: 'f-' + name }, label,
      h('input', { id: 'f-' + name, name, type, value: params.get(name) || '', placeholder: type === 'text' && name
        !== 'topic' && name !== 'source' ? 'YYYY-MM-DDThh:mm:ssZ' : '' }));
    const form = h('form', {
      class: 'filters', role: 'search', onsubmit: (e) => {
        e.preventDefault();
        const next = new URLSearchParams();
        for (const [k, v] of new FormData(e.target)) if (v) next.set(k, v);
        location.hash = '#/tasks' + (String(next) ? '?' + next : '');
      },
    }, h('label', { for: 'f-state' }, 'State', stateSelect), input('topic', 'Topic'), input('source', 'Source'),
    input('from', 'Changed from'), input('to', 'Changed before'), h('button', { type: 'submit' }, 'Filter'),
    h('a', { href: '#/tasks' }, 'Clear'));

    const countList = h('ul', { class: 'counts', 'aria-label': 'Tasks per state' });
    const renderCounts = (c) => {
      const total = Object.values(c).reduce((x, y) => x + y, 0);
      countList.replaceChildren(h('li', {}, h('span', { class: 'muted' }, total + ' tasks')),
        ...Object.entries(c).map(([state, count]) => {
          const q = new URLSearchParams(query);
          q.set('state', state);
          return h('li', {}, h('a', { href: '#/tasks?' + q }, stateBadge(state), ' ', count));
        }));
    };
    renderCounts(counts);

    const body = h('tbody', {});
    const rowFor = (t) => h('tr', { 'data-task': t.taskId },
      h('td', {}, taskLink(t.taskId)), h('td', { 'data-field': 'state' }, stateBadge(t.state)),
      h('td', {}, t.topic + '/' + t.subtype), h('td', {}, t.source),
      h('td', { 'data-field': 'updated' }, time(t.updatedAt)));
    rows.forEach((t) => body.append(rowFor(t)));
    const table = h('table', { 'aria-label': 'Tasks, newest change first' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Task'), h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Topic/subtype'), h('th', { scope: 'col' }, 'Source'),
        h('th', { scope: 'col' }, 'Changed'))), body);

    const pager = h('div', { class: 'pager' });
    if (params.get('before')) pager.append(h('a', { href: '#/tasks' + (String(query) ? '?' + query : '') }, '← Newest'));
    if (rows.length === 50) {
      const older = new URLSearchParams(query);
      older.set('before', rows[rows.length - 1].updatedAt);
      pager.append(h('a', { href: '#/tasks?' + older }, 'Older →'));
    }
    show('Tasks', h('h1', {}, 'Tasks'), form, countList,
      rows.length ? table : h('p', { class: 'muted' }, 'No task matches.'), pager);

    // Live: every task's events from now on; the first page shows new tasks as they come.
    const live = !params.get('before') && !params.get('to');
    setLive(live ? 'connecting' : 'paged: not live');
    // Counts are read again at most once a second, however many events arrive.
    let countsDue = null;
    const refreshCounts = () => {
      if (countsDue) return;
      countsDue = setTimeout(() => {
        countsDue = null;
        if (!signal.aborted) api('/tasks/-/counts?' + query).then((c) => !signal.aborted && renderCounts(c))
          .catch(() => {});
      }, 1000);
    };
    signal.addEventListener('abort', () => clearTimeout(countsDue));
    const from = params.get('from') ? new Date(params.get('from')) : null;
    stream('/events' + (params.get('topic') ? '?topic=' + enc(params.get('topic')) : ''), (event) => {
      if (params.get('source') && event.source !== params.get('source')) return;
      if (from && new Date(event.occurredAt) < from) return;
      const row = body.querySelector('tr[data-task="' + CSS.escape(event.taskId) + '"]');
      const wanted = !params.get('state') || params.get('state') === event.state;
      if (row) {
        if (!wanted) {
          row.remove();
        } else {
          row.querySelector('[data-field=state]').replaceChildren(stateBadge(event.state));
          row.querySelector('[data-field=updated]').textContent = time(event.occurredAt);
          body.prepend(row);
          row.classList.remove('fresh');
          void row.offsetWidth;
          row.classList.add('fresh');
        }
      } else if (live && wanted) {
        const fresh = rowFor({ ...event, updatedAt: event.occurredAt });
        fresh.classList.add('fresh');
        body.prepend(fresh);
        if (!body.parentElement.isConnected) main().querySelector('p.muted')?.replaceWith(table);
        while (body.children.length > 50) body.lastElementChild.remove();
      }
      refreshCounts();
    }, signal, { onOpen: () => setLive(live ? 'live' : 'paged: not live') });
  },

  async task(id, signal) {
    let timelineEnded = false;
    const render = async () => {
      const [task, snapshots] = await Promise.all([api('/tasks/' + enc(id)),
        api('/tasks/' + enc(id) + '/snapshots').catch(() => [])]);
      if (signal.aborted) return true;
      const events = task.events || [];
      timelineEnded = events.length > 0 && TERMINAL.has(events[events.length - 1].state);
      const ended = TERMINAL.has(task.state);
      const cancel = !ended && task.state !== 'ACCEPTED' ? h('button', {
        class: 'danger', type: 'button', onclick: async (e) => {
          e.target.disabled = true;
          try {
            await api('/tasks/' + enc(id) + '?reason=' + enc('cancelled from the console'), { method: 'DELETE' });
            e.target.textContent = 'Cancel requested';
          } catch (error) {
            e.target.after(errorBox(error));
          }
        },
      }, 'Cancel task') : null;

      const timeline = h('table', { 'aria-label': 'Timeline' },
        h('thead', {}, h('tr', {}, ['#', 'State', 'At', 'After previous', 'Attempt', 'Reason or failure']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, events.map((e, i) => h('tr', {},
          h('td', { class: 'num' }, e.sequence), h('td', {}, stateBadge(e.state)), h('td', {}, time(e.occurredAt)),
          h('td', { class: 'num' }, i === 0 ? '–' : ms(between(events[i - 1].occurredAt, e.occurredAt))),
          h('td', { class: 'num' }, e.attempt ?? '–'),
          h('td', {}, [e.failureCode ? h('code', {}, e.failureCode) : null, e.failureCode ? ' ' : null,
            e.failureMessage || e.reason || '', e.relatedTaskId ? [' → ', taskLink(e.relatedTaskId)] : null])))));

      const attempts = (task.attempts || []).length ? h('table', { 'aria-label': 'Attempts' },
        h('thead', {}, h('tr', {}, ['Attempt', 'Token', 'Dispatched', 'Worker', 'Ran for', 'Outcome']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, task.attempts.map((a) => h('tr', {},
          h('td', { class: 'num' }, a.attempt), h('td', { class: 'num' }, a.fencingToken ?? '–'),
          h('td', {}, time(a.dispatchedAt)), h('td', { class: 'mono' }, a.worker ? a.worker.id : '–'),
          h('td', { class: 'num' }, a.worker ? ms(between(a.worker.startedAt, a.worker.finishedAt)) : '–'),
          h('td', {}, a.outcome ? stateBadge(a.outcome) : '–', a.failure ? [' ', a.failure.code || '', ' ',
            a.failure.message || ''] : null))))) : h('p', { class: 'muted' }, 'Not dispatched.');

      const locks = !Array.isArray(task.locks)
        ? h('p', { class: 'muted' }, 'Not known any more: the broker keeps a task\'s keys and waits for an hour after'
          + ' it ends.')
        : !task.locks.length ? h('p', { class: 'muted' }, 'No keys declared.')
          : h('table', { 'aria-label': 'Declared keys' },
            h('thead', {}, h('tr', {}, ['Key', 'Status', 'Waited', 'Granted', '']
              .map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', {}, task.locks.map((l) => h('tr', {},
              h('td', {}, documentLink(l.key)), h('td', {}, l.status),
              h('td', { class: 'num' }, l.waitedMs !== null && l.waitedMs !== undefined ? ms(l.waitedMs)
                : l.waitingSince ? 'waiting ' + ms(Date.now() - new Date(l.waitingSince)) : '–'),
              h('td', {}, time(l.grantedAt)), h('td', {}, lockLink(l.key))))));

      const writes = snapshots.length ? snapshots.map((s) => s.kind === 'DOCUMENT'
        ? h('section', { class: 'write', 'aria-label': 'Write ' + s.seq },
          h('h3', {}, '#' + s.seq + ' ', documentLink(s.documentKey), ' ',
            h('span', { class: 'muted' }, 'v' + (s.preVersion ?? '(new)') + ' → '
              + (s.postDeleted === true ? 'deleted' : s.postVersion ? 'v' + s.postVersion : '?')), ' ',
            s.restoredAt ? h('span', { class: 'badge restored' }, 'restored ' + time(s.restoredAt)
              + (s.restoredVersion ? ' as v' + s.restoredVersion : '')) : null),
          s.postDeleted === null || s.postDeleted === undefined
            ? [h('p', { class: 'muted' }, 'Before (the after was not recorded by this version):'), pre(s.preValue)]
            : diff(s.preValue, s.postValue, { beforeMissing: s.preVersion === null, afterMissing: s.postDeleted }))
        : h('section', { class: 'write', 'aria-label': 'Undo record ' + s.seq },
          h('h3', {}, '#' + s.seq + ' undo record for ' + s.handlerTopic + '/' + s.handlerSubtype, ' ',
            s.restoredAt ? h('span', { class: 'badge restored' }, 'compensated ' + time(s.restoredAt)) : null),
          pre(s.undo)))
        : [h('p', { class: 'muted' }, 'No writes.')];

      const rb = task.rollback;
      const rollback = rb ? facts([['Cause', rb.cause], ['Status', stateBadge(rb.status)],
        ['Documents restored', rb.restoredDocuments], ['Compensations run', rb.externalActions],
        rb.failureCode ? ['Failure', rb.failureCode + ': ' + (rb.failureMessage || '')] : null,
        ['Started', time(rb.startedAt)], ['Finished', time(rb.finishedAt)],
        ['Took', ms(between(rb.startedAt, rb.finishedAt))]]) : h('p', { class: 'muted' }, 'No rollback.');

      const first = events[0];
      show('Task ' + id, h('h1', {}, 'Task ', h('span', { class: 'mono' }, id)),
        h('div', { class: 'cols' }, facts([
          ['State', stateBadge(task.state)], ['Topic/subtype', (task.topic || '–') + '/' + (task.subtype || '–')],
          ['Source', task.source || '–'], ['Accepted', time(task.acceptedAt || (first && first.occurredAt))],
          ['Dispatched', time(task.dispatchedAt)],
          ['Waited for locks', ms(between(task.acceptedAt, task.dispatchedAt))],
          task.deadline ? ['Deadline', time(task.deadline) + ' (' + (task.deadlinePhase || '') + ')'] : null,
          task.reason ? ['Reason', task.reason] : null,
          task.relatedTaskId ? ['Related task', taskLink(task.relatedTaskId)] : null,
        ]), h('div', {}, cancel)),
        h('h2', {}, 'Timeline'), timeline,
        h('h2', {}, 'Attempts'), attempts,
        h('h2', {}, 'Declared keys'), locks,
        h('div', { class: 'cols' },
          h('div', {}, h('h2', {}, 'Arguments'), task.arguments !== undefined && task.arguments !== null
            ? pre(task.arguments) : h('p', { class: 'muted' }, 'Not shown: the broker keeps them until about an hour'
              + ' after the task ends (the history never stores them), and only a key that may submit this topic'
              + ' reads them.')),
          h('div', {}, h('h2', {}, 'Output'), task.failure ? pre(task.failure) : pre(task.output ?? null))),
        h('h2', {}, 'Writes (before → after)'), ...writes,
        h('h2', {}, 'Rollback'), rollback);
      return ended;
    };
    // The broker can know the end before the history service has recorded every event of it: once the task has
    // ended, read the timeline again until it ends too (for at most ten seconds).
    let settling = null;
    const settle = () => {
      if (settling || timelineEnded || signal.aborted) return;
      let tries = 0;
      settling = setInterval(async () => {
        if (++tries > 20 || timelineEnded) return clearInterval(settling);
        await render().catch(() => {});
      }, 500);
      signal.addEventListener('abort', () => clearInterval(settling));
    };
    const ended = await render();
    if (signal.aborted) return;
    setLive(ended ? 'ended' : 'following live');
    if (ended) {
      settle();
    } else {
      let due = null;
      signal.addEventListener('abort', () => clearTimeout(due));
      stream('/tasks/' + enc(id) + '/events', (event) => {
        clearTimeout(due);
        due = setTimeout(() => render().then((done) => {
          setLive(done ? 'ended' : 'following live');
          if (done) settle();
        }).catch(() => {}), 150);
      }, signal, { reconnect: false });
    }
  },

  async documents(params, signal) {
    const prefix = params.get('prefix') || '';
    const query = new URLSearchParams({ limit: '100' });
    if (prefix) query.set('prefix', prefix);
    if (params.get('after')) query.set('after', params.get('after'));
    const rows = await api('/documents?' + query);
    if (signal.aborted) return;
    const input = h('input', { id: 'prefix', name: 'prefix', value: prefix });
    const form = h('form', {
      class: 'filters', role: 'search', onsubmit: (e) => {
        e.preventDefault();
        location.hash = '#/documents' + (input.value ? '?prefix=' + enc(input.value) : '');
      },
    }, h('label', { for: 'prefix' }, 'Key prefix', input), h('button', { type: 'submit' }, 'Browse'));
    const table = h('table', { 'aria-label': 'Documents' },
      h('thead', {}, h('tr', {}, ['Key', 'Version', 'Updated', 'Written by'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((d) => h('tr', {}, h('td', {}, documentLink(d.key)),
        h('td', { class: 'num' }, d.version), h('td', {}, time(d.updatedAt)), h('td', {}, writerLink(d.updatedBy))))));
    const pager = h('div', { class: 'pager' });
    if (rows.length === 100) {
      const next = new URLSearchParams(prefix ? { prefix } : {});
      next.set('after', rows[rows.length - 1].key);
      pager.append(h('a', { href: '#/documents?' + next }, 'Next →'));
    }
    setLive('');
    show('Documents', h('h1', {}, 'Documents'), form, rows.length ? table : h('p', { class: 'muted' },
      'No document.'), pager);
  },

  async document(key, signal) {
    const [document, history] = await Promise.all([
      api('/documents/' + key.split('/').map(enc).join('/')).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
      api('/documents/-/snapshots?key=' + enc(key) + '&limit=100')]);
    if (signal.aborted) return;
    const versions = history.map((s) => h('section', { class: 'write', 'aria-label': 'Write by ' + s.taskId },
      h('h3', {}, time(s.takenAt), ' ', taskLink(s.taskId), ' ', h('span', { class: 'muted' },
        'v' + (s.preVersion ?? '(new)') + ' → ' + (s.postDeleted === true ? 'deleted' : s.postVersion
          ? 'v' + s.postVersion : '?')), ' ', s.restoredAt ? h('span', { class: 'badge restored' },
        'rolled back ' + time(s.restoredAt) + (s.restoredVersion ? ' as v' + s.restoredVersion : '')) : null),
      s.postDeleted === null || s.postDeleted === undefined ? pre(s.preValue)
        : diff(s.preValue, s.postValue, { beforeMissing: s.preVersion === null, afterMissing: s.postDeleted })));
    setLive('');
    show('Document ' + key, h('h1', {}, h('span', { class: 'mono' }, key)),
      document ? facts([['Version', document.version], ['Updated', time(document.updatedAt)],
        ['Written by', writerLink(document.updatedBy)], ['Lock', lockLink(key)]])
        : h('p', { class: 'muted' }, 'No such document now (never written, or deleted).'),
      document ? [h('h2', {}, 'Value'), pre(document.value)] : null,
      h('h2', {}, 'History (newest first)'), versions.length ? versions : h('p', { class: 'muted' }, 'No writes.'));
  },

  async locks(signal) {
    const render = async () => {
      const rows = await api('/locks?limit=100');
      if (signal.aborted) return;
      const table = h('table', { 'aria-label': 'Held keys, longest waits first' },
        h('thead', {}, h('tr', {}, ['Key', 'Holder', 'Held for', 'Waiting', 'Longest wait']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map((l) => h('tr', {}, h('td', {}, h('a', { href: lockHref(l.key), class: 'mono' }, l.key)),
          h('td', {}, l.holder ? taskLink(l.holder.taskId) : '–'),
          h('td', { class: 'num' }, l.holder ? ms(l.holder.heldMs) : '–'),
          h('td', { class: 'num' }, l.waiters.length),
          h('td', { class: 'num' }, l.waiters.length ? ms(Math.max(...l.waiters.map((w) => w.waitingMs || 0))) : '–')))));
      show('Locks', h('h1', {}, 'Locks'), h('p', { class: 'muted' }, 'Keys held now, those whose first waiter has'
        + ' waited longest first. Refreshed every 2 s.'), rows.length ? table : h('p', { class: 'muted' },
        'No key is held.'));
    };
    await render();
    if (signal.aborted) return;
    setLive('refreshing');
    poll(render, signal);
  },

  async lock(key, signal) {
    const render = async () => {
      const lock = await api('/locks/' + key.split('/').map(enc).join('/'));
      if (signal.aborted) return;
      const queue = h('table', { 'aria-label': 'Queue' },
        h('thead', {}, h('tr', {}, ['Position', 'Task', 'Since', 'Waiting for'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, lock.waiters.map((w) => h('tr', {}, h('td', { class: 'num' }, w.position),
          h('td', {}, taskLink(w.taskId)), h('td', {}, time(w.since)), h('td', { class: 'num' }, ms(w.waitingMs))))));
      show('Lock ' + key, h('h1', {}, 'Lock on ', h('span', { class: 'mono' }, key)),
        facts([['Document', documentLink(key)],
          ['Holder', lock.holder ? taskLink(lock.holder.taskId) : 'nobody (free)'],
          ['Held since', lock.holder ? time(lock.holder.since) : '–'],
          ['Held for', lock.holder ? ms(lock.holder.heldMs) : '–'], ['Answered by', lock.servedBy]]),
        h('h2', {}, 'Queue (' + lock.waiters.length + ' waiting)'),
        lock.waiters.length ? queue : h('p', { class: 'muted' }, 'Nobody waits.'));
    };
    await render();
    setLive('refreshing');
    poll(render, signal);
  },

  async deadLetters(signal) {
    const render = async () => {
      const rows = await api('/dead-letters?limit=100');
      if (signal.aborted) return;
      const table = h('table', { 'aria-label': 'Dead letters, newest first' },
        h('thead', {}, h('tr', {}, ['At', 'From', 'Refused by', 'Why', 'Key', 'Value (start)']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map((d) => h('tr', {}, h('td', {}, time(d.timestamp)),
          h('td', { class: 'mono' }, (d.sourceTopic || '?') + '[' + (d.sourcePartition ?? '?') + ']@'
            + (d.sourceOffset ?? '?')),
          h('td', {}, d.failedBy || '–'),
          h('td', {}, d.errorClass ? h('code', {}, d.errorClass.replace(/^.*\./, '')) : null, ' ',
            d.errorMessage || ''),
          h('td', { class: 'mono' }, d.key ?? '–'),
          h('td', {}, d.valuePreview === null || d.valuePreview === undefined ? null
            : h('pre', {}, d.valuePreview + (d.valueBytes > 512 ? ' …' : '')),
          h('span', { class: 'muted' }, d.valueBytes + ' bytes, ' + (d.valueEncoding === 'withheld'
            ? 'withheld: your key may not read every topic' : d.valueEncoding)))))));
      show('Dead letters', h('h1', {}, 'Dead letters'), h('p', { class: 'muted' }, 'The newest records on'
        + ' task-dead-letters. Reading them here takes nothing away from whoever processes them. Refreshed every'
        + ' 5 s.'), rows.length ? table : h('p', { class: 'muted' }, 'None.'));
    };
    await render();
    if (signal.aborted) return;
    setLive('refreshing');
    // Dead letters are not streamed: read them again while the view is open.
    poll(render, signal, 5000);
  },
};

function poll(render, signal, everyMs = 2000) {
  if (signal.aborted) return;
  const timer = setInterval(() => {
    if (!document.hidden && !signal.aborted) render().catch((e) => setLive(e.message));
  }, everyMs);
  signal.addEventListener('abort', () => clearInterval(timer));
}

// ------------------------------------------------------------------ router

async function route() {
  if (leaving) leaving.abort();
  const signal = onLeave();
  const hash = location.hash.replace(/^#/, '') || '/tasks';
  const [path, queryString] = hash.split('?');
  const params = new URLSearchParams(queryString || '');
  let parts;
  try {
    parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch (e) {
    show('Not found', h('h1', {}, 'Not found'), h('p', {}, 'This address is not a valid view: ', hash));
    return;
  }
  const section = parts[0] || 'tasks';
  for (const link of document.querySelectorAll('.top nav a')) {
    link.toggleAttribute('aria-current', link.dataset.section === section);
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
  }
  try {
    if (section === 'tasks' && parts.length > 1) await views.task(parts.slice(1).join('/'), signal);
    else if (section === 'tasks') await views.tasks(params, signal);
    else if (section === 'documents' && parts.length > 1) await views.document(parts.slice(1).join('/'), signal);
    else if (section === 'documents') await views.documents(params, signal);
    else if (section === 'locks' && parts.length > 1) await views.lock(parts.slice(1).join('/'), signal);
    else if (section === 'locks') await views.locks(signal);
    else if (section === 'dead-letters') await views.deadLetters(signal);
    else show('Not found', h('h1', {}, 'Not found'), h('p', {}, 'No such view: ', hash));
  } catch (error) {
    if (signal.aborted || (error instanceof ApiError && error.status === 401)) return;
    show('Error', h('h1', {}, 'Could not load this view'), errorBox(error));
  }
}

// The skip link moves the focus to the content without changing the view (the address's # part is the view).
document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault();
  main().focus();
});

window.addEventListener('hashchange', () => {
  route().then(() => main().focus({ preventScroll: true }));
});
route();
