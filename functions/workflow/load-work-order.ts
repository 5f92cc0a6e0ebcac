import { z } from 'zod';
import { WorkOrder } from '#shared/work-order/index.ts';

const Input = z.object({ workOrderId: z.string().min(1) });

/** LoadWorkOrder: what the state machine routes on, read fresh on every pass. */
export const handler = async (event: unknown) => {
  const record = await WorkOrder.get(Input.parse(event).workOrderId);
  return {
    status: record.status,
    detailsComplete: WorkOrder.detailsComplete(record),
    approvalRequired: record.approvalRequired === true,
  };
};
