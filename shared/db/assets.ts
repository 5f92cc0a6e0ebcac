import type { AssetRecord } from './reference.ts';
import { db } from './service.ts';
import type { WorkOrderRecord } from './work-orders.ts';

/** What a visit left for the next engineer, from the work order's record. */
function visitOf(record: WorkOrderRecord) {
  const completion = record.completion;
  if (!completion) return undefined;
  return {
    workOrderId: record.workOrderId,
    ref: record.ref,
    jobType: record.jobType ?? 'unknown',
    completedAt: completion.at,
    outcome: completion.outcome,
    findings: completion.findings,
    workDone: completion.workDone,
    engineerId: completion.completedBy,
    notes: (record.notes ?? []).map((note) => note.text),
  };
}

/** Writes the visit into its site's history (a retry overwrites the same item). */
export async function recordSiteVisit(record: WorkOrderRecord) {
  const visit = visitOf(record);
  if (!visit || !record.siteId) return;
  await db()
    .entities.siteVisit.put({ siteId: record.siteId, ...visit })
    .go();
}

/** A site's visits, newest first. */
export async function siteHistory(siteId: string, limit = 20) {
  const { data } = await db().entities.siteVisit.query.primary({ siteId }).go({ order: 'desc', limit });
  return data;
}

/**
 * Writes the visit into the asset's history (keyed by the work order, so a retry overwrites the same item) and
 * moves its next due date when the visit serviced it.
 */
export async function recordAssetVisit(
  asset: AssetRecord,
  record: WorkOrderRecord,
  nextServiceDue: string | undefined,
) {
  const visit = visitOf(record);
  if (!visit) return;
  const { entities } = db();
  await entities.assetVisit.put({ assetId: asset.assetId, ...visit }).go();
  await entities.asset
    .patch({ assetId: asset.assetId })
    .set({ lastServicedAt: visit.completedAt, ...(nextServiceDue ? { nextServiceDue } : {}) })
    .add({ version: 1 })
    .go();
}
