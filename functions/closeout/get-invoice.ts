import { oneWithStanding } from '#shared/accounting/standing.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import { Invoice, invoiceView } from '#shared/closeout/views.ts';
import { getInvoice } from '#shared/db/invoices.ts';
import { NotFound } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';

/** One invoice, with where it stands (status, due date, paid, credited, balance); a customer reads their own, and another customer's is 404 (as one that does not exist). */
export const handler = api({
  roles: [...officeRoles, 'customer'],
  response: { status: 200, body: Invoice },
  errors: [404],
}).handler(async ({ params, principal }) => {
  const invoice = await getInvoice(params.id as string);
  if (!invoice || (principal.role === 'customer' && invoice.customerId !== principal.customerId)) {
    throw new NotFound('invoice', params.id as string);
  }
  const standing = await oneWithStanding(invoice);
  return ok(invoiceView(standing));
});
