import { takeFromStock } from '../db/stock.ts';
import { completedWorkOrder } from './asset-history.ts';
import { partsUsed } from './job-record.ts';

/**
 * The UpdateStock task: takes the parts the job used from stock, once per work order and part, from the van of the
 * engineer who did the job first (then the depots), raising a reorder for each part this use took below its reorder
 * point.
 */
export async function updateStock(options: { workOrderId: string }) {
  const record = await completedWorkOrder(options.workOrderId);
  const at = record.completion?.at ?? new Date().toISOString();
  const results = [];
  for (const line of partsUsed(record)) {
    results.push({
      sku: line.sku,
      qty: line.qty,
      ...(await takeFromStock({ ...line, workOrderId: record.workOrderId, engineerId: record.engineerId, at })),
    });
  }
  return { parts: results };
}
