import { approvalOutstanding, detailsComplete, get, transition } from '../work-order/work-order.ts';
import { updateAssetHistory } from './asset-history.ts';
import { createFollowUp } from './follow-up.ts';
import { generateInvoice } from './invoice.ts';
import { createNextService } from './next-service.ts';
import { updateStock } from './stock.ts';

/** The steps of closeout, in the order a failure among them is reported. */
const steps = [generateInvoice, updateStock, updateAssetHistory, createNextService, createFollowUp];

/**
 * Closeout, once the engineer has completed the job: the invoice, stock taken (with reorders), the asset's history
 * and next due date, the next planned service and any follow-up, then the work order closed. One task runs them all
 * (the state machine pays a transition per state entered, and five branches of a Parallel cost six).
 *
 * Every step is idempotent by work order: what it writes is keyed by the work order's id (the invoice, each stock
 * movement, each visit, the next service's and the follow-up's ids) under a condition that it does not exist yet.
 * So the task runs again whole after any failure, and a step that finished the first time finds its work done and
 * writes nothing: a retry never invoices, takes stock or books twice. The steps run side by side and each runs to
 * its end whatever the others do, so one step's failure holds back no other's effect; the first failure (in the
 * order of `steps`) is then the task's error, which the state machine retries or catches by its name as it did
 * each branch's. The work order is closed only once every step has succeeded, which a closed one already has: run
 * again after closing, closeout does each step's check again and changes nothing.
 *
 * The state machine comes here straight from its wait for completion, so the work order may not be completed:
 * refused, displaced by an urgent job or cancelled before the engineer was on site. Closeout then does nothing. Either
 * way it answers what the state machine routes on next, as LoadWorkOrder does, read from the table (not an error,
 * which would count as the function failing and raise its alarm for an everyday refusal).
 */
export async function closeOut(options: { workOrderId: string }) {
  let record = await get(options.workOrderId);
  if (record.status === 'completed' || record.status === 'closed') {
    const outcomes = await Promise.allSettled(steps.map((step) => step({ workOrderId: record.workOrderId })));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    ({ record } = await transition({
      workOrderId: record.workOrderId,
      to: 'closed',
      actor: 'workflow',
      reason: 'Closeout finished: invoiced, stock taken, asset history and next service booked, follow-up logged.',
    }));
  }
  return {
    status: record.status,
    detailsComplete: detailsComplete(record),
    approvalRequired: approvalOutstanding(record),
  };
}
