import type { EntityItem } from 'electrodb';
import { StoreConflict } from '../errors.ts';
import type { invoice } from './entities/invoice.ts';
import { backoff, commit, db, wholeItems } from './service.ts';
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

/** Invoices a numbering pass numbers at most: each takes three items of a transaction's hundred. */
const numberingBatch = 30;

/**
 * Issues an invoice and gives it the next number, with no gaps. The invoice is written with its place in the
 * numbering queue (once: `undefined` when it exists already, a retry), then numbered by {@link numberInvoice}.
 */
export async function issueInvoice(
  draft: Omit<InvoiceRecord, 'number'>,
  formatNumber: (n: number) => string,
): Promise<InvoiceRecord | undefined> {
  const failed = await commit(() =>
    db()
      .transaction.write(({ invoice, invoiceQueue }) => [
        invoice.create(draft).commit(),
        invoiceQueue
          .create({
            issuedAt: draft.issuedAt,
            invoiceId: draft.invoiceId,
            workOrderId: draft.workOrderId,
            totalMinor: draft.totalMinor,
          })
          .commit(),
      ])
      .go(),
  );
  if (failed.length > 0) return undefined;
  return numberInvoice(draft.invoiceId, formatNumber);
}

/**
 * Gives an invoice its number, with every other invoice waiting in the queue: each pass takes the counter from n to
 * n + k and numbers the k oldest waiting invoices n + 1 ... n + k in one transaction (conditional on the counter
 * and on each still being unnumbered), with their `invoice.issued` feed events. A pass lost to another pass is
 * simply run again: the other pass numbered invoices too, so of many invoices issued at once few passes are needed.
 */
export async function numberInvoice(invoiceId: string, formatNumber: (n: number) => string): Promise<InvoiceRecord> {
  const { entities, transaction } = db();
  for (let attempt = 0; attempt < 200; attempt++) {
    const own = await getInvoice(invoiceId);
    if (!own) throw new Error(`No invoice ${invoiceId}`);
    if (own.number) return own;
    const current = (await entities.counter.get({ name: 'invoiceNumber' }).go({ consistent: true })).data?.value ?? 0;
    const { data: waiting } = await entities.invoiceQueue.query
      .primary({})
      .go({ consistent: true, limit: numberingBatch });
    const numbered = waiting.map((entry, i) => ({ ...entry, number: formatNumber(current + i + 1) }));
    // Another pass numbered it (and emptied the queue) since it was read: read it again.
    if (numbered.length === 0) continue;
    const failed = await commit(() =>
      transaction
        .write(({ counter, invoice, invoiceQueue, domainEvent }) => [
          counter
            .put({ name: 'invoiceNumber', value: current + numbered.length })
            .where((attr, op) => (current === 0 ? op.notExists(attr.value) : op.eq(attr.value, current)))
            .commit(),
          ...numbered.flatMap((entry) => [
            invoice
              .patch({ invoiceId: entry.invoiceId })
              .set({ number: entry.number })
              .where((attr, op) => op.notExists(attr.number))
              .commit(),
            invoiceQueue.delete({ issuedAt: entry.issuedAt, invoiceId: entry.invoiceId }).commit(),
            domainEvent
              .create({
                eventId: nextSeq(),
                at: entry.issuedAt,
                type: 'invoice.issued',
                workOrderId: entry.workOrderId,
                data: { invoiceId: entry.invoiceId, number: entry.number, totalMinor: entry.totalMinor },
              })
              .commit(),
          ]),
        ])
        .go(),
    );
    if (failed.length > 0) await backoff(attempt, 2, 100);
  }
  throw new StoreConflict(`Invoice ${invoiceId} could not be numbered yet; the numbering will run again.`);
}

export async function listInvoicesOfCustomer(customerId: string, page: { limit: number; cursor?: string }) {
  const result = await wholeItems(
    db()
      .entities.invoice.query.byCustomer({ customerId })
      .go({ limit: page.limit, cursor: page.cursor ?? null, order: 'desc', hydrate: true }),
  );
  return { items: result.data, nextCursor: result.cursor };
}
