import * as z from 'zod';
import type { CreditNoteRecord, PaymentRecord } from '../db/accounting.ts';
import { Instant, view } from '../http/views.ts';
import { InvoiceStatuses, paymentMethods, type Standing } from './ledger.ts';

/** Where an invoice stands: read with the invoice, and answered with each payment recorded against it. */
export const InvoiceStanding = z
  .object({
    status: z.enum(InvoiceStatuses).meta({
      description:
        '`paid` once nothing is left to pay (paid or credited); `overdue` when something is left after the due date; ' +
        '`part_paid` when some was paid; `unpaid` otherwise.',
    }),
    dueDate: z.iso.date().meta({ description: 'The issue date plus the business’s payment terms.' }),
    paidMinor: z.number().int(),
    creditedMinor: z.number().int(),
    balanceMinor: z
      .number()
      .int()
      .meta({ description: 'What is left to pay; below zero when credits passed it (a refund is owed).' }),
  })
  .meta({ title: 'Invoice standing' });

export const Payment = z
  .object({
    id: z.string(),
    invoiceId: z.string(),
    amountMinor: z.number().int(),
    paidAt: z.string(),
    method: z.enum(paymentMethods),
    reference: z.string().optional(),
    recordedAt: Instant,
    recordedBy: z.string(),
  })
  .meta({ title: 'Payment' });

/** A payment just recorded, with where its invoice stands now. */
export const PaymentRecorded = Payment.extend({ invoice: InvoiceStanding }).meta({ title: 'Payment recorded' });

/** An invoice's payments, oldest first, with where it stands. */
export const PaymentList = InvoiceStanding.extend({ invoiceId: z.string(), items: z.array(Payment) }).meta({
  title: 'Payments',
});

const Line = z.object({
  description: z.string(),
  qty: z.number(),
  unitMinor: z.number().int(),
  totalMinor: z.number().int(),
});

export const CreditNote = z
  .object({
    id: z.string(),
    number: z.string(),
    invoiceId: z.string(),
    invoiceNumber: z.string(),
    workOrderId: z.string(),
    customerId: z.string(),
    reason: z.string(),
    lines: z.array(Line),
    subtotalMinor: z.number().int(),
    taxMinor: z.number().int(),
    totalMinor: z.number().int(),
    currency: z.string(),
    issuedAt: Instant,
  })
  .meta({ title: 'Credit note', description: 'Amounts as the credit note states them (positive).' });

export const CreditNoteList = z.object({ items: z.array(CreditNote) }).meta({ title: 'Credit notes' });

/** The JSON export's documents, for custom integrations: signed amounts, a credit note's negative. */
export const LedgerDocument = z
  .object({
    type: z.enum(['invoice', 'credit_note']),
    id: z.string(),
    number: z.string(),
    date: z.iso.date().meta({ description: 'The business’s day (in its time zone) it was issued.' }),
    dueDate: z.iso.date().meta({ description: 'An invoice’s due date; a credit note’s own date.' }),
    customerId: z.string(),
    customerName: z.string(),
    customerEmail: z.string().optional(),
    customerAccountRef: z.string().optional(),
    workOrderId: z.string(),
    creditedInvoiceNumber: z.string().optional().meta({ description: 'A credit note’s: the invoice it corrects.' }),
    reason: z.string().optional(),
    currency: z.string(),
    lines: z.array(
      z.object({
        description: z.string(),
        qty: z.number(),
        unitMinor: z.number().int(),
        netMinor: z.number().int(),
        taxMinor: z.number().int().meta({ description: 'The document’s VAT shared among its lines by net amount.' }),
      }),
    ),
    subtotalMinor: z.number().int(),
    taxMinor: z.number().int(),
    totalMinor: z.number().int(),
  })
  .meta({ title: 'Ledger document' });

export const LedgerExport = z.array(LedgerDocument).meta({ title: 'Ledger export' });

const asPayment = view(Payment);
const asPaymentRecorded = view(PaymentRecorded);
const asPaymentList = view(PaymentList);
const asCreditNote = view(CreditNote);

const paymentFields = ({ paymentId, ...payment }: PaymentRecord) => ({ id: paymentId, ...payment });

export const paymentView = (payment: PaymentRecord) => asPayment(paymentFields(payment));

export const paymentRecordedView = (payment: PaymentRecord, standing: Standing) =>
  asPaymentRecorded({ ...paymentFields(payment), invoice: standing });

export const paymentListView = (invoiceId: string, payments: PaymentRecord[], standing: Standing) =>
  asPaymentList({ invoiceId, ...standing, items: payments.map(paymentFields) });

export const creditNoteView = ({ creditNoteId, ...note }: CreditNoteRecord) =>
  asCreditNote({ id: creditNoteId, ...note });

export const ledgerExportView = view(LedgerExport);
