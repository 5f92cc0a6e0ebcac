import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineerRecord } from '#shared/db/reference.ts';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { type DayOrigin, retimeDay, type TimedStop, visitOrder } from '#shared/scheduling/day-timing.ts';
import { matchJob } from '#shared/scheduling/insertion.ts';
import { buildDayProblem, describePlan } from '#shared/scheduling/optimise.ts';
import { solve } from '#shared/scheduling/solver/index.ts';
import { estimatedTravel } from '#shared/scheduling/travel.ts';
import type { Engineer, LatLng, Priority } from '#shared/work-order/model.ts';
import { engineer } from '../fixtures/engineers.ts';

/**
 * The model of a day the store keeps: each operation changes the stops the way the product does (the instant
 * match, a refusal, a cancellation, a start, an early or late finish, an applied day plan) and then times the
 * touched engineers' days as `reflowEngineerDay` does. After every step no engineer's day may overlap.
 */

const minuteMs = 60_000;
const date = '2025-01-06';
const dayStart = Date.parse(`${date}T00:00:00.000Z`);
const at = (time: string): number => Date.parse(`${date}T${time}:00.000Z`);
const shiftStart = at('08:00');

const sites: LatLng[] = [
  { lat: 53.4875, lng: -2.2901 },
  { lat: 53.4106, lng: -2.1575 },
  { lat: 53.5769, lng: -2.4282 },
  { lat: 53.545, lng: -2.6325 },
  { lat: 53.4163, lng: -2.2311 },
];
const engineers: Engineer[] = [
  engineer({ id: 'eng-a' }),
  engineer({ id: 'eng-b', homeBase: { lat: 53.5409, lng: -2.1114 } }),
];

interface Stop extends TimedStop {
  engineerId: string;
}

interface World {
  now: number;
  stops: Stop[];
  /** Each engineer's last finished job of the day. */
  origins: Map<string, DayOrigin>;
  /** Where each stop under way was when it got under way: it must never move. */
  pinnedAt: Map<string, number>;
  next: number;
}

const homeOf = (engineerId: string) => (engineers.find((e) => e.id === engineerId) as Engineer).homeBase;

/** `reflowEngineerDay` on the model: the whole day, or room made for a job at `incoming` (later moves only). */
function reflow(world: World, engineerId: string, incoming?: { stop: Stop; position: number }): number | undefined {
  const own = visitOrder(world.stops.filter((s) => s.engineerId === engineerId));
  const ordered: TimedStop[] = [...own];
  if (incoming) {
    const pinned = own.filter((s) => s.pinned).length;
    ordered.splice(Math.min(Math.max(incoming.position, pinned), own.length), 0, incoming.stop);
  }
  const timed = retimeDay({
    stops: ordered,
    home: homeOf(engineerId),
    shiftStart,
    now: world.now,
    origin: world.origins.get(engineerId),
  });
  for (const { workOrderId, start } of timed) {
    const stop = own.find((s) => s.workOrderId === workOrderId);
    if (stop && (!incoming || start > stop.start)) stop.start = start;
  }
  return timed.find((t) => t.workOrderId === incoming?.stop.workOrderId)?.start;
}

type Step =
  | { kind: 'match'; site: number; minutes: number; priority: Priority; opensAt: number | null }
  | { kind: 'refuse' | 'cancel'; pick: number }
  | { kind: 'start'; engineer: number }
  | { kind: 'complete'; engineer: number; lateMinutes: number }
  | { kind: 'optimise'; seed: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('match' as const),
      site: fc.nat({ max: sites.length - 1 }),
      minutes: fc.integer({ min: 20, max: 240 }),
      priority: fc.constantFrom<Priority>('P1', 'P2', 'P3', 'P4'),
      opensAt: fc.option(fc.integer({ min: 8 * 60, max: 15 * 60 })),
    }),
    weight: 4,
  },
  fc.record({ kind: fc.constantFrom('refuse' as const, 'cancel' as const), pick: fc.nat() }),
  { arbitrary: fc.record({ kind: fc.constant('start' as const), engineer: fc.nat({ max: 1 }) }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('complete' as const),
      engineer: fc.nat({ max: 1 }),
      lateMinutes: fc.integer({ min: -120, max: 120 }),
    }),
    weight: 2,
  },
  fc.record({ kind: fc.constant('optimise' as const), seed: fc.nat({ max: 1000 }) }),
);

function apply(world: World, action: Step): void {
  const free = world.stops.filter((s) => !s.pinned);
  switch (action.kind) {
    case 'match': {
      const id = `wo-${world.next++}`;
      const from = action.opensAt === null ? Number.NEGATIVE_INFINITY : dayStart + action.opensAt * minuteMs;
      const job = {
        workOrderId: id,
        requiredSkills: [],
        requiredCertifications: [],
        location: sites[action.site] as LatLng,
        serviceMinutes: action.minutes,
        window: { from, to: dayStart + 86_400_000 },
        priority: action.priority,
      };
      const plans = engineers.map((e) => ({
        engineer: e,
        stops: visitOrder(world.stops.filter((s) => s.engineerId === e.id)),
      }));
      const best = matchJob({ job, plans, now: new Date(world.now) }).candidates[0];
      if (!best) return;
      const displaced = world.stops.find((s) => s.workOrderId === best.displaced);
      const stop: Stop = { ...job, engineerId: best.engineerId, start: Date.parse(best.start) };
      const remaining = world.stops.filter((s) => s !== displaced);
      const room = reflow({ ...world, stops: remaining }, best.engineerId, { stop, position: best.position });
      stop.start = room ?? stop.start;
      world.stops.push(stop);
      if (!displaced) assertNoOverlaps(world);
      world.stops = world.stops.filter((s) => s !== displaced);
      reflow(world, best.engineerId);
      return;
    }
    case 'refuse':
    case 'cancel': {
      const gone = free[action.pick % Math.max(1, free.length)];
      if (!gone) return;
      world.stops = world.stops.filter((s) => s !== gone);
      reflow(world, gone.engineerId);
      return;
    }
    case 'start': {
      const engineerId = (engineers[action.engineer] as Engineer).id;
      const own = visitOrder(world.stops.filter((s) => s.engineerId === engineerId));
      const first = own[0];
      if (!first || first.pinned) return;
      world.now = Math.max(world.now, first.start);
      first.pinned = true;
      world.pinnedAt.set(first.workOrderId, first.start);
      reflow(world, engineerId);
      return;
    }
    case 'complete': {
      const engineerId = (engineers[action.engineer] as Engineer).id;
      const working = world.stops.find((s) => s.engineerId === engineerId && s.pinned);
      if (!working) return;
      const planned = working.start + working.serviceMinutes * minuteMs;
      const finished = Math.max(world.now, working.start + minuteMs, planned + action.lateMinutes * minuteMs);
      world.now = finished;
      world.stops = world.stops.filter((s) => s !== working);
      world.origins.set(engineerId, { location: working.location, at: finished });
      reflow(world, engineerId);
      return;
    }
    case 'optimise': {
      optimise(world, action.seed);
      for (const e of engineers) reflow(world, e.id);
      return;
    }
  }
}

/** Applies a plan of the day optimiser: it may move open stops to another engineer and to any start. */
function optimise(world: World, seed: number): void {
  const records = world.stops.map(
    (s) =>
      ({
        workOrderId: s.workOrderId,
        ref: s.workOrderId,
        status: s.pinned ? 'in_progress' : 'scheduled',
        engineerId: s.engineerId,
        scheduledStart: new Date(s.start).toISOString(),
        location: s.location,
        estimatedMinutes: s.serviceMinutes,
        priority: s.priority,
        slaDueAt: '2025-01-08T00:00:00.000Z',
        requiredSkills: [],
        requiredCertifications: [],
        ...(Number.isFinite(s.window.from) && {
          preferredWindow: { from: new Date(s.window.from).toISOString(), to: `${date}T23:59:00.000Z` },
        }),
      }) as unknown as WorkOrderRecord,
  );
  const team = engineers.map((e) => ({ ...e, engineerId: e.id }) as unknown as EngineerRecord);
  const day = buildDayProblem({ date, now: new Date(world.now), engineers: team, workOrders: records });
  const plan = describePlan(day, solve(day.problem, { timeLimitMs: 50, maxIterations: 30, seed }), date);
  for (const route of plan.routes) {
    for (const job of route.jobs) {
      const stop = world.stops.find((s) => s.workOrderId === job.workOrderId);
      if (!stop || stop.pinned) continue;
      stop.engineerId = route.engineerId;
      stop.start = Date.parse(job.start);
    }
  }
}

/** No overlaps; each open start after the drive from the stop before and within the shift; pinned stops unmoved. */
function assertNoOverlaps(world: World): void {
  for (const e of engineers) {
    const origin = world.origins.get(e.id);
    let free = Math.max(shiftStart, origin?.at ?? Number.NEGATIVE_INFINITY);
    let place = origin?.location ?? e.homeBase;
    for (const stop of visitOrder(world.stops.filter((s) => s.engineerId === e.id))) {
      if (stop.pinned) {
        expect(stop.start, `${stop.workOrderId} under way moved`).toBe(world.pinnedAt.get(stop.workOrderId));
      } else {
        const drive = estimatedTravel.minutes(place, stop.location) * minuteMs;
        expect(stop.start, `${stop.workOrderId} starts before the shift`).toBeGreaterThanOrEqual(shiftStart);
        expect(stop.start, `${stop.workOrderId} overlaps the stop before`).toBeGreaterThanOrEqual(free + drive);
      }
      free = Math.max(free, stop.start + stop.serviceMinutes * minuteMs);
      place = stop.location;
    }
  }
}

describe('an engineer’s day under matching, refusals, cancellations, finishes and day plans', () => {
  it('never holds two overlapping stops, a start before the drive from the stop before, or a moved stop under way', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const world: World = { now: at('07:00'), stops: [], origins: new Map(), pinnedAt: new Map(), next: 1 };
        for (const action of steps) {
          apply(world, action);
          assertNoOverlaps(world);
        }
      }),
      { seed: 20250106, numRuns: 150 },
    );
  });
});
