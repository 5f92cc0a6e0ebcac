import type { LatLng, Priority } from '../work-order/model.ts';
import type { PlannedStop } from './insertion.ts';
import { estimatedTravel, type TravelTimes } from './travel.ts';

const minuteMs = 60_000;

/** A stop of an engineer's day with the start it has now (epoch ms), as stored. */
export interface TimedStop extends PlannedStop {
  start: number;
}

/** Where and when the engineer is free before the day's open stops: the job they finished last, or none yet. */
export interface DayOrigin {
  location: LatLng;
  at: number;
}

/**
 * Driving time in whole milliseconds, rounded up to the minute: every planner rounds the same way, so an ETA is
 * never optimistic and a time one planner finds feasible is feasible to the others.
 */
export function drivingTime(travel: TravelTimes = estimatedTravel): (from: LatLng, to: LatLng) => number {
  return (from, to) => Math.ceil(travel.minutes(from, to)) * minuteMs;
}

const priorityRank: Record<Priority, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };

/**
 * The order an engineer visits a day's stops in: stops under way (pinned) first, since nothing may be put before
 * them, then by start. Equal starts (two jobs booked at the same minute) go by priority, then id, so the urgent
 * job is the one done first and the order is the same wherever it is computed.
 */
export function visitOrder<T extends Pick<TimedStop, 'workOrderId' | 'start' | 'priority' | 'pinned'>>(
  stops: readonly T[],
): T[] {
  return [...stops].sort(
    (a, b) =>
      Number(Boolean(b.pinned)) - Number(Boolean(a.pinned)) ||
      a.start - b.start ||
      priorityRank[a.priority] - priorityRank[b.priority] ||
      (a.workOrderId < b.workOrderId ? -1 : a.workOrderId > b.workOrderId ? 1 : 0),
  );
}

/**
 * The start of each stop of an engineer's day, re-timed so that none overlaps the one before it: the same forward
 * pass the matcher plans with (`insertion.ts`), so what is stored is what the matcher assumes.
 *
 * Stops are taken in {@link visitOrder}. A pinned stop keeps its start; the engineer leaves it once its service is
 * done, or now if it is overrunning. Every other stop starts as early as the day allows: after the drive from the
 * stop before (or from `origin`, else home), no earlier than the shift start, its window start or the drive from
 * where the engineer is now, rounded up to the minute. An emergency the engineer was called out to (`calledOut`)
 * is not held to the shift: they set out as soon as they are free. Later stops move later when a job is put before them, and
 * earlier when one before them goes (a refusal, a cancellation, an early finish).
 *
 * Window ends are not checked: a day that has become late is still timed without overlaps, and stays late.
 */
export function retimeDay(opts: {
  stops: readonly TimedStop[];
  home: LatLng;
  shiftStart: number;
  now: number;
  origin?: DayOrigin;
  travel?: TravelTimes;
}): Array<{ workOrderId: string; start: number }> {
  const drive = drivingTime(opts.travel);
  let at = opts.origin?.location ?? opts.home;
  let free = opts.origin?.at ?? Number.NEGATIVE_INFINITY;
  return visitOrder(opts.stops).map((stop) => {
    const service = stop.serviceMinutes * minuteMs;
    let start = stop.start;
    if (!stop.pinned) {
      const shiftStart = stop.calledOut ? Number.NEGATIVE_INFINITY : opts.shiftStart;
      const leave = Math.max(free, shiftStart, opts.now);
      const earliest = Math.max(leave + drive(at, stop.location), stop.window.from, shiftStart);
      start = Math.ceil(earliest / minuteMs) * minuteMs;
    }
    free = Math.max(free, start + service);
    at = stop.location;
    return { workOrderId: stop.workOrderId, start };
  });
}
