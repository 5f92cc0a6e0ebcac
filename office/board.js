// The dispatch board: one lane per engineer across the working day (`GET /v1/dispatch-board?date=`), planned stops
// placed by time with the drive between them, and the work no one holds beside it. A job is assigned by dragging it
// onto a lane (HTML drag and drop with a mouse, pointer events on a touch screen) or from the keyboard: every job is a
// button that opens "Assign…" (or "Reassign…"), where the engineers are a list of radio buttons, best candidates
// first with their reasons (`GET /v1/work-orders/{id}/candidates`). "Optimise the day" previews the solver's plan as
// a difference from the board and applies it. Live: a change re-reads that work order and redraws its lanes only.

import {
  clock,
  duration,
  exclusionLabels,
  fill,
  formatDay,
  h,
  measure,
  openDialog,
  plural,
  priorityBadge,
  problemText,
  readable,
  slaState,
  slaWords,
  statusBadge,
  statusLabel,
  today,
  workOrderLink,
} from './ui.js';

/** Work no engineer holds yet, as the board's API counts it. */
const unassignedStatuses = ['logged', 'pending_approval', 'ready_to_schedule'];
/** Booked or accepted, not yet under way: the office may give it to another engineer, with a reason. */
const reassignable = ['scheduled', 'dispatched', 'acknowledged'];
/** What an engineer is doing, from their jobs of the day: the furthest along wins. */
const busyStatuses = ['in_progress', 'on_site', 'en_route'];
const engineerStatusLabels = {
  in_progress: 'Working',
  on_site: 'On site',
  en_route: 'On the way',
  inactive: 'Not active',
  off_shift: 'Off shift',
  available: 'Available',
};
const unplacedReasons = {
  no_eligible_vehicle: 'no engineer has the skills, certificates and shift for it',
  time_window: 'no engineer can be there within its time window',
  capacity: 'it does not fit in any engineer’s day',
  no_room: 'no room is left in any engineer’s day',
};
const hourMs = 3_600_000;
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric' });

export async function show(main, ctx) {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.get('date') ?? '') ? ctx.query.get('date') : today();
  const started = performance.now();
  const board = await ctx.api(`v1/dispatch-board?date=${date}`);

  /** Every card on the board by id: `{ card, engineerId }` (no engineerId: in the queue). */
  const placed = new Map();
  const lanes = new Map();
  const queueList = h('ol', { class: 'cards', 'aria-label': 'Jobs to assign' });
  const queueCount = h('p', { class: 'muted' });
  const queue = h(
    'section',
    { class: 'queue', 'aria-labelledby': 'queue-title' },
    h('h2', { id: 'queue-title', text: 'To assign' }),
    queueCount,
    queueList,
  );
  const axis = axisOf(date, board);
  const lanesList = h('ol', { class: 'lanes', 'aria-label': 'Engineers’ days' });
  let dragging;

  const day = new Date(`${date}T12:00:00Z`);
  const shift = (days) => {
    const other = new Date(day);
    other.setUTCDate(other.getUTCDate() + days);
    return `#/board?date=${other.toISOString().slice(0, 10)}`;
  };
  const dateInput = h('input', { type: 'date', id: 'board-date', value: date });
  const datePicker = h(
    'form',
    { class: 'toolbar', 'aria-label': 'Day and plan' },
    h('a', { href: shift(-1), class: 'button secondary', text: '‹ Day before' }),
    h('div', { class: 'field' }, h('label', { for: 'board-date', text: 'Day' }), dateInput),
    h('button', { type: 'submit', class: 'secondary', text: 'Show the day' }),
    h('a', { href: shift(1), class: 'button secondary', text: 'Day after ›' }),
    h('a', { href: '#/board', class: 'button secondary', text: 'Today' }),
    h('button', { type: 'button', id: 'optimise', onclick: () => optimise(), text: 'Optimise the day…' }),
  );
  datePicker.addEventListener('submit', (event) => {
    event.preventDefault();
    if (dateInput.value) ctx.navigate(`#/board?date=${dateInput.value}`);
  });

  fill(
    main,
    h('h1', { text: `Dispatch board, ${formatDay(date)}` }),
    datePicker,
    h(
      'p',
      { class: 'hint', id: 'board-help' },
      'Drag a job onto an engineer’s lane to assign it, or press Enter on a job to assign it from a list. ',
      'Times are this computer’s; the day is the API’s (UTC).',
    ),
    h(
      'div',
      { class: 'board' },
      queue,
      h(
        'div',
        { class: 'lanes-wrap', tabindex: '0', role: 'region', 'aria-label': 'Engineers’ lanes' },
        h(
          'div',
          { class: 'axis', 'aria-hidden': 'true' },
          h('div', { class: 'lane-head', text: 'Engineer' }),
          hoursOf(axis),
        ),
        lanesList,
      ),
    ),
  );

  // --- Drawing --------------------------------------------------------------------------------------------------

  for (const engineer of board.engineers) {
    const lane = {
      engineer,
      /** The status the board gave when no job of the day is under way (it knows their shift). */
      idleStatus: busyStatuses.includes(engineer.status) ? 'available' : engineer.status,
      jobs: engineer.jobs,
      element: undefined,
    };
    lanes.set(engineer.id, lane);
    for (const card of engineer.jobs) placed.set(card.id, { card, engineerId: engineer.id });
    lane.element = laneElement(lane);
    lanesList.append(lane.element);
  }
  for (const card of board.unassigned) placed.set(card.id, { card });
  renderQueue();
  measure('office:first-render board', started);

  function laneElement(lane) {
    const { engineer } = lane;
    const status = busyStatuses.find((s) => lane.jobs.some((job) => job.status === s)) ?? lane.idleStatus;
    const track = h('div', { class: 'track' });
    const stops = h('ol', { class: 'stops', 'aria-label': `${engineer.name}’s jobs` });
    let before;
    for (const card of lane.jobs) {
      if (!card.scheduledStart) continue;
      const start = Date.parse(card.scheduledStart);
      const from = before?.location ?? (before ? undefined : engineer.location);
      const travel = from && card.location ? driveMinutes(from, card.location) : undefined;
      if (travel !== undefined) track.append(travelElement(start, travel));
      stops.append(stopElement(card, travel, before));
      before = card;
    }
    track.append(stops);
    const element = h(
      'li',
      { class: 'lane', 'data-engineer': engineer.id },
      h(
        'div',
        { class: 'lane-head' },
        h('h3', { text: engineer.name }),
        h('p', {}, h('span', { class: `badge status-${status}`, text: engineerStatusLabels[status] ?? status })),
        h('p', { class: 'muted', text: plural(lane.jobs.length, 'job') }),
      ),
      track,
    );
    for (const target of [element]) {
      target.addEventListener('dragover', (event) => {
        if (!dragging) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
        element.classList.add('drop-target');
      });
      target.addEventListener('dragleave', (event) => {
        if (!element.contains(event.relatedTarget)) element.classList.remove('drop-target');
      });
      target.addEventListener('drop', (event) => {
        event.preventDefault();
        element.classList.remove('drop-target');
        const id = event.dataTransfer.getData('text/plain') || dragging;
        dragging = undefined;
        if (id) dropped(id, engineer.id);
      });
    }
    return element;
  }

  function stopElement(card, travel, before) {
    const start = Date.parse(card.scheduledStart);
    const minutes = card.estimatedMinutes ?? 60;
    const end = start + minutes * 60_000;
    const label = [
      `${card.ref} ${clock(card.scheduledStart)} ${statusLabel(card.status)}`,
      `${card.priority}, ${clock(card.scheduledStart)} to ${clock(new Date(end).toISOString())}`,
      `ETA ${clock(card.scheduledStart)}`,
      travel !== undefined
        ? `${duration(travel)} drive ${before ? `from ${before.ref}` : 'from the start of the day'}`
        : '',
      card.site?.postcode ?? '',
    ]
      .filter(Boolean)
      .join(', ');
    const button = h(
      'button',
      {
        type: 'button',
        class: `stop-button status-${card.status}`,
        draggable: 'true',
        'data-id': card.id,
        'aria-label': label,
        'aria-describedby': 'board-help',
        title: `${card.ref}: ${card.description}`,
        onclick: () => {
          if (!suppressClick) jobActions(card.id);
        },
      },
      h('span', { class: 'stop-ref', text: card.ref }),
      ' ',
      h('span', { class: 'stop-time', text: clock(card.scheduledStart) }),
      ' ',
      h('span', { class: 'stop-status', text: statusLabel(card.status) }),
    );
    draggable(button, card.id);
    const item = h('li', { class: `stop priority-${card.priority}`, 'data-id': card.id }, button);
    place(item, start, end);
    return item;
  }

  function travelElement(start, minutes) {
    const element = h(
      'div',
      { class: 'travel', 'aria-hidden': 'true' },
      h('span', { text: `${Math.round(minutes)}′` }),
    );
    place(element, start - minutes * 60_000, start);
    return element;
  }

  /** Sets an element's left and width along the day (CSSOM, which the policy allows, not a style attribute). */
  function place(element, from, to) {
    const span = axis.end - axis.start;
    const left = Math.min(100, Math.max(0, ((from - axis.start) / span) * 100));
    const right = Math.min(100, Math.max(0, ((to - axis.start) / span) * 100));
    element.style.left = `${left}%`;
    element.style.width = `${Math.max(0, right - left)}%`;
  }

  function queueCard(card) {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'secondary small',
        onclick: () => assignDialog(card.id),
        'aria-describedby': 'board-help',
      },
      'Assign…',
      h('span', { class: 'visually-hidden', text: ` ${card.ref}` }),
    );
    const item = h(
      'li',
      { class: `job-card priority-${card.priority}`, draggable: 'true', 'data-id': card.id },
      h(
        'p',
        {},
        h('span', { class: 'grip', 'aria-hidden': 'true', text: '⠿ ' }),
        workOrderLink(card.id, card.ref),
        ' ',
        priorityBadge(card.priority),
        ' ',
        statusBadge(card.status),
      ),
      h('p', { class: `sla-${slaState(card.slaDueAt)}`, text: `SLA: ${slaWords(card.slaDueAt)}` }),
      h('p', { text: [card.site?.postcode, shorten(card.description, 80)].filter(Boolean).join(' · ') }),
      h('div', { class: 'card-actions' }, button),
    );
    draggable(item, card.id);
    return item;
  }

  function renderQueue() {
    const cards = [...placed.values()].filter((entry) => !entry.engineerId).map((entry) => entry.card);
    cards.sort((a, b) => a.priority.localeCompare(b.priority) || a.slaDueAt.localeCompare(b.slaDueAt));
    fill(queueList, ...cards.map(queueCard));
    queueCount.textContent = cards.length ? plural(cards.length, 'job') : 'Nothing waiting to be assigned.';
  }

  function redrawLane(engineerId) {
    const lane = lanes.get(engineerId);
    if (!lane) return;
    lane.jobs = [...placed.values()]
      .filter((entry) => entry.engineerId === engineerId)
      .map((entry) => entry.card)
      .sort((a, b) => (a.scheduledStart ?? '').localeCompare(b.scheduledStart ?? ''));
    const element = laneElement(lane);
    lane.element.replaceWith(element);
    lane.element = element;
  }

  /** A work order as it now stands, put where the board's API would put it: a lane, the queue, or off the board. */
  function upsert(id, wo) {
    const before = placed.get(id);
    placed.delete(id);
    if (wo) {
      const card = cardOf(wo);
      const onLane =
        wo.engineerId &&
        wo.scheduledStart?.slice(0, 10) === date &&
        wo.status !== 'cancelled' &&
        lanes.has(wo.engineerId);
      const waiting =
        !wo.engineerId && unassignedStatuses.includes(wo.status) && !(wo.plannedFor && wo.plannedFor > date);
      if (onLane) placed.set(id, { card, engineerId: wo.engineerId });
      else if (waiting) placed.set(id, { card });
    }
    const after = placed.get(id);
    const lanesTouched = new Set([before?.engineerId, after?.engineerId].filter(Boolean));
    for (const engineerId of lanesTouched) redrawLane(engineerId);
    if ((before && !before.engineerId) || (after && !after.engineerId)) renderQueue();
  }

  // --- Drag and drop ----------------------------------------------------------------------------------------------

  let suppressClick = false;

  function draggable(element, id) {
    element.addEventListener('dragstart', (event) => {
      dragging = id;
      event.dataTransfer.setData('text/plain', id);
      event.dataTransfer.effectAllowed = 'move';
    });
    element.addEventListener('dragend', () => {
      dragging = undefined;
      for (const lane of lanesList.querySelectorAll('.drop-target')) lane.classList.remove('drop-target');
    });
    // Touch and pen: HTML drag and drop does not start from a finger, so the card follows the pointer instead.
    element.addEventListener('pointerdown', (event) => {
      if (event.pointerType === 'mouse' || !event.isPrimary) return;
      const grip = element.classList.contains('job-card') ? event.target.closest('.grip') : element;
      if (!grip) return;
      event.preventDefault();
      touchDrag(element, id, event);
    });
  }

  function touchDrag(element, id, down) {
    element.setPointerCapture(down.pointerId);
    const ghost = element.cloneNode(true);
    ghost.classList.add('drag-ghost');
    ghost.setAttribute('aria-hidden', 'true');
    ghost.removeAttribute('id');
    document.body.append(ghost);
    let moved = false;
    let over;
    const laneAt = (x, y) => document.elementFromPoint(x, y)?.closest?.('.lane');
    const move = (event) => {
      moved ||= Math.hypot(event.clientX - down.clientX, event.clientY - down.clientY) > 8;
      ghost.style.left = `${event.clientX + 6}px`;
      ghost.style.top = `${event.clientY + 6}px`;
      const lane = laneAt(event.clientX, event.clientY);
      if (lane !== over) {
        over?.classList.remove('drop-target');
        lane?.classList.add('drop-target');
        over = lane;
      }
    };
    const end = (event) => {
      element.removeEventListener('pointermove', move);
      element.removeEventListener('pointerup', end);
      element.removeEventListener('pointercancel', end);
      ghost.remove();
      over?.classList.remove('drop-target');
      if (!moved || event.type === 'pointercancel') return;
      suppressClick = true;
      setTimeout(() => {
        suppressClick = false;
      }, 0);
      const lane = laneAt(event.clientX, event.clientY);
      if (lane) dropped(id, lane.dataset.engineer);
    };
    element.addEventListener('pointermove', move);
    element.addEventListener('pointerup', end);
    element.addEventListener('pointercancel', end);
    move(down);
  }

  /** A job dropped on a lane: assigned at once if it waits for one, else the reassign dialog asks why. */
  async function dropped(id, engineerId) {
    const entry = placed.get(id);
    if (!entry || entry.engineerId === engineerId) return;
    const name = lanes.get(engineerId)?.engineer.name ?? readable(engineerId);
    if (entry.engineerId) {
      assignDialog(id, { engineerId });
      return;
    }
    ctx.announce(`Assigning ${entry.card.ref} to ${name}…`);
    try {
      const start = await candidateStart(id, engineerId);
      const wo = await ctx.api(`v1/work-orders/${encodeURIComponent(id)}/assign`, {
        method: 'POST',
        body: { engineerId, ...(start ? { start } : {}) },
      });
      upsert(id, wo);
      ctx.announce(
        `${entry.card.ref} is assigned to ${name}${wo.scheduledStart ? `, from ${clock(wo.scheduledStart)}` : ''}.`,
      );
    } catch (error) {
      ctx.announce(`${entry.card.ref} was not assigned: ${error.message}`);
      assignDialog(id, { engineerId, problem: error });
    }
  }

  /** The start the matcher found best for this engineer, if they are a candidate. */
  async function candidateStart(id, engineerId) {
    try {
      const found = await ctx.api(`v1/work-orders/${encodeURIComponent(id)}/candidates`);
      return found.candidates.find((candidate) => candidate.engineerId === engineerId)?.start;
    } catch {
      return undefined;
    }
  }

  // --- Dialogs ----------------------------------------------------------------------------------------------------

  /** What can be done with a job on a lane: open it, or give it to someone else. */
  function jobActions(id) {
    const entry = placed.get(id);
    if (!entry) return;
    const { card } = entry;
    openDialog({
      title: `${card.ref}, ${lanes.get(entry.engineerId)?.engineer.name ?? ''}`,
      build: (close) => [
        h(
          'dl',
          { class: 'facts' },
          ...[
            ['Status', statusLabel(card.status)],
            ['Priority', card.priority],
            ['Starts (ETA)', card.scheduledStart ? clock(card.scheduledStart) : 'Not set'],
            ['Takes', duration(card.estimatedMinutes ?? 60)],
            ['SLA', slaWords(card.slaDueAt)],
            ['Where', [card.site?.address, card.site?.postcode].filter(Boolean).join(', ')],
          ]
            .filter(([, value]) => value)
            .map(([term, value]) => h('div', {}, h('dt', { text: term }), h('dd', { text: value }))),
        ),
        h('p', { text: card.description }),
        h(
          'div',
          { class: 'actions' },
          reassignable.includes(card.status)
            ? h('button', {
                type: 'button',
                text: 'Reassign…',
                onclick: () => {
                  close();
                  assignDialog(id);
                },
              })
            : h('p', {
                class: 'muted',
                text: `A job ${statusLabel(card.status).toLowerCase()} stays with its engineer.`,
              }),
          h('a', {
            href: `#/work-orders/${encodeURIComponent(id)}`,
            class: 'button secondary',
            text: 'Open the work order',
            onclick: close,
          }),
        ),
      ],
    });
  }

  /**
   * Assign (a job waiting for one) or reassign (a booked job, with a reason): the engineers as radio buttons, the
   * matcher's candidates first, best first, with their start, added travel and SLA slack; then those who cannot take
   * it, and why.
   */
  function assignDialog(id, { engineerId: preselected, problem } = {}) {
    const entry = placed.get(id);
    if (!entry) return;
    const { card } = entry;
    const moving = Boolean(entry.engineerId);
    const verb = moving ? 'Reassign' : 'Assign';
    const list = h('div', {}, h('p', { text: 'Reading the candidates…' }));
    const error = h('p', { class: 'error', role: 'alert' });
    if (problem) error.textContent = problemText(problem);
    const reason = moving
      ? h(
          'div',
          { class: 'field' },
          h('label', { for: 'assign-reason', text: 'Why is it moving? (the timeline keeps it)' }),
          h('textarea', { id: 'assign-reason', rows: '2', maxlength: '2000', required: true }),
        )
      : undefined;
    const confirm = h('button', { type: 'submit', text: verb });
    const form = h(
      'form',
      {},
      h(
        'p',
        {},
        workOrderLink(id, card.ref),
        ` ${card.priority} · ${statusLabel(card.status)} · ${shorten(card.description, 90)}`,
      ),
      list,
      reason,
      error,
      h('div', { class: 'actions' }, confirm),
    );
    let candidates = [];
    const { close } = openDialog({ title: `${verb} ${card.ref}`, build: () => form });

    (async () => {
      let found;
      try {
        found = await ctx.api(`v1/work-orders/${encodeURIComponent(id)}/candidates`);
      } catch (failure) {
        found = { candidates: [], excluded: [], failed: failure };
      }
      candidates = found.candidates;
      const engineers = [...lanes.values()].map((lane) => lane.engineer);
      const nameOf = (engineerId) => engineers.find((e) => e.id === engineerId)?.name ?? readable(engineerId);
      const ranked = found.candidates.filter((c) => c.engineerId !== entry.engineerId);
      const excluded = found.excluded.filter((e) => e.engineerId !== entry.engineerId);
      const known = new Set([...ranked, ...excluded].map((c) => c.engineerId));
      const others = engineers.filter((e) => !known.has(e.id) && e.id !== entry.engineerId);
      const choice = (engineerId, text, details) =>
        h(
          'li',
          {},
          h(
            'label',
            {},
            h('input', {
              type: 'radio',
              name: 'engineer',
              value: engineerId,
              required: true,
              checked: engineerId === preselected,
            }),
            h('span', {}, h('strong', { text }), details ? ` ${details}` : ''),
          ),
        );
      const fieldset = h(
        'fieldset',
        {},
        h('legend', { text: 'Engineer (arrow keys move between them)' }),
        ranked.length
          ? h(
              'ol',
              { class: 'choices' },
              ...ranked.map((c, index) =>
                choice(c.engineerId, `${index + 1}. ${nameOf(c.engineerId)}`, candidateWords(c, placed)),
              ),
            )
          : h('p', { text: found.failed ? 'The candidates could not be read.' : 'No engineer is a candidate.' }),
        others.length
          ? [
              h('p', { class: 'muted', text: 'Not ranked by the matcher:' }),
              h('ul', { class: 'choices' }, ...others.map((e) => choice(e.id, e.name))),
            ]
          : undefined,
      );
      const cannot = excluded.length
        ? h(
            'div',
            {},
            h('h3', { text: 'Cannot take it' }),
            h(
              'ul',
              {},
              ...excluded.map((e) =>
                h(
                  'li',
                  {},
                  h('strong', { text: nameOf(e.engineerId) }),
                  `: ${e.reasons.map((r) => exclusionLabels[r] ?? r).join('; ')}`,
                ),
              ),
            ),
          )
        : undefined;
      fill(list, fieldset, cannot ?? '');
      const chosen =
        form.querySelector('input[name="engineer"]:checked') ?? form.querySelector('input[name="engineer"]');
      if (chosen) {
        chosen.checked = true;
        chosen.focus();
      }
    })();

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const engineerId = form.querySelector('input[name="engineer"]:checked')?.value;
      const why = form.querySelector('#assign-reason')?.value.trim();
      if (!engineerId) {
        error.textContent = 'Choose an engineer.';
        return;
      }
      if (moving && !why) {
        error.textContent = 'Say why the job is moving.';
        form.querySelector('#assign-reason').focus();
        return;
      }
      const start = candidates.find((c) => c.engineerId === engineerId)?.start;
      confirm.disabled = true;
      error.textContent = '';
      try {
        const wo = await ctx.api(`v1/work-orders/${encodeURIComponent(id)}/${moving ? 'reassign' : 'assign'}`, {
          method: 'POST',
          body: { engineerId, ...(start ? { start } : {}), ...(moving ? { reason: why } : {}) },
        });
        upsert(id, wo);
        close();
        const name = lanes.get(engineerId)?.engineer.name ?? readable(engineerId);
        ctx.announce(
          `${card.ref} is ${moving ? 'reassigned' : 'assigned'} to ${name}${wo.scheduledStart ? `, from ${clock(wo.scheduledStart)}` : ''}.`,
        );
      } catch (failure) {
        error.textContent = problemText(failure);
        confirm.disabled = false;
      }
    });
  }

  /** The solver's plan for the day, as a difference from the board, and applying it. */
  function optimise() {
    const body = h('div', { class: 'diff' }, h('p', { text: 'Planning the day… (a few seconds)' }));
    const seed = Math.floor(Math.random() * 2 ** 31);
    const { close } = openDialog({ title: `Optimise ${formatDay(date)}`, build: () => body });
    const request = (apply) =>
      ctx.api(`v1/schedule/optimise?apply=${apply}`, { method: 'POST', body: { date, seconds: 2, seed } });
    request(false).then(
      (plan) => {
        const changes = difference(plan);
        const apply = h('button', { type: 'button', text: 'Apply this plan' });
        const error = h('p', { class: 'error', role: 'alert' });
        apply.addEventListener('click', async () => {
          apply.disabled = true;
          apply.textContent = 'Applying…';
          try {
            const applied = await request(true);
            close();
            ctx.announce(`The plan is applied: ${plural(applied.applied, 'job')} changed.`);
            // Many jobs moved at once: the board is read again whole.
            ctx.navigate(`#/board?date=${date}&applied=${Date.now()}`);
          } catch (failure) {
            error.textContent = problemText(failure);
            apply.disabled = false;
            apply.textContent = 'Apply this plan';
          }
        });
        fill(body, ...changes, error, h('div', { class: 'actions' }, apply));
        apply.focus();
      },
      (failure) => {
        fill(body, h('p', { class: 'error', role: 'alert', text: problemText(failure) }));
      },
    );
  }

  function difference(plan) {
    const nameOf = (engineerId) => lanes.get(engineerId)?.engineer.name ?? readable(engineerId);
    const moved = [];
    const retimed = [];
    const newly = [];
    const same = [];
    const planned = new Set();
    for (const route of plan.routes) {
      for (const job of route.jobs) {
        planned.add(job.workOrderId);
        const now = placed.get(job.workOrderId);
        const ref = job.ref;
        if (!now?.engineerId) {
          newly.push(`${ref} to ${nameOf(route.engineerId)}, from ${clock(job.start)}`);
        } else if (now.engineerId !== route.engineerId) {
          moved.push(`${ref} from ${nameOf(now.engineerId)} to ${nameOf(route.engineerId)}, from ${clock(job.start)}`);
        } else if (Math.abs(Date.parse(now.card.scheduledStart ?? 0) - Date.parse(job.start)) >= 60_000) {
          retimed.push(`${ref} (${nameOf(route.engineerId)}): ${clock(now.card.scheduledStart)} → ${clock(job.start)}`);
        } else same.push(ref);
      }
    }
    const left = plan.unassigned.map((job) => `${job.ref}: ${unplacedReasons[job.reason] ?? job.reason}`);
    const f = plan.figures;
    const section = (title, items) =>
      items.length
        ? [h('h3', { text: `${title} (${items.length})` }), h('ul', {}, ...items.map((t) => h('li', { text: t })))]
        : [];
    return [
      h('p', {
        text: `${plural(f.jobsPlanned, 'job')} planned, ${f.jobsUnassigned} left unassigned; ${duration(
          f.travelMinutes,
        )} of driving (${f.travelKm.toFixed(0)} km); ${f.slaMetToday} within their SLA today, ${f.slaBreachedToday} past it.`,
      }),
      ...section('Moved to another engineer', moved),
      ...section('Start time changed', retimed),
      ...section('Newly placed', newly),
      ...section('Left unassigned', left),
      h('p', { class: 'muted', text: `${plural(same.length, 'job')} unchanged.` }),
      h('p', {
        class: 'hint',
        text: 'Applying plans the day again with the same settings and seed, and moves the jobs as it then plans them.',
      }),
    ];
  }

  // --- Live -------------------------------------------------------------------------------------------------------

  const waiting = new Map();
  let stopped = false;
  const unsubscribe = ctx.onEvent((event) => {
    if (!event.workOrderId || waiting.has(event.workOrderId)) return;
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
      if (error.status !== 404) console.error('[board] could not read', id, error);
    } finally {
      waiting.delete(id);
    }
    if (stopped) return;
    const start = performance.now();
    upsert(id, wo);
    measure('office:live-update board', start);
  }

  return () => {
    stopped = true;
    unsubscribe();
    for (const timer of waiting.values()) clearTimeout(timer);
  };
}

/** The card of the board's API, from a whole work order. */
function cardOf(wo) {
  return {
    id: wo.id,
    ref: wo.ref,
    status: wo.status,
    priority: wo.priority,
    slaDueAt: wo.slaDueAt,
    scheduledStart: wo.scheduledStart ?? null,
    plannedFor: wo.plannedFor ?? null,
    customerId: wo.customerId ?? null,
    siteId: wo.siteId ?? null,
    site: wo.site ?? null,
    location: wo.location ?? null,
    category: wo.category ?? null,
    description: wo.description,
    estimatedMinutes: wo.estimatedMinutes ?? null,
  };
}

function candidateWords(candidate, placed) {
  const parts = [
    `starts ${clock(candidate.start)} (ETA ${clock(candidate.eta)})`,
    `adds ${duration(candidate.addedTravelMinutes)} of driving`,
    candidate.slaSlackMinutes === null
      ? 'cannot make the SLA'
      : `${duration(candidate.slaSlackMinutes)} to spare on the SLA`,
    candidate.overtimeMinutes > 0 ? `${duration(candidate.overtimeMinutes)} of overtime` : 'no overtime',
    candidate.displaced
      ? `moves ${placed.get(candidate.displaced)?.card.ref ?? 'a lower-priority job'} off their day`
      : '',
  ];
  return `: ${parts.filter(Boolean).join(', ')}`;
}

/** The hours the lanes span: 07:00 to 19:00 here, stretched to take in every stop of the day. */
function axisOf(date, board) {
  let start = new Date(`${date}T07:00`).getTime();
  let end = new Date(`${date}T19:00`).getTime();
  for (const engineer of board.engineers) {
    for (const card of engineer.jobs) {
      if (!card.scheduledStart) continue;
      const from = Date.parse(card.scheduledStart);
      start = Math.min(start, from - hourMs / 2);
      end = Math.max(end, from + (card.estimatedMinutes ?? 60) * 60_000);
    }
  }
  start = Math.floor(start / hourMs) * hourMs;
  end = Math.ceil(end / hourMs) * hourMs;
  return { start, end };
}

function hoursOf(axis) {
  const hours = h('div', { class: 'hours' });
  const span = axis.end - axis.start;
  for (let at = axis.start; at <= axis.end; at += hourMs) {
    const mark = h('span', { class: 'hour', text: hourFormat.format(new Date(at)) });
    mark.style.left = `${((at - axis.start) / span) * 100}%`;
    hours.append(mark);
  }
  return hours;
}

/**
 * The drive between two places as the scheduler estimates it (shared/scheduling/travel.ts): the great-circle
 * distance times 1.3 for the roads, at 40 km/h.
 */
function driveMinutes(from, to) {
  const radians = (degrees) => (degrees * Math.PI) / 180;
  const dLat = radians(to.lat - from.lat);
  const dLng = radians(to.lng - from.lng);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(radians(from.lat)) * Math.cos(radians(to.lat)) * Math.sin(dLng / 2) ** 2;
  const km = 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a))) * 1.3;
  return (km / 40) * 60;
}

function shorten(text, length) {
  if (!text) return '';
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
