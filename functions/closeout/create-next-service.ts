import { z } from 'zod';
import { createNextService } from '#shared/closeout/next-service.ts';

/** A Closeout branch; idempotent by work order id, so a Step Functions retry does nothing twice. */
export const handler = async (event: unknown) =>
  createNextService(z.object({ workOrderId: z.string().min(1) }).parse(event));
