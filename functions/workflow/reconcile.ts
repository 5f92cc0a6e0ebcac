import { scheduledReconcile as reconcile } from '#shared/work-order/reconcile.ts';

/**
 * The reconciler, every minute: answers task tokens a crashed caller left unanswered, starts work orders that
 * have no execution, and re-drives failed or timed-out executions of open work orders.
 */
export const handler = async () => reconcile();
