import { logFollowUp } from '../work-order/intake.ts';
import { change } from '../work-order/work-order.ts';
import { completedWorkOrder } from './asset-history.ts';

/**
 * The CreateFollowUp task: when the engineer's outcome is `follow_up_required`, logs the return visit, linked both
 * ways; the follow-up's id derives from the original, so a retry logs nothing twice.
 */
export async function createFollowUp(options: { workOrderId: string }) {
  const original = await completedWorkOrder(options.workOrderId);
  if (original.completion?.outcome !== 'follow_up_required') return { followUpId: null };
  const followUp = await logFollowUp({ original, actor: 'closeout' });
  await change({
    workOrderId: original.workOrderId,
    decide: (current) =>
      current.followUpId === followUp.workOrderId
        ? null
        : {
            set: { followUpId: followUp.workOrderId },
            entries: [
              {
                at: new Date().toISOString(),
                actor: 'closeout',
                type: 'follow_up_logged',
                data: { followUpId: followUp.workOrderId, ref: followUp.ref },
              },
            ],
          },
  });
  return { followUpId: followUp.workOrderId };
}
