import * as z from 'zod';
import type { FieldEntry } from '../db/entities/work-order.ts';
import type { TimelineInput, WorkOrderRecord } from '../db/work-orders.ts';
import { Conflict, NotFound } from '../errors.ts';
import { assignedTo, EventId } from './field.ts';
import { checkAnswers, mergeAnswers } from './job-sheet.ts';
import { fieldStatuses } from './lifecycle.ts';
import { ChecklistAnswer, PartLine } from './model.ts';
import { knownParts } from './references.ts';
import { change } from './work-order.ts';

const Timestamp = z.iso.datetime({ offset: true });

export const TimeLog = z
  .strictObject({ eventId: EventId, kind: z.enum(['travel', 'work']), startedAt: Timestamp, endedAt: Timestamp })
  .refine((log) => Date.parse(log.endedAt) > Date.parse(log.startedAt), 'endedAt must be after startedAt.');
/** When it happened on site; a phone that queued it offline sends the time it was made. Default: on arrival. */
const At = Timestamp.optional();
export const MaterialUsed = PartLine.extend({ eventId: EventId, at: At });
export const PartsRequest = PartLine.extend({ eventId: EventId, at: At, note: z.string().trim().max(2000).optional() });
export const Note = z.strictObject({ eventId: EventId, at: At, text: z.string().trim().min(1).max(8000) });
export const ChecklistAnswers = z.strictObject({
  eventId: EventId,
  at: At,
  answers: z.array(ChecklistAnswer).min(1).max(200),
});

export type FieldRecord =
  | { kind: 'time_log'; body: z.infer<typeof TimeLog> }
  | { kind: 'material'; body: z.infer<typeof MaterialUsed> }
  | { kind: 'parts_request'; body: z.infer<typeof PartsRequest> }
  | { kind: 'note'; body: z.infer<typeof Note> }
  | { kind: 'checklist'; body: z.infer<typeof ChecklistAnswers> };

/** The timeline entry (and so the feed event, `workorder.<type>`) each kind of record produces. */
const entryTypes = {
  time_log: 'time_logged',
  material: 'material_used',
  parts_request: 'parts_requested',
  note: 'note_added',
  checklist: 'checklist_answered',
} as const;

/**
 * Records what the engineer did on site, from their phone: a time log, a material used, a parts request (the
 * office sees it at once in the feed), a note or checklist answers. Each carries the phone's `eventId`, so a
 * replayed one changes nothing and answers as the first did; lists stay in the order things happened on site,
 * whatever order they arrive in. Only while the engineer holds the job.
 */
export async function recordOnSite(options: {
  workOrderId: string;
  engineerId: string;
  actor: string;
  record: FieldRecord;
}) {
  const { record } = options;
  const current = await assignedTo(options.workOrderId, options.engineerId);
  if (record.kind === 'material' || record.kind === 'parts_request') await knownParts([record.body], 'body.sku');
  if (record.kind === 'checklist') checkAnswers(current.checklist, record.body.answers);
  const receivedAt = new Date().toISOString();
  const { answer } = await change({
    workOrderId: options.workOrderId,
    event: {
      eventId: record.body.eventId,
      body: record,
      answer: (saved) => ({
        id: saved.workOrderId,
        status: saved.status,
        version: saved.version,
        eventId: record.body.eventId,
      }),
    },
    decide: (wo) => {
      if (wo.engineerId !== options.engineerId) throw new NotFound('work_order', options.workOrderId);
      if (!fieldStatuses.includes(wo.status)) {
        throw new Conflict('workorder.not_in_field', `A ${wo.status} work order takes no more field records.`);
      }
      const at = record.kind === 'time_log' ? record.body.startedAt : (record.body.at ?? receivedAt);
      const entry: FieldEntry = { eventId: record.body.eventId, at, engineerId: options.engineerId };
      const timeline: TimelineInput = {
        at,
        actor: options.actor,
        type: entryTypes[record.kind],
        data: { ...record.body, receivedAt },
      };
      return { set: apply(wo, record, entry), entries: [timeline] };
    },
  });
  return answer;
}

const byTime = <T extends { at: string }>(items: T[]) => items.sort((a, b) => a.at.localeCompare(b.at));

function apply(wo: WorkOrderRecord, record: FieldRecord, entry: FieldEntry): Partial<WorkOrderRecord> {
  switch (record.kind) {
    case 'time_log': {
      const { eventId, ...log } = record.body;
      const logs = [...(wo.timeLogs ?? []), { eventId, ...log, engineerId: entry.engineerId }];
      return { timeLogs: logs.sort((a, b) => a.startedAt.localeCompare(b.startedAt)) };
    }
    case 'material':
      return { materials: byTime([...(wo.materials ?? []), { ...entry, sku: record.body.sku, qty: record.body.qty }]) };
    case 'parts_request': {
      const { sku, qty, note } = record.body;
      return { partsRequests: byTime([...(wo.partsRequests ?? []), { ...entry, sku, qty, note }]) };
    }
    case 'note':
      return { notes: byTime([...(wo.notes ?? []), { ...entry, text: record.body.text }]) };
    case 'checklist':
      return { checklistAnswers: mergeAnswers(wo.checklistAnswers, record.body.answers, entry) };
  }
}
