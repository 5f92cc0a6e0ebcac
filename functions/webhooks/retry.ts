import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { codeOf, forRecord, logger, observed } from '#shared/observability.ts';
import { retryDue, wakeUp } from '#shared/webhooks/deliveries.ts';
import { WakeUp } from '#shared/webhooks/wake.ts';

/**
 * Makes the webhook attempts that fall due. Deployed, two triggers (infra/webhooks.ts): the retry queue hands it
 * each delivery's wake-up, delayed until its due time, so a retry goes within seconds of it; and a schedule every
 * five minutes sweeps the due-retries index for any wake-up lost. Locally, the runtime's timer sweeps every second.
 */
export const handler = observed(
  'webhooks-retry',
  async (event?: Partial<SQSEvent>): Promise<SQSBatchResponse | { attempted: number }> => {
    if (!event?.Records) return { attempted: await retryDue() };
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await forRecord(() => wakeUp(WakeUp.parse(JSON.parse(record.body))));
      } catch (error) {
        logger.warn('webhook wake-up failed; the queue retries it', {
          messageId: record.messageId,
          code: codeOf(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  },
);
