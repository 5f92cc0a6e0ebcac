import { businessTimeZone } from '../db/business.ts';
import { type EngineerRecord, listAllEngineers } from '../db/reference.ts';
import { listPlannedOn, listWholeBoard, type WorkOrderRecord } from '../db/work-orders.ts';
import { defaultTimeZone, localDay } from '../time/zone.ts';
import { byBoardOrder } from '../work-order/job-list.ts';
import type { LatLng, Status } from '../work-order/model.ts';
import { boardCard } from '../work-order/views.ts';
import { shiftWindowOn } from './match.ts';

/** What an engineer is doing on the board's day (see {@link engineerStatus}). */
export type EngineerStatus = 'in_progress' | 'on_site' | 'en_route' | 'inactive' | 'off_shift' | 'available';

/** Work no engineer holds yet: the office's to place. */
const unassignedStatuses: readonly Status[] = ['logged', 'pending_approval', 'ready_to_schedule'];

/** Job statuses that say what the engineer is doing, the furthest along first. */
const busyStatuses = ['in_progress', 'on_site', 'en_route'] as const satisfies readonly Status[];

type DayJob = Pick<WorkOrderRecord, 'status' | 'stageTimes' | 'location'>;

/**
 * An engineer's status on a day, from their jobs of that day; the first rule that holds:
 *
 * 1. `in_progress`, `on_site` or `en_route` when one of their jobs that day is in that status (the furthest along
 *    wins). A paused job does not hold the engineer: they may be fetching parts or working another job.
 * 2. `inactive` when the engineer is not active (they are on the board only because they still hold jobs).
 * 3. `off_shift` when no shift of theirs starts on that day (their weekly days, in the business's time zone as matching
 *    reads them). The hours are not compared with the clock: the board is a day's view, not a live one.
 * 4. `available` otherwise, whether or not jobs are planned.
 */
export function engineerStatus(
  engineer: Pick<EngineerRecord, 'active' | 'shift'>,
  jobs: readonly Pick<DayJob, 'status'>[],
  date: string,
  timeZone: string = defaultTimeZone,
): EngineerStatus {
  const busy = busyStatuses.find((status) => jobs.some((job) => job.status === status));
  if (busy) return busy;
  if (!engineer.active) return 'inactive';
  if (!shiftWindowOn(engineer.shift, date, timeZone)) return 'off_shift';
  return 'available';
}

/**
 * Where the engineer was last known to be: the site of the job they most recently reached that day (its `on_site`
 * stage time, or `in_progress` when they went straight to work), else their home base. The positions phones send
 * with status updates are kept only in each job's timeline, which the board does not read.
 */
export function engineerLocation(
  engineer: Pick<EngineerRecord, 'homeBase'>,
  jobs: readonly DayJob[],
): { location: LatLng; locationSource: 'job_site' | 'home_base' } {
  let latest: { at: string; location: LatLng } | undefined;
  for (const job of jobs) {
    const arrived = job.stageTimes?.on_site ?? job.stageTimes?.in_progress;
    if (arrived && job.location && (!latest || arrived > latest.at)) latest = { at: arrived, location: job.location };
  }
  return latest
    ? { location: latest.location, locationSource: 'job_site' }
    : { location: engineer.homeBase, locationSource: 'home_base' };
}

/**
 * The dispatch board of a day of the business (`YYYY-MM-DD`) from what was read: each active engineer (and any inactive one
 * still holding jobs that day), by name, with their jobs of the day in start order (cancelled ones left off), their
 * status and location; and the unassigned work in board order: open work orders no engineer holds, in
 * {@link unassignedStatuses}, except planned services booked for a later day (not work for this one).
 */
export function buildDispatchBoard(input: {
  date: string;
  engineers: readonly EngineerRecord[];
  /** The day's planned jobs, every engineer's. */
  planned: readonly WorkOrderRecord[];
  /** The open board. */
  open: readonly WorkOrderRecord[];
  timeZone?: string;
}) {
  const jobsOf = new Map<string, WorkOrderRecord[]>();
  for (const job of input.planned) {
    if (!job.engineerId || job.status === 'cancelled') continue;
    jobsOf.set(job.engineerId, [...(jobsOf.get(job.engineerId) ?? []), job]);
  }
  const engineers = input.engineers
    .filter((engineer) => engineer.active || jobsOf.has(engineer.engineerId))
    .sort((a, b) => a.name.localeCompare(b.name) || a.engineerId.localeCompare(b.engineerId))
    .map((engineer) => {
      const jobs = (jobsOf.get(engineer.engineerId) ?? []).sort((a, b) =>
        (a.scheduledStart ?? '').localeCompare(b.scheduledStart ?? ''),
      );
      return {
        id: engineer.engineerId,
        name: engineer.name,
        status: engineerStatus(engineer, jobs, input.date, input.timeZone),
        ...engineerLocation(engineer, jobs),
        jobs: jobs.map(boardCard),
      };
    });
  const unassigned = input.open
    .filter(
      (record) =>
        !record.engineerId &&
        unassignedStatuses.includes(record.status) &&
        !(record.plannedFor && record.plannedFor > input.date),
    )
    .sort(byBoardOrder)
    .map(boardCard);
  return { date: input.date, engineers, unassigned };
}

/**
 * The office's dispatch board for a day (today, the business's, unless given). Three index reads, no scan: the whole
 * team (tens of engineers), the day's planned jobs (gsi4 `byDay`, every engineer's at once) and the open board (gsi3,
 * open work only, which also holds the long jobs whose visits fall on the day).
 */
export async function dispatchBoard(options: { date?: string }) {
  const timeZone = await businessTimeZone();
  const date = options.date ?? localDay(Date.now(), timeZone);
  const [engineers, planned, open] = await Promise.all([
    listAllEngineers(),
    listPlannedOn(date, timeZone),
    listWholeBoard('open'),
  ]);
  // A long job is on each day its visits hold, not only the day it starts (the first thing each later day).
  const visiting = open.filter(
    (record) =>
      record.visits?.some((visit) => visit.day === date) && !planned.some((p) => p.workOrderId === record.workOrderId),
  );
  return buildDispatchBoard({ date, engineers, planned: [...planned, ...visiting], open, timeZone });
}
