import { paymentsOf } from '#shared/accounting/payments.ts';
import { oneWithStanding } from '#shared/accounting/standing.ts';
import { PaymentList, paymentListView } from '#shared/accounting/views.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';

/** An invoice's payments, oldest first, with where it stands (status, due date, paid, credited, balance). */
export const handler = api({
  roles: officeRoles,
  response: { status: 200, body: PaymentList },
  errors: [404],
}).handler(async ({ params }) => {
  const { invoice, payments } = await paymentsOf(params.id as string);
  const standing = await oneWithStanding(invoice);
  return ok(paymentListView(invoice.invoiceId, payments, standing));
});
