import * as z from 'zod';
import { listAttachments } from '../db/attachments.ts';
import { businessTimeZone } from '../db/business.ts';
import { getEngineer } from '../db/reference.ts';
import { getWorkOrder, listByEngineer, type WorkOrderRecord } from '../db/work-orders.ts';
import { Conflict, NotFound } from '../errors.ts';
import { rotaBetween } from '../rota/rota.ts';
import { lapsedCertifications } from '../scheduling/match.ts';
import { addDays, atLocal, localDay } from '../time/zone.ts';
import { checkAnswers, type Missing, mergeAnswers, unansweredItems } from './job-sheet.ts';
import { assertTransition, canTransition } from './lifecycle.ts';
import { ChecklistAnswer, LatLng, Outcome, PartLine, type Status } from './model.ts';
import { knownParts } from './references.ts';
import { change, get, statusChange, transition } from './work-order.ts';

/** The phone-made id of a field event: the same id is the same event, replayed. */
export const EventId = z.string().trim().min(8).max(100);
const Timestamp = z.iso.datetime({ offset: true });

export const Acknowledge = z.union([
  z.strictObject({ accept: z.literal(true) }),
  z.strictObject({ accept: z.literal(false), reason: z.string().trim().min(1).max(2000) }),
]);

export const ReportStatus = z.strictObject({
  eventId: EventId,
  status: z.enum(['en_route', 'on_site', 'in_progress', 'paused']),
  at: Timestamp,
  reason: z.string().trim().min(1).max(2000).optional(),
  location: LatLng.optional(),
});
export type ReportStatus = z.infer<typeof ReportStatus>;

export const Complete = z.strictObject({
  eventId: EventId,
  outcome: Outcome,
  findings: z.string().trim().min(1).max(8000),
  workDone: z.string().trim().min(1).max(8000),
  partsUsed: z.array(PartLine).max(100),
  followUp: z.string().trim().max(4000).optional(),
  reason: z.string().trim().max(2000).optional(),
  signatureAttachmentId: z.string().max(100).optional(),
  checklist: z.array(ChecklistAnswer).max(200).optional(),
});
export type Complete = z.infer<typeof Complete>;

/** The work order, if it is assigned to this engineer; anyone else's job is reported as missing (404). */
export async function assignedTo(workOrderId: string, engineerId: string): Promise<WorkOrderRecord> {
  const record = await get(workOrderId);
  if (record.engineerId !== engineerId) throw new NotFound('work_order', workOrderId);
  return record;
}

/** Accepts the dispatched job, or refuses it: it goes back to matching, never to this engineer again. */
export async function acknowledge(options: {
  workOrderId: string;
  engineerId: string;
  actor: string;
  answer: z.infer<typeof Acknowledge>;
}) {
  const guard = (record: WorkOrderRecord) => {
    if (record.engineerId !== options.engineerId) throw new NotFound('work_order', options.workOrderId);
  };
  if (options.answer.accept) {
    return (await transition({ workOrderId: options.workOrderId, to: 'acknowledged', actor: options.actor, guard }))
      .record;
  }
  const { reason } = options.answer;
  const { record } = await change({
    workOrderId: options.workOrderId,
    decide: (current) => {
      guard(current);
      const refusal = statusChange(current, 'ready_to_schedule', options.actor, `Refused by the engineer: ${reason}`, {
        refusedBy: options.engineerId,
      });
      return {
        ...refusal,
        set: {
          ...refusal.set,
          engineerId: undefined,
          scheduledStart: undefined,
          calledOut: undefined,
          refusedBy: [...(current.refusedBy ?? []), options.engineerId],
        },
      };
    },
  });
  return record;
}

/**
 * How far along the field statuses are (a pause is as far as the work it interrupts): a report of a status the job
 * has already passed is late news from a phone that was offline, recorded on the timeline and never applied.
 */
const fieldRank: Partial<Record<Status, number>> = {
  acknowledged: 0,
  en_route: 1,
  on_site: 2,
  in_progress: 3,
  paused: 3,
};

/** The answer to a field event: the work order as the event left it. */
const answerOf = (record: WorkOrderRecord) => ({
  id: record.workOrderId,
  status: record.status,
  version: record.version,
});

/**
 * The engineer reports where the job stands (`en_route`, `on_site`, `in_progress`, `paused`), once per
 * phone-made `eventId`. A move the lifecycle table allows is applied; a status the job has already passed is
 * recorded but never applied (the status never moves backwards); anything else is 409.
 */
export async function reportStatus(options: {
  workOrderId: string;
  engineerId: string;
  actor: string;
  update: ReportStatus;
}) {
  const { update } = options;
  await assignedTo(options.workOrderId, options.engineerId);
  const { answer } = await change({
    workOrderId: options.workOrderId,
    event: { eventId: update.eventId, body: update, answer: answerOf },
    decide: (current) => {
      if (current.engineerId !== options.engineerId) throw new NotFound('work_order', options.workOrderId);
      const currentRank = fieldRank[current.status];
      const behind =
        !canTransition(current.status, update.status) &&
        currentRank !== undefined &&
        (fieldRank[update.status] ?? 0) <= currentRank;
      const entry = {
        at: update.at,
        actor: options.actor,
        type: behind ? 'field_update_recorded' : 'status_changed',
        from: current.status,
        to: update.status,
        reason: update.reason,
        data: { eventId: update.eventId, location: update.location, receivedAt: new Date().toISOString() },
      };
      return { set: behind ? {} : { status: update.status }, entries: [entry] };
    },
  });
  return answer;
}

/**
 * Completes the job on site. Refused (409) while the engineer's certifications the job requires are not valid
 * today: they are checked again here, since one may have expired since assignment.
 */
export async function complete(options: {
  workOrderId: string;
  engineerId: string;
  actor: string;
  completion: Complete;
}) {
  const { completion } = options;
  const record = await assignedTo(options.workOrderId, options.engineerId);
  await knownParts(completion.partsUsed, 'body.partsUsed');
  checkAnswers(record.checklist, completion.checklist ?? []);
  const now = new Date();
  const answers = mergeAnswers(record.checklistAnswers, completion.checklist ?? [], {
    eventId: completion.eventId,
    at: now.toISOString(),
    engineerId: options.engineerId,
  });
  const missing = await stillMissing({ record, answers, completion, engineerId: options.engineerId, now });
  const { answer } = await change({
    workOrderId: options.workOrderId,
    event: { eventId: completion.eventId, body: completion, answer: answerOf },
    decide: (current) => {
      if (current.engineerId !== options.engineerId) throw new NotFound('work_order', options.workOrderId);
      // A second completion (another event id) of a job already completed is not a change the table allows.
      assertTransition(current.status, 'completed');
      if (missing.length > 0) {
        throw new Conflict('completion.incomplete', 'The job cannot be completed yet: see what is missing.', {
          missing,
        });
      }
      const completed = statusChange(current, 'completed', options.actor, `Outcome: ${completion.outcome}`);
      return {
        ...completed,
        set: {
          status: 'completed',
          completion: {
            outcome: completion.outcome,
            findings: completion.findings,
            workDone: completion.workDone,
            partsUsed: completion.partsUsed,
            followUp: completion.followUp,
            reason: completion.reason,
            completedBy: options.engineerId,
            at: now.toISOString(),
            // Fixed on the first visit with nothing left to do: a follow-up visit is never a first-time fix.
            firstTimeFix: completion.outcome === 'fixed' && !current.followUpOf,
          },
          checklistAnswers: mergeAnswers(current.checklistAnswers, completion.checklist ?? [], {
            eventId: completion.eventId,
            at: now.toISOString(),
            engineerId: options.engineerId,
          }),
        },
      };
    },
  });
  return answer;
}

/**
 * What completion still needs: required job sheet items, the customer's signature (a verified signature
 * attachment, the one named if any), and the job's certifications, valid today: they may have lapsed since
 * assignment.
 */
async function stillMissing(options: {
  record: WorkOrderRecord;
  answers: WorkOrderRecord['checklistAnswers'];
  completion: Complete;
  engineerId: string;
  now: Date;
}): Promise<Missing[]> {
  const { record, completion } = options;
  const missing = unansweredItems(record.checklist, options.answers);
  if (record.requiresSignature) {
    const signed = (await listAttachments(record.workOrderId)).some(
      (a) =>
        a.kind === 'signature' &&
        a.status === 'verified' &&
        (!completion.signatureAttachmentId || a.attachmentId === completion.signatureAttachmentId),
    );
    if (!signed) missing.push({ kind: 'signature' });
  }
  const engineer = await getEngineer(options.engineerId);
  const lapsed = lapsedCertifications({
    required: record.requiredCertifications ?? [],
    certifications: engineer?.certifications ?? [],
    on: options.now,
    timeZone: await businessTimeZone(),
  });
  return [...missing, ...lapsed.map((code): Missing => ({ kind: 'certification', code }))];
}

/**
 * The engineer’s jobs for a day of the business (today unless given), in route order: by the start of their work
 * that day. A job planned over several days is there on each day of its visits, with that day's `visit`.
 */
export async function myJobs(options: { engineerId: string; date?: string }) {
  const timeZone = await businessTimeZone();
  const date = options.date ?? localDay(Date.now(), timeZone);
  const from = new Date(atLocal(date, 0, timeZone)).toISOString();
  const to = new Date(atLocal(addDays(date, 1), 0, timeZone) - 1).toISOString();
  const [scheduled, rota] = await Promise.all([
    listByEngineer(options.engineerId, { from, to }),
    rotaBetween(Date.parse(from), Date.parse(to)),
  ]);
  // The long job (at most one) whose visit holds the day, when it did not start that day.
  const held = rota(options.engineerId).heldDays?.get(date);
  const visiting =
    held && !scheduled.some((record) => record.workOrderId === held) ? await getWorkOrder(held) : undefined;
  const jobs = [...scheduled, ...(visiting ? [visiting] : [])]
    .filter((record) => record.engineerId === options.engineerId)
    .map((record) => ({ record, visit: record.visits?.find((visit) => visit.day === date) }))
    // A job whose visits are all on other days (a return booked for later) is not today's work.
    .filter(({ record, visit }) => !record.visits?.length || visit !== undefined);
  const startOf = (job: (typeof jobs)[number]) => job.visit?.start ?? job.record.scheduledStart ?? '';
  return { date, jobs: jobs.sort((a, b) => startOf(a).localeCompare(startOf(b))) };
}
