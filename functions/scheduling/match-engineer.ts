import * as z from 'zod';
import { matchEngineer } from '#shared/scheduling/assignment.ts';
import { task } from '#shared/workflow.ts';

/** MatchEngineer: schedules the work order to the best eligible engineer, or answers null for manual assignment. */
const run = async (event: unknown) => matchEngineer(z.object({ workOrderId: z.string().min(1) }).parse(event));

export const handler = task(run);
