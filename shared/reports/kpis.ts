import { partsUsed, workedMinutes } from '../closeout/job-record.ts';
import { businessTimeZone } from '../db/business.ts';
import { listLiveIn, type WorkOrderRecord } from '../db/work-orders.ts';
import { ValidationFailed } from '../errors.ts';
import { dayOrInstant, defaultTimeZone } from '../time/zone.ts';
import { type PartLine, Status } from '../work-order/model.ts';

/** A report's window, `[from, to)`, as ISO instants. */
export interface ReportWindow {
  from: string;
  to: string;
}

const dayMs = 86_400_000;

/** With no window asked for, the report covers the last 30 days; no report covers more than a year. */
const defaultWindowDays = 30;
export const maxWindowDays = 366;

/**
 * The window a report covers, from `?from=&to=`: each an ISO date or timestamp. Dates are the business's days (in
 * `timeZone`): a date `from` starts at that day's midnight there and a date `to` includes its whole day. `to` defaults to now, `from` to 30 days before
 * `to`. A window that ends before it starts, or where it starts (`from=2026-03-02&to=2026-03-01` is empty), or
 * that spans more than {@link maxWindowDays} days, is 400.
 */
export function reportWindow(
  query: { from?: string; to?: string },
  now: Date,
  timeZone: string = defaultTimeZone,
): ReportWindow {
  const to = query.to === undefined ? now.getTime() : dayOrInstant(query.to, 'end', timeZone);
  const from = query.from === undefined ? to - defaultWindowDays * dayMs : dayOrInstant(query.from, 'start', timeZone);
  if (from >= to) {
    throw new ValidationFailed('The window is empty: from must be before to.', [
      { path: 'query.from', message: 'Must be before to.' },
    ]);
  }
  if (to - from > maxWindowDays * dayMs) {
    throw new ValidationFailed(`A report covers at most ${maxWindowDays} days.`, [
      { path: 'query.from', message: `Within ${maxWindowDays} days of to.` },
    ]);
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/**
 * The office's figures over a window. Each figure counts what happened in the window, by the stage time the
 * server recorded (`stageTimes`: when the update reached it, so a status queued offline counts when it arrived):
 *
 * - `countsByStatus`: work orders logged in the window, by their status now (every status, zeros included).
 * - `firstTimeFixRate`: of the jobs completed in the window, the share fixed on the first visit with no follow-up
 *   (`completion.firstTimeFix`; a follow-up visit or an outcome other than `fixed` is never one).
 * - `meanJobMinutes`: over jobs completed in the window, the mean of the work time logged on the job, or without
 *   time logs the minutes from arriving on site (or starting work) to completion, pauses included: the minutes
 *   billing charges for (`workedMinutes`). A job with neither is left out, never replaced by its estimate.
 * - `slaCompliance`: of the jobs attended in the window (`on_site` reached, or `in_progress` when the engineer went
 *   straight to work), the share attended by their `slaDueAt`. Work not yet attended is not in it.
 * - `meanCloseoutLagMinutes`: over jobs closed in the window, the mean minutes from `completed` to `closed`.
 * - `partsUsage`: the parts used by jobs completed in the window (materials recorded on site plus those given at
 *   completion, as stock and billing count them), summed per SKU, most used first.
 *
 * Rates are fractions (0 to 1, four decimals) and minutes have one decimal. A figure with nothing to count is
 * `null`. `basis` gives each figure's numerator and denominator.
 */
export function computeKpis(records: readonly WorkOrderRecord[], window: ReportWindow) {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  const within = (at: string | undefined) => {
    const ms = at === undefined ? Number.NaN : Date.parse(at);
    return ms >= from && ms < to;
  };

  const countsByStatus = Object.fromEntries(Status.options.map((status) => [status, 0])) as Record<Status, number>;
  const logged = records.filter((record) => within(record.loggedAt));
  for (const record of logged) countsByStatus[record.status] += 1;

  const completed = records.filter((record) => within(record.stageTimes?.completed));
  const firstTimeFixes = completed.filter(isFirstTimeFix).length;
  const jobMinutes = completed.flatMap((record) => workedMinutes(record) ?? []);

  const attended = records.flatMap((record) => {
    const at = attendedAt(record);
    return at && within(at) ? [{ at, slaDueAt: record.slaDueAt }] : [];
  });
  const attendedWithinSla = attended.filter(withinSla).length;

  const closeoutLags = records.flatMap((record) => {
    const { completed: completedAt, closed } = record.stageTimes ?? {};
    return closed && completedAt && within(closed) ? [(Date.parse(closed) - Date.parse(completedAt)) / 60_000] : [];
  });

  return {
    from: window.from,
    to: window.to,
    firstTimeFixRate: ratio(firstTimeFixes, completed.length),
    meanJobMinutes: mean(jobMinutes),
    slaCompliance: ratio(attendedWithinSla, attended.length),
    meanCloseoutLagMinutes: mean(closeoutLags),
    partsUsage: sumParts(completed.flatMap(partsUsed)),
    countsByStatus,
    basis: {
      logged: logged.length,
      completed: completed.length,
      firstTimeFixes,
      timedJobs: jobMinutes.length,
      attended: attended.length,
      attendedWithinSla,
      closed: closeoutLags.length,
    },
  };
}

export type Kpis = ReturnType<typeof computeKpis>;

/** The KPI report over a window (see {@link computeKpis}), read from the work orders live in it. */
export async function kpiReport(options: { from?: string; to?: string; now?: Date }): Promise<Kpis> {
  const window = reportWindow(options, options.now ?? new Date(), await businessTimeZone());
  return computeKpis(await listLiveIn(window), window);
}

/** As `complete` records it; where a completion lacks `firstTimeFix`, by the same rule. */
export function isFirstTimeFix(record: WorkOrderRecord): boolean {
  const completion = record.completion;
  if (!completion) return false;
  return completion.firstTimeFix ?? (completion.outcome === 'fixed' && !record.followUpOf);
}

function attendedAt(record: WorkOrderRecord): string | undefined {
  return record.stageTimes?.on_site ?? record.stageTimes?.in_progress;
}

const withinSla = (job: { at: string; slaDueAt: string }) => Date.parse(job.at) <= Date.parse(job.slaDueAt);

/** Whether the engineer attended by the SLA due time, as `slaCompliance` counts it; undefined when not attended. */
export function attendedWithinSla(record: WorkOrderRecord): boolean | undefined {
  const at = attendedAt(record);
  return at === undefined ? undefined : withinSla({ at, slaDueAt: record.slaDueAt });
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

function mean(values: number[]): number | null {
  if (values.length === 0) return null;
  return Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 10) / 10;
}

function sumParts(lines: PartLine[]): PartLine[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.qty);
  return [...totals].map(([sku, qty]) => ({ sku, qty })).sort((a, b) => b.qty - a.qty || a.sku.localeCompare(b.sku));
}
