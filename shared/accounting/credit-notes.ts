import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  type CreditNoteRecord,
  getSettlement,
  listCreditNotesOf,
  issueCreditNote as saveCreditNote,
} from '../db/accounting.ts';
import { getInvoice, type InvoiceRecord } from '../db/invoices.ts';
import { Conflict, NotFound, ValidationFailed } from '../errors.ts';
import { multiplyDivideHalfUp, taxOn, taxRate } from '../work-order/pricing.ts';

/** Hundredths exactly: a quantity such as 1.25 hours, never a float's 1.2500000001. */
const inHundredths = (qty: number) => Math.abs(qty * 100 - Math.round(qty * 100)) < 1e-9;

export const CreditLine = z.strictObject({
  description: z.string().trim().min(1).max(500),
  qty: z.number().positive().max(10_000).refine(inHundredths, 'At most two decimal places.'),
  unitMinor: z.number().int().nonnegative().max(100_000_000).meta({ description: 'Net of VAT, in pence.' }),
});

export const IssueCreditNote = z.strictObject({
  reason: z.string().trim().min(1).max(500),
  lines: z.array(CreditLine).min(1).max(100).optional().meta({
    description: 'What is credited, net of VAT (VAT is added as on invoices). Without lines, the whole invoice.',
  }),
});
export type IssueCreditNote = z.infer<typeof IssueCreditNote>;

/** `CN-000001`: credit notes have their own sequence, beside invoices'. */
export const creditNoteNumberOf = (n: number) => `CN-${String(n).padStart(6, '0')}`;

/**
 * Corrects an issued invoice, which itself never changes: a credit note for the whole invoice (no lines: its lines
 * and totals), or for the lines given, with VAT as invoices have it. Never more than is left un-credited on the
 * invoice (409 `creditnote.exceeds_invoice`, also when credit notes race). Its id derives from the caller, the
 * invoice and the `Idempotency-Key`, so a retried request answers the credit note it issued.
 */
export async function issueCreditNote(options: {
  invoiceId: string;
  actor: string;
  idempotencyKey: string;
  request: IssueCreditNote;
}): Promise<CreditNoteRecord> {
  const invoice = await getInvoice(options.invoiceId);
  if (!invoice) throw new NotFound('invoice', options.invoiceId);
  if (!invoice.number) {
    throw new Conflict('invoice.not_numbered', 'The invoice is being numbered; try again in a moment.', {
      retryAfterSeconds: 1,
    });
  }
  const amounts = amountsOf(invoice, options.request.lines);
  if (amounts.totalMinor === 0) throw new ValidationFailed('A credit note must credit something.');
  const digest = createHash('sha256')
    .update(`${options.actor}\n${invoice.invoiceId}\n${options.idempotencyKey}`)
    .digest('base64url');
  const issued = await saveCreditNote(
    {
      creditNoteId: `cn_${digest.slice(0, 22)}`,
      invoiceId: invoice.invoiceId,
      invoiceNumber: invoice.number,
      workOrderId: invoice.workOrderId,
      customerId: invoice.customerId,
      reason: options.request.reason,
      ...amounts,
      currency: invoice.currency,
      issuedBy: options.actor,
    },
    invoice,
    creditNoteNumberOf,
  );
  if (issued.kind === 'over') {
    const { creditedMinor } = await getSettlement(invoice.invoiceId);
    const creditableMinor = Math.max(0, invoice.totalMinor - creditedMinor);
    throw new Conflict(
      'creditnote.exceeds_invoice',
      `The credit of ${amounts.totalMinor} is more than the ${creditableMinor} of the invoice not yet credited.`,
      { creditableMinor },
    );
  }
  return issued.creditNote;
}

/** The lines and totals a credit note carries: the invoice's whole, or the given lines with VAT. */
function amountsOf(invoice: InvoiceRecord, lines: IssueCreditNote['lines']) {
  if (!lines) {
    const { subtotalMinor, taxMinor, totalMinor } = invoice;
    return { lines: invoice.lines, subtotalMinor, taxMinor, totalMinor };
  }
  const priced = lines.map((line) => ({
    ...line,
    totalMinor: multiplyDivideHalfUp(Math.round(line.qty * 100), line.unitMinor, 100),
  }));
  const subtotalMinor = priced.reduce((sum, line) => sum + line.totalMinor, 0);
  const taxMinor = taxOn(subtotalMinor, taxRate);
  return { lines: priced, subtotalMinor, taxMinor, totalMinor: subtotalMinor + taxMinor };
}

/** An invoice's credit notes, oldest first; 404 for an invoice that does not exist. */
export async function creditNotesOf(invoiceId: string): Promise<CreditNoteRecord[]> {
  if (!(await getInvoice(invoiceId))) throw new NotFound('invoice', invoiceId);
  return listCreditNotesOf(invoiceId);
}
