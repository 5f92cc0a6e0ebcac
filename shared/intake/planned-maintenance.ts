import { assetsDueBy } from '../db/reference.ts';
import { planService } from '../work-order/intake.ts';
import { startWorkOrder } from '../workflow.ts';

/** How far ahead the daily run books services: far enough to plan the visit, close enough to keep it relevant. */
export const defaultHorizonDays = 30;

/**
 * The planned maintenance run: every asset whose service falls due within the horizon gets its work order, once
 * per asset and due date (the id derives from both, so the order booked at the last visit's closeout, or by an
 * earlier run, is the same one), and that work order is set off through approval and scheduling.
 */
export async function runPlannedMaintenance(options: { now?: Date; horizonDays?: number } = {}) {
  const now = options.now ?? new Date();
  const horizon = new Date(now.getTime() + (options.horizonDays ?? defaultHorizonDays) * 86_400_000);
  const due = await assetsDueBy(horizon.toISOString().slice(0, 10));
  const booked: Array<{ assetId: string; dueDate: string; workOrderId: string; ref: string }> = [];
  for (const asset of due) {
    if (!asset.servicePlan || !asset.nextServiceDue) continue;
    const workOrder = await planService({ asset, dueDate: asset.nextServiceDue, actor: 'planned-maintenance' });
    // Starting is idempotent too: a running execution is left as it is, a finished one is not started again.
    if (workOrder.status === 'logged') await startWorkOrder(workOrder.workOrderId);
    booked.push({
      assetId: asset.assetId,
      dueDate: asset.nextServiceDue,
      workOrderId: workOrder.workOrderId,
      ref: workOrder.ref,
    });
  }
  return { horizon: horizon.toISOString().slice(0, 10), booked };
}
