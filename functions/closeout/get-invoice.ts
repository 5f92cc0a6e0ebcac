import { getInvoice } from '#shared/db/invoices.ts';
import { NotFound } from '#shared/errors.ts';
import { api, officeRoles, ok } from '#shared/http/api.ts';

/** One invoice. */
export const handler = api({ roles: officeRoles }).handler(async ({ params }) => {
  const invoice = await getInvoice(params.id as string);
  if (!invoice) throw new NotFound('invoice', params.id as string);
  const { invoiceId, ...rest } = invoice;
  return ok({ id: invoiceId, ...rest });
});
