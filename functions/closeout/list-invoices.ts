import { z } from 'zod';
import { findInvoiceOf, listInvoicesOfCustomer } from '#shared/db/invoices.ts';
import { ValidationFailed } from '#shared/errors.ts';
import { api, officeRoles, ok, PageQuery } from '#shared/http/api.ts';

const Query = PageQuery.extend({
  workOrderId: z.string().max(100).optional(),
  customerId: z.string().max(64).optional(),
});

/** Invoices of a work order (`?workOrderId=`) or of a customer (`?customerId=`), newest first. */
export const handler = api({ roles: officeRoles, query: Query }).handler(async ({ query }) => {
  const view = ({ invoiceId, ...rest }: { invoiceId: string }) => ({ id: invoiceId, ...rest });
  if (query.workOrderId) {
    const invoice = await findInvoiceOf(query.workOrderId);
    return ok({ items: invoice ? [view(invoice)] : [], nextCursor: null });
  }
  if (!query.customerId) throw new ValidationFailed('Filter by workOrderId or customerId.');
  const page = await listInvoicesOfCustomer(query.customerId, query);
  return ok({ items: page.items.map(view), nextCursor: page.nextCursor });
});
