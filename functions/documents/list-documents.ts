import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { listDocumentsOfCustomer } from '#shared/db/documents.ts';
import { documentsAbout, linkTo } from '#shared/documents/documents.ts';
import { NotFound, ValidationFailed } from '#shared/errors.ts';
import { api, ok, PageQuery } from '#shared/http/api.ts';
import { DocumentPage, documentView } from '#shared/notify/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';

const Query = PageQuery.extend({
  customerId: z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'The office names the customer; a customer sees their own.' }),
});

/**
 * Documents with short-lived links: a work order's (`/v1/work-orders/{id}/documents`: its job report, gas safety
 * record and invoice), or a customer's, newest first (`/v1/documents`). A customer sees only their own; another
 * customer's work order is 404.
 */
export const handler = api({
  roles: [...officeRoles, 'customer'],
  query: Query,
  response: { status: 200, body: DocumentPage },
  errors: [404],
}).handler(async ({ params, query, principal }) => {
  const customer = principal.role === 'customer' ? (principal.customerId as string) : undefined;
  if (params.id) {
    const record = await WorkOrder.get(params.id);
    if (customer && record.customerId !== customer) throw new NotFound('work order', params.id);
    const documents = await documentsAbout(params.id);
    return ok({ items: documents.map(documentView), nextCursor: null });
  }
  const customerId = customer ?? query.customerId;
  if (!customerId) throw new ValidationFailed('Name the customer: ?customerId=.');
  const page = await listDocumentsOfCustomer(customerId, query);
  const items = await Promise.all(page.items.map(async (d) => documentView({ ...d, url: await linkTo(d) })));
  return ok({ items, nextCursor: page.nextCursor });
});
