import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { InvoicePage, invoiceView } from '#shared/closeout/views.ts';
import { findInvoiceOf, listInvoicesOfCustomer } from '#shared/db/invoices.ts';
import { ValidationFailed } from '#shared/errors.ts';
import { api, ok, PageQuery } from '#shared/http/api.ts';

const Query = PageQuery.extend({
  workOrderId: z.string().max(100).optional(),
  customerId: z.string().max(64).optional(),
});

/** Invoices of a work order (`?workOrderId=`) or of a customer (`?customerId=`), newest first. */
export const handler = api({ roles: officeRoles, query: Query, response: { status: 200, body: InvoicePage } }).handler(
  async ({ query }) => {
    if (query.workOrderId) {
      const invoice = await findInvoiceOf(query.workOrderId);
      return ok({ items: invoice ? [invoiceView(invoice)] : [], nextCursor: null });
    }
    if (!query.customerId) throw new ValidationFailed('Filter by workOrderId or customerId.');
    const page = await listInvoicesOfCustomer(query.customerId, query);
    return ok({ items: page.items.map(invoiceView), nextCursor: page.nextCursor });
  },
);
