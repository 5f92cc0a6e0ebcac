import { z } from 'zod';
import { updateStock } from '#shared/closeout/stock.ts';

/** A Closeout branch; idempotent by work order id, so a Step Functions retry does nothing twice. */
export const handler = async (event: unknown) => updateStock(z.object({ workOrderId: z.string().min(1) }).parse(event));
