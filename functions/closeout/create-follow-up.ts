import { z } from 'zod';
import { createFollowUp } from '#shared/closeout/follow-up.ts';

/** A Closeout branch; idempotent by work order id, so a Step Functions retry does nothing twice. */
export const handler = async (event: unknown) =>
  createFollowUp(z.object({ workOrderId: z.string().min(1) }).parse(event));
