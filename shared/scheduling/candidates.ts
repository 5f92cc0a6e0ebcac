import { businessTimeZone } from '../db/business.ts';
import { type EngineerRecord, listAllEngineers } from '../db/reference.ts';
import { holdingsOf } from '../db/stock.ts';
import { listEngineerDay, type WorkOrderRecord } from '../db/work-orders.ts';
import { rotaBetween } from '../rota/rota.ts';
import { addDays, atLocal, localDay } from '../time/zone.ts';
import { plannedStatuses, underWayStatuses } from '../work-order/lifecycle.ts';
import { type TimedStop, visitOrder } from './day-timing.ts';
import {
  type DayPlan,
  excludedWhateverTheDay,
  type InsertionExclusionReason,
  type InsertionMatch,
  matchJob,
  type NewJob,
} from './insertion.ts';
import { travelFor } from './route-matrix.ts';

const dayMs = 86_400_000;

/** How far ahead matching looks for a day with room, as the office would when a week is full. */
export const searchDays = 7;

/**
 * The window a work order's service must start in: the customer's preferred window, ending no later than the SLA
 * due time while that can still be met. A breached SLA no longer constrains (the job is then simply overdue), and
 * nor does it a window the customer booked: the business offered it.
 */
function windowOf(record: WorkOrderRecord, now: number, honourSla: boolean): { from: number; to: number } {
  const from = record.preferredWindow ? Date.parse(record.preferredWindow.from) : Number.NEGATIVE_INFINITY;
  const to = record.preferredWindow ? Date.parse(record.preferredWindow.to) : Number.POSITIVE_INFINITY;
  const sla = Date.parse(record.slaDueAt);
  return { from, to: honourSla && !record.windowBooked && sla >= now ? Math.min(to, sla) : to };
}

/**
 * A planned work order as a stop of its engineer's day, or undefined when it has no location to drive to or is
 * planned as visits (they hold the engineer's time on the rota instead: see `visits.ts`). Its window ends at the SLA
 * due time while that can still be met; under way, it is pinned.
 */
export function stopOf(record: WorkOrderRecord, now: number): TimedStop | undefined {
  if (!record.location || record.visits?.length) return undefined;
  return {
    workOrderId: record.workOrderId,
    start: Date.parse(record.scheduledStart ?? ''),
    location: record.location,
    serviceMinutes: record.estimatedMinutes ?? 60,
    window: windowOf(record, now, true),
    priority: record.priority,
    pinned: underWayStatuses.includes(record.status),
    ...(record.calledOut && { calledOut: true }),
  };
}

/** The job as the matcher sees it, or undefined when it has no location to match from. */
export function newJobOf(record: WorkOrderRecord, now: number, honourSla = true): NewJob | undefined {
  if (!record.location) return undefined;
  return {
    workOrderId: record.workOrderId,
    requiredSkills: record.requiredSkills ?? [],
    requiredCertifications: record.requiredCertifications ?? [],
    location: record.location,
    serviceMinutes: record.estimatedMinutes ?? 60,
    window: windowOf(record, now, honourSla),
    priority: record.priority,
    ...(record.parts?.length && { parts: record.parts }),
  };
}

/**
 * What each engineer's van holds of the parts a job is planned to use, by engineer: one read of each part's holders
 * (a handful of depots and vans), nothing for a job that uses none.
 */
export async function vansFor(
  parts: ReadonlyArray<{ sku: string }> = [],
): Promise<(engineerId: string) => Record<string, number>> {
  const vans = new Map<string, Record<string, number>>();
  const holdings = await Promise.all([...new Set(parts.map((line) => line.sku))].map((sku) => holdingsOf(sku)));
  for (const holding of holdings.flat()) {
    if (holding.holderKind !== 'van' || holding.qty <= 0) continue;
    vans.set(holding.holderId, { ...vans.get(holding.holderId), [holding.sku]: holding.qty });
  }
  return (engineerId) => vans.get(engineerId) ?? {};
}

/**
 * Every engineer's route on a day of the business for a job, from the work planned on it, in visit order (see
 * `visitOrder`).
 * Each engineer's day is read on its own (`listEngineerDay`), so matching reads what the engineers it considers
 * can do in a day, never the whole day of the business nor its past; an engineer the job excludes whatever their
 * day holds (a missing skill, no shift: see `excludedWhateverTheDay`) is given an empty route, and nothing is read.
 * Each other route carries its drives from the configured source (shared/scheduling/route-matrix.ts), among the job,
 * the engineer's home and their stops: a routing service is asked only for drives that can matter.
 */
export async function dayPlans(options: {
  day: string;
  engineers: EngineerRecord[];
  job: NewJob;
  /** The matcher's "now" on that day. */
  at: Date;
  now: number;
  timeZone: string;
}): Promise<DayPlan[]> {
  const { day, job, at, now, timeZone } = options;
  return Promise.all(
    options.engineers.map(async (record) => {
      const engineer = { ...record, id: record.engineerId };
      if (excludedWhateverTheDay({ job, engineer, now: at, timeZone })) return { engineer, stops: [] };
      // The job itself, when it has a place already, is not in the way of its own new one.
      const planned = (await listEngineerDay(record.engineerId, day, timeZone)).filter(
        (wo) => plannedStatuses.includes(wo.status) && wo.workOrderId !== job.workOrderId,
      );
      const stops = visitOrder(planned.flatMap((wo) => stopOf(wo, now) ?? []));
      const places = [job.location, engineer.homeBase, ...stops.map((stop) => stop.location)];
      return { engineer, stops, travel: await travelFor(places, { day }) };
    }),
  );
}

/** The whole team and the business's time zone: what every planner of a job reads first. */
export interface TeamAndZone {
  team: EngineerRecord[];
  timeZone: string;
}

/** Reads the team and the time zone at once, for a caller that plans a job more than one way. */
export async function readTeamAndZone(): Promise<TeamAndZone> {
  const [team, timeZone] = await Promise.all([listAllEngineers(), businessTimeZone()]);
  return { team, timeZone };
}

export interface Candidates extends InsertionMatch {
  /** The business's day the candidates are for: the first of the search days with room for the job. */
  day: string | null;
  /** False when no one could start within the SLA and the candidates ignore it. */
  slaMet: boolean;
}

/**
 * The engineers who can take a work order, best first: its exact best insertion into each eligible engineer's
 * day, from today (or the start of the customer's window) onwards, the first day with room. When the SLA cannot be
 * met by anyone, the search runs again without it, so the job is still planned as early as possible. Engineers who
 * refused the job are left out.
 */
export async function findCandidates(
  record: WorkOrderRecord,
  nowDate = new Date(),
  read?: TeamAndZone,
): Promise<Candidates> {
  const now = nowDate.getTime();
  // The search starts today, or on the first day of the customer's window.
  const searchFrom = Math.max(now, record.preferredWindow ? Date.parse(record.preferredWindow.from) : now);
  const [{ team, timeZone }, rota, vans] = await Promise.all([
    read ?? readTeamAndZone(),
    rotaBetween(searchFrom - dayMs, searchFrom + (searchDays + 1) * dayMs),
    vansFor(record.parts),
  ]);
  // Each with their time off and on-call periods of the days searched, and what their van holds of the job's parts.
  const engineers = team.map((engineer) => ({
    ...engineer,
    ...rota(engineer.engineerId),
    van: vans(engineer.engineerId),
  }));
  const refused = new Set(record.refusedBy ?? []);
  const eligible = engineers.filter((e) => !refused.has(e.engineerId));
  const refusals = engineers
    .filter((e) => refused.has(e.engineerId))
    .map((e) => ({ engineerId: e.engineerId, reasons: ['refused'] as InsertionExclusionReason[] }));
  const empty = (excluded: InsertionMatch['excluded']): Candidates => ({
    candidates: [],
    excluded: [...refusals, ...excluded],
    day: null,
    slaMet: false,
  });
  let last: InsertionMatch = { candidates: [], excluded: [] };
  for (const honourSla of [true, false]) {
    const job = newJobOf(record, now, honourSla);
    if (!job) return empty([]);
    const firstDay = localDay(Math.max(now, job.window.from), timeZone);
    for (let offset = 0; offset < searchDays; offset++) {
      const day = addDays(firstDay, offset);
      // On a later day the engineer's "now" is that day's midnight, so its shift is the one the match plans.
      const at = new Date(Math.max(now, atLocal(day, 0, timeZone)));
      const plans = await dayPlans({ day, engineers: eligible, job, at, now, timeZone });
      last = matchJob({ job, plans, now: at, timeZone });
      if (last.candidates.length > 0) {
        return { ...last, excluded: [...refusals, ...last.excluded], day, slaMet: honourSla };
      }
    }
  }
  return empty(last.excluded);
}
