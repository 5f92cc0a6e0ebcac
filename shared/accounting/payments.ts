import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  getPayment,
  getSettlement,
  listPayments,
  type PaymentRecord,
  recordPayment as savePayment,
} from '../db/accounting.ts';
import { getInvoice, type InvoiceRecord } from '../db/invoices.ts';
import { Conflict, NotFound, ValidationFailed } from '../errors.ts';
import { paymentMethods } from './ledger.ts';

export const PaymentMethod = z.enum(paymentMethods);

export const RecordPayment = z.strictObject({
  amountMinor: z.number().int().positive().max(1_000_000_000_000).meta({ description: 'In pence.' }),
  paidAt: z
    .union([z.iso.date(), z.iso.datetime({ offset: true })])
    .meta({ description: 'When the money was received: a day or an instant, not in the future.' }),
  method: PaymentMethod,
  reference: z.string().trim().min(1).max(200).optional().meta({ description: 'The bank reference, cheque number…' }),
});
export type RecordPayment = z.infer<typeof RecordPayment>;

/** Slack for a phone's clock or a time zone: a payment "received" later than a day from now is a mistake. */
const futureSlackMs = 86_400_000;

/**
 * Records a payment against an invoice, never beyond what is left to pay (paid and credited together stay within its
 * total: 409 `payment.exceeds_balance`), with a `payment.recorded` feed event. The payment's id derives from the
 * caller, the invoice and the `Idempotency-Key`, so a retried request answers the payment it recorded.
 */
export async function recordPayment(options: {
  invoiceId: string;
  actor: string;
  idempotencyKey: string;
  payment: RecordPayment;
  now?: Date;
}): Promise<{ invoice: InvoiceRecord; payment: PaymentRecord }> {
  const now = options.now ?? new Date();
  const invoice = await getInvoice(options.invoiceId);
  if (!invoice) throw new NotFound('invoice', options.invoiceId);
  if (Date.parse(options.payment.paidAt) > now.getTime() + futureSlackMs) {
    throw new ValidationFailed('A payment cannot be received in the future.', [
      { path: 'body.paidAt', message: 'In the future.' },
    ]);
  }
  const digest = createHash('sha256')
    .update(`${options.actor}\n${invoice.invoiceId}\n${options.idempotencyKey}`)
    .digest('base64url');
  const record: PaymentRecord = {
    invoiceId: invoice.invoiceId,
    paymentId: `pay_${digest.slice(0, 22)}`,
    ...options.payment,
    recordedAt: now.toISOString(),
    recordedBy: options.actor,
  };
  const outcome = await savePayment(record, invoice);
  if (outcome === 'exists') {
    return { invoice, payment: (await getPayment(record.invoiceId, record.paymentId)) ?? record };
  }
  if (outcome === 'over') {
    const settled = await getSettlement(invoice.invoiceId);
    const balanceMinor = invoice.totalMinor - settled.paidMinor - settled.creditedMinor;
    throw new Conflict(
      'payment.exceeds_balance',
      `The payment of ${record.amountMinor} is more than the ${Math.max(0, balanceMinor)} left to pay on the invoice.`,
      { balanceMinor: Math.max(0, balanceMinor) },
    );
  }
  return { invoice, payment: record };
}

/** An invoice's payments, oldest first; 404 for an invoice that does not exist. */
export async function paymentsOf(invoiceId: string): Promise<{ invoice: InvoiceRecord; payments: PaymentRecord[] }> {
  const invoice = await getInvoice(invoiceId);
  if (!invoice) throw new NotFound('invoice', invoiceId);
  return { invoice, payments: await listPayments(invoiceId) };
}
