import { getWorkOrder, listOwedBefore, settleOwed } from '../db/work-orders.ts';
import { Conflict } from '../errors.ts';
import { logger, observed } from '../observability.ts';
import { executionStatus, listEndedExecutions, resumeTask, startWorkOrder } from '../workflow.ts';
import { terminalStatuses } from './lifecycle.ts';
import { watchSlas } from './sla-watch.ts';
import { change, get } from './work-order.ts';

/** Re-drives the reconciler makes by itself per work order; past them only the office re-drives (it is flagged). */
export const automaticRuns = 5;
/** How far back the reconciler looks for ended executions (the longest human step waits 14 days). */
const lookbackDays = 21;

/**
 * Finds work the workflow owes and is not doing, and does it; safe to run at any time and twice at once:
 * - outbox entries older than `graceSeconds` (a process died between a committed change and its follow-up):
 *   answers the task token the change left, or starts the new work order's execution;
 * - executions of open work orders that failed, timed out or were aborted: re-drives them (a new run that
 *   re-reads the work order and carries on from its status), with the reason on the timeline;
 * - open jobs newly at risk of missing their SLA: flagged once on their timeline, for the office to be told.
 * Runs every minute in the stack (EventBridge Scheduler) and locally (`npm start`).
 */
export async function reconcile(options: { graceSeconds?: number } = {}) {
  const before = new Date(Date.now() - (options.graceSeconds ?? 30) * 1000).toISOString();
  let callbacksAnswered = 0;
  let started = 0;
  for (const entry of await listOwedBefore(before)) {
    if (entry.action === 'answer_task' && entry.taskToken) {
      await resumeTask(entry.taskToken, entry.outcome);
      callbacksAnswered++;
    } else {
      const record = await getWorkOrder(entry.workOrderId);
      if (record) await startWorkOrder(record.workOrderId, record.run);
      started++;
    }
    await settleOwed(entry.entryId);
  }
  let redriven = 0;
  for (const ended of await listEndedExecutions(lookbackDays)) {
    const [workOrderId = '', run = '1'] = ended.name.split(/-run(?=\d+$)/);
    const record = await getWorkOrder(workOrderId);
    // Only the current run of an open work order: an older run was re-driven already.
    if (!record || terminalStatuses.includes(record.status) || (record.run ?? 1) !== Number(run)) continue;
    if ((record.run ?? 1) > automaticRuns) continue;
    await redrive({
      workOrderId,
      actor: 'reconciler',
      reason: `The execution ended ${ended.status}; re-driven automatically`,
    });
    redriven++;
  }
  const slaAtRisk = await watchSlas();
  return { callbacksAnswered, started, redriven, slaAtRisk };
}

/**
 * The reconciler as its schedule runs it (functions/workflow/reconcile.ts): one invocation, logged and measured. The
 * handler passes it no context: the request id is the one Lambda's runtime keeps for the invocation.
 */
export const scheduledReconcile = () => reconcileOnSchedule(undefined);

const reconcileOnSchedule = observed('reconcile', async () => {
  const done = await reconcile();
  logger.info('reconciled', done);
  return done;
});

/**
 * Starts a new run of a work order's execution when its current run has ended (failed, timed out, aborted) or
 * never started, with the reason on the timeline and the attention flag cleared. Refused while the run is still
 * running (409 `workflow.running`) and for a finished work order. Of two re-drives at once, one starts the run.
 */
export async function redrive(options: { workOrderId: string; actor: string; reason: string }) {
  const record = await get(options.workOrderId);
  if (terminalStatuses.includes(record.status)) {
    throw new Conflict('workorder.finished', `A ${record.status} work order has nothing left to run.`);
  }
  const current = record.run ?? 1;
  const execution = await executionStatus(record.workOrderId, current);
  if (execution.status === 'RUNNING') {
    throw new Conflict('workflow.running', 'The execution is running; there is nothing to re-drive.');
  }
  const run = execution.status === 'MISSING' ? current : current + 1;
  const { record: next, outboxId } = await change({
    workOrderId: options.workOrderId,
    decide: (latest) =>
      (latest.run ?? 1) !== current
        ? null
        : {
            set: { run, attention: undefined },
            startsRun: true,
            entries: [
              {
                at: new Date().toISOString(),
                actor: options.actor,
                type: 'execution_redriven',
                reason: options.reason,
                data: { run, previous: execution.status, error: execution.error },
              },
            ],
          },
  });
  await startWorkOrder(next.workOrderId, next.run);
  if (outboxId) await settleOwed(outboxId);
  logger.info('execution re-driven', { workOrderId: next.workOrderId, run: next.run, previous: execution.status });
  return next;
}
