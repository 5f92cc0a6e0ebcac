import type { EntityItem } from 'electrodb';
import { StoreConflict } from '../errors.ts';
import type { purchaseOrder } from './entities/purchase-order.ts';
import { backoff, commit, db, wholeItems } from './service.ts';
import { nextSeq } from './work-orders.ts';

export type PurchaseOrderRecord = EntityItem<typeof purchaseOrder>;
export type PurchaseOrderStatus = PurchaseOrderRecord['status'];

export async function getPurchaseOrder(purchaseOrderId: string): Promise<PurchaseOrderRecord | undefined> {
  const { data } = await db().entities.purchaseOrder.get({ purchaseOrderId }).go({ consistent: true });
  return data ?? undefined;
}

/**
 * Writes a new purchase order numbered from the `purchaseOrderNumber` counter, with its `purchaseOrder.raised` feed
 * event (and, for a reorder's order, the reorder marked `ordered`), in one transaction: a number is used only by the
 * order that took it, and an order exists only with its event. The one already there when its id is taken (a
 * replayed event or request).
 */
export async function createPurchaseOrder(draft: Omit<PurchaseOrderRecord, 'number'>): Promise<PurchaseOrderRecord> {
  const { entities, transaction } = db();
  for (let attempt = 0; attempt < 50; attempt++) {
    const existing = await getPurchaseOrder(draft.purchaseOrderId);
    if (existing) return existing;
    const current =
      (await entities.counter.get({ name: 'purchaseOrderNumber' }).go({ consistent: true })).data?.value ?? 0;
    const record: PurchaseOrderRecord = { ...draft, number: `PO-${String(current + 1).padStart(6, '0')}` };
    const failed = await commit(() =>
      transaction
        .write(({ counter, purchaseOrder, reorder, domainEvent }) => [
          counter
            .put({ name: 'purchaseOrderNumber', value: current + 1 })
            .where((attr, op) => (current === 0 ? op.notExists(attr.value) : op.eq(attr.value, current)))
            .commit(),
          purchaseOrder.create(record).commit(),
          domainEvent
            .create({
              eventId: nextSeq(),
              at: record.createdAt,
              type: 'purchaseOrder.raised',
              workOrderId: record.workOrderId,
              data: {
                purchaseOrderId: record.purchaseOrderId,
                number: record.number,
                supplierId: record.supplierId,
                reason: record.reason,
              },
            })
            .commit(),
          ...(record.reorderSku && record.workOrderId
            ? [
                reorder
                  .patch({ sku: record.reorderSku, workOrderId: record.workOrderId })
                  .set({ status: 'ordered' })
                  .commit(),
              ]
            : []),
        ])
        .go(),
    );
    if (failed.length === 0) return record;
    // Another order took the number (or this one was written meanwhile: the next read finds it).
    await backoff(attempt, 5, 200);
  }
  throw new StoreConflict('Many purchase orders are being raised at once; try again.');
}

/**
 * Marks a purchase order received and adds each line's quantity to the depot's holding and to the part's stock, in
 * one transaction conditional on the order still being `sent`: two receipts racing add the stock once. The reorder
 * it was raised for is closed with it. `false` when the order was not `sent` any more.
 */
export async function receivePurchaseOrder(
  order: PurchaseOrderRecord,
  receipt: { depotId: string; at: string; by: string },
): Promise<boolean> {
  const { transaction } = db();
  // One write per SKU: a transaction may not touch an item twice.
  const bySku = new Map<string, number>();
  for (const line of order.lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.qty);
  const failed = await commit(() =>
    transaction
      .write(({ purchaseOrder, stockHolding, part, reorder, domainEvent }) => [
        purchaseOrder
          .patch({ purchaseOrderId: order.purchaseOrderId })
          .set({ status: 'received', receivedAt: receipt.at, receivedBy: receipt.by, depotId: receipt.depotId })
          .where((attr, op) => op.eq(attr.status, 'sent'))
          .commit(),
        ...[...bySku].flatMap(([sku, qty]) => [
          stockHolding
            .upsert({ sku, holderKind: 'depot', holderId: receipt.depotId, updatedAt: receipt.at })
            .add({ qty })
            .commit(),
          part.patch({ sku }).add({ stock: qty, version: 1 }).commit(),
        ]),
        ...(order.reorderSku && order.workOrderId
          ? [
              reorder
                .patch({ sku: order.reorderSku, workOrderId: order.workOrderId })
                .set({ status: 'received' })
                .commit(),
            ]
          : []),
        domainEvent
          .create({
            eventId: nextSeq(),
            at: receipt.at,
            type: 'purchaseOrder.received',
            workOrderId: order.workOrderId,
            data: { purchaseOrderId: order.purchaseOrderId, number: order.number, depotId: receipt.depotId },
          })
          .commit(),
      ])
      .go(),
  );
  return failed.length === 0;
}

/**
 * Cancels a purchase order still `sent`, with its `purchaseOrder.cancelled` feed event, in one transaction conditional
 * on the status: a cancel racing a receipt or another cancel loses cleanly. The reorder it was raised for is open
 * again (the stock is still low and nothing is on order). `false` when the order was not `sent` any more.
 */
export async function cancelPurchaseOrder(
  order: PurchaseOrderRecord,
  cancellation: { at: string; by: string; reason?: string },
): Promise<boolean> {
  const failed = await commit(() =>
    db()
      .transaction.write(({ purchaseOrder, reorder, domainEvent }) => [
        purchaseOrder
          .patch({ purchaseOrderId: order.purchaseOrderId })
          .set({
            status: 'cancelled',
            cancelledAt: cancellation.at,
            cancelledBy: cancellation.by,
            ...(cancellation.reason ? { cancelReason: cancellation.reason } : {}),
          })
          .where((attr, op) => op.eq(attr.status, 'sent'))
          .commit(),
        ...(order.reorderSku && order.workOrderId
          ? [reorder.patch({ sku: order.reorderSku, workOrderId: order.workOrderId }).set({ status: 'open' }).commit()]
          : []),
        domainEvent
          .create({
            eventId: nextSeq(),
            at: cancellation.at,
            type: 'purchaseOrder.cancelled',
            workOrderId: order.workOrderId,
            data: { purchaseOrderId: order.purchaseOrderId, number: order.number, supplierId: order.supplierId },
          })
          .commit(),
      ])
      .go(),
  );
  return failed.length === 0;
}

/** One page of purchase orders, newest first: of one status, or all. */
export async function listPurchaseOrders(page: { status?: PurchaseOrderStatus; limit: number; cursor?: string }) {
  const query = db().entities.purchaseOrder.query;
  const options = { order: 'desc' as const, limit: page.limit, cursor: page.cursor ?? null, hydrate: true };
  const result = await wholeItems(
    page.status ? query.byStatus({ status: page.status }).go(options) : query.all({}).go(options),
  );
  return { items: result.data, nextCursor: result.cursor };
}
