import type { EntityItem } from 'electrodb';
import type { quote } from './entities/quote.ts';
import { commit, db, isConditionFailure } from './service.ts';
import { nextSeq } from './work-orders.ts';

export type QuoteRecord = EntityItem<typeof quote>;

export async function getQuote(quoteId: string): Promise<QuoteRecord | undefined> {
  const { data } = await db().entities.quote.get({ quoteId }).go({ consistent: true });
  return data ?? undefined;
}

/**
 * Writes a new quote with its `quote.sent` feed event (the customer is sent it: shared/notify), in one transaction;
 * `false` when one with this id exists already (a replayed request).
 */
export async function createQuote(record: QuoteRecord): Promise<boolean> {
  const failed = await commit(() =>
    db()
      .transaction.write(({ quote, domainEvent }) => [
        quote.create(record).commit(),
        domainEvent
          .create({
            eventId: nextSeq(),
            at: record.createdAt,
            type: 'quote.sent',
            data: { quoteId: record.quoteId, number: record.number, customerId: record.customerId },
          })
          .commit(),
      ])
      .go(),
  );
  return failed.length === 0;
}

/** Marks a quote accepted with its work order, once: a second acceptance leaves the first one's record. */
export async function markAccepted(
  quoteId: string,
  acceptance: { workOrderId: string; acceptedAt: string; acceptedBy: string },
) {
  try {
    await db()
      .entities.quote.patch({ quoteId })
      .set({ status: 'accepted', ...acceptance })
      .where((attr, op) => op.eq(attr.status, 'sent'))
      .go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
