import { AsyncLocalStorage } from 'node:async_hooks';
import { businessTimeZone } from '../db/business.ts';
import { type EngineerRecord, getEngineer } from '../db/reference.ts';
import { backoff } from '../db/service.ts';
import { listByEngineer, type WorkOrderRecord } from '../db/work-orders.ts';
import { StoreConflict, StoreThrottled } from '../errors.ts';
import { logger } from '../observability.ts';
import { rotaBetween } from '../rota/rota.ts';
import { addDays, atLocal, localDay } from '../time/zone.ts';
import { plannedStatuses, underWayStatuses } from '../work-order/lifecycle.ts';
import type { Engineer } from '../work-order/model.ts';
import { change } from '../work-order/work-order.ts';
import { stopOf } from './candidates.ts';
import { type DayOrigin, retimeDay, type TimedStop, visitOrder } from './day-timing.ts';
import { breakWindowOn, shiftWindowOn, workable } from './match.ts';
import { travelFor } from './route-matrix.ts';
import type { TravelTimes } from './travel.ts';

/** How often a reflow starts again from a fresh read when another write got to one of its stops first. */
const attempts = 8;

/** How many later days a reflow follows when it pushes stops past midnight. */
const spillDays = 2;

/**
 * Set while a reflow (or a caller that reflows itself, see {@link withoutReflowHook}) writes: the hook in
 * `change()` then stays quiet, so moving a stop does not start a reflow of the day being reflowed.
 */
const quiet = new AsyncLocalStorage<true>();

/** A job about to join the day: it is timed with the others but not written (its own change writes it). */
export interface IncomingStop {
  stop: TimedStop;
  /** Its index among the day's stops in visit order (the matcher's insertion position). */
  position: number;
}

/**
 * Re-times an engineer's planned stops on a day of the business so none overlaps another and each allows the drive from the
 * one before (see `retimeDay`), and writes each stop whose start moved. Stops under way stay where they are; a job
 * the engineer finished that day is where the rest starts from.
 *
 * Each write goes through `change()`, conditional on the version it decided from, and only while the stop still
 * sits in the day as it was read; so racing reflows and changes never lose one another: when a stop changed
 * meanwhile, the day is read and timed again (a retry, or a second reflow of the same day, writes nothing more).
 * Stops moving later are written last first and those moving earlier first first, so no two stops overlap in the
 * store between writes where the old times allowed it. It writes through `change()` with the reflow hook quiet,
 * so its own writes never start another reflow.
 *
 * With `incoming`, the day is timed as if that job were already in it, and only stops that must move later are
 * written: room is made before the job is written, and nothing moves into the place of a stop in `without` (one
 * being displaced) before it has gone. The job's start in that day is answered as `incomingStart`.
 */
export async function reflowEngineerDay(options: {
  engineerId: string;
  /** `YYYY-MM-DD`, the business's day (see {@link dayOf}). */
  day: string;
  now?: Date;
  travel?: TravelTimes;
  incoming?: IncomingStop;
  /** Work orders to leave out of the day (a stop being displaced). */
  without?: readonly string[];
  /** The business's, when the caller has read it already (the day is its day). */
  timeZone?: string;
}): Promise<{ moved: string[]; incomingStart?: string }> {
  return quiet.run(true, async () => {
    const [engineer, timeZone] = await Promise.all([
      getEngineer(options.engineerId),
      options.timeZone ?? businessTimeZone(),
    ]);
    if (!engineer) return { moved: [] };
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await reflowOnce(engineer, options, timeZone);
        for (const day of result.spilled) {
          await reflowEngineerDay({ ...options, day, incoming: undefined, timeZone });
        }
        return { moved: result.moved, incomingStart: result.incomingStart };
      } catch (error) {
        if (!(error instanceof StaleDay) || attempt >= attempts) throw error;
        await backoff(attempt);
      }
    }
  });
}

async function reflowOnce(
  engineer: EngineerRecord,
  options: Parameters<typeof reflowEngineerDay>[0],
  timeZone: string,
): Promise<{ moved: string[]; incomingStart?: string; spilled: string[] }> {
  const now = (options.now ?? new Date()).getTime();
  const dayStart = atLocal(options.day, 0, timeZone);
  const records = await listByEngineer(engineer.engineerId, {
    from: new Date(dayStart).toISOString(),
    to: new Date(atLocal(addDays(options.day, 1), 0, timeZone) - 1).toISOString(),
  });
  const without = new Set(options.without ?? []);
  if (options.incoming) without.add(options.incoming.stop.workOrderId);
  const byId = new Map<string, WorkOrderRecord>();
  const stops: TimedStop[] = [];
  for (const record of records) {
    if (without.has(record.workOrderId) || !plannedStatuses.includes(record.status)) continue;
    // A stop with no location cannot be driven to or timed; matching and assignment never plan one.
    const stop = stopOf(record, now);
    if (!stop) continue;
    byId.set(record.workOrderId, record);
    stops.push(stop);
  }
  const ordered = visitOrder(stops);
  if (options.incoming) {
    const pinnedCount = ordered.filter((stop) => stop.pinned).length;
    const position = Math.min(Math.max(options.incoming.position, pinnedCount), ordered.length);
    ordered.splice(position, 0, { ...options.incoming.stop, pinned: false });
  }
  const origin = lastFinished(records);
  const places = [engineer.homeBase, ...ordered.map((stop) => stop.location), ...(origin ? [origin.location] : [])];
  const rota = await rotaBetween(dayStart, atLocal(addDays(options.day, 1), 0, timeZone));
  const timed = retimeDay({
    stops: ordered,
    home: engineer.homeBase,
    shiftStart: dayFloor(engineer, options.day, timeZone, rota(engineer.engineerId).away),
    now,
    origin,
    travel: options.travel ?? (await travelFor(places, { day: options.day })),
    breakWindow: engineer.shift.break && breakWindowOn(engineer.shift.break, options.day, timeZone),
  });

  const later: Array<{ record: WorkOrderRecord; start: string }> = [];
  const earlier: Array<{ record: WorkOrderRecord; start: string }> = [];
  let incomingStart: string | undefined;
  for (const { workOrderId, start } of timed) {
    const iso = new Date(start).toISOString();
    if (workOrderId === options.incoming?.stop.workOrderId) incomingStart = iso;
    const record = byId.get(workOrderId);
    if (!record?.scheduledStart || iso === record.scheduledStart) continue;
    (iso > record.scheduledStart ? later : earlier).push({ record, start: iso });
  }
  const writes = options.incoming ? later.reverse() : [...later.reverse(), ...earlier];
  for (const { record, start } of writes) await moveStart(record, start);
  const spilled = [...new Set(writes.map((w) => dayOf(w.start, timeZone)))].filter(
    (day) => day > options.day && day <= addDays(options.day, spillDays),
  );
  return { moved: writes.map((w) => w.record.workOrderId), ...(incomingStart && { incomingStart }), spilled };
}

/**
 * A stop changed its place in the day after the day was read: the day is read and timed again. Still stale after
 * every attempt, it is a contention the caller retries (a Store.Conflict: the state machine retries its task).
 */
class StaleDay extends StoreConflict {
  constructor(workOrderId: string) {
    super(`Work order ${workOrderId} moved while its engineer's day was being re-timed.`);
  }
}

/**
 * Writes a stop's new start. `change()` writes only onto the version it decided from; the decision holds only while
 * the stop is where the day was timed from (the day is read from an index, which may lag), else {@link StaleDay}.
 */
async function moveStart(record: WorkOrderRecord, start: string): Promise<void> {
  await change({
    workOrderId: record.workOrderId,
    decide: (current) => {
      if (timingOf(current) !== timingOf(record)) throw new StaleDay(current.workOrderId);
      return {
        set: { scheduledStart: start },
        entries: [
          {
            at: new Date().toISOString(),
            actor: 'scheduler',
            type: 'replanned',
            from: current.status,
            to: current.status,
            reason: 'Re-timed with the rest of the engineer’s day',
            data: { engineerId: current.engineerId, scheduledStart: start, previousStart: current.scheduledStart },
          },
        ],
      };
    },
  });
}

/**
 * The earliest a day's stops may start: the engineer's shift start that day, or the end of time away that takes its
 * start (a morning's leave, a long job's visit). The early hours of a shift that began the day before belong to that
 * shift, and a day with no shift (work booked by hand) is timed from midnight. Stops are never timed before the
 * day's midnight, so a day's reflow never moves a stop into the day before.
 */
function dayFloor(engineer: EngineerRecord, day: string, timeZone: string, away: Engineer['away']): number {
  const dayStart = atLocal(day, 0, timeZone);
  const running = shiftWindowOn(engineer.shift, addDays(day, -1), timeZone);
  if (running && running.end > dayStart) return dayStart;
  const shift = shiftWindowOn(engineer.shift, day, timeZone);
  if (!shift) return dayStart;
  return (workable(shift, away) ?? shift).start;
}

/** The business's day a planned start (ISO 8601) falls on: the day whose plan holds it. */
export const dayOf = (start: string, timeZone: string): string => localDay(Date.parse(start), timeZone);

/** The job the engineer finished last that day, where and when the rest of the day starts from. */
function lastFinished(records: readonly WorkOrderRecord[]): DayOrigin | undefined {
  let last: DayOrigin | undefined;
  for (const record of records) {
    const finishedAt = record.completion?.at ?? record.stageTimes?.completed;
    if (!finishedAt || !record.location || plannedStatuses.includes(record.status)) continue;
    const at = Date.parse(finishedAt);
    if (!last || at > last.at) last = { location: record.location, at };
  }
  return last;
}

/**
 * Runs `act` with the reflow hook quiet: for a caller that writes several stops of a day (the instant match, a
 * manual assignment, applying a day plan) and reflows each day it touched once, when it is done.
 */
export function withoutReflowHook<T>(act: () => Promise<T>): Promise<T> {
  return quiet.run(true, act);
}

/** What of a work order decides where it sits in its engineer's day. */
function timingOf(record: WorkOrderRecord) {
  return JSON.stringify([
    record.engineerId,
    record.scheduledStart,
    plannedStatuses.includes(record.status),
    underWayStatuses.includes(record.status),
    record.estimatedMinutes,
    record.location,
    record.preferredWindow?.from,
    record.visits,
  ]);
}

/**
 * Called after each committed change of a work order: reflows the engineer's day (or days) the change touched,
 * when it touched one: a stop added, moved, re-estimated or relocated, one leaving the day (refused, cancelled,
 * unassigned, displaced, completed early or late) or one getting under way. Changes that leave a work order's
 * place in the day alone (notes, time logs, an acknowledgement) read nothing.
 *
 * The change is already committed, so a failed reflow is logged rather than thrown: the next change to that day
 * reflows it again, and the office can re-plan it meanwhile.
 */
export async function reflowAfterChange(previous: WorkOrderRecord, next: WorkOrderRecord): Promise<void> {
  if (quiet.getStore() || timingOf(previous) === timingOf(next)) return;
  const timeZone = await businessTimeZone();
  const days = new Map<string, { engineerId: string; day: string; timeZone: string }>();
  for (const record of [previous, next]) {
    if (!record.engineerId || !record.scheduledStart) continue;
    // A long job's visits hold days of their own: each closes up, or makes room, as they come and go.
    const touched = [dayOf(record.scheduledStart, timeZone), ...(record.visits ?? []).map((visit) => visit.day)];
    for (const day of touched)
      days.set(`${record.engineerId}#${day}`, { engineerId: record.engineerId, day, timeZone });
  }
  for (const target of days.values()) {
    try {
      await reflowEngineerDay(target);
    } catch (error) {
      // Contention (the day kept changing under it, or the store said "not now") is expected under load: a warning.
      const contention = error instanceof StoreConflict || error instanceof StoreThrottled;
      logger[contention ? 'warn' : 'error']('could not reflow the engineer’s day', {
        ...target,
        workOrderId: next.workOrderId,
        error: error as Error,
      });
    }
  }
}
