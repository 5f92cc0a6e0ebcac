import type { KpiReportView } from './views.ts';

/** The KPI report's columns, in order: see {@link kpiCsv}. */
export const kpiCsvColumns = ['figure', 'item', 'value', 'counted', 'of', 'from', 'to'] as const;

type Cell = string | number | null;

/**
 * The KPI report as CSV (RFC 4180: a header line, CRLF line ends, UTF-8), for the office to download: one row per
 * figure with the counts behind it, then one per part and per status, each row with the window it covers.
 *
 * - `firstTimeFixRate`, `meanJobMinutes`, `slaCompliance`, `meanCloseoutLagMinutes`: the figure (`value`, empty when
 *   there was nothing to count), with `counted` the jobs it counts (first-time fixes, jobs timed, attended within the
 *   SLA, jobs closed) `of` those it could count (jobs completed, completed, attended; none for the closeout lag).
 * - `partsUsage`: one row per SKU (`item`), the quantity used as its `value`.
 * - `countsByStatus`: one row per status (`item`), the work orders logged in the window now in it, `of` all logged.
 *
 * The same figures as the JSON report (`basis` is in `counted` and `of`), defined in `kpis.ts`.
 */
export function kpiCsv(report: KpiReportView): string {
  const { basis } = report;
  const rows: Cell[][] = [
    ['firstTimeFixRate', null, report.firstTimeFixRate, basis.firstTimeFixes, basis.completed],
    ['meanJobMinutes', null, report.meanJobMinutes, basis.timedJobs, basis.completed],
    ['slaCompliance', null, report.slaCompliance, basis.attendedWithinSla, basis.attended],
    ['meanCloseoutLagMinutes', null, report.meanCloseoutLagMinutes, basis.closed, null],
    ...report.partsUsage.map(({ sku, qty }): Cell[] => ['partsUsage', sku, qty, null, null]),
    ...Object.entries(report.countsByStatus).map(([status, count]): Cell[] => [
      'countsByStatus',
      status,
      count,
      null,
      basis.logged,
    ]),
  ];
  return [kpiCsvColumns, ...rows.map((row) => [...row, report.from, report.to])]
    .map((row) => `${row.map(cell).join(',')}\r\n`)
    .join('');
}

/**
 * One cell: a number as it is, nothing for null, text quoted when it holds a comma, a quote or a line break. Text a
 * spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, a tab or a carriage return: a SKU is the text of
 * whoever recorded it) is led by an apostrophe, so it is only ever shown.
 */
function cell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The file name a download of the report over its window is offered as. */
export const kpiCsvFileName = (report: Pick<KpiReportView, 'from' | 'to'>) =>
  `kpis-${report.from.slice(0, 10)}-until-${report.to.slice(0, 10)}.csv`;
