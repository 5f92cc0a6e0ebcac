import { api, created } from '#shared/http/api.ts';
import { PurchaseOrders } from '#shared/purchasing/index.ts';
import { PurchaseOrder, purchaseOrderView } from '#shared/purchasing/views.ts';

/** The office orders parts from a supplier by hand; the supplier is e-mailed the order as a PDF. */
export const handler = api({
  roles: ['admin', 'dispatcher'],
  body: PurchaseOrders.CreatePurchaseOrder,
  idempotency: 'required',
  response: { status: 201, body: PurchaseOrder },
}).handler(async ({ body, principal, headers }) =>
  created(
    purchaseOrderView(
      await PurchaseOrders.create({
        actor: principal.sub,
        idempotencyKey: headers['idempotency-key'] as string,
        request: body,
      }),
    ),
  ),
);
