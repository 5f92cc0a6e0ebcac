import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok, okText } from '#shared/http/api.ts';
import { kpiCsv, kpiCsvFileName } from '#shared/reports/csv.ts';
import { kpiReport } from '#shared/reports/kpis.ts';
import { KpiReport, kpiReportView } from '#shared/reports/views.ts';

const DateOrTimestamp = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
const Query = z.strictObject({
  from: DateOrTimestamp.optional(),
  to: DateOrTimestamp.optional(),
  format: z.enum(['json', 'csv']).optional().meta({
    description: '`csv` answers the same figures as a `text/csv` download; `json`, the default, as the report.',
  }),
});

/**
 * The office's KPIs over `[from, to)` (the last 30 days by default); each figure is defined in `kpis.ts`. With
 * `format=csv`, the same figures as a CSV download (`text/csv`): one row per figure with the counts behind it, one per
 * part and per status (see `kpiCsv`).
 */
export const handler = api({
  roles: officeRoles,
  query: Query,
  response: {
    status: 200,
    body: KpiReport,
    text: {
      mediaType: 'text/csv',
      description:
        'With format=csv (RFC 4180, a header line, CRLF): columns figure, item, value, counted, of, from, to. A row ' +
        'for each of firstTimeFixRate, meanJobMinutes, slaCompliance and meanCloseoutLagMinutes (value empty when ' +
        'there was nothing to count; counted of: firstTimeFixes of completed, timedJobs of completed, ' +
        'attendedWithinSla of attended, closed), one partsUsage row per SKU (item; value the quantity) and one ' +
        'countsByStatus row per status (item; value of logged). Offered as an attachment.',
    },
  },
}).handler(async ({ query: { format, ...window } }) => {
  const report = kpiReportView(await kpiReport(window));
  if (format !== 'csv') return ok(report);
  return okText(kpiCsv(report), 'text/csv; charset=utf-8; header=present', {
    'content-disposition': `attachment; filename="${kpiCsvFileName(report)}"`,
  });
});
