import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type FeedEventDetail, feedEventOf } from '#shared/live/publish.ts';
import { codeOf, forRecord, logger, observed } from '#shared/observability.ts';
import { deliverEvent } from '#shared/webhooks/deliveries.ts';

/**
 * Sends the business's change-feed events to its webhook subscriptions: a queue hands it the events from the bus
 * (each body the EventBridge event of a feed item, as the notifier gets them), and each event's deliveries are
 * written and first tried (shared/webhooks/deliveries.ts). A receiver's failure is not the handler's: the delivery is
 * due again by its schedule (functions/webhooks/retry.ts). Only an event whose deliveries could not be written (the
 * store refused) is handed back, for the queue to retry.
 */
export const handler = observed('webhooks-deliver', async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await forRecord(async () => {
        const envelope = JSON.parse(record.body) as EventBridgeEvent<string, FeedEventDetail>;
        await deliverEvent(feedEventOf(envelope.detail));
      });
    } catch (error) {
      logger.warn('webhook delivery not written; the queue retries it', {
        messageId: record.messageId,
        code: codeOf(error),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});
