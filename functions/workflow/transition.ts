import * as z from 'zod';
import { Status } from '#shared/work-order/model.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';
import { task } from '#shared/workflow.ts';

const Input = z.object({ workOrderId: z.string().min(1), to: Status, reason: z.string().max(500) });

/** Transition: a move the workflow itself makes (to approval, to scheduling, to closed); a retry is a no-op. */
const run = async (event: unknown) => {
  const { workOrderId, to, reason } = Input.parse(event);
  const { record } = await WorkOrder.transition({ workOrderId, to, reason, actor: 'workflow' });
  return { status: record.status };
};

export const handler = task(run);
