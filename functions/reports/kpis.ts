import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { kpiReport } from '#shared/reports/kpis.ts';
import { KpiReport, kpiReportView } from '#shared/reports/views.ts';

const DateOrTimestamp = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
const Query = z.strictObject({ from: DateOrTimestamp.optional(), to: DateOrTimestamp.optional() });

/** The office's KPIs over `[from, to)` (the last 30 days by default); each figure is defined in `kpis.ts`. */
export const handler = api({ roles: officeRoles, query: Query, response: { status: 200, body: KpiReport } }).handler(
  async ({ query }) => ok(kpiReportView(await kpiReport(query))),
);
