import { z } from 'zod';
import { generateInvoice } from '#shared/closeout/invoice.ts';

/** A Closeout branch; idempotent by work order id, so a Step Functions retry does nothing twice. */
export const handler = async (event: unknown) =>
  generateInvoice(z.object({ workOrderId: z.string().min(1) }).parse(event));
