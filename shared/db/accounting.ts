import type { EntityItem } from 'electrodb';
import { StoreConflict } from '../errors.ts';
import type { creditNote } from './entities/credit-note.ts';
import type { payment } from './entities/payment.ts';
import { backoff, commit, db, wholeItems } from './service.ts';
import { nextSeq } from './work-orders.ts';

export type PaymentRecord = EntityItem<typeof payment>;
export type CreditNoteRecord = EntityItem<typeof creditNote>;

/** What was paid and credited against an invoice so far (nothing, before the first payment or credit note). */
export interface Settlement {
  paidMinor: number;
  creditedMinor: number;
}

const nothingYet: Settlement = { paidMinor: 0, creditedMinor: 0 };

export async function getSettlement(invoiceId: string): Promise<Settlement> {
  const { data } = await db().entities.invoiceAccount.get({ invoiceId }).go({ consistent: true });
  return { paidMinor: data?.paidMinor ?? 0, creditedMinor: data?.creditedMinor ?? 0 };
}

/** Several invoices' settlements in one batch read, by invoice id. */
export async function getSettlements(invoiceIds: string[]): Promise<Map<string, Settlement>> {
  const found = new Map<string, Settlement>();
  if (invoiceIds.length === 0) return found;
  const { data } = await db()
    .entities.invoiceAccount.get([...new Set(invoiceIds)].map((invoiceId) => ({ invoiceId })))
    .go();
  for (const item of data) {
    found.set(item.invoiceId, { paidMinor: item.paidMinor ?? 0, creditedMinor: item.creditedMinor ?? 0 });
  }
  for (const id of invoiceIds) if (!found.has(id)) found.set(id, nothingYet);
  return found;
}

export type Recorded = 'recorded' | 'exists' | 'over';

/**
 * Records a payment with its `payment.recorded` feed event, adding it to the invoice's running totals only if paid
 * and credited together stay within the invoice's total: one transaction, so of two payments that together would
 * overpay, one commits and the other is refused (`over`). `exists`: this payment was recorded already (a retry).
 */
export async function recordPayment(
  record: PaymentRecord,
  invoice: { totalMinor: number; workOrderId: string },
): Promise<Recorded> {
  const ceiling = invoice.totalMinor - record.amountMinor;
  const failed = await commit(() =>
    db()
      .transaction.write(({ payment, invoiceAccount, domainEvent }) => [
        payment.create(record).commit(),
        invoiceAccount
          .update({ invoiceId: record.invoiceId })
          .add({ paidMinor: record.amountMinor, settledMinor: record.amountMinor })
          .where((attr, op) => `${op.notExists(attr.settledMinor)} OR ${op.lte(attr.settledMinor, ceiling)}`)
          .commit(),
        domainEvent
          .create({
            eventId: nextSeq(),
            at: record.recordedAt,
            type: 'payment.recorded',
            workOrderId: invoice.workOrderId,
            data: {
              invoiceId: record.invoiceId,
              paymentId: record.paymentId,
              amountMinor: record.amountMinor,
              method: record.method,
              paidAt: record.paidAt,
            },
          })
          .commit(),
      ])
      .go(),
  );
  if (failed.includes(0)) return 'exists';
  return failed.length > 0 ? 'over' : 'recorded';
}

export async function getPayment(invoiceId: string, paymentId: string): Promise<PaymentRecord | undefined> {
  const { data } = await db().entities.payment.get({ invoiceId, paymentId }).go({ consistent: true });
  return data ?? undefined;
}

/** An invoice's payments (a handful), in the order they were received. */
export async function listPayments(invoiceId: string): Promise<PaymentRecord[]> {
  const { data } = await db().entities.payment.query.primary({ invoiceId }).go({ pages: 'all', consistent: true });
  return data.sort((a, b) => a.paidAt.localeCompare(b.paidAt) || a.recordedAt.localeCompare(b.recordedAt));
}

export async function getCreditNote(creditNoteId: string): Promise<CreditNoteRecord | undefined> {
  const { data } = await db().entities.creditNote.get({ creditNoteId }).go({ consistent: true });
  return data ?? undefined;
}

export type CreditNoteIssued = { kind: 'issued' | 'exists'; creditNote: CreditNoteRecord } | { kind: 'over' };

/**
 * Issues a credit note with the next number of its own sequence and its `creditNote.issued` feed event, adding its
 * total to the invoice's credited total only if that stays within the invoice's total: one transaction, conditional
 * on the counter being where it was read, on the credit note being new and on the credited total. A number lost to
 * another credit note is simply tried again, so numbers follow commit order with no gaps; a credit note that would
 * take the credited total past the invoice's is refused (`over`); one that exists already (a retry) is answered.
 */
export async function issueCreditNote(
  draft: Omit<CreditNoteRecord, 'number' | 'issuedAt'>,
  invoice: { totalMinor: number },
  formatNumber: (n: number) => string,
): Promise<CreditNoteIssued> {
  const { entities, transaction } = db();
  const ceiling = invoice.totalMinor - draft.totalMinor;
  for (let attempt = 0; attempt < 50; attempt++) {
    const current =
      (await entities.counter.get({ name: 'creditNoteNumber' }).go({ consistent: true })).data?.value ?? 0;
    const record: CreditNoteRecord = {
      ...draft,
      number: formatNumber(current + 1),
      issuedAt: new Date().toISOString(),
    };
    const failed = await commit(() =>
      transaction
        .write(({ counter, creditNote, invoiceAccount, domainEvent }) => [
          counter
            .put({ name: 'creditNoteNumber', value: current + 1 })
            .where((attr, op) => (current === 0 ? op.notExists(attr.value) : op.eq(attr.value, current)))
            .commit(),
          creditNote.create(record).commit(),
          invoiceAccount
            .update({ invoiceId: record.invoiceId })
            .add({ creditedMinor: record.totalMinor, settledMinor: record.totalMinor })
            .where((attr, op) => `${op.notExists(attr.creditedMinor)} OR ${op.lte(attr.creditedMinor, ceiling)}`)
            .commit(),
          domainEvent
            .create({
              eventId: nextSeq(),
              at: record.issuedAt,
              type: 'creditNote.issued',
              workOrderId: record.workOrderId,
              data: {
                creditNoteId: record.creditNoteId,
                number: record.number,
                invoiceId: record.invoiceId,
                invoiceNumber: record.invoiceNumber,
                totalMinor: record.totalMinor,
              },
            })
            .commit(),
        ])
        .go(),
    );
    if (failed.length === 0) return { kind: 'issued', creditNote: record };
    if (failed.includes(1)) {
      const existing = await getCreditNote(record.creditNoteId);
      if (existing) return { kind: 'exists', creditNote: existing };
    }
    if (failed.includes(2)) return { kind: 'over' };
    await backoff(attempt, 10, 200);
  }
  throw new StoreConflict('The credit note could not be numbered for now; send the same request again.');
}

/** An invoice's credit notes, oldest first. */
export async function listCreditNotesOf(invoiceId: string): Promise<CreditNoteRecord[]> {
  const { data } = await db().entities.creditNote.query.byInvoice({ invoiceId }).go({ pages: 'all' });
  return data;
}

/** Credit notes issued in `[from, to)` (instants), oldest first: one range query on their single partition. */
export async function creditNotesIssuedIn(window: { from: string; to: string }): Promise<CreditNoteRecord[]> {
  const { data } = await wholeItems(
    db()
      .entities.creditNote.query.byIssued({})
      .between({ issuedAt: window.from }, { issuedAt: window.to })
      .go({ pages: 'all', hydrate: true }),
  );
  // `between` is inclusive at both ends and `to` is excluded: the key after `to` is `to` with an id.
  return data.filter((note) => note.issuedAt < window.to);
}

/**
 * A customer's invoices issued in `[from, to)` (instants), oldest first: the invoice's own index by customer and
 * issue time (gsi2), so exports read invoices as they are stored, with nothing added to them.
 */
export async function invoicesOfCustomerIssuedIn(customerId: string, window: { from: string; to: string }) {
  const { data } = await wholeItems(
    db()
      .entities.invoice.query.byCustomer({ customerId })
      .between({ issuedAt: window.from }, { issuedAt: window.to })
      .go({ pages: 'all', hydrate: true }),
  );
  return data.filter((invoice) => invoice.issuedAt < window.to);
}
