import type { EntityItem } from 'electrodb';
import type { message } from './entities/message.ts';
import type { suppression } from './entities/suppression.ts';
import { commit, db, wholeItems, writeIf } from './service.ts';
import { feedEventOf, nextSeq, type TimelineInput } from './work-orders.ts';

export type MessageRecord = EntityItem<typeof message>;
export type SuppressionRecord = EntityItem<typeof suppression>;

/** How long a `sending` claim holds before another attempt may take it over (the sender died mid-send). */
export const staleClaimMs = 5 * 60_000;

export async function getMessage(messageId: string): Promise<MessageRecord | undefined> {
  const { data } = await db().entities.message.get({ messageId }).go({ consistent: true });
  return data ?? undefined;
}

/**
 * Takes a message for sending: written as `sending` if it is not there yet, or taken over if a claim before this one
 * is stale and it was never sent. `false` when it is sent (or skipped) already, or another sender holds it now.
 */
export async function claimMessage(record: MessageRecord, now = new Date()): Promise<boolean> {
  if (await writeIf(() => db().entities.message.create(record).go())) return true;
  const staleBefore = new Date(now.getTime() - staleClaimMs).toISOString();
  return writeIf(() =>
    db()
      .entities.message.patch({ messageId: record.messageId })
      .set({ claimedAt: now.toISOString() })
      .where((attr, op) => `${op.eq(attr.status, 'sending')} AND ${op.lt(attr.claimedAt, staleBefore)}`)
      .go(),
  );
}

/** A claimed message went out (or was decided against): recorded with its timeline entry, in one transaction. */
export async function settleMessage(
  record: MessageRecord,
  outcome: { status: 'sent' | 'skipped'; providerId?: string; reason?: string; at: string },
  entry: TimelineInput | undefined,
): Promise<void> {
  const seq = nextSeq();
  // Refused only when another sender settled it first: then its entry is the one on the timeline.
  await commit(() =>
    db()
      .transaction.write(({ message, timelineEntry, domainEvent }) => [
        message
          .patch({ messageId: record.messageId })
          .set({
            status: outcome.status,
            ...(outcome.status === 'sent' ? { sentAt: outcome.at } : {}),
            ...(outcome.providerId ? { providerId: outcome.providerId } : {}),
            ...(outcome.reason ? { reason: outcome.reason } : {}),
          })
          .where((attr, op) => op.eq(attr.status, 'sending'))
          .commit(),
        ...(entry && record.workOrderId
          ? [
              timelineEntry.create({ ...entry, workOrderId: record.workOrderId, seq }).commit(),
              domainEvent.create(feedEventOf(record.workOrderId, seq, entry)).commit(),
            ]
          : []),
      ])
      .go(),
  );
}

/** Counts a failed send on a claimed message, leaving it `sending` for the retry to take over. */
export async function noteFailure(messageId: string): Promise<void> {
  await db().entities.message.update({ messageId }).add({ failures: 1 }).set({ claimedAt: '' }).go();
}

/** The messages about a work order or quote, in the order of the events that caused them. */
export async function listMessagesAbout(about: string): Promise<MessageRecord[]> {
  const { data } = await db().entities.message.query.byAbout({ about }).go({ pages: 'all' });
  return data;
}

/** Every message, newest event first: the local outbox. */
export async function listOutbox(limit: number): Promise<MessageRecord[]> {
  const { data } = await wholeItems(db().entities.message.query.all({}).go({ order: 'desc', limit, hydrate: true }));
  return data;
}

export async function getSuppression(address: string): Promise<SuppressionRecord | undefined> {
  const { data } = await db().entities.suppression.get({ address: address.toLowerCase() }).go();
  return data ?? undefined;
}

/** Suppresses an address for good; the first reason recorded stands. */
export async function suppress(record: SuppressionRecord): Promise<boolean> {
  return writeIf(() =>
    db()
      .entities.suppression.create({ ...record, address: record.address.toLowerCase() })
      .go(),
  );
}
