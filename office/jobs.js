// The job list: every open work order in the API's order (priority tier, then SLA due time), with the time left to
// its SLA in words, the work orders flagged for attention and why, and filters. Status, priority, customer and
// engineer are the API's own query parameters; source and "flagged only" are applied here, to what it answered.
// Live: a change to a work order re-reads that one and moves, adds or removes its row alone.

import {
  fill,
  finishedStatuses,
  formatTime,
  h,
  measure,
  plural,
  priorityBadge,
  priorityLabels,
  readable,
  slaState,
  slaWords,
  sourceLabels,
  statusBadge,
  statusLabels,
  waitingLabels,
  workOrderLink,
} from './ui.js';

/** The filters the API takes (`GET /v1/work-orders`), and those applied to its answer here. */
const apiFilters = ['status', 'priority', 'customerId', 'engineerId'];
const pageFilters = ['source', 'flagged'];
/** Enough for a busy day many times over; past it the list says it stopped. */
const maxJobs = 5_000;

export async function show(main, ctx) {
  const filters = Object.fromEntries(
    [...apiFilters, ...pageFilters].map((name) => [name, ctx.query.get(name) ?? '']).filter(([, value]) => value),
  );
  const started = performance.now();
  const [engineers, customers, sites] = await Promise.all([
    ctx.reference('engineers').catch(() => []),
    ctx.reference('customers').catch(() => []),
    ctx.reference('sites').catch(() => []),
  ]);
  const names = {
    engineer: new Map(engineers.map((e) => [e.engineerId, e.name])),
    customer: new Map(customers.map((c) => [c.customerId, c.name])),
    site: new Map(sites.map((s) => [s.siteId, s])),
  };

  /** The work orders shown, in order, and their rows by id. */
  const jobs = [];
  const rows = new Map();
  const body = h('tbody');
  const count = h('p', { class: 'muted', id: 'jobs-count' });
  const attention = h('section', { class: 'attention', 'aria-labelledby': 'attention-title', hidden: true });
  const table = h(
    'table',
    { 'aria-describedby': 'jobs-count' },
    h('caption', { class: 'visually-hidden', text: 'Jobs, most urgent first' }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Job', 'Priority', 'Status', 'SLA', 'Customer', 'Site', 'Engineer', 'Source', 'Description'].map((name) =>
          h('th', { scope: 'col', text: name }),
        ),
      ),
    ),
    body,
  );
  fill(
    main,
    h('h1', { text: 'Jobs' }),
    filterForm(filters, { engineers, customers }, (next) => {
      const query = new URLSearchParams(next).toString();
      ctx.navigate(`#/jobs${query ? `?${query}` : ''}`);
    }),
    attention,
    count,
    h('div', { class: 'table-wrap' }, table),
  );

  const matches = (wo) =>
    (filters.status ? wo.status === filters.status : !finishedStatuses.includes(wo.status)) &&
    (!filters.priority || wo.priority === filters.priority) &&
    (!filters.customerId || wo.customerId === filters.customerId) &&
    (!filters.engineerId || wo.engineerId === filters.engineerId) &&
    (!filters.source || wo.source === filters.source) &&
    (!filters.flagged || Boolean(wo.attention));

  function row(wo) {
    const site = wo.siteId ? names.site.get(wo.siteId) : undefined;
    const place = wo.site?.postcode ?? site?.postcode;
    const siteName = site?.name ?? site?.address ?? wo.site?.address;
    const tr = h(
      'tr',
      { 'data-id': wo.id, class: wo.attention ? 'flagged' : undefined },
      h(
        'td',
        {},
        workOrderLink(wo.id, wo.ref),
        wo.attention ? h('span', { class: 'visually-hidden', text: ' (flagged)' }) : undefined,
      ),
      h('td', {}, priorityBadge(wo.priority)),
      h(
        'td',
        {},
        statusBadge(wo.status),
        wo.waitingFor ? h('div', { class: 'muted', text: `Waiting for ${waitingLabels[wo.waitingFor]}` }) : undefined,
      ),
      slaCell(wo),
      h('td', { text: wo.customerId ? (names.customer.get(wo.customerId) ?? readable(wo.customerId)) : 'Unknown' }),
      h('td', { text: [siteName, place].filter(Boolean).join(', ') }),
      h('td', { text: wo.engineerId ? (names.engineer.get(wo.engineerId) ?? readable(wo.engineerId)) : '' }),
      h('td', { text: sourceLabels[wo.source] ?? wo.source ?? '' }),
      h('td', { class: 'description', text: shorten(wo.description, 140) }),
    );
    return tr;
  }

  function slaCell(wo) {
    const finished = ['completed', ...finishedStatuses].includes(wo.status);
    if (finished) return h('td', { class: 'sla', 'data-sla': '', text: '' });
    return h('td', {
      class: `sla sla-${slaState(wo.slaDueAt)}`,
      'data-sla': wo.slaDueAt,
      title: `Due ${formatTime(wo.slaDueAt)}`,
      text: slaWords(wo.slaDueAt),
    });
  }

  function renderAttention() {
    const flagged = jobs.filter((wo) => wo.attention);
    attention.hidden = flagged.length === 0;
    fill(
      attention,
      h('h2', { id: 'attention-title', text: `Needs attention (${flagged.length})` }),
      h(
        'ul',
        {},
        ...flagged.map((wo) =>
          h(
            'li',
            { 'data-id': wo.id },
            workOrderLink(wo.id, wo.ref),
            `: ${wo.attention.reason}`,
            h('span', { class: 'muted', text: ` (since ${formatTime(wo.attention.at)})` }),
          ),
        ),
      ),
    );
  }

  function renderCount(loading) {
    const flagged = jobs.filter((wo) => wo.attention).length;
    count.textContent = `${plural(jobs.length, 'job')}${flagged ? `, ${flagged} flagged for attention` : ''}${
      loading ? ' (loading more…)' : ''
    }.`;
  }

  function append(items) {
    const fragment = document.createDocumentFragment();
    for (const wo of items) {
      if (!matches(wo) || rows.has(wo.id)) continue;
      const tr = row(wo);
      jobs.push(wo);
      rows.set(wo.id, tr);
      fragment.append(tr);
    }
    body.append(fragment);
  }

  // The first page shows as soon as it is read; the rest follow in order.
  const query = new URLSearchParams(Object.entries(filters).filter(([name]) => apiFilters.includes(name)));
  let cursor;
  let first = true;
  let stopped = false;
  let stillLoading = true;
  do {
    const page = await ctx.api(
      `v1/work-orders?limit=200&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (stopped) return;
    append(page.items);
    cursor = page.nextCursor ?? undefined;
    if (first) {
      first = false;
      renderAttention();
      measure('office:first-render jobs', started);
    }
    stillLoading = Boolean(cursor) && jobs.length < maxJobs;
    renderCount(stillLoading);
  } while (stillLoading);
  renderAttention();
  if (jobs.length === 0) body.append(h('tr', {}, h('td', { colspan: '9', text: 'No jobs match these filters.' })));
  measure('office:loaded jobs', started);

  // --- Live ---------------------------------------------------------------------------------------------------

  const waiting = new Map();
  const unsubscribe = ctx.onEvent((event) => {
    if (!event.workOrderId || waiting.has(event.workOrderId)) return;
    // Several events of one change arrive together: the work order is read once.
    waiting.set(
      event.workOrderId,
      setTimeout(() => refresh(event.workOrderId), 40),
    );
  });

  async function refresh(id) {
    let wo;
    try {
      wo = await ctx.api(`v1/work-orders/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error.status !== 404) console.error('[jobs] could not read', id, error);
      wo = undefined;
    } finally {
      waiting.delete(id);
    }
    if (stopped) return;
    const start = performance.now();
    upsert(id, wo);
    measure('office:live-update jobs', start);
  }

  /** Moves, replaces, adds or removes one row, and the attention list if it is concerned. */
  function upsert(id, wo) {
    const index = jobs.findIndex((job) => job.id === id);
    const before = index >= 0 ? jobs[index] : undefined;
    if (index >= 0) {
      jobs.splice(index, 1);
      rows.get(id)?.remove();
      rows.delete(id);
    }
    if (wo && matches(wo)) {
      if (jobs.length === 0) fill(body);
      const at = position(wo);
      const tr = row(wo);
      const next = jobs[at];
      jobs.splice(at, 0, wo);
      rows.set(id, tr);
      body.insertBefore(tr, next ? (rows.get(next.id) ?? null) : null);
    }
    if (before?.attention || wo?.attention) renderAttention();
    renderCount(false);
  }

  /** Where a work order goes in the API's order: priority tier, then SLA due time (a binary search). */
  function position(wo) {
    let low = 0;
    let high = jobs.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const other = jobs[middle];
      const before = other.priority < wo.priority || (other.priority === wo.priority && other.slaDueAt <= wo.slaDueAt);
      if (before) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  // The time left moves on by itself: every minute, the SLA words are written again.
  const ticking = setInterval(() => {
    const now = Date.now();
    for (const cell of body.querySelectorAll('td[data-sla]')) {
      const due = cell.dataset.sla;
      if (!due) continue;
      cell.textContent = slaWords(due, now);
      cell.className = `sla sla-${slaState(due, now)}`;
    }
  }, 60_000);

  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(ticking);
    for (const timer of waiting.values()) clearTimeout(timer);
  };
}

function filterForm(filters, { engineers, customers }, apply) {
  const select = (name, label, options, anyText = 'Any') =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: `filter-${name}`, text: label }),
      h(
        'select',
        { id: `filter-${name}`, name },
        h('option', { value: '', text: anyText }),
        ...options.map(([value, text]) => h('option', { value, text, selected: filters[name] === value })),
      ),
    );
  const form = h(
    'form',
    { class: 'toolbar', 'aria-label': 'Filter the jobs' },
    select('status', 'Status', Object.entries(statusLabels), 'Any open'),
    select('priority', 'Priority', Object.entries(priorityLabels)),
    select(
      'customerId',
      'Customer',
      [...customers].sort((a, b) => a.name.localeCompare(b.name)).map((c) => [c.customerId, c.name]),
    ),
    select(
      'engineerId',
      'Engineer',
      [...engineers].sort((a, b) => a.name.localeCompare(b.name)).map((e) => [e.engineerId, e.name]),
    ),
    select('source', 'Source', Object.entries(sourceLabels)),
    h(
      'div',
      { class: 'field' },
      h(
        'label',
        { for: 'filter-flagged' },
        h('input', { type: 'checkbox', id: 'filter-flagged', name: 'flagged', value: '1', checked: filters.flagged }),
        ' Flagged only',
      ),
    ),
    h('button', { type: 'submit', class: 'secondary', text: 'Apply filters' }),
    h('a', { href: '#/jobs', text: 'Clear filters' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply(Object.fromEntries([...new FormData(form).entries()].filter(([, value]) => value)));
  });
  return form;
}

function shorten(text, length) {
  if (!text) return '';
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
