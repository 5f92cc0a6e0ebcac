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

/** An engineer's break on one day, epoch ms: `length` taken starting between `earliest` and `latestStart`. */
export interface BreakWindow {
  earliest: number;
  latestStart: number;
  length: number;
}

/**
 * Where the break falls at one boundary of the day: the engineer is free at `free`, the next job is `drive` ms away
 * and would start at `start` if they set out then, and takes `service` ms. The caller times the job again from the
 * `setOut` answered (the job then starts as if they set out at that instant).
 *
 * - Free within the break's window: the break is taken now, before setting out.
 * - Free before it, and the next job would end by the latest start: the break can wait until after that job.
 * - Free before it, the next job starting within the window: the break is taken on arrival, or when the window opens
 *   if that is later, before the job starts (a wait for the job's window absorbs it). The job is never more than the
 *   break's length later for it, which is what the day optimiser spares (`optimise.ts`).
 * - Free before it, the next job running across the whole window: the break is taken on site, and the job ends that
 *   much later.
 *
 * A window already past when the day is timed (`free` after its latest start) counts as taken: it is not planned.
 */
export function breakAt(
  window: BreakWindow,
  free: number,
  start: number,
  service: number,
  drive: number,
): { setOut: number; onSite: number; taken: boolean } {
  if (free > window.latestStart) return { setOut: free, onSite: 0, taken: true };
  if (free >= window.earliest) return { setOut: free + window.length, onSite: 0, taken: true };
  if (start + service <= window.latestStart) return { setOut: free, onSite: 0, taken: false };
  if (start >= window.earliest) {
    return { setOut: Math.max(free, window.earliest - drive) + window.length, onSite: 0, taken: true };
  }
  return { setOut: free, onSite: window.length, taken: true };
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
  /** The engineer's break that day, placed by {@link breakAt}: the stops after it move later by it. */
  breakWindow?: BreakWindow;
}): Array<{ workOrderId: string; start: number }> {
  const drive = drivingTime(opts.travel);
  let at = opts.origin?.location ?? opts.home;
  let free = opts.origin?.at ?? Number.NEGATIVE_INFINITY;
  let rested = opts.breakWindow === undefined;
  return visitOrder(opts.stops).map((stop) => {
    let service = stop.serviceMinutes * minuteMs;
    let start = stop.start;
    if (!stop.pinned) {
      const shiftStart = stop.calledOut ? Number.NEGATIVE_INFINITY : opts.shiftStart;
      const from = at;
      const startIf = (setOut: number) =>
        Math.ceil(Math.max(setOut + drive(from, stop.location), stop.window.from, shiftStart) / minuteMs) * minuteMs;
      let leave = Math.max(free, shiftStart, opts.now);
      if (!rested && opts.breakWindow) {
        const rest = breakAt(opts.breakWindow, leave, startIf(leave), service, drive(from, stop.location));
        leave = rest.setOut;
        service += rest.onSite;
        rested = rest.taken;
      }
      start = startIf(leave);
    }
    free = Math.max(free, start + service);
    at = stop.location;
    return { workOrderId: stop.workOrderId, start };
  });
}
