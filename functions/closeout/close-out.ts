import * as z from 'zod';
import { closeOut } from '#shared/closeout/close-out.ts';
import { task } from '#shared/workflow.ts';

/**
 * Closeout: the invoice, stock, asset history, next service and follow-up, then closed; idempotent, so retried
 * whole. Answers what the state machine routes on next (a job no longer completed is left as it is).
 */
const run = async (event: unknown) => closeOut(z.object({ workOrderId: z.string().min(1) }).parse(event));

export const handler = task(run);
