import { Entity } from 'electrodb';
import { paymentMethods } from '../../accounting/ledger.ts';

/**
 * A payment received against an invoice. It lives in the invoice's partition (pk `invoiceId`, beside the invoice
 * and its running totals), so an invoice's payments are one query; its id derives from the caller's
 * `Idempotency-Key`, so a retried request finds it rather than paying twice. Written in one transaction with the
 * invoice's running totals (invoiceAccount) and its `payment.recorded` feed event.
 */
export const payment = new Entity({
  model: { entity: 'payment', version: '1', service: 'fieldops' },
  attributes: {
    invoiceId: { type: 'string', required: true },
    paymentId: { type: 'string', required: true },
    amountMinor: { type: 'number', required: true },
    /** When the money was received, as the office says (a day or an instant). */
    paidAt: { type: 'string', required: true },
    method: { type: paymentMethods, required: true },
    reference: { type: 'string' },
    recordedAt: { type: 'string', required: true },
    recordedBy: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['invoiceId'] }, sk: { field: 'sk', composite: ['paymentId'] } },
  },
});
