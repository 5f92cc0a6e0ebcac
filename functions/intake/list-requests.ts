import { businessTimeZone } from '#shared/db/business.ts';
import { listByCustomer } from '#shared/db/work-orders.ts';
import { api, ok, PageQuery } from '#shared/http/api.ts';
import * as Views from '#shared/work-order/views.ts';

/** A customer's own requests, newest first. */
export const handler = api({
  roles: ['customer'],
  query: PageQuery,
  response: { status: 200, body: Views.RequestPage },
}).handler(async ({ query, principal }) => {
  const [page, timeZone] = await Promise.all([
    listByCustomer(principal.customerId as string, query),
    businessTimeZone(),
  ]);
  return ok({ items: page.items.map((record) => Views.customer(record, timeZone)), nextCursor: page.nextCursor });
});
