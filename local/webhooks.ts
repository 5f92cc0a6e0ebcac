import { writeFileSync } from 'node:fs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { latestEventId, listEventsAfter } from '#shared/db/events.ts';
import { pollEvery, readCursor, sqsRecord } from './notifications.ts';

/** How often the feed is read and the due retries looked for; how many events go in one batch. */
const pollMs = 250;
const batchSize = 10;
/** As a queue's `maxReceiveCount`: an event whose deliveries could not be written this many times is dropped. */
const maxHandOvers = 5;

/**
 * The local stand-in for the webhooks' queues: follows the change feed and hands each new event to the handler file
 * Lambda would run (functions/webhooks/deliver.ts), in the SQS event a queue fed by the bus would give it, and runs
 * the due retries (functions/webhooks/retry.ts) on a timer, as a schedule would. The retries' state is the table's,
 * so a restart loses none; where the feed was read to is kept in `cursorFile`, so a restart neither repeats nor skips
 * events (a repeat would find its deliveries written anyway). An event the handler hands back (the store refused)
 * stops the reading there, to be handed over again at the next poll.
 */
export function followWebhooks(options: {
  cursorFile: string;
  deliver: (event: SQSEvent) => Promise<SQSBatchResponse>;
  retry: () => Promise<unknown>;
  retryEveryMs?: number;
}): { close(): Promise<void>; idle(): Promise<void> } {
  let cursor = readCursor(options.cursorFile);
  const handOvers = new Map<string, number>();
  let lastRetry = 0;
  // Subscriptions begin with the events after them: the seed's events are no one's.
  const start = async () => {
    cursor ??= await latestEventId();
  };

  const tick = async () => {
    const read = await listEventsAfter(cursor, batchSize);
    if (read.length > 0) {
      const answer = await options.deliver({ Records: read.map(sqsRecord) }).catch((error) => {
        console.error('[webhooks] the deliver handler failed', error);
        return { batchItemFailures: read.map((e) => ({ itemIdentifier: e.eventId })) };
      });
      const failed = new Set(answer.batchItemFailures.map((f) => f.itemIdentifier));
      // Read on to the first event handed back (unless it has been handed over too often: then it is dropped).
      for (const event of read) {
        if (failed.has(event.eventId)) {
          const times = (handOvers.get(event.eventId) ?? 0) + 1;
          handOvers.set(event.eventId, times);
          if (times < maxHandOvers) break;
          console.error(`[webhooks] dead letter: event ${event.eventId} (${event.type}) failed ${times} times`);
        }
        handOvers.delete(event.eventId);
        cursor = event.eventId;
      }
      if (cursor) writeFileSync(options.cursorFile, cursor);
    }
    if (Date.now() - lastRetry >= (options.retryEveryMs ?? 1_000)) {
      lastRetry = Date.now();
      await options.retry();
    }
  };

  return pollEvery('webhooks', pollMs, start, tick);
}
