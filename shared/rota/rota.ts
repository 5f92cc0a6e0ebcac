import { createHash } from 'node:crypto';
import * as z from 'zod';
import { businessTimeZone } from '../db/business.ts';
import { longestEntryDays, visitEntryDay } from '../db/entities/rota-entry.ts';
import { getEngineer } from '../db/reference.ts';
import {
  createRotaEntry,
  deleteRotaEntry,
  getRotaEntry,
  listRotaOverlapping,
  type RotaEntryRecord,
} from '../db/rota.ts';
import { getWorkOrder } from '../db/work-orders.ts';
import { Conflict, NotFound, ValidationFailed } from '../errors.ts';
import { dayOrInstant } from '../time/zone.ts';
import { plannedStatuses } from '../work-order/lifecycle.ts';
import type { Engineer } from '../work-order/model.ts';

const dayMs = 86_400_000;

/** A whole day of the business (`2026-12-24`, from its first moment or to its last), or an instant with its offset. */
const When = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** An entry the office adds (`POST /v1/rota`). Whole days are the business's days, the last one included. */
export const CreateRotaEntry = z
  .strictObject({
    engineerId: z.string().min(1).max(64),
    kind: z.enum(['leave', 'sickness', 'training', 'other', 'on_call']),
    from: When,
    to: When,
    maxTravelMinutes: z.number().int().positive().max(600).optional().meta({
      description: 'On call only: how far the engineer may be called out to, in minutes’ drive from home.',
    }),
    note: z.string().trim().min(1).max(500).optional(),
  })
  .refine((entry) => entry.kind === 'on_call' || entry.maxTravelMinutes === undefined, {
    message: 'A call-out limit is for on-call entries only.',
    path: ['maxTravelMinutes'],
  });
export type CreateRotaEntry = z.infer<typeof CreateRotaEntry>;

/** The rota between two instants or days (`GET /v1/rota`), of one engineer or all. */
export const ListRota = z.strictObject({
  from: When,
  to: When,
  engineerId: z.string().min(1).max(64).optional(),
});

/**
 * Adds an entry once: its id derives from the caller and the idempotency key, so a retried request finds the entry
 * the first made. At most {@link longestEntryDays} days long, for an engineer who exists.
 */
export async function addEntry(options: { actor: string; idempotencyKey: string; entry: CreateRotaEntry }) {
  const { entry } = options;
  const timeZone = await businessTimeZone();
  const from = dayOrInstant(entry.from, 'start', timeZone);
  const to = dayOrInstant(entry.to, 'end', timeZone);
  if (from >= to) throw invalid('to', 'The entry must end after it starts.');
  if (to - from > longestEntryDays * dayMs) {
    throw invalid('to', `An entry is at most ${longestEntryDays} days; enter a longer absence as several.`);
  }
  if (!(await getEngineer(entry.engineerId))) throw invalid('engineerId', `No engineer ${entry.engineerId}.`);
  const id = createHash('sha256').update(`${options.actor}\n${options.idempotencyKey}`).digest('base64url');
  const record: RotaEntryRecord = {
    entryId: `rota_${id.slice(0, 22)}`,
    engineerId: entry.engineerId,
    kind: entry.kind,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    ...(entry.maxTravelMinutes === undefined ? {} : { maxTravelMinutes: entry.maxTravelMinutes }),
    ...(entry.note === undefined ? {} : { note: entry.note }),
    createdBy: options.actor,
    createdAt: new Date().toISOString(),
  };
  if (await createRotaEntry(record)) return record;
  return (await getRotaEntry(record.entryId)) ?? record;
}

export async function listEntries(query: z.infer<typeof ListRota>): Promise<RotaEntryRecord[]> {
  const timeZone = await businessTimeZone();
  const from = dayOrInstant(query.from, 'start', timeZone);
  const to = dayOrInstant(query.to, 'end', timeZone);
  if (from >= to)
    throw new ValidationFailed('The range must end after it starts.', [{ path: 'query.to', message: 'before from' }]);
  if (to - from > 92 * dayMs) {
    throw new ValidationFailed('Ask for at most 92 days at a time.', [{ path: 'query.to', message: 'too far' }]);
  }
  const entries = await listRotaOverlapping(new Date(from).toISOString(), new Date(to).toISOString());
  return entries
    .filter((entry) => !query.engineerId || entry.engineerId === query.engineerId)
    .sort((a, b) => a.from.localeCompare(b.from) || a.entryId.localeCompare(b.entryId));
}

/** What the planners need of the rota for one engineer: time off, visits held and on-call periods, epoch ms. */
export type RotaOf = (engineerId: string) => Pick<Engineer, 'away' | 'onCall' | 'heldDays'>;

/**
 * The rota between two instants, as the planners read it (one range of the rota's index): each engineer's time off
 * and on-call periods overlapping it.
 */
export async function rotaBetween(from: number, to: number): Promise<RotaOf> {
  const entries = await listRotaOverlapping(new Date(from).toISOString(), new Date(to).toISOString());
  const byEngineer = new Map<
    string,
    {
      away: Array<{ from: number; to: number; workOrderId?: string }>;
      onCall: NonNullable<Engineer['onCall']>[number][];
      heldDays: Map<string, string>;
    }
  >();
  for (const entry of entries) {
    const mine = byEngineer.get(entry.engineerId) ?? { away: [], onCall: [], heldDays: new Map<string, string>() };
    const span = { from: Date.parse(entry.from), to: Date.parse(entry.to) };
    if (entry.kind === 'on_call') mine.onCall.push({ ...span, maxTravelMinutes: entry.maxTravelMinutes });
    else mine.away.push(entry.kind === 'visit' ? { ...span, workOrderId: entry.workOrderId } : span);
    if (entry.kind === 'visit' && entry.workOrderId) mine.heldDays.set(visitEntryDay(entry.entryId), entry.workOrderId);
    byEngineer.set(entry.engineerId, mine);
  }
  return (engineerId) => byEngineer.get(engineerId) ?? {};
}

/**
 * Removes an entry (a cancelled holiday, a swapped on-call week): 404 when there is none. A visit is its job's while
 * the job holds it (409: re-plan or reassign the job instead); one its job no longer holds can go.
 */
export async function removeEntry(entryId: string): Promise<void> {
  const entry = await getRotaEntry(entryId);
  if (entry?.kind === 'visit' && entry.workOrderId) {
    const job = await getWorkOrder(entry.workOrderId);
    const held =
      job?.engineerId === entry.engineerId && job.visits?.some((visit) => visit.day === visitEntryDay(entryId));
    if (held && plannedStatuses.includes(job.status)) {
      throw new Conflict('rota.visit_held', `The day is held for work order ${entry.workOrderId}: re-plan that job.`);
    }
  }
  if (!(await deleteRotaEntry(entryId))) throw new NotFound('rota_entry', entryId);
}

function invalid(field: string, message: string): ValidationFailed {
  return new ValidationFailed(message, [{ path: `body.${field}`, message }]);
}
