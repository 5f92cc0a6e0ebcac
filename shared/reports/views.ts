import * as z from 'zod';
import { Instant, view } from '../http/views.ts';
import { Status } from '../work-order/model.ts';

/** A figure with nothing to count is `null` (see `computeKpis` for each figure's definition). */
const Figure = z.number().nullable();

/** The office's figures over a window, with each figure's counts. */
export const KpiReport = z
  .object({
    from: Instant,
    to: Instant,
    firstTimeFixRate: Figure,
    meanJobMinutes: Figure,
    slaCompliance: Figure,
    meanCloseoutLagMinutes: Figure,
    partsUsage: z.array(z.object({ sku: z.string(), qty: z.number() })),
    /** Every status, zeros included. */
    countsByStatus: z.object(Object.fromEntries(Status.options.map((status) => [status, z.number().int()]))),
    basis: z.object({
      logged: z.number().int(),
      completed: z.number().int(),
      firstTimeFixes: z.number().int(),
      timedJobs: z.number().int(),
      attended: z.number().int(),
      attendedWithinSla: z.number().int(),
      closed: z.number().int(),
    }),
  })
  .meta({ title: 'KPI report' });

export const kpiReportView = view(KpiReport);
export type KpiReportView = z.output<typeof KpiReport>;
