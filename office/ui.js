// What every screen of the office console builds its page with: elements, words for statuses and priorities, times
// and money in plain words, and a modal dialog. Server text is only ever set as textContent (no innerHTML), and
// nothing here writes an inline style attribute: the Content-Security-Policy allows neither.

import { outcomeLabels, priorityLabels } from '../common/labels.js';
import { newKey } from '../common/sign-in.js';

export { outcomeLabels, priorityLabels };

export const statusLabels = {
  logged: 'Logged',
  pending_approval: 'Waiting for approval',
  rejected: 'Rejected',
  ready_to_schedule: 'Ready to schedule',
  scheduled: 'Scheduled',
  dispatched: 'Dispatched',
  acknowledged: 'Accepted',
  en_route: 'On the way',
  on_site: 'On site',
  in_progress: 'Working',
  paused: 'Paused',
  completed: 'Completed',
  closed: 'Closed',
  cancelled: 'Cancelled',
};
export const statuses = Object.keys(statusLabels);
/** Statuses that end a work order: the job list shows them only when asked for one. */
export const finishedStatuses = ['closed', 'rejected', 'cancelled'];

export const sourceLabels = {
  api: 'API',
  web: 'Web form',
  email: 'E-mail',
  office: 'Office',
  planned: 'Planned service',
  quote: 'Quote',
  follow_up: 'Follow-up',
};

export const waitingLabels = {
  release: 'the office to release it',
  approval: 'an approver',
  assignment: 'the office to assign an engineer',
  acknowledgement: 'the engineer to accept',
  completion: 'the engineer to complete',
};

export const exclusionLabels = {
  inactive: 'not active',
  refused: 'refused this job',
  missing_skill: 'lacks a skill the job needs',
  missing_certification: 'lacks a certificate the job needs',
  expired_certification: 'a certificate the job needs has expired',
  off_shift: 'no shift the job fits in',
  no_feasible_slot: 'no room in their day',
};

export const statusLabel = (status) => statusLabels[status] ?? status;

/** An element with attributes (`text` sets its text; `on…` a listener; false or undefined are left out). */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'hidden' || key === 'disabled') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((child) => child !== undefined && child !== null && child !== false));
  return node;
}

/** Replaces a node's children; undefined, null and false ones are left out (replaceChildren would write them). */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== undefined && child !== null && child !== false));
  return node;
}

/** A term and its description for a `dl`; nothing when there is no value. */
export function fact(term, value) {
  if (value === undefined || value === null || value === '') return undefined;
  return h('div', {}, h('dt', { text: term }), h('dd', {}, value));
}

/** A link to a work order's screen. */
export function workOrderLink(id, text) {
  return h('a', { href: `#/work-orders/${encodeURIComponent(id)}`, text: text ?? id });
}

/** The status as text with its colour class (colour is never the only sign). */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, text: statusLabel(status) });
}

export function priorityBadge(priority) {
  return h('span', { class: `badge priority-${priority}`, text: priority, title: priorityLabels[priority] });
}

/** `125` → `2 h 5 min`; `35` → `35 min`; `2880` → `2 d 0 h`. */
export function duration(minutes) {
  const total = Math.max(0, Math.round(minutes));
  if (total < 60) return `${total} min`;
  if (total < 48 * 60) {
    const rest = total % 60;
    return rest === 0 ? `${Math.floor(total / 60)} h` : `${Math.floor(total / 60)} h ${rest} min`;
  }
  return `${Math.floor(total / 1440)} d ${Math.floor((total % 1440) / 60)} h`;
}

/** Time to an SLA due time in words: `2 h 10 min left`, `overdue by 35 min`. */
export function slaWords(iso, now = Date.now()) {
  if (!iso) return '';
  const minutes = (Date.parse(iso) - now) / 60_000;
  if (minutes >= 0) return `${duration(minutes)} left`;
  return `overdue by ${duration(-minutes)}`;
}

/** `overdue`, `soon` (within two hours) or `ok`, for the SLA's colour next to its words. */
export function slaState(iso, now = Date.now()) {
  const minutes = (Date.parse(iso) - now) / 60_000;
  if (minutes < 0) return 'overdue';
  if (minutes < 120) return 'soon';
  return 'ok';
}

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A time of day (`09:30`), with the date too when it is not today. */
export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

/** A clock time alone, whatever the day (`09:30`). */
export function clock(iso) {
  return iso ? timeFormat.format(new Date(iso)) : '';
}

export function formatDay(date) {
  return new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(`${date}T12:00:00Z`),
  );
}

export function money(minor, currency = 'GBP') {
  if (minor === undefined || minor === null) return '';
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
}

/** Today as the API counts days (UTC), `YYYY-MM-DD`. */
export function today() {
  return new Date().toISOString().slice(0, 10);
}

export function plural(count, word, many = `${word}s`) {
  return `${count} ${count === 1 ? word : many}`;
}

/** `cus_northwest_homes` → `Northwest Homes`, for an id whose record is not at hand. */
export function readable(id) {
  if (!id) return '';
  return id
    .replace(/^[a-z]+_/, '')
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/**
 * A modal dialog (the native `<dialog>`: focus stays inside it, Escape closes it, and focus returns to where it was).
 * `build(close)` answers its content; the answer is `{ dialog, close }`.
 */
export function openDialog({ title, build, onClose }) {
  const returnTo = document.activeElement;
  const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const close = () => {
    if (dialog.open) dialog.close();
  };
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.();
    if (returnTo?.isConnected) returnTo.focus();
  });
  dialog.append(
    h(
      'div',
      { class: 'dialog-head' },
      h('h2', { id: titleId, text: title }),
      h('button', { type: 'button', class: 'secondary small', onclick: close, 'aria-label': 'Close' }, 'Close'),
    ),
    h('div', { class: 'dialog-body' }, build(close)),
  );
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close };
}

/** Shows an error next to what it is about, in the API's words. */
export function problemText(error) {
  const lines = [error?.message || 'Something went wrong. Try again.'];
  for (const fieldError of error?.errors ?? []) if (fieldError?.message) lines.push(fieldError.message);
  return lines.join(' ');
}

/** Marks the time a screen took to do something, for the browser's performance timeline (and its tests). */
export function measure(name, start) {
  try {
    performance.measure(name, { start, end: performance.now() });
  } catch {
    // An old browser without User Timing Level 3: nothing to record.
  }
}

// --- Forms --------------------------------------------------------------------------------------------------------

let controlCount = 0;

/** A control with its label, an optional hint and a line for its error, each tied to it (`for`, aria-describedby). */
export function labelled(label, control, hint) {
  const id = `field-${++controlCount}`;
  const hintLine = hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : undefined;
  const error = h('p', { class: 'error', id: `${id}-error`, hidden: true });
  control.id = id;
  control.setAttribute('aria-describedby', [hintLine?.id, error.id].filter(Boolean).join(' '));
  return {
    control,
    element: h('div', { class: 'field' }, h('label', { for: id, text: label }), hintLine, error, control),
    setError(message) {
      error.textContent = message;
      error.hidden = false;
      control.setAttribute('aria-invalid', 'true');
      return `${label}: ${message}`;
    },
    clear() {
      error.textContent = '';
      error.hidden = true;
      control.removeAttribute('aria-invalid');
    },
  };
}

/**
 * The Idempotency-Key of one action: fresh for each submission, but kept for the next while the last one's outcome is
 * unknown (no answer arrived, the service failed, or it is still working on that key), so sending it again replays
 * the first answer instead of doing it twice.
 */
export function keyHolder() {
  let kept;
  return {
    take: () => {
      kept ??= newKey();
      return kept;
    },
    settle: (error) => {
      const unknown =
        error && (error.kind === 'network' || error.status >= 500 || error.code === 'idempotency.in_flight');
      if (!unknown) kept = undefined;
    },
  };
}

/**
 * A failure in the API's words: its problem's title and detail, each field's error (`fields`, when the form has put
 * them in its own words), and what a refusal means for the screen (`conflicts`, by the problem's code).
 */
export function problemLines(
  error,
  conflicts = {},
  fields = (error.errors ?? []).map((fieldError) => fieldError.message),
) {
  const title = error.body?.title;
  return [
    title && title !== error.message ? `${title}: ${error.message}` : error.message,
    ...fields,
    conflicts[error.code],
  ].filter(Boolean);
}

/** Lines of a problem in a form's box, which takes the focus so that they are read out. */
export function showProblem(box, lines) {
  fill(
    box,
    h('h2', { text: 'There is a problem' }),
    lines.map((line) => h('p', { text: line })),
  );
  box.focus();
}
