import * as z from 'zod';
import { withStanding } from '#shared/accounting/standing.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import { InvoicePage, invoiceView } from '#shared/closeout/views.ts';
import { findInvoiceOf, listInvoicesOfCustomer } from '#shared/db/invoices.ts';
import { ValidationFailed } from '#shared/errors.ts';
import { api, ok, PageQuery } from '#shared/http/api.ts';

const Query = PageQuery.extend({
  workOrderId: z.string().max(100).optional(),
  customerId: z.string().max(64).optional(),
});

/**
 * Invoices of a work order (`?workOrderId=`) or of a customer (`?customerId=`), newest first. A customer sees their
 * own only, with or without a filter: another customer's work order or id finds nothing.
 */
export const handler = api({
  roles: [...officeRoles, 'customer'],
  query: Query,
  response: { status: 200, body: InvoicePage },
}).handler(async ({ query, principal }) => {
  const own = principal.role === 'customer' ? (principal.customerId as string) : undefined;
  if (query.workOrderId) {
    const invoice = await findInvoiceOf(query.workOrderId);
    const visible = invoice && (!own || invoice.customerId === own);
    return ok({ items: visible ? (await withStanding([invoice])).map(invoiceView) : [], nextCursor: null });
  }
  const customerId = own ?? query.customerId;
  if (!customerId) throw new ValidationFailed('Filter by workOrderId or customerId.');
  if (own && query.customerId && query.customerId !== own) return ok({ items: [], nextCursor: null });
  const page = await listInvoicesOfCustomer(customerId, query);
  return ok({ items: (await withStanding(page.items)).map(invoiceView), nextCursor: page.nextCursor });
});
