import type { EntityItem } from 'electrodb';
import { monotonicFactory } from 'ulid';
import { StoreConflict } from '../errors.ts';
import type { timelineEntry } from './entities/timeline-entry.ts';
import type { Attention, WaitingFor, workOrder } from './entities/work-order.ts';
import { db, writeIf } from './service.ts';

export type WorkOrderRecord = EntityItem<typeof workOrder>;
export type TimelineRecord = EntityItem<typeof timelineEntry>;
export type TimelineInput = Omit<TimelineRecord, 'workOrderId' | 'seq'>;

/** Time-ordered unique ids for timeline entries and feed events (one factory, so they never go backwards). */
export const nextSeq = monotonicFactory();

/**
 * The change-feed event that reports an audit entry: every entry of every work order is also published, under
 * the same ULID, as `workorder.<type>` (`workorder.status_changed`, `workorder.logged`, ...).
 */
function feedEventOf(workOrderId: string, seq: string, entry: TimelineInput) {
  const { at, type, actor, from, to, reason, data } = entry;
  return { eventId: seq, at, type: `workorder.${type}`, workOrderId, data: { actor, from, to, reason, ...data } };
}

export async function getWorkOrder(workOrderId: string): Promise<WorkOrderRecord | undefined> {
  const { data } = await db().entities.workOrder.get({ workOrderId }).go();
  return data ?? undefined;
}

/** Creates a work order and its first timeline entry together; `false` when the id already exists (a replay). */
export async function createWorkOrder(record: WorkOrderRecord, entry: TimelineInput): Promise<boolean> {
  const { entities, transaction } = db();
  const result = await transaction
    .write(({ workOrder, timelineEntry, domainEvent }) => {
      const seq = nextSeq();
      return [
        workOrder.create(record).commit(),
        timelineEntry.create({ ...entry, workOrderId: record.workOrderId, seq }).commit(),
        domainEvent.create(feedEventOf(record.workOrderId, seq, entry)).commit(),
      ];
    })
    .go();
  if (!result.canceled) return true;
  if (
    await entities.workOrder
      .get({ workOrderId: record.workOrderId })
      .go()
      .then((r) => r.data)
  )
    return false;
  throw new StoreConflict('The work order could not be created.');
}

/**
 * Replaces a work order with its next version and appends the timeline entries, in one transaction. The write
 * holds only if nobody changed the item since `previous` was read, including a task token parked meanwhile
 * (see `parkTaskToken`); otherwise it throws StoreConflict and the caller re-reads.
 */
export async function saveWorkOrder(
  previous: WorkOrderRecord,
  next: WorkOrderRecord,
  entries: TimelineInput[],
): Promise<void> {
  const result = await db()
    .transaction.write(({ workOrder, timelineEntry, domainEvent }) => [
      workOrder
        .put(next)
        .where((attr, op) =>
          [
            op.eq(attr.version, previous.version),
            previous.taskToken ? op.eq(attr.taskToken, previous.taskToken) : op.notExists(attr.taskToken),
          ].join(' AND '),
        )
        .commit(),
      ...entries.flatMap((entry) => {
        const seq = nextSeq();
        return [
          timelineEntry.create({ ...entry, workOrderId: next.workOrderId, seq }).commit(),
          domainEvent.create(feedEventOf(next.workOrderId, seq, entry)).commit(),
        ];
      }),
    ])
    .go();
  if (result.canceled) throw new StoreConflict();
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
  const result = await db()
    .transaction.write(({ workOrder, timelineEntry, domainEvent }) => [
      workOrder.patch({ workOrderId }).set({ attention }).commit(),
      timelineEntry.create({ ...entry, workOrderId, seq }).commit(),
      domainEvent.create(feedEventOf(workOrderId, seq, entry)).commit(),
    ])
    .go();
  if (result.canceled) throw new StoreConflict('The work order could not be flagged.');
}

export async function timeline(workOrderId: string): Promise<TimelineRecord[]> {
  const { data } = await db().entities.timelineEntry.query.primary({ workOrderId }).go({ pages: 'all' });
  return data;
}

/** The dispatch board: open (or done) work orders, P1 first, then by SLA due time. */
export async function listBoard(board: 'open' | 'done', page: { limit: number; cursor?: string }) {
  const result = await db()
    .entities.workOrder.query.byBoard({ board })
    .go({ limit: page.limit, cursor: page.cursor ?? null });
  return { items: result.data, nextCursor: result.cursor };
}

/** A whole board partition in board order (P1 first, then SLA due time): every page. */
export async function listWholeBoard(board: 'open' | 'done'): Promise<WorkOrderRecord[]> {
  const { data } = await db().entities.workOrder.query.byBoard({ board }).go({ pages: 'all' });
  return data;
}

/**
 * Every work order that lived in a time window `[from, to)`: logged before its end and changed since its start.
 * Every stage time of a work order lies between its `loggedAt` and its `updatedAt`, so nothing that happened in
 * the window is left out. No index is keyed by when things happened (completion, closing), and the board index is
 * the one that holds every work order (open and done partitions), so this reads both with the window as a filter.
 * That reads a small business's whole history (thousands of work orders a year, a few MB) for an occasional
 * office report, and returns only what the window needs; a sparse index on a completion day would bound the read
 * once a business outgrows it. Times are compared as ISO strings, as they are stored (`toISOString()`).
 */
export async function listLiveIn(window: { from: string; to: string }): Promise<WorkOrderRecord[]> {
  const read = async (board: 'open' | 'done') => {
    const { data } = await db()
      .entities.workOrder.query.byBoard({ board })
      .where((attr, op) => `${op.lt(attr.loggedAt, window.to)} AND ${op.gte(attr.updatedAt, window.from)}`)
      .go({ pages: 'all' });
    return data;
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

/** A customer's work orders logged since a time, newest first. */
export async function listByCustomerSince(customerId: string, since: string): Promise<WorkOrderRecord[]> {
  const { data } = await db()
    .entities.workOrder.query.byCustomer({ customerId })
    .gte({ loggedAt: since })
    .go({ pages: 'all', order: 'desc' });
  return data;
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
  const { data } = await bounded.go({ pages: 'all' });
  return data;
}

/** The next value of a named sequence (1, 2, 3 ...). */
export async function nextInSequence(name: string): Promise<number> {
  const { data } = await db().entities.counter.update({ name }).add({ value: 1 }).go({ response: 'all_new' });
  if (data.value === undefined) throw new Error(`Sequence ${name} did not advance`);
  return data.value;
}

/** Every engineer's planned jobs of a UTC day (`YYYY-MM-DD`), by engineer then start. */
export async function listPlannedOn(day: string): Promise<WorkOrderRecord[]> {
  const { data } = await db().entities.workOrder.query.byDay({ scheduledDay: day }).go({ pages: 'all' });
  return data;
}
