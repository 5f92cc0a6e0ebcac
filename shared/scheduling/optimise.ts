import { businessTimeZone } from '../db/business.ts';
import { type EngineerRecord, listAllEngineers } from '../db/reference.ts';
import { listBoard, listPlannedOn, type WorkOrderRecord } from '../db/work-orders.ts';
import { type RotaOf, rotaBetween } from '../rota/rota.ts';
import { addDays, atLocal, defaultTimeZone } from '../time/zone.ts';
import { plannedStatuses, underWayStatuses } from '../work-order/lifecycle.ts';
import type { Priority, Status } from '../work-order/model.ts';
import { change } from '../work-order/work-order.ts';
import { breakWindowOn, qualificationReasons, shiftWindowOn, workable } from './match.ts';
import type { Job, Plan, Problem, Vehicle } from './problem.ts';
import { reflowEngineerDay, withoutReflowHook } from './reflow.ts';
import { travelFor } from './route-matrix.ts';
import { solve } from './solver/index.ts';
import { estimatedTravel, type TravelTimes } from './travel.ts';

const minuteMs = 60_000;

/**
 * What leaving a job unplanned costs, in km of travel: a P1 is worth any detour, a P4 a short one. The solver
 * minimises km plus these, so a P1 displaces a P4 when both cannot fit.
 */
export const unassignedPenaltyKm: Record<Priority, number> = { P1: 1_000_000, P2: 100_000, P3: 10_000, P4: 1_000 };

/** A day's work as the optimiser sees it: who works, and which work orders it may move, lock or only keep. */
export interface DayInput {
  /** `YYYY-MM-DD`, a day of the business. */
  date: string;
  /** The business's: `date` is its day, and shifts are its wall-clock hours. Europe/London unless given. */
  timeZone?: string;
  /** The engineers' time off that day, from the rota. */
  rota?: RotaOf;
  /** Plans never start in the past: today, routes start from now. */
  now: Date;
  engineers: EngineerRecord[];
  /** Work orders ready to schedule, and those already planned on the day. */
  workOrders: WorkOrderRecord[];
  travel?: TravelTimes;
}

export interface DayProblem {
  problem: Problem;
  /** Work order of each problem job, and engineer of each vehicle, by index. */
  workOrders: WorkOrderRecord[];
  engineers: EngineerRecord[];
  dayStart: number;
  timeZone: string;
}

/**
 * Turns a day into a routing problem. Times are minutes from the day’s local midnight; the objective is travel in
 * km. Vehicles are the engineers on shift that day, leaving and returning home. Jobs the engineer is travelling to
 * or working are pinned at the start of their route; a dispatched or accepted job may be re-sequenced but stays
 * with its engineer; a scheduled or unassigned one goes to any engineer with the skills and certifications valid
 * that day.
 * The window is the customer's preferred window, tightened to the SLA due time while that can still be met.
 */
export function buildDayProblem(input: DayInput): DayProblem {
  const travel = input.travel ?? estimatedTravel;
  const timeZone = input.timeZone ?? defaultTimeZone;
  const dayStart = atLocal(input.date, 0, timeZone);
  const nowMinute = Math.max(0, Math.ceil((input.now.getTime() - dayStart) / minuteMs));
  const minuteOf = (iso: string) => (Date.parse(iso) - dayStart) / minuteMs;

  const engineers: EngineerRecord[] = [];
  const vehicles: Vehicle[] = [];
  for (const engineer of input.engineers) {
    const full = engineer.active ? shiftWindowOn(engineer.shift, input.date, timeZone) : undefined;
    // Less the engineer's time off that day: on leave all day, they are no vehicle.
    const shift = full && workable(full, input.rota?.(engineer.engineerId).away);
    if (!shift) continue;
    // The break's time is kept free of work; re-timing places it when the plan is applied.
    const shiftEnd = (shift.end - dayStart) / minuteMs - (engineer.shift.break?.minutes ?? 0);
    const shiftStart = Math.max((shift.start - dayStart) / minuteMs, nowMinute);
    if (shiftStart >= shiftEnd) continue;
    vehicles.push({
      id: engineer.engineerId,
      start: engineers.length,
      end: engineers.length,
      shiftStart,
      shiftEnd,
      capacity: Number.POSITIVE_INFINITY,
    });
    engineers.push(engineer);
  }

  const located = input.workOrders.filter((wo) => wo.location);
  const points = [
    ...engineers.map((e) => e.homeBase),
    ...located.map((wo) => wo.location as { lat: number; lng: number }),
  ];
  const size = points.length;
  const distance = new Float64Array(size * size);
  const duration = new Float64Array(size * size);
  for (let from = 0; from < size; from++) {
    for (let to = 0; to < size; to++) {
      const a = points[from] as { lat: number; lng: number };
      const b = points[to] as { lat: number; lng: number };
      distance[from * size + to] = travel.km(a, b);
      // Whole minutes, rounded up as every planner rounds (`drivingTime`): a plan on time here is on time applied.
      duration[from * size + to] = Math.ceil(travel.minutes(a, b));
    }
  }

  const vehicleOf = new Map(engineers.map((e, index) => [e.engineerId, index]));
  // Each engineer's lunch that day, in minutes of the day: re-timing places it when the plan is applied.
  const breaks = engineers.map((engineer) => {
    const rest = engineer.shift.break && breakWindowOn(engineer.shift.break, input.date, timeZone);
    return rest && { earliest: (rest.earliest - dayStart) / minuteMs, length: rest.length / minuteMs };
  });
  const jobs: Job[] = located.map((wo, index) => {
    const pinned = underWayStatuses.includes(wo.status);
    const own = wo.engineerId === undefined ? undefined : vehicleOf.get(wo.engineerId);
    const locked = pinned || wo.status === 'dispatched' || wo.status === 'acknowledged';
    const eligible = locked
      ? own === undefined
        ? []
        : [own]
      : engineers.flatMap((engineer, vehicle) => (canDo(engineer, wo, dayStart, timeZone) ? [vehicle] : []));
    const windowFrom = wo.preferredWindow ? minuteOf(wo.preferredWindow.from) : 0;
    const windowTo = wo.preferredWindow ? minuteOf(wo.preferredWindow.to) : 24 * 60;
    const sla = minuteOf(wo.slaDueAt);
    // A booked window binds as booked; otherwise the SLA tightens the window while it can still be met.
    const due = pinned
      ? Number.POSITIVE_INFINITY
      : sla >= nowMinute && !wo.windowBooked
        ? Math.min(windowTo, sla)
        : windowTo;
    const ready = pinned ? 0 : Math.max(windowFrom, 0);
    return {
      id: wo.workOrderId,
      location: engineers.length + index,
      service: wo.estimatedMinutes ?? 60,
      ready,
      due: dueBeforeBreak(
        due,
        ready,
        eligible.map((vehicle) => breaks[vehicle]),
      ),
      demand: 0,
      vehicles: eligible,
      // A visit the customer booked is a promise: leaving it out weighs as a job one priority higher.
      unassignedPenalty: unassignedPenaltyKm[wo.priority] * (wo.windowBooked ? 10 : 1),
    };
  });
  // Pinned jobs open their engineer's route, in the order they were planned.
  located.forEach((wo, index) => {
    const vehicle = wo.engineerId === undefined ? undefined : vehicleOf.get(wo.engineerId);
    if (vehicle === undefined || !underWayStatuses.includes(wo.status)) return;
    const target = vehicles[vehicle] as Vehicle;
    target.pinned = [...(target.pinned ?? []), index];
  });
  for (const vehicle of vehicles) {
    vehicle.pinned?.sort((a, b) => (located[a]?.scheduledStart ?? '').localeCompare(located[b]?.scheduledStart ?? ''));
  }
  return { problem: { size, distance, duration, jobs, vehicles }, workOrders: located, engineers, dayStart, timeZone };
}

/**
 * A window's latest start, less the break that may fall before it: where the solver plans a job, re-timing may put
 * the engineer's lunch before it and start it that much later, so a job due after a lunch could begin is planned to
 * start early enough to be on time after it. A window too short to spare it is left as it is.
 */
function dueBeforeBreak(
  due: number,
  ready: number,
  breaks: ReadonlyArray<{ earliest: number; length: number } | undefined>,
): number {
  if (!Number.isFinite(due)) return due;
  const spare = Math.max(0, ...breaks.map((rest) => (rest && rest.earliest <= due ? rest.length : 0)));
  return due - spare >= ready ? due - spare : due;
}

function canDo(engineer: EngineerRecord, wo: WorkOrderRecord, dayStart: number, timeZone: string): boolean {
  const job = { requiredSkills: wo.requiredSkills ?? [], requiredCertifications: wo.requiredCertifications ?? [] };
  const reasons = qualificationReasons({
    job,
    engineer: { ...engineer, id: engineer.engineerId },
    on: new Date(dayStart),
    timeZone,
  });
  return reasons.length === 0;
}

export interface DayPlan {
  date: string;
  routes: Array<{
    engineerId: string;
    jobs: Array<{ workOrderId: string; ref: string; start: string; priority: Priority }>;
    travelMinutes: number;
    travelKm: number;
  }>;
  unassigned: Array<{ workOrderId: string; ref: string; priority: Priority; reason: string }>;
  figures: {
    jobsPlanned: number;
    jobsUnassigned: number;
    travelMinutes: number;
    travelKm: number;
    /** Jobs whose SLA falls due today and that the plan starts in time. */
    slaMetToday: number;
    /** Jobs whose SLA falls due today and that the plan starts late or leaves out. */
    slaBreachedToday: number;
  };
}

/** Reads the plan's start times back in clock time, simulating each route as the solver's windows define it. */
export function describePlan(day: DayProblem, plan: Plan, date: string): DayPlan {
  const { problem, workOrders, engineers, dayStart } = day;
  const at = (minute: number) => new Date(dayStart + Math.round(minute) * minuteMs).toISOString();
  const dayEnd = atLocal(addDays(date, 1), 0, day.timeZone);
  const slaToday = (wo: WorkOrderRecord) => Date.parse(wo.slaDueAt) < dayEnd;
  let slaMetToday = 0;
  const routes = plan.routes.map(({ vehicle, jobs }) => {
    const v = problem.vehicles[vehicle] as Vehicle;
    let time = v.shiftStart;
    let location = v.start;
    let travelMinutes = 0;
    let travelKm = 0;
    const stops = jobs.map((index) => {
      const job = problem.jobs[index] as Job;
      const wo = workOrders[index] as WorkOrderRecord;
      travelMinutes += problem.duration[location * problem.size + job.location] ?? 0;
      travelKm += problem.distance[location * problem.size + job.location] ?? 0;
      time = Math.max(time + (problem.duration[location * problem.size + job.location] ?? 0), job.ready);
      const start = at(time);
      if (slaToday(wo) && start <= wo.slaDueAt) slaMetToday++;
      time += job.service;
      location = job.location;
      return { workOrderId: wo.workOrderId, ref: wo.ref, start, priority: wo.priority };
    });
    travelMinutes += problem.duration[location * problem.size + v.end] ?? 0;
    travelKm += problem.distance[location * problem.size + v.end] ?? 0;
    return { engineerId: (engineers[vehicle] as EngineerRecord).engineerId, jobs: stops, travelMinutes, travelKm };
  });
  const unassigned = plan.unassigned.map(({ job, reason }) => {
    const wo = workOrders[job] as WorkOrderRecord;
    return { workOrderId: wo.workOrderId, ref: wo.ref, priority: wo.priority, reason };
  });
  const dueToday = workOrders.filter(slaToday).length;
  return {
    date,
    routes,
    unassigned,
    figures: {
      jobsPlanned: routes.reduce((sum, route) => sum + route.jobs.length, 0),
      jobsUnassigned: unassigned.length,
      travelMinutes: Math.round(routes.reduce((sum, route) => sum + route.travelMinutes, 0)),
      travelKm: Math.round(routes.reduce((sum, route) => sum + route.travelKm, 0) * 10) / 10,
      slaMetToday,
      slaBreachedToday: dueToday - slaMetToday,
    },
  };
}

/** The statuses the optimiser may schedule or re-plan; the rest of the day is kept as it stands. */
const plannable: readonly Status[] = ['ready_to_schedule', ...plannedStatuses];

/**
 * Plans a whole day: the work ready to schedule and what is already planned, over the engineers on shift. With
 * `apply`, unassigned work orders are scheduled as planned and scheduled ones moved to their planned engineer and
 * start (the state machine then dispatches them); dispatched and accepted ones only get their new start time.
 */
export async function optimiseDay(options: {
  date: string;
  apply: boolean;
  actor: string;
  timeLimitMs: number;
  seed?: number;
  now?: Date;
}): Promise<DayPlan & { applied: number }> {
  const timeZone = await businessTimeZone();
  const dayStart = atLocal(options.date, 0, timeZone);
  const [engineers, planned, waiting, rota] = await Promise.all([
    listAllEngineers(),
    listPlannedOn(options.date, timeZone),
    readyToSchedule(),
    rotaBetween(dayStart, atLocal(addDays(options.date, 1), 0, timeZone)),
  ]);
  // A job planned as visits holds its days on the rota (the engineers' time away), not a place in a route.
  const workOrders = [...planned, ...waiting].filter((wo) => plannable.includes(wo.status) && !wo.visits?.length);
  const now = options.now ?? new Date();
  const places = [
    ...engineers.map((e) => e.homeBase),
    ...workOrders.flatMap((wo) => (wo.location ? [wo.location] : [])),
  ];
  const travel = await travelFor(places, { day: options.date });
  const day = buildDayProblem({ date: options.date, now, engineers, workOrders, timeZone, rota, travel });
  const plan = solve(day.problem, { timeLimitMs: options.timeLimitMs, seed: options.seed ?? 1 });
  const described = describePlan(day, plan, options.date);
  const applied = options.apply ? await applyPlan(described, day.workOrders, options.actor, timeZone) : 0;
  return { ...described, applied };
}

async function readyToSchedule(): Promise<WorkOrderRecord[]> {
  const found: WorkOrderRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listBoard('open', { limit: 200, cursor });
    found.push(...page.items.filter((wo) => wo.status === 'ready_to_schedule'));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/**
 * Writes the plan, then times each engineer's day it touched once (see `reflowEngineerDay`): the plan's starts
 * are the solver's, and the day is settled with the rounding and the changes since it was made.
 */
async function applyPlan(
  plan: DayPlan,
  workOrders: WorkOrderRecord[],
  actor: string,
  timeZone: string,
): Promise<number> {
  const applied = await withoutReflowHook(() => writePlan(plan, workOrders, actor));
  const engineers = new Set([
    ...plan.routes.map((route) => route.engineerId),
    ...workOrders.flatMap((wo) => (wo.engineerId ? [wo.engineerId] : [])),
  ]);
  for (const engineerId of engineers) await reflowEngineerDay({ engineerId, day: plan.date, timeZone });
  return applied;
}

async function writePlan(plan: DayPlan, workOrders: WorkOrderRecord[], actor: string): Promise<number> {
  const before = new Map(workOrders.map((wo) => [wo.workOrderId, wo]));
  let applied = 0;
  for (const route of plan.routes) {
    for (const stop of route.jobs) {
      const wo = before.get(stop.workOrderId);
      if (!wo || underWayStatuses.includes(wo.status)) continue;
      if (wo.engineerId === route.engineerId && wo.scheduledStart === stop.start) continue;
      const { changed } = await change({
        workOrderId: stop.workOrderId,
        decide: (current) => {
          // Only what the plan was made from: anything that moved meanwhile is left to its new course.
          if (current.status !== wo.status || current.engineerId !== wo.engineerId) return null;
          const reassign = current.status === 'ready_to_schedule' || current.status === 'scheduled';
          const set = reassign
            ? {
                status: 'scheduled' as const,
                engineerId: route.engineerId,
                scheduledStart: stop.start,
                attention: undefined,
              }
            : { scheduledStart: stop.start };
          return {
            set,
            entries: [
              {
                at: new Date().toISOString(),
                actor,
                type: current.status === 'ready_to_schedule' ? 'status_changed' : 'replanned',
                from: current.status,
                to: reassign ? 'scheduled' : current.status,
                reason: 'Day plan applied',
                data: { engineerId: reassign ? route.engineerId : current.engineerId, scheduledStart: stop.start },
              },
            ],
          };
        },
      });
      if (changed) applied++;
    }
  }
  return applied;
}
