import * as z from 'zod';
import type { Standing } from '../accounting/ledger.ts';
import { InvoiceStanding } from '../accounting/views.ts';
import type { InvoiceRecord } from '../db/invoices.ts';
import { Instant, Page, view } from '../http/views.ts';

/**
 * An invoice as the office and its customer read it, as it was issued, with where it stands now (paid, credited, due):
 * `number` follows a moment after it is issued (numbering without gaps).
 */
export const Invoice = z
  .object({
    id: z.string(),
    number: z.string().optional(),
    workOrderId: z.string(),
    customerId: z.string(),
    lines: z.array(
      z.object({ description: z.string(), qty: z.number(), unitMinor: z.number().int(), totalMinor: z.number().int() }),
    ),
    subtotalMinor: z.number().int(),
    taxMinor: z.number().int(),
    totalMinor: z.number().int(),
    currency: z.string(),
    issuedAt: Instant,
    ...InvoiceStanding.shape,
  })
  .meta({ title: 'Invoice' });

/** Invoices of a work order or of a customer, newest first. */
export const InvoicePage = Page(Invoice).meta({ title: 'Invoices' });

const asInvoice = view(Invoice);

export function invoiceView(record: InvoiceRecord & Standing) {
  return asInvoice({ ...record, id: record.invoiceId });
}
