import type { AssetRecord } from './reference.ts';
import { db } from './service.ts';
import type { WorkOrderRecord } from './work-orders.ts';

/**
 * Writes the visit into the asset's history (keyed by the work order, so a retry overwrites the same item) and
 * moves its next due date when the visit serviced it.
 */
export async function recordAssetVisit(
  asset: AssetRecord,
  record: WorkOrderRecord,
  nextServiceDue: string | undefined,
) {
  const completion = record.completion;
  if (!completion) return;
  const { entities } = db();
  await entities.assetVisit
    .put({
      assetId: asset.assetId,
      workOrderId: record.workOrderId,
      ref: record.ref,
      jobType: record.jobType ?? 'unknown',
      completedAt: completion.at,
      outcome: completion.outcome,
      findings: completion.findings,
      workDone: completion.workDone,
      engineerId: completion.completedBy,
    })
    .go();
  await entities.asset
    .patch({ assetId: asset.assetId })
    .set({ lastServicedAt: completion.at, ...(nextServiceDue ? { nextServiceDue } : {}) })
    .go();
}
