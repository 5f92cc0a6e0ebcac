import { z } from 'zod';
import { generateInvoice } from '#shared/closeout/invoice.ts';
import { task } from '#shared/workflow.ts';

/** A Closeout branch; idempotent by work order id, so a Step Functions retry does nothing twice. */
const run = async (event: unknown) => generateInvoice(z.object({ workOrderId: z.string().min(1) }).parse(event));

export const handler = task(run);
