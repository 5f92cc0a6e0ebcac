import { officeRoles } from '#shared/auth/roles.ts';
import { getInvoice } from '#shared/db/invoices.ts';
import { invoiceDocument, linkTo } from '#shared/documents/documents.ts';
import { NotFound } from '#shared/errors.ts';
import { api, found } from '#shared/http/api.ts';

/**
 * The invoice's PDF: a redirect to a link that works for five minutes. Made when the invoice is issued, or now if
 * that has not happened yet; the same document every time. Another customer's invoice is 404.
 */
export const handler = api({
  roles: [...officeRoles, 'customer'],
  response: {
    status: 302,
    text: { mediaType: 'application/pdf', description: 'Found: `Location` is a short-lived link to the PDF.' },
  },
  errors: [404],
}).handler(async ({ params, principal }) => {
  const id = params.id as string;
  const invoice = await getInvoice(id);
  if (!invoice || (principal.role === 'customer' && invoice.customerId !== principal.customerId)) {
    throw new NotFound('invoice', id);
  }
  return found(await linkTo(await invoiceDocument(id)));
});
