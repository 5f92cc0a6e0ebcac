import * as z from 'zod';
import { dispatch } from '#shared/scheduling/assignment.ts';
import { task } from '#shared/workflow.ts';

/** Dispatch: sends the scheduled job to its engineer. */
const run = async (event: unknown) => dispatch(z.object({ workOrderId: z.string().min(1) }).parse(event));

export const handler = task(run);
