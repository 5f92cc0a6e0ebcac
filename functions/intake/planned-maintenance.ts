import * as z from 'zod';
import { runPlannedMaintenance } from '#shared/intake/planned-maintenance.ts';
import { observed } from '#shared/observability.ts';

const Input = z.looseObject({ horizonDays: z.number().int().min(1).max(365).optional() });

/** The daily planned maintenance run (EventBridge Scheduler in the stack; a timer and `npm run due` locally). */
export const handler = observed('planned-maintenance', async (event: unknown) =>
  runPlannedMaintenance(Input.parse(event ?? {})),
);
