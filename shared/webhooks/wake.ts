import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { config } from '../config.ts';

/** SQS delays a message 15 minutes at most: a longer wait is the wake-up sent on again when it arrives. */
export const maxDelaySeconds = 900;

/** What a wake-up names: the delivery, and when it falls due. */
export const WakeUp = z.object({ webhookId: z.string(), deliveryId: z.string(), dueAt: z.string() });
export type WakeUp = z.infer<typeof WakeUp>;

let sqs: SQSClient | undefined;

/**
 * Wakes the retry function when a delivery falls due: a message to the retry queue (infra/webhooks.ts), delayed until
 * then, 15 minutes at most. Deployed only: the embedded default has no queue, and its timer makes the due attempts
 * (local/webhooks.ts). Answers false where there is no queue.
 */
export async function wakeAt(wake: WakeUp, now = Date.now()): Promise<boolean> {
  const queueUrl = config.webhookRetryQueueUrl;
  if (!queueUrl) return false;
  sqs ??= new SQSClient({});
  const seconds = Math.min(maxDelaySeconds, Math.max(0, Math.ceil((Date.parse(wake.dueAt) - now) / 1000)));
  await sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(wake), DelaySeconds: seconds }),
  );
  return true;
}
