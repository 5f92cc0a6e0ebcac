import type { EntityItem } from 'electrodb';
import { StoreConflict } from '../errors.ts';
import type { invoice } from './entities/invoice.ts';
import { backoff, commit, db } from './service.ts';
import { nextSeq } from './work-orders.ts';

export type InvoiceRecord = EntityItem<typeof invoice>;

export async function getInvoice(invoiceId: string): Promise<InvoiceRecord | undefined> {
  const { data } = await db().entities.invoice.get({ invoiceId }).go({ consistent: true });
  return data ?? undefined;
}

export async function findInvoiceOf(workOrderId: string): Promise<InvoiceRecord | undefined> {
  const { data } = await db().entities.invoice.query.byWorkOrder({ workOrderId }).go();
  return data[0];
}

/**
 * Issues an invoice under the next number, with no gaps: the counter moves from n to n + 1 in the same
 * transaction that writes invoice n + 1, so a failed write consumes no number. `undefined` when the invoice
 * already exists (a retry). The counter is read consistently; a lost race for the number is retried after a
 * jittered pause, and after many lost races StoreConflict tells the state machine to retry the task later.
 */
export async function issueInvoice(
  draft: Omit<InvoiceRecord, 'number'>,
  formatNumber: (n: number) => string,
): Promise<InvoiceRecord | undefined> {
  const { entities, transaction } = db();
  for (let attempt = 0; attempt < 25; attempt++) {
    if (await getInvoice(draft.invoiceId)) return undefined;
    const current = (await entities.counter.get({ name: 'invoiceNumber' }).go({ consistent: true })).data?.value ?? 0;
    const record = { ...draft, number: formatNumber(current + 1) };
    const failed = await commit(() =>
      transaction
        .write(({ counter, invoice, domainEvent }) => [
          counter
            .put({ name: 'invoiceNumber', value: current + 1 })
            .where((attr, op) => (current === 0 ? op.notExists(attr.value) : op.eq(attr.value, current)))
            .commit(),
          invoice.create(record).commit(),
          domainEvent
            .create({
              eventId: nextSeq(),
              at: record.issuedAt,
              type: 'invoice.issued',
              workOrderId: record.workOrderId,
              data: { invoiceId: record.invoiceId, number: record.number, totalMinor: record.totalMinor },
            })
            .commit(),
        ])
        .go(),
    );
    if (failed.length === 0) return record;
    await backoff(attempt, 5, 500);
  }
  throw new StoreConflict('Many invoices are being numbered at once; the number will be reserved on a retry.');
}

export async function listInvoicesOfCustomer(customerId: string, page: { limit: number; cursor?: string }) {
  const result = await db()
    .entities.invoice.query.byCustomer({ customerId })
    .go({ limit: page.limit, cursor: page.cursor ?? null, order: 'desc' });
  return { items: result.data, nextCursor: result.cursor };
}
