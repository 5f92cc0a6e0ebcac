import { addDays, defaultTimeZone, minuteOfDay } from '../time/zone.ts';
import type { Engineer, LatLng, Visit } from '../work-order/model.ts';
import { drivingTime, type TimedStop } from './day-timing.ts';
import { breakWindowOn, qualificationReasons, shiftWindowOn, workable } from './match.ts';
import type { TravelTimes } from './travel.ts';

/**
 * Jobs longer than a shift, and returns with parts, planned as visits with one engineer.
 *
 * Such a job is no stop of a route: each of its visits holds the engineer's day on the rota (a `visit` entry, one per
 * engineer and day, written in the same transaction as the work order: see `saveWorkOrder`), so every planner
 * (matching, booked windows, the day optimiser, re-timing) sees the held time as time the engineer is away, and two
 * such jobs never share an engineer's day. The first visit follows the work already planned that day and runs to
 * the end of the shift; each later one starts the engineer's next working day (the drive from home first), before
 * anything else planned that day. Days off and leave are skipped; a day another long job holds, or work planned
 * across the morning a later visit needs whole, rules that run of days out.
 */

const minuteMs = 60_000;

/** The shortest first visit worth driving to: a long job does not start with ten minutes at the end of a day. */
export const shortestFirstVisitMinutes = 60;

/** How many days after its first a job's visits may run (days off and leave included). */
export const longestRunDays = 14;

/** How the visits of one job fall: the first after the day's other work, or (a return visit) first thing. */
export type FirstVisit = 'after_the_day' | 'first_thing';

/** A job to plan as visits. */
export interface VisitJob {
  workOrderId: string;
  location: LatLng;
  minutes: number;
  /** No visit starts before this (epoch ms): the customer's window, or when the parts are due. */
  earliest: number;
}

/** What a planner knows of one of the engineer's days: their other planned stops, and the drives among places. */
export interface DayReader {
  stopsOn(day: string): Promise<readonly TimedStop[]>;
  travelOn(day: string, places: LatLng[]): Promise<TravelTimes>;
}

/**
 * The work minutes an engineer's longest shift holds (a weekday's own hours count), less its break: a job longer than
 * this is planned as visits.
 */
export function shiftWorkMinutes(shift: Engineer['shift']): number {
  if (shift.days.length === 0) return 0;
  const lengths = [shift, ...Object.values(shift.hours ?? {})].map((hours) => {
    const start = hours && minuteOfDay(hours.start);
    const end = hours && minuteOfDay(hours.end);
    if (start === undefined || end === undefined) return 0;
    return end > start ? end - start : end + 24 * 60 - start;
  });
  return Math.max(...lengths) - (shift.break?.minutes ?? 0);
}

/**
 * Whether a job is longer than the shift of every engineer qualified for it: then it can only be planned as visits.
 * With no one qualified it is not (matching reports who is excluded, and why).
 */
export function longerThanAShift(opts: {
  job: { minutes: number; requiredSkills: string[]; requiredCertifications: string[] };
  engineers: readonly Engineer[];
  now: Date;
  timeZone?: string;
}): boolean {
  const qualified = opts.engineers.filter(
    (engineer) => qualificationReasons({ job: opts.job, engineer, on: opts.now, timeZone: opts.timeZone }).length === 0,
  );
  return qualified.length > 0 && qualified.every((engineer) => shiftWorkMinutes(engineer.shift) < opts.job.minutes);
}

/**
 * One engineer's visits for a job: the earliest run of days, starting on one of `firstDays`, that holds the whole
 * job; undefined when none does. Each visit is as long as its day allows (the last, what is left).
 */
export async function planVisits(opts: {
  job: VisitJob;
  engineer: Engineer;
  firstDays: readonly string[];
  firstVisit: FirstVisit;
  days: DayReader;
  now: number;
  timeZone?: string;
}): Promise<Visit[] | undefined> {
  for (const firstDay of opts.firstDays) {
    const first = await visitOn({ ...opts, day: firstDay, placement: opts.firstVisit, remaining: opts.job.minutes });
    if (first === 'day_off' || first === 'no_room' || first.visit.minutes < firstVisitFloor(opts.job)) continue;
    // A morning cut short by other work holds a return only if the whole of it fits.
    if (first.cut && first.visit.minutes < opts.job.minutes) continue;
    const visits = [first.visit];
    let remaining = opts.job.minutes - first.visit.minutes;
    for (let day = addDays(firstDay, 1); remaining > 0 && day <= addDays(firstDay, longestRunDays); ) {
      const next = await visitOn({ ...opts, day, placement: 'first_thing', remaining });
      if (next === 'no_room' || (next !== 'day_off' && next.visit.minutes < remaining && next.cut)) break;
      if (next !== 'day_off') {
        visits.push(next.visit);
        remaining -= next.visit.minutes;
      }
      day = addDays(day, 1);
    }
    if (remaining <= 0) return visits;
  }
  return undefined;
}

const firstVisitFloor = (job: VisitJob) => Math.min(shortestFirstVisitMinutes, job.minutes);

/**
 * The visit a day holds for the job: `day_off` when the engineer does not work it, `no_room` when another job holds
 * it or nothing fits. `cut` when a stop planned later that day, not the shift's end, ends the visit.
 */
async function visitOn(opts: {
  job: VisitJob;
  engineer: Engineer;
  day: string;
  placement: FirstVisit;
  remaining: number;
  days: DayReader;
  now: number;
  timeZone?: string;
}): Promise<{ visit: Visit; cut: boolean } | 'day_off' | 'no_room'> {
  const { job, engineer, day } = opts;
  const timeZone = opts.timeZone ?? defaultTimeZone;
  const holder = engineer.heldDays?.get(day);
  if (holder !== undefined && holder !== job.workOrderId) return 'no_room';
  const shift = shiftWindowOn(engineer.shift, day, timeZone);
  // The job's own visits (a plan made again) are not in its way.
  const away = engineer.away?.filter((off) => off.workOrderId !== job.workOrderId);
  const working = shift && workable(shift, away);
  if (!working) return 'day_off';

  const stops = await opts.days.stopsOn(day);
  const travel = await opts.days.travelOn(day, [engineer.homeBase, job.location, ...stops.map((s) => s.location)]);
  const drive = drivingTime(travel);
  let setOut = Math.max(working.start, opts.now);
  let from = engineer.homeBase;
  if (opts.placement === 'after_the_day') {
    for (const stop of stops) {
      setOut = Math.max(setOut, stop.start + stop.serviceMinutes * minuteMs);
      from = stop.location;
    }
  }
  const start = Math.ceil(Math.max(setOut + drive(from, job.location), job.earliest) / minuteMs) * minuteMs;
  const next = opts.placement === 'first_thing' ? stops[0] : undefined;
  const until = next ? Math.min(working.end, next.start - drive(job.location, next.location)) : working.end;
  const rest = engineer.shift.break && breakWindowOn(engineer.shift.break, day, timeZone);
  // A visit running across the break's latest start takes the break on site: it ends that much later.
  const onSiteBreak = (end: number) => (rest && start <= rest.latestStart && end > rest.latestStart ? rest.length : 0);
  const room = Math.floor((until - start - onSiteBreak(until)) / minuteMs);
  if (room <= 0) return 'no_room';
  const minutes = Math.min(room, opts.remaining);
  const workEnd = start + minutes * minuteMs;
  const end = workEnd + onSiteBreak(workEnd);
  return {
    visit: {
      day,
      from: new Date(setOut).toISOString(),
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      minutes,
    },
    cut: until < working.end,
  };
}

/** Several engineers' visits for a job, best first: the job finished soonest, then in fewer visits, then by id. */
export function byEarliestFinish(
  a: { engineerId: string; visits: Visit[] },
  b: { engineerId: string; visits: Visit[] },
): number {
  const finish = (plan: { visits: Visit[] }) => (plan.visits.at(-1) as Visit).end;
  return (
    finish(a).localeCompare(finish(b)) || a.visits.length - b.visits.length || a.engineerId.localeCompare(b.engineerId)
  );
}
