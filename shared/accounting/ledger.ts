import { addDays, atLocal, defaultTimeZone, localDay } from '../time/zone.ts';

/**
 * The accounting vocabulary without I/O: when an invoice falls due and where it stands, the days accounting counts
 * in (the business's, in its time zone), and the documents an export carries, signed (a credit note's amounts negative).
 */

const dayMs = 86_400_000;

/** How a payment was made. */
export const paymentMethods = ['bank_transfer', 'card', 'cash', 'cheque', 'other'] as const;

/** Where an invoice stands: what is left to pay, and so its status. */
export const InvoiceStatuses = ['unpaid', 'part_paid', 'paid', 'overdue'] as const;
export type InvoiceStatus = (typeof InvoiceStatuses)[number];

export interface Standing {
  status: InvoiceStatus;
  dueDate: string;
  paidMinor: number;
  creditedMinor: number;
  /** What is left to pay; below zero when credits passed what was left (a refund is owed). */
  balanceMinor: number;
}

/**
 * When an invoice falls due: its issue date plus the business's payment terms, as a day. The same day the invoice's
 * PDF states (`dueDateOf` in shared/documents/documents.ts; a unit test holds the two together): kept here so the
 * functions that show an invoice's standing bundle none of the PDF renderer.
 */
export function dueDateOf(invoice: { issuedAt: string }, business: { paymentTermsDays: number }): string {
  return new Date(Date.parse(invoice.issuedAt) + business.paymentTermsDays * dayMs).toISOString().slice(0, 10);
}

/**
 * An invoice's standing at `now`: `paid` once nothing is left to pay (paid, or credited), `overdue` when something is
 * left after its due date has passed, `part_paid` when some was paid, `unpaid` otherwise.
 */
export function standingOf(
  invoice: { issuedAt: string; totalMinor: number },
  settled: { paidMinor: number; creditedMinor: number },
  business: { paymentTermsDays: number },
  now: Date,
): Standing {
  const dueDate = dueDateOf(invoice, business);
  const balanceMinor = invoice.totalMinor - settled.paidMinor - settled.creditedMinor;
  const today = now.toISOString().slice(0, 10);
  const status: InvoiceStatus =
    balanceMinor <= 0 ? 'paid' : today > dueDate ? 'overdue' : settled.paidMinor > 0 ? 'part_paid' : 'unpaid';
  return { status, dueDate, ...settled, balanceMinor };
}

/** The business's day (`YYYY-MM-DD`) an instant falls on, in its time zone. */
export const accountingDayOf = (instant: string | Date, timeZone: string = defaultTimeZone): string =>
  localDay(new Date(instant).getTime(), timeZone);

/** The instant the business's day starts, in its time zone (across the clock changes). */
export const startOfAccountingDay = (day: string, timeZone: string = defaultTimeZone): string =>
  new Date(atLocal(day, 0, timeZone)).toISOString();

/** The days an export covers, `from` to `to` inclusive, as the instants `[start of from, start of the day after to)`. */
export function windowOfDays(
  range: { from: string; to: string },
  timeZone: string = defaultTimeZone,
): { from: string; to: string } {
  return { from: startOfAccountingDay(range.from, timeZone), to: startOfAccountingDay(addDays(range.to, 1), timeZone) };
}

/** The days from `from` to `to`, both counted (1 for a single day; 0 or less when `to` is before `from`). */
export const daysSpanned = (range: { from: string; to: string }) =>
  Math.round((Date.parse(range.to) - Date.parse(range.from)) / dayMs) + 1;

/** One line of a document as exported: money in minor units, signed as the document is. */
export interface LedgerLine {
  description: string;
  qty: number;
  unitMinor: number;
  netMinor: number;
  taxMinor: number;
}

/**
 * An invoice or credit note as an export carries it. Amounts are signed: an invoice's positive, a credit note's
 * negative (what it takes off the customer's account), so the documents of a range sum to what was billed.
 */
export interface LedgerDocument {
  type: 'invoice' | 'credit_note';
  id: string;
  number: string;
  /** The business's day it was issued. */
  date: string;
  /** An invoice's due date; a credit note's is its own date. */
  dueDate: string;
  customerId: string;
  customerName: string;
  customerEmail?: string;
  /** The customer's account reference in the accounting product, where the office has set one. */
  customerAccountRef?: string;
  workOrderId: string;
  /** A credit note's: the invoice it corrects. */
  creditedInvoiceNumber?: string;
  reason?: string;
  currency: string;
  lines: LedgerLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/**
 * Shares a document's tax among its lines in proportion to their net amounts, so that each line can carry its own
 * tax (Sage, QuickBooks and Xero take it per line) and the lines' tax still sums to exactly the document's: each
 * share rounded down, then the pennies left over given to the lines with the largest remainders.
 */
export function taxByLine(netMinor: number[], taxMinor: number): number[] {
  const subtotal = netMinor.reduce((sum, net) => sum + net, 0);
  if (subtotal === 0) return netMinor.map((_, i) => (i === 0 ? taxMinor : 0));
  const exact = netMinor.map((net) => (BigInt(net) * BigInt(taxMinor) * 1_000_000n) / BigInt(subtotal));
  const floors = exact.map((share) => share / 1_000_000n);
  let left = BigInt(taxMinor) - floors.reduce((sum, share) => sum + share, 0n);
  const order = exact
    .map((share, i) => ({ i, remainder: share % 1_000_000n }))
    .sort((a, b) => (b.remainder > a.remainder ? 1 : b.remainder < a.remainder ? -1 : a.i - b.i));
  const shares = floors.map(Number);
  for (const { i } of order) {
    if (left <= 0n) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left -= 1n;
  }
  return shares;
}

/** A document's lines with their tax, signed by `sign` (−1 for a credit note). */
export function ledgerLines(
  lines: Array<{ description: string; qty: number; unitMinor: number; totalMinor: number }>,
  taxMinor: number,
  sign: 1 | -1,
): LedgerLine[] {
  const taxes = taxByLine(
    lines.map((line) => line.totalMinor),
    taxMinor,
  );
  return lines.map((line, i) => ({
    description: line.description,
    qty: line.qty,
    unitMinor: sign * line.unitMinor,
    netMinor: sign * line.totalMinor,
    taxMinor: sign * (taxes[i] ?? 0),
  }));
}
