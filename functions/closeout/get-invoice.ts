import { officeRoles } from '#shared/auth/roles.ts';
import { Invoice, invoiceView } from '#shared/closeout/views.ts';
import { getInvoice } from '#shared/db/invoices.ts';
import { NotFound } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';

/** One invoice. */
export const handler = api({ roles: officeRoles, response: { status: 200, body: Invoice }, errors: [404] }).handler(
  async ({ params }) => {
    const invoice = await getInvoice(params.id as string);
    if (!invoice) throw new NotFound('invoice', params.id as string);
    return ok(invoiceView(invoice));
  },
);
