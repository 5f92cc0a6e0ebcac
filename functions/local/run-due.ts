import { z } from 'zod';
import { api, ok } from '#shared/http/api.ts';
import { runPlannedMaintenance } from '#shared/intake/planned-maintenance.ts';

const Body = z.strictObject({ horizonDays: z.number().int().min(1).max(365).optional() }).optional();

/** Local mode only: runs the daily planned maintenance run now (`npm run due`). */
export const handler = api({ auth: false, body: Body }).handler(async ({ body }) =>
  ok(await runPlannedMaintenance({ horizonDays: body?.horizonDays })),
);
