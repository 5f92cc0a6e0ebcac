import type { EntityItem } from 'electrodb';
import { monotonicFactory } from 'ulid';
import { StoreConflict } from '../errors.ts';
import { addDays, atLocal, defaultTimeZone } from '../time/zone.ts';
import { plannedStatuses } from '../work-order/lifecycle.ts';
import { visitEntryId } from './entities/rota-entry.ts';
import type { timelineEntry } from './entities/timeline-entry.ts';
import type { Attention, WaitingFor, workOrder } from './entities/work-order.ts';
import type { RotaEntryRecord } from './rota.ts';
import { commit, db, wholeItems, writeIf } from './service.ts';

export type WorkOrderRecord = EntityItem<typeof workOrder>;
export type TimelineRecord = EntityItem<typeof timelineEntry>;
export type TimelineInput = Omit<TimelineRecord, 'workOrderId' | 'seq'>;

/** Time-ordered unique ids for timeline entries and feed events (one factory, so they never go backwards). */
export const nextSeq = monotonicFactory();

/**
 * The change-feed event that reports an audit entry: every entry of every work order is also published, under
 * the same ULID, as `workorder.<type>` (`workorder.status_changed`, `workorder.logged`, ...).
 */
export function feedEventOf(workOrderId: string, seq: string, entry: TimelineInput) {
  const { at, type, actor, from, to, reason, data } = entry;
  return { eventId: seq, at, type: `workorder.${type}`, workOrderId, data: { actor, from, to, reason, ...data } };
}

/** A work order, read consistently: every change is decided from the latest version. */
export async function getWorkOrder(workOrderId: string): Promise<WorkOrderRecord | undefined> {
  const { data } = await db().entities.workOrder.get({ workOrderId }).go({ consistent: true });
  return data ?? undefined;
}

/** Work the workflow owes once a change commits (see the outboxEntry entity). */
export type Owed =
  | { action: 'answer_task'; taskToken: string; outcome?: { error: string; cause: string } }
  | {
      action: 'start_execution';
    };

/** A field event applied by a change: recorded with it, so it is applied once (see the fieldEvent entity). */
export interface FieldEventWrite {
  eventId: string;
  fingerprint: string;
  response: string;
}

/** The site-and-category slot a new customer request takes (see the openJob entity). */
export interface OpenJobClaim {
  siteId: string;
  categoryId: string;
  /** The holder this request found lapsed (closed, or logged before the window), or none: it may take over only that. */
  lapsedHolder?: string;
}

/** Why a write did not happen: the item changed (or exists), the field event was applied already, the slot is held. */
export type Refusal = 'conflict' | 'event_recorded' | 'slot_taken' | 'day_taken';

function outboxItem(workOrderId: string, owed: Owed) {
  return {
    entryId: nextSeq(),
    workOrderId,
    action: owed.action,
    taskToken: owed.action === 'answer_task' ? owed.taskToken : undefined,
    outcome: owed.action === 'answer_task' ? owed.outcome : undefined,
    createdAt: new Date().toISOString(),
  };
}

/**
 * Creates a work order with its first timeline entry, in one transaction with what it owes (its execution's
 * start) and the open-job slot it claims. Answers `created`, `exists` (the id is taken: a replay) or
 * `slot_taken` (another open job holds the site and category).
 */
export async function createWorkOrder(
  record: WorkOrderRecord,
  entry: TimelineInput,
  extras: { owed?: Owed; openJob?: OpenJobClaim } = {},
): Promise<{ outcome: 'created' | 'exists' | 'slot_taken'; outboxId?: string }> {
  const { entities, transaction } = db();
  const seq = nextSeq();
  const owed = extras.owed ? outboxItem(record.workOrderId, extras.owed) : undefined;
  const claim = extras.openJob;
  const failed = await commit(() =>
    transaction
      .write(({ workOrder, timelineEntry, domainEvent, outboxEntry, openJob }) => [
        workOrder.create(record).commit(),
        ...(claim
          ? [
              openJob
                .put({
                  siteId: claim.siteId,
                  categoryId: claim.categoryId,
                  workOrderId: record.workOrderId,
                  loggedAt: record.loggedAt,
                })
                .where((attr, op) =>
                  claim.lapsedHolder
                    ? op.eq(attr.workOrderId, claim.lapsedHolder)
                    : `(${op.notExists(attr.workOrderId)} OR ${op.eq(attr.workOrderId, record.workOrderId)})`,
                )
                .commit(),
            ]
          : []),
        timelineEntry.create({ ...entry, workOrderId: record.workOrderId, seq }).commit(),
        domainEvent.create(feedEventOf(record.workOrderId, seq, entry)).commit(),
        ...(owed ? [outboxEntry.create(owed).commit()] : []),
      ])
      .go(),
  );
  if (failed.length === 0) return { outcome: 'created', outboxId: owed?.entryId };
  const exists = await entities.workOrder.get({ workOrderId: record.workOrderId }).go({ consistent: true });
  if (exists.data) return { outcome: 'exists' };
  if (claim && failed.includes(1)) return { outcome: 'slot_taken' };
  throw new StoreConflict('The work order could not be created.');
}

/** Who holds a site's open-job slot for a category, if anyone. */
export async function openJobHolder(siteId: string, categoryId: string) {
  const { data } = await db().entities.openJob.get({ siteId, categoryId }).go({ consistent: true });
  return data ?? undefined;
}

/**
 * Replaces a work order with its next version and appends the timeline entries, in one transaction with the field
 * event it applies and the work it owes. The write holds only if nobody changed the item since `previous` was
 * read, including a task token parked meanwhile (see `parkTaskToken`), and the field event is new. Answers the
 * outbox entry's id, or the refusal: `conflict` (re-read and decide again) or `event_recorded` (a replay).
 */
export async function saveWorkOrder(
  previous: WorkOrderRecord,
  next: WorkOrderRecord,
  entries: TimelineInput[],
  extras: { event?: FieldEventWrite; owed?: Owed } = {},
): Promise<{ refused?: Refusal; outboxId?: string }> {
  const { event } = extras;
  const owed = extras.owed ? outboxItem(next.workOrderId, extras.owed) : undefined;
  const days = heldDaysChange(previous, next);
  const failed = await commit(() =>
    db()
      .transaction.write(({ workOrder, timelineEntry, domainEvent, fieldEvent, outboxEntry, rotaEntry }) => [
        workOrder
          .put(next)
          .where((attr, op) =>
            [
              op.eq(attr.version, previous.version),
              previous.taskToken ? op.eq(attr.taskToken, previous.taskToken) : op.notExists(attr.taskToken),
            ].join(' AND '),
          )
          .commit(),
        // A day newly held must be free; one held already, or let go, must still be this job's.
        ...days.claim.map((entry) => rotaEntry.create(entry).commit()),
        ...days.keep.map((entry) =>
          rotaEntry
            .put(entry)
            .where((attr, op) => op.eq(attr.workOrderId, next.workOrderId))
            .commit(),
        ),
        ...days.release.map((entryId) =>
          rotaEntry
            .delete({ entryId })
            .where((attr, op) => op.eq(attr.workOrderId, next.workOrderId))
            .commit(),
        ),
        ...(event
          ? [fieldEvent.create({ workOrderId: next.workOrderId, ...event, recordedAt: next.updatedAt }).commit()]
          : []),
        ...(owed ? [outboxEntry.create(owed).commit()] : []),
        ...entries.flatMap((entry) => {
          const seq = nextSeq();
          return [
            timelineEntry.create({ ...entry, workOrderId: next.workOrderId, seq }).commit(),
            domainEvent.create(feedEventOf(next.workOrderId, seq, entry)).commit(),
          ];
        }),
      ])
      .go(),
  );
  if (failed.length === 0) return { outboxId: owed?.entryId };
  const eventIndex = 1 + days.claim.length + days.keep.length + days.release.length;
  if (event && failed.includes(eventIndex)) return { refused: 'event_recorded' };
  // Another job holds a day this one claims (the work order itself unchanged): planning must look again.
  if (!failed.includes(0) && failed.some((index) => index <= days.claim.length)) return { refused: 'day_taken' };
  return { refused: 'conflict' };
}

/**
 * The rota entries a work order's visits hold (see `shared/scheduling/visits.ts`): one per visit, while the job is
 * planned work of an engineer. Completed, cancelled, refused or given to another engineer, it holds none.
 */
function heldDays(record: WorkOrderRecord): RotaEntryRecord[] {
  const { engineerId, visits } = record;
  if (!engineerId || !visits?.length || !plannedStatuses.includes(record.status)) return [];
  return visits.map((visit) => ({
    entryId: visitEntryId(engineerId, visit.day),
    engineerId,
    kind: 'visit',
    workOrderId: record.workOrderId,
    from: visit.from,
    to: visit.end,
    createdBy: 'scheduler',
    createdAt: record.updatedAt,
  }));
}

/** What a change does to the days a work order holds: days to claim, to keep (re-timed) and to let go. */
function heldDaysChange(previous: WorkOrderRecord, next: WorkOrderRecord) {
  const before = new Map(heldDays(previous).map((entry) => [entry.entryId, entry]));
  const after = heldDays(next);
  const moved = (entry: RotaEntryRecord) => {
    const was = before.get(entry.entryId);
    return was !== undefined && (was.from !== entry.from || was.to !== entry.to);
  };
  return {
    claim: after.filter((entry) => !before.has(entry.entryId)),
    keep: after.filter(moved),
    release: [...before.keys()].filter((id) => !after.some((entry) => entry.entryId === id)),
  };
}

/** A field event applied before, by its id, with the answer it got. */
export async function getFieldEvent(workOrderId: string, eventId: string) {
  const { data } = await db().entities.fieldEvent.get({ workOrderId, eventId }).go({ consistent: true });
  return data ?? undefined;
}

/** Deletes an outbox entry once its work is done. */
export async function settleOwed(entryId: string): Promise<void> {
  await db().entities.outboxEntry.delete({ entryId }).go();
}

/** Outbox entries written before a time, oldest first: work a crashed process left undone. */
export async function listOwedBefore(before: string) {
  const { data } = await db().entities.outboxEntry.query.primary({}).go({ pages: 'all' });
  return data.filter((entry) => entry.createdAt < before);
}

/**
 * Stores the task token of the human step the state machine now waits on, only while the work order is still
 * in the status that step waits in. `false` means the work order has already moved on: the caller answers
 * the token itself. The version is not bumped: parking is bookkeeping, not a change a client must re-read.
 */
export async function parkTaskToken(
  workOrderId: string,
  waitingFor: WaitingFor,
  taskToken: string,
  statuses: readonly string[],
): Promise<boolean> {
  return writeIf(() =>
    db()
      .entities.workOrder.patch({ workOrderId })
      .set({ waitingFor, taskToken })
      .where((attr, op) => `(${statuses.map((s) => op.eq(attr.status, s)).join(' OR ')})`)
      .go(),
  );
}

/** Flags a work order for the office, with its timeline entry and feed event; leaves its status and version alone. */
export async function flagWorkOrder(workOrderId: string, attention: Attention): Promise<void> {
  const entry: TimelineInput = {
    at: attention.at,
    actor: 'workflow',
    type: 'attention_flagged',
    reason: attention.reason,
    data: attention.error ? { error: attention.error, state: attention.state } : undefined,
  };
  const seq = nextSeq();
  const failed = await commit(() =>
    db()
      .transaction.write(({ workOrder, timelineEntry, domainEvent }) => [
        workOrder.patch({ workOrderId }).set({ attention }).commit(),
        timelineEntry.create({ ...entry, workOrderId, seq }).commit(),
        domainEvent.create(feedEventOf(workOrderId, seq, entry)).commit(),
      ])
      .go(),
  );
  if (failed.length > 0) throw new StoreConflict('The work order could not be flagged.');
}

export async function timeline(workOrderId: string): Promise<TimelineRecord[]> {
  const { data } = await db().entities.timelineEntry.query.primary({ workOrderId }).go({ pages: 'all' });
  return data;
}

/** The dispatch board: open (or done) work orders, P1 first, then by SLA due time. */
export async function listBoard(board: 'open' | 'done', page: { limit: number; cursor?: string }) {
  const result = await wholeItems(
    db()
      .entities.workOrder.query.byBoard({ board })
      .go({ limit: page.limit, cursor: page.cursor ?? null, hydrate: true }),
  );
  return { items: result.data, nextCursor: result.cursor };
}

/** A whole board partition in board order (P1 first, then SLA due time): every page. */
export async function listWholeBoard(board: 'open' | 'done'): Promise<WorkOrderRecord[]> {
  const { data } = await wholeItems(
    db().entities.workOrder.query.byBoard({ board }).go({ pages: 'all', hydrate: true }),
  );
  return data;
}

/**
 * Every work order that lived in a time window `[from, to)`: logged before its end and changed since its start.
 * Every stage time of a work order lies between its `loggedAt` and its `updatedAt`, so nothing that happened in
 * the window is left out. No index is keyed by when things happened (completion, closing), and the board index is
 * the one that holds every work order (open and done partitions), so this reads both and keeps what the window
 * needs. The board index holds keys only, so the window is applied to the whole items once read (a filter on the
 * index would see no times); a filter never made a read cheaper, since DynamoDB bills what it reads before
 * filtering. That reads a small business's whole history (thousands of work orders a year, a few MB) for an
 * occasional office report; a sparse index on a completion day would bound the read once a business outgrows it.
 * Times are compared as ISO strings, as they are stored (`toISOString()`).
 */
export async function listLiveIn(window: { from: string; to: string }): Promise<WorkOrderRecord[]> {
  const read = async (board: 'open' | 'done') => {
    const { data } = await wholeItems(
      db().entities.workOrder.query.byBoard({ board }).go({ pages: 'all', hydrate: true }),
    );
    return data.filter((record) => record.loggedAt < window.to && record.updatedAt >= window.from);
  };
  const [open, done] = await Promise.all([read('open'), read('done')]);
  // A work order closed between the two reads can be on both: the later version wins.
  const byId = new Map<string, WorkOrderRecord>();
  for (const record of [...open, ...done]) {
    const seen = byId.get(record.workOrderId);
    if (!seen || seen.version < record.version) byId.set(record.workOrderId, record);
  }
  return [...byId.values()];
}

/** A customer's work orders, newest first. */
export async function listByCustomer(customerId: string, page: { limit: number; cursor?: string }) {
  const result = await db()
    .entities.workOrder.query.byCustomer({ customerId })
    .go({ limit: page.limit, cursor: page.cursor ?? null, order: 'desc' });
  return { items: result.data, nextCursor: result.cursor };
}

/** An engineer's work orders by scheduled start, optionally within [from, to). */
export async function listByEngineer(engineerId: string, range: { from?: string; to?: string } = {}) {
  const query = db().entities.workOrder.query.byEngineer({ engineerId });
  const bounded =
    range.from && range.to
      ? query.between({ scheduledStart: range.from }, { scheduledStart: range.to })
      : range.from
        ? query.gte({ scheduledStart: range.from })
        : query;
  const { data } = await wholeItems(bounded.go({ pages: 'all', hydrate: true }));
  return data;
}

/** The next value of a named sequence (1, 2, 3 ...). */
export async function nextInSequence(name: string): Promise<number> {
  const { data } = await db().entities.counter.update({ name }).add({ value: 1 }).go({ response: 'all_new' });
  if (data.value === undefined) throw new Error(`Sequence ${name} did not advance`);
  return data.value;
}

/**
 * The instants a local day of the business spans, as ISO strings (the last millisecond included), and the UTC days
 * whose partitions of `byDay` hold them: one, or two when the zone is off UTC (a London summer day starts at 23:00
 * UTC the day before).
 */
function dayRange(day: string, timeZone: string) {
  const from = new Date(atLocal(day, 0, timeZone)).toISOString();
  const to = new Date(atLocal(addDays(day, 1), 0, timeZone) - 1).toISOString();
  const days = [from.slice(0, 10)];
  while ((days.at(-1) as string) < to.slice(0, 10)) days.push(addDays(days.at(-1) as string, 1));
  return { from, to, days };
}

/**
 * Every engineer's planned jobs of a local day of the business (`YYYY-MM-DD`), by engineer then start: the whole
 * day, for the office views that show it whole (the dispatch board, the day optimiser). It reads all the business did
 * that day, closed jobs included, so matching reads each engineer's day instead (`listEngineerDay`).
 */
export async function listPlannedOn(day: string, timeZone: string = defaultTimeZone): Promise<WorkOrderRecord[]> {
  const { from, to, days } = dayRange(day, timeZone);
  const parts = await Promise.all(
    days.map(async (scheduledDay) => {
      const { data } = await wholeItems(
        db().entities.workOrder.query.byDay({ scheduledDay }).go({ pages: 'all', hydrate: true }),
      );
      return data.filter(
        (record) => (record.scheduledStart as string) >= from && (record.scheduledStart as string) <= to,
      );
    }),
  );
  // In the index's order across the partitions: by engineer, then start.
  const key = (record: WorkOrderRecord) => `${record.engineerId ?? ''}\n${record.scheduledStart ?? ''}`;
  return parts.flat().sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * One engineer's jobs of a local day of the business (`YYYY-MM-DD`), by start: the engineer's key range, between the
 * day's first and last instants, within each UTC day's partition of `byDay`, so what it reads is bounded by what one
 * engineer does in a day, however much the rest of the business did that day or before. Keys are lowercased
 * (ElectroDB's default), so an id differing only in case would share the range: the records are kept by their exact
 * engineer id.
 */
export async function listEngineerDay(
  engineerId: string,
  day: string,
  timeZone: string = defaultTimeZone,
): Promise<WorkOrderRecord[]> {
  const { from, to, days } = dayRange(day, timeZone);
  const parts = await Promise.all(
    days.map(async (scheduledDay) => {
      const { data } = await wholeItems(
        db()
          .entities.workOrder.query.byDay({ scheduledDay })
          .between({ engineerId, scheduledStart: from }, { engineerId, scheduledStart: to })
          .go({ pages: 'all', hydrate: true }),
      );
      return data;
    }),
  );
  return parts.flat().filter((record) => record.engineerId === engineerId);
}
