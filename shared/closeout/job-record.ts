import type { WorkOrderRecord } from '../db/work-orders.ts';
import type { PartLine } from '../work-order/model.ts';

/**
 * Labour minutes from the job's real record ({@link workedMinutes}); with no record of the work, the template's
 * estimate.
 */
export function labourMinutes(record: WorkOrderRecord): number {
  return workedMinutes(record) ?? record.estimatedMinutes ?? 60;
}

/**
 * The minutes the job took by its own record, never an estimate: the work time the engineer logged; without time
 * logs, from arriving on site (or starting work) to completion, pauses included; `undefined` with neither.
 * Billing and the KPI report both read this, so an invoice's labour and the report's job time agree.
 */
export function workedMinutes(record: WorkOrderRecord): number | undefined {
  const logged = (record.timeLogs ?? [])
    .filter((log) => log.kind === 'work')
    .reduce((sum, log) => sum + (Date.parse(log.endedAt) - Date.parse(log.startedAt)) / 60_000, 0);
  if (logged > 0) return logged;
  const started = record.stageTimes?.on_site ?? record.stageTimes?.in_progress;
  const ended = record.completion?.at;
  if (!started || !ended) return undefined;
  return Math.max(0, (Date.parse(ended) - Date.parse(started)) / 60_000);
}

/**
 * The parts the job used, one line per SKU: the materials the phone recorded as they were used, plus any the
 * engineer added at completion. Billing and stock both read this, so they always agree.
 */
export function partsUsed(record: WorkOrderRecord): PartLine[] {
  const totals = new Map<string, number>();
  for (const line of [...(record.materials ?? []), ...(record.completion?.partsUsed ?? [])]) {
    totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.qty);
  }
  return [...totals].map(([sku, qty]) => ({ sku, qty }));
}
