import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type FeedEventDetail, feedEventOf } from '#shared/live/publish.ts';
import { notify } from '#shared/notify/notify.ts';
import { codeOf, concerning, forRecord, logger, observed } from '#shared/observability.ts';

/**
 * Tells customers and the office what happened: the notifications queue hands it the change-feed events from the
 * deployment's bus (infra/notifications.ts), and each event's documents and messages are made and sent once
 * (shared/notify/notify.ts). An event that failed (the mail provider is down) is handed back alone, for the queue to
 * retry and, after its last attempt, keep as a dead letter; the others in the batch are done.
 */
export const handler = observed('notify', async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await forRecord(async () => {
        const envelope = JSON.parse(record.body) as EventBridgeEvent<string, FeedEventDetail>;
        const feedEvent = feedEventOf(envelope.detail);
        concerning(feedEvent.workOrderId);
        await notify(feedEvent);
      });
    } catch (error) {
      logger.warn('notification failed; the queue retries it', { messageId: record.messageId, code: codeOf(error) });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});
