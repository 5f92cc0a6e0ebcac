import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok, PageQuery } from '#shared/http/api.ts';
import { PurchaseOrders } from '#shared/purchasing/index.ts';
import { PurchaseOrderPage, purchaseOrderView } from '#shared/purchasing/views.ts';

/** Purchase orders, newest first; `?status=` for those sent and not yet received, say. */
export const handler = api({
  roles: officeRoles,
  query: PageQuery.extend(PurchaseOrders.ListQuery.shape),
  response: { status: 200, body: PurchaseOrderPage },
}).handler(async ({ query }) => {
  const page = await PurchaseOrders.list(query);
  return ok({ items: page.items.map(purchaseOrderView), nextCursor: page.nextCursor });
});
