import { getSettlement, getSettlements } from '../db/accounting.ts';
import { getBusiness } from '../db/business.ts';
import type { InvoiceRecord } from '../db/invoices.ts';
import { type Standing, standingOf } from './ledger.ts';

/**
 * Invoices with where each stands now (status, due date, paid, credited, balance): their running totals in one batch
 * read and the business's payment terms. The invoices themselves are as they were issued.
 */
export async function withStanding(
  invoices: InvoiceRecord[],
  now = new Date(),
): Promise<Array<InvoiceRecord & Standing>> {
  if (invoices.length === 0) return [];
  const [business, settlements] = await Promise.all([
    getBusiness(),
    getSettlements(invoices.map((invoice) => invoice.invoiceId)),
  ]);
  return invoices.map((invoice) => {
    const settled = settlements.get(invoice.invoiceId) ?? { paidMinor: 0, creditedMinor: 0 };
    return { ...invoice, ...standingOf(invoice, settled, business, now) };
  });
}

/** One invoice with where it stands now. */
export async function oneWithStanding(invoice: InvoiceRecord, now = new Date()): Promise<InvoiceRecord & Standing> {
  const [business, settled] = await Promise.all([getBusiness(), getSettlement(invoice.invoiceId)]);
  return { ...invoice, ...standingOf(invoice, settled, business, now) };
}
