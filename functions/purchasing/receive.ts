import { api, ok } from '#shared/http/api.ts';
import { PurchaseOrders } from '#shared/purchasing/index.ts';
import { PurchaseOrder, purchaseOrderView } from '#shared/purchasing/views.ts';

/**
 * The parts of an order arrived: they are added to the depot's stock once (409 `purchaseorder.already_received` for
 * a second receipt), and the reorder the order came from is closed.
 */
export const handler = api({
  roles: ['admin', 'dispatcher'],
  body: PurchaseOrders.ReceivePurchaseOrder,
  idempotency: 'required',
  response: { status: 200, body: PurchaseOrder },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(
    purchaseOrderView(
      await PurchaseOrders.receive({
        purchaseOrderId: params.id as string,
        depotId: body.depotId,
        actor: principal.sub,
      }),
    ),
  ),
);
