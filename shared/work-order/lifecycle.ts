import { Conflict } from '../errors.ts';
import type { Status } from './model.ts';

/**
 * Every allowed move of a work order, in one table: the only place the lifecycle is checked.
 * Engineers on bad signal may skip a field status (acknowledged straight to on_site), so forward skips within the
 * field statuses are allowed; nothing moves backwards except pause/resume and a return to scheduling: the engineer
 * refuses, an urgent job displaces one not yet under way, the office gives one not yet under way to another engineer
 * (back to `scheduled`, to be dispatched again), or an edit makes a job need approval it does not have.
 * Cancellation is possible from any status before the engineer is on site.
 */
export const transitions: Record<Status, readonly Status[]> = {
  logged: ['pending_approval', 'ready_to_schedule', 'cancelled'],
  pending_approval: ['ready_to_schedule', 'rejected', 'cancelled'],
  rejected: [],
  ready_to_schedule: ['scheduled', 'pending_approval', 'cancelled'],
  scheduled: ['dispatched', 'ready_to_schedule', 'pending_approval', 'cancelled'],
  dispatched: ['acknowledged', 'scheduled', 'ready_to_schedule', 'cancelled'],
  acknowledged: ['en_route', 'on_site', 'in_progress', 'scheduled', 'ready_to_schedule', 'cancelled'],
  en_route: ['on_site', 'in_progress', 'cancelled'],
  on_site: ['in_progress', 'completed'],
  in_progress: ['paused', 'completed'],
  paused: ['in_progress', 'completed'],
  completed: ['closed'],
  closed: [],
  cancelled: [],
};

/** Statuses in which the engineer holds the job and works it. */
export const fieldStatuses: readonly Status[] = ['acknowledged', 'en_route', 'on_site', 'in_progress', 'paused'];

/** The engineer is on the way or on site: planning pins the job where it is and puts nothing before it. */
export const underWayStatuses: readonly Status[] = ['en_route', 'on_site', 'in_progress', 'paused'];

/** Planned work that occupies an engineer's day. */
export const plannedStatuses: readonly Status[] = ['scheduled', 'dispatched', ...fieldStatuses];

/** No engineer has reached the site yet: the job can still be cancelled, and its SLA is still to be met. */
export const beforeArrivalStatuses: readonly Status[] = [
  'logged',
  'pending_approval',
  'ready_to_schedule',
  'scheduled',
  'dispatched',
  'acknowledged',
  'en_route',
];

/** Work orders in these statuses are finished: nothing moves them again. */
export const terminalStatuses: readonly Status[] = ['closed', 'rejected', 'cancelled'];

export function canTransition(from: Status, to: Status): boolean {
  return transitions[from].includes(to);
}

/** Throws `workorder.invalid_transition` (409) unless the move is in the table. */
export function assertTransition(from: Status, to: Status): void {
  if (!canTransition(from, to)) {
    throw new Conflict('workorder.invalid_transition', `A work order cannot move from ${from} to ${to}.`, {
      currentStatus: from,
      allowed: transitions[from],
    });
  }
}

/** The dispatch board a work order sits on. */
export function boardOf(status: Status): 'open' | 'done' {
  return terminalStatuses.includes(status) ? 'done' : 'open';
}
