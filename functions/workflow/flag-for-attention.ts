import * as z from 'zod';
import { flagWorkOrder } from '#shared/db/work-orders.ts';
import { task } from '#shared/workflow.ts';

const Input = z.object({
  workOrderId: z.string().min(1),
  reason: z.string().max(500),
  escalation: z.boolean().optional(),
  state: z
    .looseObject({ failure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional() })
    .optional(),
});

/**
 * FlagForAttention: the named failure path and the escalation of overdue human steps. The work order keeps its
 * status and is flagged for the office with the reason (and the error, when a step failed).
 */
const run = async (event: unknown) => {
  const { workOrderId, reason, escalation, state } = Input.parse(event);
  const failure = state?.failure;
  await flagWorkOrder(workOrderId, {
    reason,
    at: new Date().toISOString(),
    state: escalation ? 'escalation' : 'failed',
    error: failure ? `${failure.Error}: ${(failure.Cause ?? '').slice(0, 500)}` : undefined,
  });
  return { flagged: true };
};

export const handler = task(run);
