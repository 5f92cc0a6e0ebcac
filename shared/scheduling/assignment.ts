import { businessTimeZone } from '../db/business.ts';
import { type EngineerRecord, getEngineer } from '../db/reference.ts';
import type { WorkOrderRecord } from '../db/work-orders.ts';
import { Conflict, NotFound } from '../errors.ts';
import { rotaBetween } from '../rota/rota.ts';
import { underWayStatuses } from '../work-order/lifecycle.ts';
import type { Status, Visit } from '../work-order/model.ts';
import { change, get, statusChange, transition } from '../work-order/work-order.ts';
import { type Candidates, findCandidates, readTeamAndZone, stopOf } from './candidates.ts';
import type { InsertionCandidate } from './insertion.ts';
import { checkEngineer, type ExclusionReason } from './match.ts';
import { dayOf, reflowEngineerDay, withoutReflowHook } from './reflow.ts';
import { bookLongJob, longJobPlans, visitsWith } from './visit-booking.ts';
import { shiftWorkMinutes } from './visits.ts';

const asEngineer = (record: EngineerRecord) => ({ ...record, id: record.engineerId });

function jobOf(record: WorkOrderRecord) {
  if (!record.location) return undefined;
  return {
    requiredSkills: record.requiredSkills ?? [],
    requiredCertifications: record.requiredCertifications ?? [],
    location: record.location,
    estimatedMinutes: record.estimatedMinutes ?? 60,
  };
}

/** The earliest the job may start: now, or the customer's preferred window if that is later. */
function earliestStart(record: WorkOrderRecord, now = new Date()): Date {
  const from = record.preferredWindow ? new Date(record.preferredWindow.from) : now;
  return from > now ? from : now;
}

/**
 * The MatchEngineer task: schedules a work order that is ready at its exact best insertion into an eligible
 * engineer's day (see `findCandidates`), never with one who refused it. A job longer than a shift is booked as
 * visits on consecutive working days instead (see `visit-booking.ts`). A P1 or P2 may take the slot of a lower
 * priority job, which goes back to be re-planned. The stops after the job move later to make room, and the
 * engineer's day is then re-timed (`reflowEngineerDay`), so no two of their jobs overlap. With no one eligible it
 * records why and answers `null`: the state machine waits for the office.
 */
export async function matchEngineer(options: { workOrderId: string }): Promise<{ engineerId: string | null }> {
  const record = await get(options.workOrderId);
  if (record.status !== 'ready_to_schedule') return { engineerId: record.engineerId ?? null };
  // The team and the time zone, read once for both ways a job may be planned.
  const read = await readTeamAndZone();
  const long = await longJobPlans(record, new Date(), read);
  if (long) {
    const booked = await bookLongJob(record, long);
    if (!booked.engineerId) await flagNoMatch(record, booked.plans.excluded);
    return { engineerId: booked.engineerId ?? null };
  }
  const found = await findCandidates(record, new Date(), read);
  const { timeZone } = read;
  const best = found.candidates[0];
  if (!best) {
    await flagNoMatch(record, found.excluded);
    return { engineerId: null };
  }
  try {
    const scheduled = await withoutReflowHook(() => place(record, found, best, timeZone));
    return { engineerId: scheduled.engineerId ?? null };
  } finally {
    // Closes the gap a displaced job left, and times the day again if it changed between the match and the write.
    await reflowEngineerDay({ engineerId: best.engineerId, day: dayOf(best.start, timeZone), timeZone });
  }
}

/** No one can take the job: the office is asked to assign it, once, with who was excluded and why. */
async function flagNoMatch(record: WorkOrderRecord, excluded: unknown) {
  await change({
    workOrderId: record.workOrderId,
    decide: (current) =>
      current.status !== 'ready_to_schedule' || current.attention?.reason === noMatch
        ? null
        : {
            set: { attention: { reason: noMatch, at: new Date().toISOString() } },
            entries: [
              {
                at: new Date().toISOString(),
                actor: 'scheduler',
                type: 'no_engineer_matched',
                reason: record.location ? noMatch : 'The work order has no location to match from.',
                data: { excluded },
              },
            ],
          },
  });
}

/**
 * Writes the match: room first (the stops after the job's place move later before it is written, so the store
 * never holds two of the engineer's jobs at once), then the job, then the displacement if any.
 */
async function place(
  record: WorkOrderRecord,
  found: Candidates,
  best: InsertionCandidate,
  timeZone: string,
): Promise<WorkOrderRecord> {
  const stop = stopOf(record, Date.now());
  const room = await reflowEngineerDay({
    engineerId: best.engineerId,
    day: dayOf(best.start, timeZone),
    timeZone,
    incoming: stop && {
      stop: { ...stop, start: Date.parse(best.start), ...(best.calledOut && { calledOut: true }) },
      position: best.position,
    },
    without: best.displaced ? [best.displaced] : [],
  });
  const start = room.incomingStart ?? best.start;
  const { record: placed } = await transition({
    workOrderId: record.workOrderId,
    to: 'scheduled',
    actor: 'scheduler',
    reason:
      `Matched: starts ${start}, ${Math.round(best.addedTravelMinutes)} min added travel` +
      (found.slaMet ? '' : '; no one can start within the SLA'),
    set: { engineerId: best.engineerId, scheduledStart: start, attention: undefined, calledOut: best.calledOut },
    data: { candidate: best, runnersUp: found.candidates.slice(1, 4), excluded: found.excluded },
  });
  if (best.displaced && placed.engineerId === best.engineerId) {
    await displace({ workOrderId: best.displaced, by: placed });
  }
  return placed;
}

/** Takes a lower-priority job off an engineer's day to make room for an urgent one; matching re-plans it. */
async function displace(options: { workOrderId: string; by: WorkOrderRecord }) {
  try {
    await transition({
      workOrderId: options.workOrderId,
      to: 'ready_to_schedule',
      actor: 'scheduler',
      reason: `Displaced by ${options.by.priority} ${options.by.ref}; to be re-planned`,
      set: { engineerId: undefined, scheduledStart: undefined, calledOut: undefined },
      guard: (current) => {
        if (current.engineerId !== options.by.engineerId) throw new Conflict('workorder.moved', 'Already moved.');
      },
    });
  } catch (error) {
    // The displaced job moved on meanwhile (started, cancelled, re-planned): the urgent one keeps its slot anyway.
    if (!(error instanceof Conflict)) throw error;
  }
}

const noMatch = 'No eligible engineer: assign one by hand.';

/** Statuses in which the office may give a job to another engineer: booked or accepted, not yet under way. */
const reassignable: readonly Status[] = ['scheduled', 'dispatched', 'acknowledged'];

const refusalCodes = {
  missing_skill: 'assignment.missing_skill',
  missing_certification: 'assignment.missing_certification',
  expired_certification: 'assignment.missing_certification',
  on_leave: 'assignment.on_leave',
} as const;

/**
 * The office assigns an engineer by hand. The same hard rules as matching apply: a missing skill or certificate
 * (an expired one counts as missing) or an engineer off shift is refused with 409 and the reason. A job longer than
 * the engineer's shift is planned as visits with them (see `visitsWith`). The engineer's
 * day is then re-timed so the job overlaps none of theirs; the answer is the work order as it then stands.
 */
export async function assign(options: { workOrderId: string; engineerId: string; start?: string; actor: string }) {
  const record = await get(options.workOrderId);
  const { engineer, start, visits } = await eligibleEngineer(record, options);
  await withoutReflowHook(() =>
    transition({
      workOrderId: options.workOrderId,
      to: 'scheduled',
      actor: options.actor,
      reason: `Assigned by hand to ${engineer.name}`,
      set: { engineerId: engineer.engineerId, scheduledStart: start, visits, attention: undefined },
      data: { engineerId: engineer.engineerId },
      guard: (current) => {
        // Assigning the same engineer again is a replay; moving a booked job to someone else is a reassignment.
        const replay = current.status === 'scheduled' && current.engineerId === engineer.engineerId;
        if (reassignable.includes(current.status) && !replay) {
          throw new Conflict(
            'assignment.already_assigned',
            'The work order is already booked with an engineer: reassign it, with the reason.',
          );
        }
      },
    }),
  );
  return retimed(options.workOrderId, []);
}

function refuseReassignment(record: WorkOrderRecord): never {
  throw new Conflict(
    'assignment.not_reassignable',
    underWayStatuses.includes(record.status)
      ? 'The engineer is already on the way or on site: the job stays with them.'
      : `A ${record.status} work order has no engineer to take it from: assign one instead.`,
    { currentStatus: record.status },
  );
}

/**
 * The office gives a job another engineer (the first is off sick, their van broke down) until the first is on the
 * way: the same hard rules as assigning by hand, and a reason, which the timeline keeps. The job goes back to
 * `scheduled` with the new engineer: the state machine's step waiting on the first engineer is answered by the move,
 * and it dispatches the job again, to the new one. The first engineer's phone is refused anything more on it (the job
 * is no longer theirs: 404). Giving the job to the engineer who holds it is a replay and changes nothing.
 */
export async function reassign(options: {
  workOrderId: string;
  engineerId: string;
  start?: string;
  reason: string;
  actor: string;
}) {
  const record = await get(options.workOrderId);
  if (record.engineerId === options.engineerId && reassignable.includes(record.status)) return record;
  if (!reassignable.includes(record.status)) refuseReassignment(record);
  const { engineer, start, visits } = await eligibleEngineer(record, options);
  const { record: moved } = await withoutReflowHook(() =>
    change({
      workOrderId: options.workOrderId,
      decide: (current) => {
        if (current.engineerId === engineer.engineerId) return null;
        if (!reassignable.includes(current.status)) refuseReassignment(current);
        const from = current.engineerId;
        return {
          ...statusChange(current, 'scheduled', options.actor, `Reassigned to ${engineer.name}: ${options.reason}`, {
            from,
            engineerId: engineer.engineerId,
          }),
          set: {
            status: 'scheduled',
            engineerId: engineer.engineerId,
            scheduledStart: start,
            visits,
            attention: undefined,
            calledOut: undefined,
          },
        };
      },
    }),
  );
  // The first engineer's day closes up behind the job that left it.
  const days =
    record.engineerId && record.scheduledStart ? [{ engineerId: record.engineerId, day: record.scheduledStart }] : [];
  return moved.engineerId === engineer.engineerId ? retimed(options.workOrderId, days) : moved;
}

/** The engineer, if they may take the job at `start` (or at the first time they can): 404 or 409 with why not. */
async function eligibleEngineer(record: WorkOrderRecord, options: { engineerId: string; start?: string }) {
  const engineer = await getEngineer(options.engineerId);
  if (!engineer) throw new NotFound('engineer', options.engineerId);
  const job = jobOf(record);
  if (!job) throw new Conflict('assignment.no_location', 'The work order has no site location yet.');
  const at = options.start ? new Date(options.start) : earliestStart(record);
  if (job.estimatedMinutes > shiftWorkMinutes(engineer.shift)) {
    // Longer than their shift: planned as visits with them, from the day asked for.
    const planned = await visitsWith(record, engineer, at);
    if (!planned.ok) refuseEngineer(engineer, planned.reasons);
    return { engineer, start: (planned.visits[0] as Visit).start, visits: planned.visits };
  }
  // The week the assignment may fall in, with the engineer's time off.
  const rota = await rotaBetween(at.getTime() - 86_400_000, at.getTime() + 8 * 86_400_000);
  const check = checkEngineer({
    job,
    engineer: { ...asEngineer(engineer), ...rota(engineer.engineerId) },
    at,
    timeZone: await businessTimeZone(),
  });
  if (!check.ok) refuseEngineer(engineer, check.reasons);
  return { engineer, start: options.start ?? check.start, visits: undefined };
}

/** 409 with why the engineer cannot take the job: the first reason that has a code of its own, else unavailable. */
function refuseEngineer(engineer: EngineerRecord, reasons: ExclusionReason[]): never {
  const reason = reasons.find((r) => r in refusalCodes) as keyof typeof refusalCodes | undefined;
  throw new Conflict(
    reason ? refusalCodes[reason] : 'assignment.unavailable',
    `${engineer.name} cannot take this job.`,
    {
      reasons,
    },
  );
}

/**
 * The start asked for (or the first free one from home) places the job in its engineer's day; that day is then
 * timed so it overlaps nothing, which may move the job itself to after the stop before it. So is each of `also`.
 */
async function retimed(workOrderId: string, also: Array<{ engineerId: string; day: string }>) {
  const placed = await get(workOrderId);
  const days = [...also];
  if (placed.engineerId && placed.scheduledStart)
    days.push({ engineerId: placed.engineerId, day: placed.scheduledStart });
  const timeZone = await businessTimeZone();
  for (const { engineerId, day } of days) {
    await reflowEngineerDay({ engineerId, day: dayOf(day, timeZone), timeZone });
  }
  return get(workOrderId);
}

/**
 * The Dispatch task: sends the scheduled job to its engineer (it appears in their day and job pack). A work order
 * no longer scheduled (cancelled meanwhile, or already dispatched by a retry) is left as it is.
 */
export async function dispatch(options: { workOrderId: string }): Promise<{ status: string }> {
  const record = await get(options.workOrderId);
  if (record.status !== 'scheduled') return { status: record.status };
  const { record: dispatched } = await transition({
    workOrderId: options.workOrderId,
    to: 'dispatched',
    actor: 'workflow',
    reason: 'Job pack sent to the engineer',
    data: { engineerId: record.engineerId, scheduledStart: record.scheduledStart },
  });
  return { status: dispatched.status };
}
