import type { EntityItem } from 'electrodb';
import { StoreConflict } from '../errors.ts';
import type { reorder } from './entities/reorder.ts';
import type { stockHolding } from './entities/stock-holding.ts';
import { backoff, commit, db } from './service.ts';
import { nextSeq } from './work-orders.ts';

export type ReorderRecord = EntityItem<typeof reorder>;
export type StockHoldingRecord = EntityItem<typeof stockHolding>;

/**
 * Takes `qty` of a part from stock for a work order, once: the movement record, the decrement (conditional on the
 * stock read, so two jobs never decide from the same figure) and, when this use takes the stock below the reorder
 * point, the reorder with its feed event, all in one transaction. `false` when this work order already took them.
 */
export async function takeFromStock(options: { sku: string; workOrderId: string; qty: number; at: string }) {
  const { entities, transaction } = db();
  for (let attempt = 0; attempt < 25; attempt++) {
    const taken = await entities.stockMovement
      .get({ sku: options.sku, workOrderId: options.workOrderId })
      .go({ consistent: true });
    if (taken.data) return { taken: false, reorder: false };
    const { data: part } = await entities.part.get({ sku: options.sku }).go({ consistent: true });
    if (!part) throw new Error(`No part ${options.sku}`);
    const stockAfter = part.stock - options.qty;
    const fellBelow = part.stock >= part.reorderPoint && stockAfter < part.reorderPoint;
    const failed = await commit(() =>
      transaction
        .write(({ stockMovement, part: parts, reorder: reorders, domainEvent }) => [
          stockMovement.create({ ...options, stockAfter }).commit(),
          parts
            .patch({ sku: options.sku })
            .set({ stock: stockAfter })
            .add({ version: 1 })
            .where((attr, op) => op.eq(attr.stock, part.stock))
            .commit(),
          ...(fellBelow
            ? [
                reorders
                  .create({
                    sku: options.sku,
                    workOrderId: options.workOrderId,
                    // Enough to bring the stock back to twice its reorder point.
                    qty: Math.max(part.reorderPoint * 2 - stockAfter, 1),
                    stockAfter,
                    reorderPoint: part.reorderPoint,
                    status: 'open',
                    raisedAt: options.at,
                  })
                  .commit(),
                domainEvent
                  .create({
                    eventId: nextSeq(),
                    at: options.at,
                    type: 'stock.reorder_raised',
                    workOrderId: options.workOrderId,
                    data: { sku: options.sku, stockAfter, reorderPoint: part.reorderPoint },
                  })
                  .commit(),
              ]
            : []),
        ])
        .go(),
    );
    if (failed.length === 0) return { taken: true, reorder: fellBelow };
    await backoff(attempt, 5, 500);
  }
  throw new StoreConflict(`Many jobs are taking ${options.sku} at once; it will be taken on a retry.`);
}

/** Every depot and van holding of one part (those at 0 too): one query of the SKU's holders. */
export async function holdingsOf(sku: string): Promise<StockHoldingRecord[]> {
  const { data } = await db().entities.stockHolding.query.primary({ sku }).go({ pages: 'all' });
  return data;
}

/** Records how many of a part a holder has, replacing the count before. */
export async function putHolding(holding: StockHoldingRecord): Promise<void> {
  await db().entities.stockHolding.put(holding).go();
}

/** Writes many holdings at once (the local demo seed). */
export async function putHoldings(holdings: StockHoldingRecord[]): Promise<void> {
  if (holdings.length === 0) return;
  const { unprocessed } = await db().entities.stockHolding.put(holdings).go();
  if (unprocessed.length > 0) throw new Error(`${unprocessed.length} stock holdings were not written`);
}

/** One reorder, by the part and the work order whose use raised it. */
export async function getReorder(sku: string, workOrderId: string): Promise<ReorderRecord | undefined> {
  const { data } = await db().entities.reorder.get({ sku, workOrderId }).go({ consistent: true });
  return data ?? undefined;
}
