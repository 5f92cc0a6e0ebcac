import { z } from 'zod';
import { WorkOrder } from '#shared/work-order/index.ts';

/**
 * Dispatch: sends the scheduled job to its engineer (it appears in their day and job pack). A work order no longer
 * scheduled (cancelled meanwhile, or already dispatched by a retry) is left as it is.
 */
export const handler = async (event: unknown) => {
  const { workOrderId } = z.object({ workOrderId: z.string().min(1) }).parse(event);
  const record = await WorkOrder.get(workOrderId);
  if (record.status !== 'scheduled') return { status: record.status };
  const { record: dispatched } = await WorkOrder.transition({
    workOrderId,
    to: 'dispatched',
    actor: 'workflow',
    reason: 'Job pack sent to the engineer',
    data: { engineerId: record.engineerId, scheduledStart: record.scheduledStart },
  });
  return { status: dispatched.status };
};
