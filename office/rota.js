// The engineers' rota, a week at a time (`#/rota`, or `#/rota?week=YYYY-MM-DD` for the week holding that day): one
// row per active engineer and one column per day, Monday to Sunday. Each day says whether it is one of the engineer's
// shift days, with its hours, and what the rota holds for them then: time off (leave, sickness, training, other), on
// call with its call-out limit, and the days a long job's visits hold (planning writes those; they change with the
// job, never from here). Every office role reads it; admins and dispatchers add to it and take entries off.
//
// Days are the business's, in its time zone (`GET /v1/business`), whatever this computer's clock says: an entry shows
// on each day whose local bounds it overlaps, as the API counts them. An entry is added with an Idempotency-Key,
// fresh for each submission; but a submission whose outcome is not known (no answer came, or the service was busy)
// keeps its key for the next, so sending it again cannot add the entry twice.

import {
  duration,
  fill,
  formatDay,
  h,
  keyHolder,
  labelled,
  openDialog,
  problemLines,
  showProblem,
  workOrderLink,
} from './ui.js';

const editors = ['admin', 'dispatcher'];
/** What the office may add, in the order the form offers them. */
const kindLabels = {
  leave: 'Leave',
  sickness: 'Sickness',
  training: 'Training',
  other: 'Other time off',
  on_call: 'On call',
};
/** The API's default: a UK field service business. */
const defaultTimeZone = 'Europe/London';
const dayMs = 86_400_000;

/** What a refusal means for this form, after the API's own words. */
const conflictWords = {
  'idempotency.key_reused':
    'The attempt before, which got no answer, may have reached the service: look for it in the week before sending this again.',
};

const dayHeading = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});
const dayName = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
const noon = (day) => new Date(`${day}T12:00:00Z`);

export async function show(main, ctx) {
  const editor = editors.includes(ctx.role);
  const [engineers, timeZone] = await Promise.all([ctx.reference('engineers'), businessZone(ctx)]);
  const clock = zoneClock(timeZone);
  const asked = ctx.query.get('week') ?? '';
  const monday = weekOf(isDay(asked) ? asked : clock.day(Date.now()));
  const days = Array.from({ length: 7 }, (_, index) => addDays(monday, index));
  const today = clock.day(Date.now());
  const active = engineers.filter((engineer) => engineer.active !== false).sort((a, b) => a.name.localeCompare(b.name));
  const nameOf = (id) => engineers.find((engineer) => engineer.engineerId === id)?.name ?? id;

  /** An entry the office added, in words: `leave for Amira Khan, Tuesday 3 June to Wednesday 4 June`. */
  const describe = (entry) => {
    const limit = entry.maxTravelMinutes ? ` (call-out up to ${duration(entry.maxTravelMinutes)})` : '';
    return `${kindLabels[entry.kind].toLowerCase()} for ${nameOf(entry.engineerId)}, ${spanWords(entry, clock)}${limit}`;
  };

  const weekProblem = h('div', { class: 'problem', id: 'rota-week-problem', role: 'alert', tabindex: '-1' });
  const saved = h('p', { class: 'saved', id: 'rota-saved', tabindex: '-1', hidden: true });
  const body = h('tbody');
  const week = {
    /** The week's entries read again and drawn; a message for what was just done goes above the table. */
    async load(message) {
      const { items } = await ctx.api(`v1/rota?from=${days[0]}&to=${days[6]}`);
      const jobs = await jobRefs(ctx, items);
      fill(
        body,
        active.length === 0
          ? h('tr', {}, h('td', { colspan: '8', text: 'No engineer is active.' }))
          : active.map((engineer) =>
              engineerRow(
                engineer,
                items.filter((entry) => entry.engineerId === engineer.engineerId),
                jobs,
              ),
            ),
      );
      saved.textContent = message ?? '';
      saved.hidden = !message;
    },
  };

  function engineerRow(engineer, entries, jobs) {
    return h(
      'tr',
      { 'data-engineer': engineer.engineerId },
      h('th', { scope: 'row', text: engineer.name }),
      days.map((day) => {
        const start = clock.startOf(day);
        const end = clock.startOf(addDays(day, 1));
        const working = engineer.shift?.days?.includes(weekday(day));
        const held = entries.filter((entry) => Date.parse(entry.from) < end && Date.parse(entry.to) > start);
        return h(
          'td',
          { 'data-day': day, class: working ? undefined : 'rota-off' },
          h('p', { class: 'rota-shift', text: working ? shiftWords(engineer.shift, weekday(day)) : 'Not working' }),
          held.length > 0
            ? h(
                'ul',
                { class: 'rota-entries' },
                held.map((entry) => entryItem(entry, start, end, jobs)),
              )
            : undefined,
        );
      }),
    );
  }

  /** One entry on one day: what it is, its hours when it covers part of the day only, its note, and Remove. */
  function entryItem(entry, start, end, jobs) {
    const hours = partOfDay(entry, start, end, clock);
    return h(
      'li',
      { class: `rota-entry rota-${entry.kind}` },
      h('span', { class: 'rota-what' }, entryWhat(entry, jobs), hours ? `, ${hours}` : undefined),
      entry.note ? h('span', { class: 'rota-note', text: entry.note }) : undefined,
      editor && entry.kind !== 'visit'
        ? h('button', {
            type: 'button',
            class: 'secondary small rota-remove',
            text: 'Remove',
            'aria-label': `Remove ${describe(entry)}`,
            onclick: () => confirmRemove(entry),
          })
        : undefined,
    );
  }

  /** Asks before taking an entry off; a refusal (it is gone already, or a job holds it) goes on the page. */
  function confirmRemove(entry) {
    const error = h('p', { class: 'error', role: 'alert' });
    const confirm = h('button', { type: 'submit', class: 'danger', text: 'Remove it' });
    const keep = h('button', { type: 'button', class: 'secondary', text: 'Keep it' });
    const form = h(
      'form',
      {},
      h('p', { text: `${capital(describe(entry))}.` }),
      h('p', {
        text:
          entry.kind === 'on_call'
            ? 'Emergencies outside their shift are no longer sent to them then.'
            : 'They can be given work on those days again.',
      }),
      error,
      h('div', { class: 'actions' }, confirm, keep),
    );
    const { close } = openDialog({ title: 'Take it off the rota?', build: () => form });
    keep.addEventListener('click', close);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      confirm.disabled = true;
      error.textContent = '';
      fill(weekProblem);
      try {
        await ctx.api(`v1/rota/${encodeURIComponent(entry.id)}`, { method: 'DELETE' });
      } catch (failure) {
        confirm.disabled = false;
        if (failure.status >= 400 && failure.status < 500) {
          // Nothing is left to confirm: the week as it now is, with the API's words above it.
          close();
          await week.load().catch(ctx.report);
          showProblem(weekProblem, problemLines(failure, conflictWords));
        } else {
          error.textContent = problemLines(failure, conflictWords).join(' ');
        }
        return;
      }
      close();
      clearAdded();
      try {
        await week.load(`${capital(describe(entry))}: taken off the rota.`);
        saved.focus();
      } catch (failure) {
        ctx.report(failure);
      }
    });
    keep.focus();
  }

  const form = editor ? addForm() : undefined;
  const clearAdded = () => form?.clearAdded();

  /** "Add to the rota": the engineer, the kind, the days (the last included), the call-out limit when on call, a note. */
  function addForm() {
    const problem = h('div', { class: 'problem', id: 'rota-problem', role: 'alert', tabindex: '-1' });
    const added = h('p', { class: 'saved', id: 'rota-added', hidden: true });
    const engineer = labelled(
      'Engineer',
      h(
        'select',
        { name: 'engineerId' },
        h('option', { value: '', text: 'Choose…' }),
        active.map((record) => h('option', { value: record.engineerId, text: record.name })),
      ),
    );
    const kind = labelled(
      'Kind',
      h(
        'select',
        { name: 'kind' },
        Object.entries(kindLabels).map(([value, text]) => h('option', { value, text })),
      ),
      'Time off keeps the engineer from being given work; on call lets emergencies go to them outside their shift.',
    );
    const first = labelled('First day', h('input', { type: 'date', name: 'from' }));
    const last = labelled(
      'Last day',
      h('input', { type: 'date', name: 'to' }),
      'Included: the entry ends when this day does. 31 days at most.',
    );
    const limit = labelled(
      'Call-out limit in minutes',
      h('input', { type: 'number', name: 'maxTravelMinutes', min: '1', max: '600', step: '1', inputmode: 'numeric' }),
      'How far they may be called out: minutes’ drive from home, 600 at most. Leave it empty for no limit.',
    );
    const note = labelled('Note (optional)', h('input', { type: 'text', name: 'note', maxlength: '500' }));
    const fields = {
      engineerId: engineer,
      kind,
      from: first,
      to: last,
      maxTravelMinutes: limit,
      note,
    };
    const showLimit = () => {
      limit.element.hidden = kind.control.value !== 'on_call';
    };
    kind.control.addEventListener('change', showLimit);
    showLimit();
    const submit = h('button', { type: 'submit', text: 'Add to the rota' });
    const element = h(
      'form',
      { class: 'rota-form', 'aria-labelledby': 'rota-add-title', novalidate: true },
      h('h2', { id: 'rota-add-title', text: 'Add to the rota' }),
      problem,
      added,
      engineer.element,
      kind.element,
      first.element,
      last.element,
      limit.element,
      note.element,
      h('div', { class: 'actions' }, submit),
    );

    const keys = keyHolder();
    element.addEventListener('submit', async (event) => {
      event.preventDefault();
      fill(problem);
      added.hidden = true;
      for (const field of Object.values(fields)) field.clear();
      const missing = [
        engineer.control.value ? undefined : engineer.setError('Choose the engineer.'),
        first.control.value ? undefined : first.setError('Enter the first day.'),
        last.control.value ? undefined : last.setError('Enter the last day.'),
      ].filter(Boolean);
      if (missing.length > 0) {
        showProblem(problem, missing);
        return;
      }
      const onCall = kind.control.value === 'on_call';
      const minutes = limit.control.value.trim();
      const words = note.control.value.trim();
      const entryBody = {
        engineerId: engineer.control.value,
        kind: kind.control.value,
        from: first.control.value,
        to: last.control.value,
        ...(onCall && minutes ? { maxTravelMinutes: Number(minutes) } : {}),
        ...(words ? { note: words } : {}),
      };
      submit.disabled = true;
      let entry;
      try {
        entry = await ctx.api('v1/rota', { method: 'POST', body: entryBody, idempotencyKey: keys.take() });
        keys.settle();
      } catch (error) {
        keys.settle(error);
        submit.disabled = false;
        // Each field error next to its field too, and named by it in the summary.
        const errors = (error.errors ?? []).map((fieldError) => {
          const [where, name] = String(fieldError.path ?? '').split('.');
          return (where === 'body' && fields[name]?.setError(fieldError.message)) || fieldError.message;
        });
        showProblem(problem, problemLines(error, conflictWords, errors));
        return;
      }
      submit.disabled = false;
      submit.focus();
      element.reset();
      showLimit();
      const shown =
        Date.parse(entry.from) < clock.startOf(addDays(days[6], 1)) && Date.parse(entry.to) > clock.startOf(days[0]);
      const message = `${capital(describe(entry))}: added to the rota${shown ? '' : ', outside the week shown'}.`;
      fill(weekProblem);
      try {
        await week.load();
      } catch (error) {
        ctx.report(error);
      }
      added.textContent = message;
      added.hidden = false;
      ctx.announce(message);
    });
    return {
      element,
      clearAdded: () => {
        added.hidden = true;
      },
    };
  }

  fill(
    main,
    h('h1', { text: `Rota, week of ${formatDay(monday)}` }),
    h(
      'div',
      { class: 'toolbar' },
      h('a', { class: 'button secondary', href: weekHash(addDays(monday, -7)), text: '‹ Previous week' }),
      h('a', { class: 'button secondary', href: weekHash(addDays(monday, 7)), text: 'Next week ›' }),
      days.includes(today) ? undefined : h('a', { class: 'button secondary', href: '#/rota', text: 'This week' }),
    ),
    h('p', { class: 'muted', text: `Days and times are the business’s (${timeZone}).` }),
    weekProblem,
    saved,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'rota-table' },
        h('caption', {
          class: 'visually-hidden',
          text: `The engineers’ rota from ${dayName.format(noon(monday))} to ${formatDay(days[6])}`,
        }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col', text: 'Engineer' }),
            days.map((day) =>
              h(
                'th',
                {
                  scope: 'col',
                  'data-day': day,
                  class: day === today ? 'rota-today' : undefined,
                  'aria-current': day === today ? 'date' : undefined,
                },
                dayHeading.format(noon(day)),
                day === today ? h('span', { class: 'rota-today-mark', text: 'Today' }) : undefined,
              ),
            ),
          ),
        ),
        body,
      ),
    ),
    form?.element ??
      h('p', { class: 'muted', text: 'Only an admin or a dispatcher adds to the rota or takes entries off.' }),
  );
  await week.load();
}

// --- Words --------------------------------------------------------------------------------------------------------

/** What an entry is: its kind, an on-call limit, or a link to the long job a visit holds the day for. */
function entryWhat(entry, jobs) {
  if (entry.kind === 'visit') {
    const job = jobs.get(entry.workOrderId);
    return workOrderLink(entry.workOrderId, job ? `On a long job, ${job}` : 'On a long job');
  }
  if (entry.kind === 'on_call' && entry.maxTravelMinutes) {
    return `On call, call-out up to ${duration(entry.maxTravelMinutes)}`;
  }
  return kindLabels[entry.kind] ?? entry.kind;
}

/** A shift day's hours (that weekday's own, when the pattern has them) and break: `07:00–19:00, lunch 30 min`. */
function shiftWords(shift, day) {
  const { start, end } = shift.hours?.[day] ?? shift;
  const hours = `${start}–${end}`;
  return shift.break ? `${hours}, lunch ${duration(shift.break.minutes)}` : hours;
}

/** The hours of a day an entry holds when it is not the whole day: `09:00–12:30`, `from 13:00`, `until 10:00`. */
function partOfDay(entry, start, end, clock) {
  const from = Date.parse(entry.from);
  const to = Date.parse(entry.to);
  if (from > start && to < end) return `${clock.time(from)}–${clock.time(to)}`;
  if (from > start) return `from ${clock.time(from)}`;
  if (to < end) return `until ${clock.time(to)}`;
  return '';
}

/** When an entry runs: whole days (`Tuesday 3 June to Wednesday 4 June`), else its first and last moments. */
function spanWords(entry, clock) {
  const from = Date.parse(entry.from);
  const to = Date.parse(entry.to);
  const midnight = (ms) => clock.startOf(clock.day(ms)) === ms;
  if (!midnight(from) || !midnight(to)) return `${clock.moment(from)} to ${clock.moment(to)}`;
  const firstDay = clock.day(from);
  const lastDay = addDays(clock.day(to), -1);
  const first = dayName.format(noon(firstDay));
  return firstDay === lastDay ? first : `${first} to ${dayName.format(noon(lastDay))}`;
}

const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

// --- The business's days ------------------------------------------------------------------------------------------

/** The business's time zone; the API's default when it cannot be read or this browser does not know it. */
async function businessZone(ctx) {
  const business = await ctx.api('v1/business').catch(() => undefined);
  const timeZone = business?.timeZone;
  if (!timeZone) return defaultTimeZone;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return timeZone;
  } catch {
    return defaultTimeZone;
  }
}

/**
 * Days and times on a zone's wall clock, as the API reckons them (shared/time/zone.ts): the day an instant falls on,
 * a day's first moment (across a clock change too), and times of day in words.
 */
function zoneClock(timeZone) {
  const wallFormat = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const timeFormat = new Intl.DateTimeFormat(undefined, {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const momentFormat = new Intl.DateTimeFormat(undefined, {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  /** How far the zone's clock is ahead of UTC at an instant, in ms. */
  const offsetAt = (ms) => {
    const parts = {};
    for (const part of wallFormat.formatToParts(ms)) parts[part.type] = Number(part.value);
    const second = Math.floor(ms / 1000) * 1000;
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - second;
  };
  return {
    day: (ms) => new Date(ms + offsetAt(ms)).toISOString().slice(0, 10),
    /** The instant the zone's clock shows midnight on `day`: one of the offsets either side of a change that day. */
    startOf(day) {
      const wall = Date.parse(`${day}T00:00:00Z`);
      const before = offsetAt(wall - dayMs);
      const after = offsetAt(wall + dayMs);
      const shows = (ms) => ms + offsetAt(ms) === wall;
      const early = wall - Math.max(before, after);
      const late = wall - Math.min(before, after);
      if (shows(early)) return early;
      if (shows(late)) return late;
      return wall - before;
    },
    time: (ms) => timeFormat.format(ms),
    moment: (ms) => momentFormat.format(ms),
  };
}

const isDay = (text) =>
  /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && addDays(text, 0) === text;

function addDays(day, count) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + count * dayMs).toISOString().slice(0, 10);
}

/** 1 = Monday ... 7 = Sunday, as shifts count them. */
const weekday = (day) => new Date(`${day}T00:00:00Z`).getUTCDay() || 7;

/** The Monday of the week holding `day`. */
const weekOf = (day) => addDays(day, 1 - weekday(day));

const weekHash = (monday) => `#/rota?week=${monday}`;

// --- Shared -------------------------------------------------------------------------------------------------------

/** The refs (`WO-000123`) of the long jobs the week's visits hold days for, by id; one that cannot be read is left out. */
async function jobRefs(ctx, entries) {
  const ids = [...new Set(entries.map((entry) => entry.workOrderId).filter(Boolean))];
  const read = await Promise.all(
    ids.map((id) =>
      ctx.api(`v1/work-orders/${encodeURIComponent(id)}`).then(
        (wo) => [id, wo.ref],
        () => undefined,
      ),
    ),
  );
  return new Map(read.filter(Boolean));
}
