import { api, ok } from '#shared/http/api.ts';
import { PurchaseOrders } from '#shared/purchasing/index.ts';
import { PurchaseOrder, purchaseOrderView } from '#shared/purchasing/views.ts';

/**
 * The office calls off an order not yet delivered: the supplier is e-mailed the cancellation, and the reorder the
 * order came from is open again. 409 `purchaseorder.already_received` or `purchaseorder.cancelled` otherwise.
 */
export const handler = api({
  roles: ['admin', 'dispatcher'],
  body: PurchaseOrders.CancelPurchaseOrder,
  idempotency: 'required',
  response: { status: 200, body: PurchaseOrder },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(
    purchaseOrderView(
      await PurchaseOrders.cancel({ purchaseOrderId: params.id as string, reason: body.reason, actor: principal.sub }),
    ),
  ),
);
