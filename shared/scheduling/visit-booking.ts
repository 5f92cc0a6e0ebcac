import * as z from 'zod';
import { businessTimeZone } from '../db/business.ts';
import { type EngineerRecord, getEngineer } from '../db/reference.ts';
import { listEngineerDay, type WorkOrderRecord } from '../db/work-orders.ts';
import { Conflict, NotFound, StoreConflict } from '../errors.ts';
import { rotaBetween } from '../rota/rota.ts';
import { addDays, atLocal, localDay } from '../time/zone.ts';
import { plannedStatuses } from '../work-order/lifecycle.ts';
import type { Engineer, Visit } from '../work-order/model.ts';
import { change, get, transition } from '../work-order/work-order.ts';
import { readTeamAndZone, searchDays, stopOf, type TeamAndZone } from './candidates.ts';
import { visitOrder } from './day-timing.ts';
import { certificatesValidThrough, type ExclusionReason, qualificationReasons } from './match.ts';
import { travelFor } from './route-matrix.ts';
import {
  byEarliestFinish,
  type DayReader,
  longerThanAShift,
  longestRunDays,
  planVisits,
  type VisitJob,
} from './visits.ts';

const dayMs = 86_400_000;

/** How often a plan is made again when another job took one of its days between the plan and the write. */
const attempts = 4;

/** The days a job's first visit may fall on: the business's day of `earliest` and the search's days after it. */
function searchedDays(earliest: number, timeZone: string): string[] {
  const first = localDay(earliest, timeZone);
  return Array.from({ length: searchDays }, (_, offset) => addDays(first, offset));
}

/** What an engineer's days hold for planning visits, read once per day. */
function daysOf(engineerId: string, workOrderId: string, now: number, timeZone: string): DayReader {
  const stops = new Map<string, ReturnType<DayReader['stopsOn']>>();
  return {
    stopsOn: (day) => {
      if (!stops.has(day)) {
        stops.set(
          day,
          listEngineerDay(engineerId, day, timeZone).then((records) =>
            visitOrder(
              records.flatMap((record) =>
                plannedStatuses.includes(record.status) && record.workOrderId !== workOrderId
                  ? (stopOf(record, now) ?? [])
                  : [],
              ),
            ),
          ),
        );
      }
      return stops.get(day) as ReturnType<DayReader['stopsOn']>;
    },
    travelOn: (day, places) => travelFor(places, { day }),
  };
}

/** The engineers with the rota of the days a plan may cover (from `from`, the search and a run of visits). */
async function withRota(engineers: EngineerRecord[], from: number): Promise<Engineer[]> {
  const rota = await rotaBetween(from - dayMs, from + (searchDays + longestRunDays + 2) * dayMs);
  return engineers.map((engineer) => ({ ...engineer, id: engineer.engineerId, ...rota(engineer.engineerId) }));
}

/** Still qualified on the last day of the visits: a certificate must not lapse part way through the job. */
function qualifiedThrough(record: WorkOrderRecord, engineer: Engineer, visits: Visit[], timeZone: string) {
  const through = certificatesValidThrough({
    job: { requiredCertifications: record.requiredCertifications ?? [] },
    engineer,
    timeZone,
  }).validThrough;
  return through === undefined || through >= (visits.at(-1) as Visit).day;
}

export interface VisitPlans {
  /** Each eligible engineer's earliest visits, best first. */
  plans: Array<{ engineerId: string; visits: Visit[] }>;
  excluded: Array<{ engineerId: string; reasons: ExclusionReason[] }>;
}

/**
 * A ready job longer than any qualified engineer's shift, planned as visits: each eligible engineer's earliest run
 * of days that holds it (see `planVisits`), best first. Undefined for a job that fits in a shift, which is matched
 * as one stop (`findCandidates`).
 */
export async function longJobPlans(
  record: WorkOrderRecord,
  nowDate = new Date(),
  read?: TeamAndZone,
): Promise<VisitPlans | undefined> {
  if (!record.location) return undefined;
  const job = {
    minutes: record.estimatedMinutes ?? 60,
    requiredSkills: record.requiredSkills ?? [],
    requiredCertifications: record.requiredCertifications ?? [],
  };
  const { team, timeZone } = read ?? (await readTeamAndZone());
  const asEngineers = team.map((engineer) => ({ ...engineer, id: engineer.engineerId }));
  if (!longerThanAShift({ job, engineers: asEngineers, now: nowDate, timeZone })) return undefined;

  const now = nowDate.getTime();
  const earliest = Math.max(now, record.preferredWindow ? Date.parse(record.preferredWindow.from) : now);
  const engineers = await withRota(team, earliest);
  const refused = new Set(record.refusedBy ?? []);
  const excluded: VisitPlans['excluded'] = [];
  const eligible = engineers.filter((engineer) => {
    const reasons: ExclusionReason[] = refused.has(engineer.id)
      ? ['refused']
      : qualificationReasons({ job, engineer, on: nowDate, timeZone });
    if (reasons.length > 0) excluded.push({ engineerId: engineer.id, reasons });
    return reasons.length === 0;
  });
  const visitJob: VisitJob = {
    workOrderId: record.workOrderId,
    location: record.location,
    minutes: job.minutes,
    earliest,
  };
  const firstDays = searchedDays(earliest, timeZone);
  const planned = await Promise.all(
    eligible.map(async (engineer) => {
      const visits = await planVisits({
        job: visitJob,
        engineer,
        firstDays,
        firstVisit: 'after_the_day',
        days: daysOf(engineer.id, record.workOrderId, now, timeZone),
        now,
        timeZone,
      });
      if (!visits) {
        excluded.push({ engineerId: engineer.id, reasons: ['off_shift'] });
        return [];
      }
      // A certificate the job needs must not lapse before its last visit.
      if (!qualifiedThrough(record, engineer, visits, timeZone)) {
        excluded.push({ engineerId: engineer.id, reasons: ['expired_certification'] });
        return [];
      }
      return [{ engineerId: engineer.id, visits }];
    }),
  );
  return { plans: planned.flat().sort(byEarliestFinish), excluded };
}

/**
 * Books a long job's visits with the best engineer: the work order is scheduled to its first visit, and the days
 * are held in the same write. When another job took one of the days meanwhile, the plan is made again. Answers the
 * engineer, or undefined when no one can take the job (`plans` of the first look, as the caller reports).
 */
export async function bookLongJob(
  record: WorkOrderRecord,
  first: VisitPlans,
): Promise<{ engineerId?: string; plans: VisitPlans }> {
  let plans = first;
  for (let attempt = 1; ; attempt++) {
    const best = plans.plans[0];
    if (!best) return { plans };
    const visits = best.visits;
    try {
      const { record: placed } = await transition({
        workOrderId: record.workOrderId,
        to: 'scheduled',
        actor: 'scheduler',
        reason: `Planned as ${visits.length} visits: ${visits.map((visit) => visit.day).join(', ')}`,
        set: {
          engineerId: best.engineerId,
          scheduledStart: (visits[0] as Visit).start,
          visits,
          attention: undefined,
          calledOut: undefined,
        },
        data: { engineerId: best.engineerId, visits, runnersUp: plans.plans.slice(1, 4) },
      });
      return { engineerId: placed.engineerId, plans };
    } catch (error) {
      if (!(error instanceof Conflict && error.code === 'schedule.day_taken')) throw error;
      if (attempt >= attempts) throw new StoreConflict('The days planned kept being taken by other jobs.');
      plans = (await longJobPlans(await get(record.workOrderId))) ?? { plans: [], excluded: [] };
    }
  }
}

/**
 * A long job's visits with the engineer the office chose, from the day of `at`, or why they cannot take it (as
 * `checkEngineer` answers for a job that fits in a shift): a skill or certificate the job needs, or no run of their
 * days within the search that holds it.
 */
export async function visitsWith(
  record: WorkOrderRecord,
  chosen: EngineerRecord,
  at: Date,
): Promise<{ ok: true; visits: Visit[] } | { ok: false; reasons: ExclusionReason[] }> {
  const timeZone = await businessTimeZone();
  const now = Date.now();
  const earliest = Math.max(now, at.getTime());
  const [engineer] = (await withRota([chosen], earliest)) as [Engineer];
  const job = {
    requiredSkills: record.requiredSkills ?? [],
    requiredCertifications: record.requiredCertifications ?? [],
  };
  const reasons = qualificationReasons({ job, engineer, on: new Date(earliest), timeZone });
  if (reasons.length > 0) return { ok: false, reasons };
  const visits = await planVisits({
    job: {
      workOrderId: record.workOrderId,
      location: record.location as Engineer['homeBase'],
      minutes: record.estimatedMinutes ?? 60,
      earliest,
    },
    engineer,
    firstDays: searchedDays(earliest, timeZone),
    firstVisit: 'after_the_day',
    days: daysOf(chosen.engineerId, record.workOrderId, now, timeZone),
    now,
    timeZone,
  });
  if (!visits) return { ok: false, reasons: ['off_shift'] };
  if (!qualifiedThrough(record, engineer, visits, timeZone)) return { ok: false, reasons: ['expired_certification'] };
  return { ok: true, visits };
}

/** The office or the engineer books a paused job's return: when the parts are due, for how long. */
export const ReturnVisit = z.strictObject({
  from: z.iso.date().meta({ description: 'The first day the return may be on (the business’s): when parts are due.' }),
  minutes: z
    .number()
    .int('Whole minutes.')
    .min(15, 'At least 15 minutes of work.')
    .max(5 * 24 * 60, 'At most 120 hours of work: book the rest when this is done.')
    .meta({ description: 'The work left, in minutes: several visits when it is longer than a shift.' }),
});
export type ReturnVisit = z.infer<typeof ReturnVisit>;

/**
 * Books a paused job's return with the engineer who holds it: first thing on their first working day from `from`
 * with a free morning, and the days after while the work lasts (see `planVisits`). The job keeps its engineer and
 * its status; its visits are the return. Booking the same return again changes nothing; a new one replaces it.
 * 409 when the job is not paused, or no run of days within the search holds it.
 */
export async function bookReturnVisit(options: {
  workOrderId: string;
  actor: string;
  visit: ReturnVisit;
  /** An engineer books only a job they hold. */
  engineerId?: string;
  now?: Date;
}): Promise<WorkOrderRecord> {
  const now = (options.now ?? new Date()).getTime();
  for (let attempt = 1; ; attempt++) {
    const record = await get(options.workOrderId);
    const holder = record.engineerId;
    // Anyone else's job is reported as missing to an engineer, as every field route does.
    if (options.engineerId !== undefined && options.engineerId !== holder) {
      throw new NotFound('work_order', options.workOrderId);
    }
    if (record.status !== 'paused' || !holder || !record.location) {
      throw new Conflict('visit.not_paused', 'Only a job paused with its engineer can have a return visit booked.', {
        currentStatus: record.status,
      });
    }
    const [engineerRecord, timeZone] = await Promise.all([getEngineer(holder), businessTimeZone()]);
    if (!engineerRecord) throw new Conflict('visit.no_room', `No engineer ${holder}.`);
    const earliest = Math.max(now, atLocal(options.visit.from, 0, timeZone));
    const [engineer] = await withRota([engineerRecord], earliest);
    const visits = await planVisits({
      job: { workOrderId: record.workOrderId, location: record.location, minutes: options.visit.minutes, earliest },
      engineer: engineer as Engineer,
      firstDays: searchedDays(earliest, timeZone),
      firstVisit: 'first_thing',
      days: daysOf(holder, record.workOrderId, now, timeZone),
      now,
      timeZone,
    });
    if (!visits) {
      throw new Conflict(
        'visit.no_room',
        `${engineerRecord.name} has no free morning within ${searchDays} days of ${localDay(earliest, timeZone)} for the return.`,
      );
    }
    try {
      const { record: booked } = await change({
        workOrderId: record.workOrderId,
        decide: (current) => {
          if (current.status !== 'paused' || current.engineerId !== holder) {
            throw new Conflict('visit.not_paused', 'The job moved on while its return was planned.');
          }
          if (JSON.stringify(current.visits ?? []) === JSON.stringify(visits)) return null;
          return {
            set: { visits },
            entries: [
              {
                at: new Date(now).toISOString(),
                actor: options.actor,
                type: 'return_visit_booked',
                reason: `Return on ${visits.map((visit) => visit.day).join(', ')}`,
                data: { engineerId: holder, visits },
              },
            ],
          };
        },
      });
      return booked;
    } catch (error) {
      if (!(error instanceof Conflict && error.code === 'schedule.day_taken') || attempt >= attempts) throw error;
    }
  }
}
