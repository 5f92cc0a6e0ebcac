import { recordAssetVisit, recordSiteVisit } from '../db/assets.ts';
import { type AssetRecord, getAsset } from '../db/reference.ts';
import type { WorkOrderRecord } from '../db/work-orders.ts';
import { Conflict } from '../errors.ts';
import { get } from '../work-order/work-order.ts';

/** The date `months` after a date, as YYYY-MM-DD; the 31st of a shorter month falls on its last day. */
export function addMonths(isoDate: string, months: number): string {
  const date = new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.toISOString().slice(0, 10);
}

/**
 * The asset's next service date after this visit, or undefined when the visit does not service it: a visit of
 * the plan's job type services it, and so does a replacement (a new appliance starts its plan afresh).
 */
export function nextDueAfter(asset: AssetRecord, record: WorkOrderRecord): string | undefined {
  const plan = asset.servicePlan;
  const completedAt = record.completion?.at;
  if (!plan || !completedAt || record.completion?.outcome === 'could_not_complete') return undefined;
  const services = record.jobType === plan.jobType || record.jobType?.endsWith('_replacement');
  return services ? addMonths(completedAt, plan.intervalMonths) : undefined;
}

/** The work order, which must have been completed (closeout runs only then). */
export async function completedWorkOrder(workOrderId: string) {
  const record = await get(workOrderId);
  if (!record.completion) throw new Conflict('workorder.not_completed', `Work order ${record.ref} is not completed.`);
  return record;
}

/**
 * The UpdateAssetHistory task: each asset of the job gets this visit in its history and its next due date, and so
 * does the site's history, which the next engineer's job pack shows.
 */
export async function updateAssetHistory(options: { workOrderId: string }) {
  const record = await completedWorkOrder(options.workOrderId);
  await recordSiteVisit(record);
  const updated: Array<{ assetId: string; nextServiceDue: string | null }> = [];
  for (const assetId of record.assetIds ?? []) {
    const asset = await getAsset(assetId);
    if (!asset) continue;
    const nextServiceDue = nextDueAfter(asset, record);
    await recordAssetVisit(asset, record, nextServiceDue);
    updated.push({ assetId, nextServiceDue: nextServiceDue ?? asset.nextServiceDue ?? null });
  }
  return { assets: updated };
}
