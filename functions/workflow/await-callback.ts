import * as z from 'zod';
import * as WorkOrder from '#shared/work-order/work-order.ts';
import { task } from '#shared/workflow.ts';

const Input = z.object({
  workOrderId: z.string().min(1),
  waitingFor: z.enum(['release', 'approval', 'assignment', 'acknowledgement', 'completion']),
  taskToken: z.string().min(1),
});

/** AwaitCallback: parks the human step's task token on the work order (or answers it if already moved on). */
const run = async (event: unknown) => WorkOrder.awaitCallback(Input.parse(event));

export const handler = task(run);
