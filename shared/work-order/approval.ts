import { getParts, type JobTemplateRecord } from '../db/reference.ts';
import type { WorkOrderRecord } from '../db/work-orders.ts';
import type { Contract, PartLine } from './model.ts';
import { estimateCostMinor, standardLabourRateMinor } from './pricing.ts';

/**
 * What a job is estimated to cost: the larger of what the caller declared and what its template, labour and parts
 * price at, so no caller can zero an estimate to skip approval. `previous` keeps an estimate from dropping when the
 * office edits a job: only an approver's approval settles a cost.
 */
export async function estimateFor(options: {
  template: JobTemplateRecord;
  parts: PartLine[];
  estimatedMinutes?: number;
  contract?: Contract;
  declaredMinor?: number;
  previous?: number;
}): Promise<number> {
  const prices = await getParts(options.parts.map((p) => p.sku));
  const priced = estimateCostMinor({
    template: { ...options.template, estimatedMinutes: options.estimatedMinutes ?? options.template.estimatedMinutes },
    parts: options.parts.map((p) => ({
      qty: p.qty,
      unitPriceMinor: prices.find((x) => x.sku === p.sku)?.unitPriceMinor ?? 0,
    })),
    labourRateMinor: options.contract?.labourRateMinor ?? standardLabourRateMinor,
  });
  return Math.max(priced, options.declaredMinor ?? 0, options.previous ?? 0);
}

/** The template's rule: always, or above its cost threshold. */
export function needsApproval(template: JobTemplateRecord, estimatedCostMinor: number): boolean {
  if (template.requiresApproval) return true;
  return template.approvalThresholdMinor !== undefined && estimatedCostMinor > template.approvalThresholdMinor;
}

/**
 * True while a job that needs approval has none that covers it: never approved, or its estimate has risen above
 * the cost that was approved. Such a job may not be scheduled or dispatched.
 */
export function approvalOutstanding(record: WorkOrderRecord): boolean {
  if (!record.approvalRequired) return false;
  if (record.approvedCostMinor === undefined) return true;
  return (record.estimatedCostMinor ?? 0) > record.approvedCostMinor;
}
