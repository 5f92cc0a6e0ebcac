import { z } from 'zod';
import { dispatch } from '#shared/scheduling/assignment.ts';

/** Dispatch: sends the scheduled job to its engineer. */
export const handler = async (event: unknown) => dispatch(z.object({ workOrderId: z.string().min(1) }).parse(event));
