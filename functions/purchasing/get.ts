import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { PurchaseOrders } from '#shared/purchasing/index.ts';
import { PurchaseOrder, purchaseOrderView } from '#shared/purchasing/views.ts';

/** One purchase order. */
export const handler = api({
  roles: officeRoles,
  response: { status: 200, body: PurchaseOrder },
  errors: [404],
}).handler(async ({ params }) => ok(purchaseOrderView(await PurchaseOrders.get(params.id as string))));
