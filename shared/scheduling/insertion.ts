import { addDays, atLocal, defaultTimeZone, localDay } from '../time/zone.ts';
import type { Engineer, LatLng, Priority } from '../work-order/model.ts';
import { type BreakWindow, breakAt, drivingTime } from './day-timing.ts';
import {
  breakWindowOn,
  certificatesValidThrough,
  type ExclusionReason,
  qualificationReasons,
  shiftWindowOn,
  workable,
} from './match.ts';
import { estimatedTravel, type TravelTimes } from './travel.ts';

/** A job already on an engineer's route for the day. Times are epoch ms. */
export interface PlannedStop {
  workOrderId: string;
  location: LatLng;
  serviceMinutes: number;
  /** Service may start from `from` (arriving earlier means waiting) and must start by `to`. */
  window: { from: number; to: number };
  priority: Priority;
  /** In progress or en route: never moved or displaced, and nothing is inserted before it. */
  pinned?: boolean;
  /** An emergency the engineer was called out to while on call: timed from when they set out, not their shift. */
  calledOut?: boolean;
}

/**
 * An engineer's route for the day, in visit order. It leaves `engineer.homeBase` at the start of the engineer's
 * current shift and must be back there by the shift end, or within {@link overtimeCapMinutes} after it as overtime.
 */
export interface DayPlan {
  engineer: Engineer;
  stops: PlannedStop[];
  /** The drives of this engineer's day, when they come from a source of their own (else the match's). */
  travel?: TravelTimes;
}

/** The job to place. `window.to` is the latest start: the earlier of the customer's window end and the SLA due. */
export interface NewJob {
  workOrderId: string;
  requiredSkills: string[];
  requiredCertifications: string[];
  location: LatLng;
  serviceMinutes: number;
  window: { from: number; to: number };
  priority: Priority;
  /** The parts the job is planned to use: an engineer whose van holds them all saves a trip to a depot. */
  parts?: ReadonlyArray<{ sku: string; qty: number }>;
}

/**
 * Why an engineer cannot take the job: the hard filters of `match.ts`, an emergency beyond an on-call engineer's
 * call-out range, or no place in their route for it.
 */
export type InsertionExclusionReason = ExclusionReason | 'beyond_call_out' | 'no_feasible_slot';

/** The best place for the job in one engineer's route. */
export interface InsertionCandidate {
  engineerId: string;
  /** Index of the job in the engineer's stops once inserted (after removing the displaced stop, if any). */
  position: number;
  /** Start of service and arrival on site, ISO 8601. */
  start: string;
  eta: string;
  /** Change in the route's driving time, including the drive the displaced stop no longer needs. */
  addedTravelMinutes: number;
  /**
   * Minutes between the start and `job.window.to`; null when the window has no end (no preferred window, and an
   * SLA no one can meet any more), as the candidate is stored and answered as JSON, which has no Infinity.
   */
  slaSlackMinutes: number | null;
  /** Minutes past the shift end the insertion adds to the day. */
  overtimeMinutes: number;
  /** See {@link insertionScore}: lower is better. */
  score: number;
  /** A lower-priority stop taken off the route to make room; it goes back to be re-planned. */
  displaced?: string;
  /** The engineer is on call and goes out to the emergency now, outside their shift. */
  calledOut?: true;
  /** Their van holds every part the job is planned to use. */
  carriesParts?: true;
}

/** Every eligible engineer's best insertion, best first, and why each other engineer cannot take the job. */
export interface InsertionMatch {
  candidates: InsertionCandidate[];
  excluded: Array<{ engineerId: string; reasons: InsertionExclusionReason[] }>;
}

/** How far past the shift end a route may run: overtime is possible but never open-ended. */
export const overtimeCapMinutes = 60;

/** Score per minute of added overtime: ten minutes of extra driving is preferred to one minute of overtime. */
export const overtimeWeight = 10;

/**
 * Score bonus per minute of SLA slack, by the new job's priority: for an emergency a minute earlier is worth a
 * minute of driving; for routine work the start hardly matters next to the driving.
 */
export const slackBonusPerMinute: Record<Priority, number> = { P1: 1, P2: 0.5, P3: 0.2, P4: 0.1 };

/**
 * Score bonus when the engineer's van holds every part the job needs: the trip to a depot it saves, about half an
 * hour of driving. Enough to prefer them among engineers alike, not to send them across the county.
 */
export const vanStockBonus = 30;

/** Slack beyond a working day earns nothing more, so a distant SLA does not drown out the driving. */
export const slackBonusCapMinutes = 480;

/**
 * Score penalty for displacing a stop, by its priority. It outweighs the driving a displacement usually saves, so
 * a clean slot elsewhere is chosen unless it is hours of driving or overtime worse.
 */
export const displacementPenalty: Record<DisplaceablePriority, number> = { P3: 480, P4: 240 };

/** The priorities of stops that may be displaced: only routine work makes way, and only for P1 and P2 jobs. */
export type DisplaceablePriority = 'P3' | 'P4';

/**
 * The score of one insertion, in minutes of driving (lower is better):
 *
 *   addedTravelMinutes
 *   − {@link slackBonusPerMinute}[priority] × min(slaSlackMinutes, {@link slackBonusCapMinutes})
 *   + {@link overtimeWeight} × overtimeMinutes
 *   + {@link displacementPenalty}[displaced priority], when a stop is displaced.
 */
export function insertionScore(opts: {
  addedTravelMinutes: number;
  slaSlackMinutes: number;
  overtimeMinutes: number;
  priority: Priority;
  displacedPriority?: DisplaceablePriority;
}): number {
  const slackBonus = slackBonusPerMinute[opts.priority] * Math.min(opts.slaSlackMinutes, slackBonusCapMinutes);
  const penalty = opts.displacedPriority === undefined ? 0 : displacementPenalty[opts.displacedPriority];
  return opts.addedTravelMinutes - slackBonus + overtimeWeight * opts.overtimeMinutes + penalty;
}

/**
 * Finds, for every engineer, the best feasible insertion of `job` into their planned day, and ranks engineers by it
 * (lowest {@link insertionScore} first, ties by engineer id; excluded engineers by id).
 *
 * Hard filters first, by the rules of `match.ts`: the engineer is active, has every required skill and every
 * required certification valid on the day of the job's earliest start (and on the day it actually starts: a
 * certificate lapsing at midnight on a night shift bounds the start), and works a shift that is still running or
 * yet to come today (`off_shift` otherwise). A shift that began yesterday and runs past midnight counts while it
 * runs.
 *
 * Feasibility: the route leaves home at the shift start; service starts at the later of arrival and `window.from`
 * and no later than `window.to`; travel is rounded up to whole minutes. The new job's drive starts no earlier than
 * `now`. The insertion must keep every later stop within its window and the return home within
 * {@link overtimeCapMinutes} of the shift end. A plan already late (a stale plan) is not made worse: a stop already
 * past its window may not start later than it does now, nor may the return home be later than it is now if it is
 * already past the cap. The job goes after any pinned stops; pinned stops are never moved or displaced.
 *
 * Exactness in linear time per engineer: a forward pass gives each stop's start; a backward pass gives the latest
 * start of each stop that keeps the rest of the route feasible, and the return time as a function of that start
 * (`max(start + a, b)`, since waiting absorbs delay). Each position is then checked and scored in O(1).
 *
 * An engineer whose van holds every part the job is planned to use scores {@link vanStockBonus} better.
 *
 * When a P1 or P2 job has no feasible slot with an engineer, one non-pinned P3/P4 stop may be removed to make room;
 * the best such insertion carries `displaced` and a {@link displacementPenalty}.
 *
 * Travel times must be non-negative; they need not be symmetric or obey the triangle inequality.
 */
export function matchJob(opts: {
  job: NewJob;
  plans: DayPlan[];
  travel?: TravelTimes;
  now: Date;
  /** The business's: shifts and certificates' days are its local time. */
  timeZone?: string;
}): InsertionMatch {
  const { job, plans } = opts;
  const travel = opts.travel ?? estimatedTravel;
  const timeZone = opts.timeZone ?? defaultTimeZone;
  const now = opts.now.getTime();
  const clock = clockAt(now, timeZone);
  const result: InsertionMatch = { candidates: [], excluded: [] };
  const scratch = new Scratch(Math.max(0, ...plans.map((plan) => plan.stops.length)) + 1);
  const canDisplace = job.priority === 'P1' || job.priority === 'P2';

  for (const plan of plans) {
    const { engineer } = plan;
    const { reasons, shift, callOutMinutes, onCall, breakWindow } = hardFilters(job, engineer, clock);
    if (reasons.length > 0 || shift === undefined) {
      result.excluded.push({ engineerId: engineer.id, reasons });
      continue;
    }
    const drives = plan.travel ?? travel;
    if (callOutMinutes !== undefined && drives.minutes(engineer.homeBase, job.location) > callOutMinutes) {
      result.excluded.push({ engineerId: engineer.id, reasons: ['beyond_call_out'] });
      continue;
    }
    // Called out, the engineer goes from home now: the day's work is after, and is re-timed behind the emergency.
    const stops = onCall ? [] : plan.stops;
    const day = planDay({ job, engineer, stops, shift, travel: drives, now, scratch, timeZone, breakWindow });
    let best = bestInsertion(day, -1);
    if (best === undefined && canDisplace) {
      for (let skip = day.firstFree; skip < stops.length; skip++) {
        if (!isDisplaceable(stops[skip]?.priority)) continue;
        const slot = bestInsertion(day, skip);
        if (slot !== undefined && (best === undefined || slot.score < best.score)) best = slot;
      }
    }
    if (best === undefined) {
      result.excluded.push({ engineerId: engineer.id, reasons: ['no_feasible_slot'] });
      continue;
    }
    const carries = carriesAll(engineer, job);
    if (carries) best.score -= vanStockBonus;
    result.candidates.push({
      engineerId: engineer.id,
      position: best.position,
      start: new Date(best.start).toISOString(),
      eta: new Date(best.arrival).toISOString(),
      addedTravelMinutes: best.addedTravelMinutes,
      slaSlackMinutes: Number.isFinite(best.slaSlackMinutes) ? best.slaSlackMinutes : null,
      overtimeMinutes: best.overtimeMinutes,
      score: best.score,
      ...(best.displaced !== undefined && { displaced: best.displaced }),
      ...(onCall && { calledOut: true as const }),
      ...(carries && { carriesParts: true as const }),
    });
  }

  result.candidates.sort((a, b) => a.score - b.score || compare(a.engineerId, b.engineerId));
  result.excluded.sort((a, b) => compare(a.engineerId, b.engineerId));
  return result;
}

/** Whether the engineer's van holds every part the job is planned to use (a job planned to use none: no). */
function carriesAll(engineer: Engineer, job: NewJob): boolean {
  const parts = job.parts ?? [];
  return parts.length > 0 && parts.every((line) => (engineer.van?.[line.sku] ?? 0) >= line.qty);
}

/**
 * True when {@link matchJob} excludes the engineer whatever their day holds: inactive, missing a skill or a
 * certificate valid on the day of the job's earliest start, or with no shift running or yet to come at `now`.
 * The matcher reads no day for such an engineer; a plan with no stops for them gives the same match.
 */
export function excludedWhateverTheDay(opts: {
  job: NewJob;
  engineer: Engineer;
  now: Date;
  timeZone?: string;
}): boolean {
  const clock = clockAt(opts.now.getTime(), opts.timeZone ?? defaultTimeZone);
  return hardFilters(opts.job, opts.engineer, clock).reasons.length > 0;
}

/**
 * The filters {@link matchJob} applies before it looks at an engineer's stops, and the shift it then plans in: for an
 * emergency (P1), the on-call period the engineer is in now, with its call-out range, when there is one; else the
 * working shift, less any time off (`on_leave` when that leaves nothing).
 */
function hardFilters(job: NewJob, engineer: Engineer, clock: Clock) {
  const { now, timeZone } = clock;
  const jobStarts = Math.max(now, job.window.from);
  const reasons: InsertionExclusionReason[] = qualificationReasons({
    job,
    engineer,
    on: new Date(jobStarts),
    timeZone,
    day: clock.dayOf(jobStarts),
  });
  const shift = currentShift(engineer, clock);
  const working = shift && workable(shift, engineer.away);
  const workingNow = working !== undefined && working.start <= now && now < working.end;
  const call =
    job.priority === 'P1' && !workingNow ? engineer.onCall?.find((c) => c.from <= now && now < c.to) : undefined;
  if (call) {
    return {
      reasons,
      shift: { start: now, end: call.to },
      callOutMinutes: call.maxTravelMinutes,
      onCall: true,
      breakWindow: undefined,
    };
  }
  if (working === undefined) reasons.push(shift ? 'on_leave' : 'off_shift');
  // The break of the shift's own day (yesterday's, for a night shift still running).
  const shiftDay = working && working.start < clock.todayStart ? clock.yesterday : clock.today;
  const rest = working && engineer.shift.break ? breakWindowOn(engineer.shift.break, shiftDay, timeZone) : undefined;
  return { reasons, shift: working, callOutMinutes: undefined, onCall: false, breakWindow: rest };
}

const minuteMs = 60_000;
const overtimeCapMs = overtimeCapMinutes * minuteMs;

/** Code-unit comparison rather than localeCompare, whose order depends on the runtime's locale data. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const isDisplaceable = (priority: Priority | undefined): priority is DisplaceablePriority =>
  priority === 'P3' || priority === 'P4';

/** The business's day at the match's "now", worked out once per match rather than once per engineer. */
interface Clock {
  now: number;
  timeZone: string;
  today: string;
  yesterday: string;
  todayStart: number;
  /** The business's day of an instant, the last one asked for kept: every engineer asks it of the same start. */
  dayOf: (ms: number) => string;
}

function clockAt(now: number, timeZone: string): Clock {
  const today = localDay(now, timeZone);
  let asked = now;
  let answer = today;
  const dayOf = (ms: number) => {
    if (ms !== asked) {
      asked = ms;
      answer = localDay(ms, timeZone);
    }
    return answer;
  };
  return { now, timeZone, today, yesterday: addDays(today, -1), todayStart: atLocal(today, 0, timeZone), dayOf };
}

/**
 * The shift the plan belongs to: one that began yesterday and is still running (within the overtime cap), else
 * today's if it has not ended.
 */
function currentShift(engineer: Engineer, clock: Clock): { start: number; end: number } | undefined {
  const { now, timeZone, today } = clock;
  // Yesterday's shift can still be running only if it crosses midnight, or within the overtime cap after midnight;
  // not parsing it otherwise halves the work of this filter. "HH:MM" strings compare in time order.
  if (crossesMidnight(engineer.shift) || now - clock.todayStart < overtimeCapMs) {
    const running = shiftWindowOn(engineer.shift, clock.yesterday, timeZone);
    if (running !== undefined && running.end + overtimeCapMs > now) return running;
  }
  const shift = shiftWindowOn(engineer.shift, today, timeZone);
  return shift !== undefined && shift.end + overtimeCapMs > now ? shift : undefined;
}

/** Whether a day of the pattern runs past midnight ("HH:MM" strings compare in time order). */
function crossesMidnight(pattern: Engineer['shift']): boolean {
  if (pattern.end <= pattern.start) return true;
  if (!pattern.hours) return false;
  for (const hours of Object.values(pattern.hours)) if (hours && hours.end <= hours.start) return true;
  return false;
}

/**
 * Work arrays reused across engineers within one match, so the hot loop allocates nothing. `plannedLegs` (the drive
 * into each planned stop, then home), `deadline`, `toJob` and `fromJob` are by stop index, with the home base at
 * index `stops.length` in the last two (NaN until needed); the others are by position in the route being tried.
 */
class Scratch {
  readonly order: Int32Array;
  readonly plannedLegs: Float64Array;
  readonly legs: Float64Array;
  readonly departure: Float64Array;
  readonly latestStart: Float64Array;
  readonly returnSlope: Float64Array;
  readonly returnFloor: Float64Array;
  readonly deadline: Float64Array;
  readonly toJob: Float64Array;
  readonly fromJob: Float64Array;

  constructor(size: number) {
    this.order = new Int32Array(size);
    this.plannedLegs = new Float64Array(size);
    this.legs = new Float64Array(size);
    this.departure = new Float64Array(size);
    this.latestStart = new Float64Array(size);
    this.returnSlope = new Float64Array(size);
    this.returnFloor = new Float64Array(size);
    this.deadline = new Float64Array(size);
    this.toJob = new Float64Array(size);
    this.fromJob = new Float64Array(size);
  }
}

/** One engineer's day, with everything that does not depend on where the job goes. Times in epoch ms. */
interface Day {
  job: NewJob;
  stops: PlannedStop[];
  home: LatLng;
  shiftStart: number;
  shiftEnd: number;
  now: number;
  /** The latest the job may start: its window end, or earlier when a certificate lapses first. */
  jobLatest: number;
  /** The latest return home allowed, and the return home as planned. */
  returnBy: number;
  plannedReturn: number;
  /** Stops before this index (up to the last pinned one) stay where they are. */
  firstFree: number;
  /** Rounded driving time in ms between two places. */
  drive: (from: LatLng, to: LatLng) => number;
  scratch: Scratch;
  /** The engineer's break that day: each insertion is walked again with it (see {@link walkWithBreak}). */
  breakWindow?: BreakWindow;
}

interface Slot {
  position: number;
  arrival: number;
  start: number;
  addedTravelMinutes: number;
  slaSlackMinutes: number;
  overtimeMinutes: number;
  score: number;
  displaced?: string;
}

/** Simulates the plan as it stands to fix each stop's effective deadline and the latest allowed return home. */
function planDay(opts: {
  job: NewJob;
  engineer: Engineer;
  stops: PlannedStop[];
  shift: { start: number; end: number };
  travel: TravelTimes;
  now: number;
  scratch: Scratch;
  timeZone: string;
  breakWindow?: BreakWindow;
}): Day {
  const { job, engineer, stops, shift, travel, scratch, timeZone, breakWindow } = opts;
  const drive = drivingTime(travel);
  let firstFree = 0;
  let time = shift.start;
  let at = engineer.homeBase;
  let rested = breakWindow === undefined;
  for (let i = 0; i < stops.length; i++) {
    const stop = stops[i] as PlannedStop;
    scratch.plannedLegs[i] = drive(at, stop.location);
    const leg = scratch.plannedLegs[i] as number;
    let service = stop.serviceMinutes * minuteMs;
    if (!rested && breakWindow) {
      const rest = breakAt(breakWindow, time, Math.max(time + leg, stop.window.from), service, leg);
      time = rest.setOut;
      service += rest.onSite;
      rested = rest.taken;
    }
    const start = Math.max(time + leg, stop.window.from);
    // A plan already late stays feasible as it is: its starts, break included, bound the stops after it.
    scratch.deadline[i] = Math.max(stop.window.to, start);
    time = start + service;
    at = stop.location;
    if (stop.pinned) firstFree = i + 1;
  }
  scratch.plannedLegs[stops.length] = drive(at, engineer.homeBase);
  const plannedReturn = time + (scratch.plannedLegs[stops.length] as number);
  scratch.toJob.fill(Number.NaN, 0, stops.length + 1);
  scratch.fromJob.fill(Number.NaN, 0, stops.length + 1);

  const validThrough =
    job.requiredCertifications.length === 0
      ? undefined
      : certificatesValidThrough({ job, engineer, timeZone }).validThrough;
  // Valid through the last moment of its last day, the business's day.
  const certifiedUntil =
    validThrough === undefined
      ? Infinity
      : validThrough === ''
        ? Number.NEGATIVE_INFINITY
        : atLocal(addDays(validThrough, 1), 0, timeZone) - 1;
  return {
    job,
    stops,
    home: engineer.homeBase,
    shiftStart: shift.start,
    shiftEnd: shift.end,
    now: opts.now,
    jobLatest: Math.min(job.window.to, certifiedUntil),
    returnBy: Math.max(shift.end + overtimeCapMs, plannedReturn),
    plannedReturn,
    firstFree,
    drive,
    scratch,
    ...(breakWindow && { breakWindow }),
  };
}

/**
 * The day walked from the shift start with the job at `position` (after removing the stop at `skip`, when it is not
 * -1), the break placed by {@link breakAt} as re-timing places it: the job's arrival and start and the return home,
 * or undefined when a stop would start after its deadline, the job after its latest start, or the return home after
 * the latest allowed. Linear in the day's stops; only days with a break need it, since without one the O(1) checks
 * of {@link bestInsertion} are exact.
 */
function walkWithBreak(day: Day, position: number, skip: number, breakWindow: BreakWindow) {
  const { job, stops, drive, scratch } = day;
  const order = scratch.order;
  let time = day.shiftStart;
  let at = day.home;
  let rested = false;
  let jobStart = Number.NaN;
  let arrival = Number.NaN;
  const count = stops.length - (skip >= 0 ? 1 : 0);
  for (let k = 0; k <= count; k++) {
    const isJob = k === position;
    const index = isJob ? -1 : (order[k > position ? k - 1 : k] as number);
    const stop = isJob ? undefined : stopAt(stops, index);
    const location = stop ? stop.location : job.location;
    const from = stop ? stop.window.from : job.window.from;
    let service = (stop ? stop.serviceMinutes : job.serviceMinutes) * minuteMs;
    const leg = drive(at, location);
    const setOutFloor = isJob ? day.now : Number.NEGATIVE_INFINITY;
    if (!rested) {
      const rest = breakAt(
        breakWindow,
        Math.max(time, setOutFloor),
        Math.max(Math.max(time, setOutFloor) + leg, from),
        service,
        leg,
      );
      time = rest.setOut;
      service += rest.onSite;
      rested = rest.taken;
    }
    const start = Math.max(Math.max(time, setOutFloor) + leg, from);
    if (isJob) {
      if (start > day.jobLatest) return undefined;
      jobStart = start;
      arrival = Math.max(time, setOutFloor) + leg;
    } else if (start > (scratch.deadline[index] as number)) {
      return undefined;
    }
    time = start + service;
    at = location;
  }
  const back = time + drive(at, day.home);
  return back > day.returnBy ? undefined : { start: jobStart, arrival, back };
}

/**
 * The best insertion of the job into the day's route, less the stop at index `skip` when it is not -1 (that stop is
 * then displaced). Earliest position wins a tie.
 *
 * Checking a position checks the stops after it, not those before: in the planned route they keep their planned
 * starts. Without a stop, drives that break the triangle rule can make the stops after it later, even too late, or
 * a stop's window start too late for the rest. This needs no check because a stop is only removed when the full route
 * has no feasible slot: wherever the removal makes the route later or tighter, the job fits no better than in the
 * full route, so every such position is rejected anyway.
 */
function bestInsertion(day: Day, skip: number): Slot | undefined {
  const { job, stops, home, drive, scratch } = day;
  const { order, plannedLegs, legs, departure, latestStart, returnSlope, returnFloor, deadline } = scratch;
  const n = stops.length;

  // The route as positions, and the drive into each position (legs[m] is the drive home).
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    order[m] = i;
    legs[m++] = plannedLegs[i] as number;
  }
  legs[m] = plannedLegs[n] as number;
  let removedTravel = 0;
  let displaced: PlannedStop | undefined;
  let displacedPriority: DisplaceablePriority | undefined;
  if (skip >= 0) {
    displaced = stopAt(stops, skip);
    if (isDisplaceable(displaced.priority)) displacedPriority = displaced.priority;
    // The stop after the removed one (or home) is now reached straight from the one before it.
    const before = skip === 0 ? home : stopAt(stops, skip - 1).location;
    const joined = drive(before, skip === n - 1 ? home : stopAt(stops, skip + 1).location);
    legs[skip] = joined;
    removedTravel = joined - (plannedLegs[skip] as number) - (plannedLegs[skip + 1] as number);
  }

  // Forward: when the engineer leaves each stop.
  let time = day.shiftStart;
  for (let k = 0; k < m; k++) {
    const stop = stops[order[k] as number] as PlannedStop;
    time = Math.max(time + (legs[k] as number), stop.window.from) + stop.serviceMinutes * minuteMs;
    departure[k] = time;
  }

  // Backward: the latest start keeping the rest feasible, and the return home as max(start + slope, floor).
  let latestNext = day.returnBy;
  let slopeNext = 0;
  let floorNext = Number.NEGATIVE_INFINITY;
  for (let k = m - 1; k >= 0; k--) {
    const i = order[k] as number;
    const stop = stops[i] as PlannedStop;
    const service = stop.serviceMinutes * minuteMs;
    const leg = legs[k + 1] as number;
    const latest = Math.min(deadline[i] as number, latestNext - leg - service);
    latestStart[k] = latest;
    // Returning home from the next stop: its start is max(this start + service + leg, its window start).
    const slope = service + leg + slopeNext;
    const floor = k === m - 1 ? floorNext : Math.max(floorNext, nextFrom(day, k + 1) + slopeNext);
    returnSlope[k] = slope;
    returnFloor[k] = floor;
    latestNext = latest;
    slopeNext = slope;
    floorNext = floor;
  }

  const service = job.serviceMinutes * minuteMs;
  const plannedOvertime = Math.max(0, day.plannedReturn - day.shiftEnd);
  let best: Slot | undefined;
  for (let k = day.firstFree; k <= m; k++) {
    const prevIndex = k === 0 ? n : (order[k - 1] as number);
    const leave = Math.max(k === 0 ? day.shiftStart : (departure[k - 1] as number), day.now);
    // Departures only grow along the route and drives are never negative: no later position can make it either.
    if (leave > day.jobLatest) break;
    const nextIndex = k === m ? n : (order[k] as number);
    const nextLatest = k === m ? day.returnBy : (latestStart[k] as number);
    if (Math.max(leave, job.window.from) + service > nextLatest) continue;

    // Drives to and from the job are computed once per stop, and only for positions that get this far.
    let toJob = scratch.toJob[prevIndex] as number;
    if (Number.isNaN(toJob)) {
      toJob = drive(prevIndex === n ? home : stopAt(stops, prevIndex).location, job.location);
      scratch.toJob[prevIndex] = toJob;
    }
    let arrival = leave + toJob;
    let start = Math.max(arrival, job.window.from);
    if (start > day.jobLatest) continue;
    let fromJob = scratch.fromJob[nextIndex] as number;
    if (Number.isNaN(fromJob)) {
      fromJob = drive(job.location, nextIndex === n ? home : stopAt(stops, nextIndex).location);
      scratch.fromJob[nextIndex] = fromJob;
    }
    const reachNext = start + service + fromJob;
    let returnHome = reachNext;
    if (k < m) {
      const nextStart = Math.max(reachNext, stopAt(stops, nextIndex).window.from);
      if (nextStart > nextLatest) continue;
      returnHome = Math.max(nextStart + (returnSlope[k] as number), returnFloor[k] as number);
    } else if (returnHome > day.returnBy) {
      continue;
    }

    const addedTravelMinutes = (toJob + fromJob - (legs[k] as number) + removedTravel) / minuteMs;
    const scoreOf = () =>
      insertionScore({
        addedTravelMinutes,
        slaSlackMinutes: (job.window.to - start) / minuteMs,
        overtimeMinutes: Math.max(0, Math.max(0, returnHome - day.shiftEnd) - plannedOvertime) / minuteMs,
        priority: job.priority,
        displacedPriority,
      });
    let score = scoreOf();
    if (best !== undefined && score >= best.score) continue;
    if (day.breakWindow) {
      // The checks above hold without the break, which only makes the day later, and the score no better: a position
      // that could beat the best so far is walked again with the break.
      const walked = walkWithBreak(day, k, skip, day.breakWindow);
      if (walked === undefined) continue;
      ({ start, arrival } = walked);
      returnHome = walked.back;
      score = scoreOf();
      if (best !== undefined && score >= best.score) continue;
    }
    const slaSlackMinutes = (job.window.to - start) / minuteMs;
    const overtimeMinutes = Math.max(0, Math.max(0, returnHome - day.shiftEnd) - plannedOvertime) / minuteMs;
    best = { position: k, arrival, start, addedTravelMinutes, slaSlackMinutes, overtimeMinutes, score };
    if (displaced !== undefined) best.displaced = displaced.workOrderId;
  }
  return best;
}

const stopAt = (stops: PlannedStop[], index: number): PlannedStop => stops[index] as PlannedStop;

const nextFrom = (day: Day, position: number): number =>
  stopAt(day.stops, day.scratch.order[position] as number).window.from;
