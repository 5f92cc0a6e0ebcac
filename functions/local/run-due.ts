import * as z from 'zod';
import { api, ok } from '#shared/http/api.ts';
import { runPlannedMaintenance } from '#shared/intake/planned-maintenance.ts';
import { PlannedRun, plannedRunView } from '#shared/intake/views.ts';

const Body = z.strictObject({ horizonDays: z.number().int().min(1).max(365).optional() }).optional();

/** Local mode only: runs the daily planned maintenance run now (`npm run due`). */
export const handler = api({ auth: false, body: Body, response: { status: 200, body: PlannedRun } }).handler(
  async ({ body }) => ok(plannedRunView(await runPlannedMaintenance({ horizonDays: body?.horizonDays }))),
);
