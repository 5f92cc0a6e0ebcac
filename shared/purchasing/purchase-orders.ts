import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  cancelPurchaseOrder,
  createPurchaseOrder,
  getPurchaseOrder,
  listPurchaseOrders,
  type PurchaseOrderRecord,
  type PurchaseOrderStatus,
  receivePurchaseOrder,
} from '../db/purchase-orders.ts';
import { getDepot, getPart, getSupplier, listResource, type PartRecord } from '../db/reference.ts';
import { holdingsOf } from '../db/stock.ts';
import { Conflict, NotFound, StoreConflict, ValidationFailed } from '../errors.ts';
import { knownParts } from '../work-order/references.ts';

const Id = z.string().min(1).max(64);

/** The office orders parts from a supplier by hand (`POST /v1/purchase-orders`). */
export const CreatePurchaseOrder = z.strictObject({
  supplierId: Id,
  depotId: Id,
  lines: z
    .array(
      z.strictObject({
        sku: z.string().min(1).max(64),
        qty: z.number().int().positive().max(100_000),
        unitMinor: z.number().int().nonnegative().max(100_000_000).optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type CreatePurchaseOrder = z.infer<typeof CreatePurchaseOrder>;

/** A delivery received (`POST /v1/purchase-orders/{id}/receive`): at the order's depot unless another is named. */
export const ReceivePurchaseOrder = z.strictObject({ depotId: Id.optional() });

/** The office calls an order off (`POST /v1/purchase-orders/{id}/cancel`); the reason goes to the supplier. */
export const CancelPurchaseOrder = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });

export const ListQuery = z.object({ status: z.enum(['sent', 'received', 'cancelled']).optional() });

/** The office's order: its id derives from the caller and the idempotency key, so a retried request finds it. */
export async function create(options: { actor: string; idempotencyKey: string; request: CreatePurchaseOrder }) {
  const { request } = options;
  if (!(await getSupplier(request.supplierId))) throw invalid('supplierId', `No supplier ${request.supplierId}.`);
  if (!(await getDepot(request.depotId))) throw invalid('depotId', `No depot ${request.depotId}.`);
  const parts = await knownParts(request.lines, 'body.lines');
  const id = createHash('sha256').update(`${options.actor}\n${options.idempotencyKey}`).digest('base64url');
  return createPurchaseOrder({
    purchaseOrderId: `po_${id.slice(0, 22)}`,
    supplierId: request.supplierId,
    status: 'sent',
    reason: 'manual',
    lines: request.lines.map((line) => ({
      sku: line.sku,
      name: parts.find((part) => part.sku === line.sku)?.name ?? line.sku,
      qty: line.qty,
      unitMinor: line.unitMinor,
    })),
    depotId: request.depotId,
    createdBy: options.actor,
    createdAt: new Date().toISOString(),
  });
}

/**
 * Raises the purchase order a reorder or an engineer's parts request calls for, once: its id derives from the source
 * (the reorder's key; the work order and the request's event id), so an event handed over twice finds the order the
 * first raised. Nothing for a part with no supplier (the office orders it by hand), or with no depot to deliver to.
 */
export async function raiseFor(
  source:
    | { kind: 'reorder'; sku: string; workOrderId: string; qty: number; at: string }
    | { kind: 'parts_request'; sku: string; workOrderId: string; eventId: string; qty: number; at: string },
): Promise<PurchaseOrderRecord | undefined> {
  const part = await getPart(source.sku);
  if (!part?.supplierId || !(await getSupplier(part.supplierId))) return undefined;
  const depotId = await deliveryDepot(part);
  if (!depotId) return undefined;
  const from = source.kind === 'reorder' ? source.sku : source.eventId;
  const key = createHash('sha256').update(`${source.kind}\n${source.workOrderId}\n${from}`).digest('base64url');
  return createPurchaseOrder({
    purchaseOrderId: `po_${key.slice(0, 22)}`,
    supplierId: part.supplierId,
    status: 'sent',
    reason: source.kind,
    lines: [{ sku: part.sku, name: part.name, qty: source.qty, unitMinor: part.unitPriceMinor }],
    workOrderId: source.workOrderId,
    reorderSku: source.kind === 'reorder' ? source.sku : undefined,
    depotId,
    createdBy: 'purchasing',
    createdAt: source.at,
  });
}

/** Where a part's order is delivered: the depot that holds most of it, else the business's first depot. */
async function deliveryDepot(part: PartRecord): Promise<string | undefined> {
  const depots = (await holdingsOf(part.sku)).filter((h) => h.holderKind === 'depot').sort((a, b) => b.qty - a.qty);
  if (depots[0]) return depots[0].holderId;
  const { items } = await listResource('depots', { limit: 1 });
  return (items[0] as { depotId?: string } | undefined)?.depotId;
}

/**
 * A delivery received: the order marked received once, each line's quantity added to the depot's holding and to the
 * part's stock, and the reorder it came from closed, all in one write. A second receipt is a 409, however close
 * behind the first it comes.
 */
export async function receive(options: { purchaseOrderId: string; depotId?: string; actor: string }) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const order = await get(options.purchaseOrderId);
    if (order.status !== 'sent') throw notSent(order);
    const depotId = options.depotId ?? order.depotId;
    if (options.depotId && !(await getDepot(options.depotId))) throw invalid('depotId', `No depot ${depotId}.`);
    const at = new Date().toISOString();
    if (await receivePurchaseOrder(order, { depotId, at, by: options.actor })) {
      return { ...order, status: 'received' as const, depotId, receivedAt: at, receivedBy: options.actor };
    }
  }
  throw new StoreConflict();
}

/**
 * The office calls off an order the supplier has not delivered: cancelled once, the supplier told, and the reorder it
 * came from open again. An order received or already cancelled is a 409, whichever came first in a race.
 */
export async function cancel(options: { purchaseOrderId: string; reason?: string; actor: string }) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const order = await get(options.purchaseOrderId);
    if (order.status !== 'sent') throw notSent(order);
    const at = new Date().toISOString();
    if (await cancelPurchaseOrder(order, { at, by: options.actor, reason: options.reason })) {
      return {
        ...order,
        status: 'cancelled' as const,
        cancelledAt: at,
        cancelledBy: options.actor,
        ...(options.reason ? { cancelReason: options.reason } : {}),
      };
    }
  }
  throw new StoreConflict();
}

function notSent(order: PurchaseOrderRecord): Conflict {
  return new Conflict(
    order.status === 'received' ? 'purchaseorder.already_received' : 'purchaseorder.cancelled',
    `Purchase order ${order.number} is ${order.status}.`,
  );
}

export async function get(purchaseOrderId: string): Promise<PurchaseOrderRecord> {
  const order = await getPurchaseOrder(purchaseOrderId);
  if (!order) throw new NotFound('purchase_order', purchaseOrderId);
  return order;
}

export const list = (page: { status?: PurchaseOrderStatus; limit: number; cursor?: string }) =>
  listPurchaseOrders(page);

function invalid(field: string, message: string): ValidationFailed {
  return new ValidationFailed(message, [{ path: `body.${field}`, message }]);
}
