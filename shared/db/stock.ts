import type { EntityItem } from 'electrodb';
import { StoreConflict } from '../errors.ts';
import type { reorder } from './entities/reorder.ts';
import type { stockHolding } from './entities/stock-holding.ts';
import { backoff, commit, db } from './service.ts';
import { nextSeq } from './work-orders.ts';

export type ReorderRecord = EntityItem<typeof reorder>;
export type StockHoldingRecord = EntityItem<typeof stockHolding>;

/** So many of a use to take from one holding, with the holding as it was read (its count conditions the write). */
interface Take {
  holding: StockHoldingRecord;
  qty: number;
}

/**
 * Where a use of `qty` comes from, by the holdings read: the van of the job's engineer first, as far as it holds
 * some, then the depots, the one holding most first, each down to none, so a part's holdings keep adding up to its
 * stock. What no holding covers (the counts were short, or only other engineers' vans hold it) is taken from none.
 */
function takesFor(holdings: StockHoldingRecord[], qty: number, engineerId?: string): Take[] {
  const van = holdings.filter((holding) => holding.holderKind === 'van' && holding.holderId === engineerId);
  const depots = holdings
    .filter((holding) => holding.holderKind === 'depot')
    .sort((a, b) => b.qty - a.qty || a.holderId.localeCompare(b.holderId));
  const takes: Take[] = [];
  let left = qty;
  for (const holding of [...van, ...depots]) {
    const take = Math.min(left, Math.max(holding.qty, 0));
    if (take === 0) continue;
    takes.push({ holding, qty: take });
    left -= take;
  }
  return takes;
}

/** Every holding of a part as it is now: a count read to condition a write on must not be a stale one. */
async function currentHoldings(sku: string): Promise<StockHoldingRecord[]> {
  const { data } = await db().entities.stockHolding.query.primary({ sku }).go({ pages: 'all', consistent: true });
  return data;
}

/**
 * Takes `qty` of a part from stock for a work order, once, all in one transaction: the movement record; the decrement
 * of `part.stock` (conditional on the stock read, so two jobs never decide from the same figure); the decrement of
 * each holding the use came from ({@link takesFor}: the engineer's van first), each conditional on the count read, so
 * two jobs never both take a van's last one; and, when this use takes the stock below the reorder point, the reorder
 * with its feed event. The movement records where the use came from (`takenFrom`). `taken: false` when this work
 * order already took them, with where they came from then.
 */
export async function takeFromStock(options: {
  sku: string;
  workOrderId: string;
  qty: number;
  at: string;
  /** The engineer who did the job, whose van the parts come from first. */
  engineerId?: string;
}) {
  const { sku, workOrderId, qty, at } = options;
  const { entities, transaction } = db();
  for (let attempt = 0; attempt < 25; attempt++) {
    const { data: movement } = await entities.stockMovement.get({ sku, workOrderId }).go({ consistent: true });
    if (movement) return { taken: false, reorder: false, takenFrom: movement.takenFrom ?? [] };
    const [{ data: part }, holdings] = await Promise.all([
      entities.part.get({ sku }).go({ consistent: true }),
      currentHoldings(sku),
    ]);
    if (!part) throw new Error(`No part ${sku}`);
    const stockAfter = part.stock - qty;
    const fellBelow = part.stock >= part.reorderPoint && stockAfter < part.reorderPoint;
    const takes = takesFor(holdings, qty, options.engineerId);
    const takenFrom = takes.map((take) => ({
      holderKind: take.holding.holderKind,
      holderId: take.holding.holderId,
      qty: take.qty,
    }));
    const failed = await commit(() =>
      transaction
        .write(({ stockMovement, part: parts, stockHolding, reorder: reorders, domainEvent }) => [
          stockMovement.create({ sku, workOrderId, qty, at, stockAfter, takenFrom }).commit(),
          parts
            .patch({ sku })
            .set({ stock: stockAfter })
            .add({ version: 1 })
            .where((attr, op) => op.eq(attr.stock, part.stock))
            .commit(),
          ...takes.map((take) =>
            stockHolding
              .patch({ sku, holderKind: take.holding.holderKind, holderId: take.holding.holderId })
              .set({ qty: take.holding.qty - take.qty, updatedAt: at })
              .where((attr, op) => op.eq(attr.qty, take.holding.qty))
              .commit(),
          ),
          ...(fellBelow
            ? [
                reorders
                  .create({
                    sku,
                    workOrderId,
                    // Enough to bring the stock back to twice its reorder point.
                    qty: Math.max(part.reorderPoint * 2 - stockAfter, 1),
                    stockAfter,
                    reorderPoint: part.reorderPoint,
                    status: 'open',
                    raisedAt: at,
                  })
                  .commit(),
                domainEvent
                  .create({
                    eventId: nextSeq(),
                    at,
                    type: 'stock.reorder_raised',
                    workOrderId,
                    data: { sku, stockAfter, reorderPoint: part.reorderPoint },
                  })
                  .commit(),
              ]
            : []),
        ])
        .go(),
    );
    if (failed.length === 0) return { taken: true, reorder: fellBelow, takenFrom };
    await backoff(attempt, 5, 500);
  }
  throw new StoreConflict(`Many jobs are taking ${sku} at once; it will be taken on a retry.`);
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
