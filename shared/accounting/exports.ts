import { creditNotesIssuedIn, invoicesOfCustomerIssuedIn } from '../db/accounting.ts';
import { getBusiness } from '../db/business.ts';
import type { InvoiceRecord } from '../db/invoices.ts';
import { type CustomerRecord, listAllCustomers } from '../db/reference.ts';
import { ValidationFailed } from '../errors.ts';
import { defaultTimeZone } from '../time/zone.ts';
import { type CsvFormat, csvBuilders } from './export.ts';
import { accountingDayOf, daysSpanned, dueDateOf, type LedgerDocument, ledgerLines, windowOfDays } from './ledger.ts';
import { accountCodesOf } from './settings.ts';

/** The longest range one export covers: a year, leap day included. */
export const maxExportDays = 366;

/** Customers whose invoices are read at once: a bounded fan-out over the business's hundreds of customers. */
const customersAtOnce = 8;

/**
 * The invoices and credit notes issued on the business's days (in its time zone) `from` to `to` (inclusive), oldest first, signed (a
 * credit note negative). Invoices are read per customer by issue time (their index by customer): customers number in
 * the hundreds, read eight at a time. An invoice still waiting for its number (a moment after closeout) is left for
 * the next export. A range with `to` before `from`, or of more than 366 days, is 400.
 */
export async function ledger(range: { from: string; to: string }): Promise<LedgerDocument[]> {
  const days = daysSpanned(range);
  if (days < 1) {
    throw new ValidationFailed('The range ends before it starts.', [{ path: 'query.to', message: 'Before from.' }]);
  }
  if (days > maxExportDays) {
    throw new ValidationFailed(`An export covers at most ${maxExportDays} days.`, [
      { path: 'query.to', message: `More than ${maxExportDays} days after from.` },
    ]);
  }
  const business = await getBusiness();
  const timeZone = business.timeZone ?? defaultTimeZone;
  const window = windowOfDays(range, timeZone);
  const [customers, creditNotes] = await Promise.all([listAllCustomers(), creditNotesIssuedIn(window)]);
  const invoices: InvoiceRecord[] = [];
  for (let i = 0; i < customers.length; i += customersAtOnce) {
    const batch = customers.slice(i, i + customersAtOnce);
    const found = await Promise.all(batch.map((c) => invoicesOfCustomerIssuedIn(c.customerId, window)));
    invoices.push(...found.flat());
  }
  const byId = new Map(customers.map((customer) => [customer.customerId, customer]));
  const party = (customerId: string) => partyOf(customerId, byId.get(customerId));
  const documents: Array<LedgerDocument & { issuedAt: string }> = [
    ...invoices.flatMap((invoice) =>
      invoice.number
        ? [
            {
              type: 'invoice' as const,
              id: invoice.invoiceId,
              number: invoice.number,
              issuedAt: invoice.issuedAt,
              date: accountingDayOf(invoice.issuedAt, timeZone),
              dueDate: dueDateOf(invoice, business),
              ...party(invoice.customerId),
              workOrderId: invoice.workOrderId,
              currency: invoice.currency,
              lines: ledgerLines(invoice.lines, invoice.taxMinor, 1),
              subtotalMinor: invoice.subtotalMinor,
              taxMinor: invoice.taxMinor,
              totalMinor: invoice.totalMinor,
            },
          ]
        : [],
    ),
    ...creditNotes.map((note) => ({
      type: 'credit_note' as const,
      id: note.creditNoteId,
      number: note.number,
      issuedAt: note.issuedAt,
      date: accountingDayOf(note.issuedAt, timeZone),
      dueDate: accountingDayOf(note.issuedAt, timeZone),
      ...party(note.customerId),
      workOrderId: note.workOrderId,
      creditedInvoiceNumber: note.invoiceNumber,
      reason: note.reason,
      currency: note.currency,
      lines: ledgerLines(note.lines, note.taxMinor, -1),
      subtotalMinor: -note.subtotalMinor,
      taxMinor: -note.taxMinor,
      totalMinor: -note.totalMinor,
    })),
  ];
  documents.sort((a, b) => a.issuedAt.localeCompare(b.issuedAt) || a.number.localeCompare(b.number));
  return documents.map(({ issuedAt: _, ...document }) => document);
}

function partyOf(customerId: string, customer: CustomerRecord | undefined) {
  const email = customer?.contacts.find((contact) => contact.email)?.email;
  return {
    customerId,
    customerName: customer?.name ?? customerId,
    ...(email ? { customerEmail: email } : {}),
    ...(customer?.accountRef ? { customerAccountRef: customer.accountRef } : {}),
  };
}

/** The ledger of a range in an accounting product's import layout, with the business's account codes. */
export async function ledgerCsv(range: { from: string; to: string }, format: CsvFormat): Promise<string> {
  const [documents, business] = await Promise.all([ledger(range), getBusiness()]);
  return csvBuilders[format](documents, accountCodesOf(business.accounting));
}
