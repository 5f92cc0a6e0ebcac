import { getAsset } from '../db/reference.ts';
import { planService } from '../work-order/intake.ts';
import { completedWorkOrder, nextDueAfter } from './asset-history.ts';

/**
 * The CreateNextService task: books the next planned service for each asset on a service plan that this visit
 * serviced. The booking's id derives from the asset and the due date, so a retry books nothing twice.
 */
export async function createNextService(options: { workOrderId: string }) {
  const record = await completedWorkOrder(options.workOrderId);
  const booked: Array<{ assetId: string; workOrderId: string; dueDate: string }> = [];
  for (const assetId of record.assetIds ?? []) {
    const asset = await getAsset(assetId);
    const dueDate = asset ? nextDueAfter(asset, record) : undefined;
    if (!asset || !dueDate) continue;
    const next = await planService({ asset, dueDate, actor: 'closeout' });
    booked.push({ assetId, workOrderId: next.workOrderId, dueDate });
  }
  return { booked };
}
