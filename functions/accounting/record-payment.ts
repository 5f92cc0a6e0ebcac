import { RecordPayment, recordPayment } from '#shared/accounting/payments.ts';
import { oneWithStanding } from '#shared/accounting/standing.ts';
import { PaymentRecorded, paymentRecordedView } from '#shared/accounting/views.ts';
import { api, created } from '#shared/http/api.ts';

/**
 * The office records a payment received against an invoice: never more than is left to pay (409
 * `payment.exceeds_balance`, also when two payments race), answered with where the invoice stands now.
 */
export const handler = api({
  roles: ['dispatcher', 'admin'],
  body: RecordPayment,
  idempotency: 'required',
  response: { status: 201, body: PaymentRecorded },
  errors: [404, 409],
}).handler(async ({ params, body, principal, headers }) => {
  const { invoice, payment } = await recordPayment({
    invoiceId: params.id as string,
    actor: principal.sub,
    idempotencyKey: headers['idempotency-key'] as string,
    payment: body,
  });
  const standing = await oneWithStanding(invoice);
  return created(paymentRecordedView(payment, standing));
});
