import * as z from 'zod';
import * as WorkOrder from '#shared/work-order/work-order.ts';
import { task } from '#shared/workflow.ts';

const Input = z.object({ workOrderId: z.string().min(1) });

/** LoadWorkOrder: what the state machine routes on, read fresh on every pass. */
const run = async (event: unknown) => {
  const record = await WorkOrder.get(Input.parse(event).workOrderId);
  return {
    status: record.status,
    detailsComplete: WorkOrder.detailsComplete(record),
    approvalRequired: WorkOrder.approvalOutstanding(record),
  };
};

export const handler = task(run);
