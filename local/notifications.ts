import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import nodemailer from 'nodemailer';
import { latestEventId, listEventsAfter } from '#shared/db/events.ts';
import { notifierEventTypes } from '#shared/notify/own-events.ts';
import type { Transport } from '#shared/notify/transport.ts';

/** The notifications queue's stand-in: how often the feed is read, and how the failed events are retried. */
const pollMs = 250;
const batchSize = 10;
/** As the deployed queue's `maxReceiveCount`: after this many failed attempts an event is a dead letter. */
const maxAttempts = 5;
// 5, 10, 20 and 40 s: a provider down for over a minute still gets each event, as the queue's minutes of retries do.
const retryBaseMs = 5_000;
/** The rule on the bus leaves these out: the notifier's own timeline entries. */
const ignored = new Set(notifierEventTypes);

/**
 * The local stand-in for the notifications queue (infra/notifications.ts): follows the change feed and hands each
 * new event to the same handler file Lambda runs, in the SQS event it would get (each body the EventBridge event the
 * bus delivers, its `detail` as the table's stream carries it). An event the handler hands back (a failed send) is
 * retried with backoff, and after its last attempt logged as a dead letter; the others go on meanwhile. Where the
 * feed was read to is kept in `cursorFile`, so a restart neither repeats nor skips events (the handler drops a
 * repeat anyway).
 */
export function followFeed(options: {
  cursorFile: string;
  /** Read the feed from its start (a store seeded just now), rather than from its newest event. */
  fromStart: boolean;
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse>;
}): { close(): Promise<void>; idle(): Promise<void> } {
  let cursor = readCursor(options.cursorFile);
  const retries = new Map<string, { event: FeedItem; attempts: number; due: number }>();

  const tick = async () => {
    const read = await listEventsAfter(cursor, batchSize);
    const due = [...retries.values()].filter((r) => r.due <= Date.now()).map((r) => r.event);
    const batch = [...due, ...read.filter((e) => !ignored.has(e.type))];
    if (batch.length > 0) await deliver(batch);
    const last = read.at(-1);
    if (last) {
      cursor = last.eventId;
      writeFileSync(options.cursorFile, cursor);
    }
  };
  const start = async () => {
    if (!cursor && !options.fromStart) cursor = await latestEventId();
  };

  async function deliver(batch: FeedItem[]) {
    const answer = await options.invoke({ Records: batch.map(sqsRecord) }).catch((error) => {
      console.error('[notifications] the handler failed', error);
      return { batchItemFailures: batch.map((e) => ({ itemIdentifier: e.eventId })) };
    });
    const failed = new Set(answer.batchItemFailures.map((f) => f.itemIdentifier));
    for (const event of batch) {
      const retry = retries.get(event.eventId);
      if (!failed.has(event.eventId)) {
        retries.delete(event.eventId);
        continue;
      }
      const attempts = (retry?.attempts ?? 0) + 1;
      if (attempts >= maxAttempts) {
        retries.delete(event.eventId);
        console.error(`[notifications] dead letter: event ${event.eventId} (${event.type}) failed ${attempts} times`);
        continue;
      }
      retries.set(event.eventId, { event, attempts, due: Date.now() + retryBaseMs * 2 ** (attempts - 1) });
    }
  }

  return pollEvery('notifications', pollMs, start, tick);
}

/** Where a follower of the feed had read to, kept in a file beside the data: undefined the first time. */
export function readCursor(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

/**
 * Runs `start` once, then `tick` every `pollMs` (after the previous one ends) until closed; a failed tick is logged
 * and the next one runs. `idle()` resolves once the tick running now has ended (for tests that stop the runtime).
 */
export function pollEvery(
  name: string,
  pollMs: number,
  start: () => Promise<void>,
  tick: () => Promise<void>,
): { close(): Promise<void>; idle(): Promise<void> } {
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = start();
  const loop = () => {
    if (closed) return;
    running = running
      .then(tick)
      .catch((error) => console.error(`[${name}]`, error))
      .finally(() => {
        if (!closed) timer = setTimeout(loop, pollMs);
      });
  };
  loop();
  return {
    idle: () => running,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}

type FeedItem = Awaited<ReturnType<typeof listEventsAfter>>[number];

/** An SQS message whose body is the EventBridge event the bus would deliver for a feed item. */
export function sqsRecord(event: FeedItem): SQSEvent['Records'][number] {
  const detail = {
    eventId: event.eventId,
    at: event.at,
    type: event.type,
    ...(event.workOrderId ? { workOrderId: event.workOrderId } : {}),
    ...(event.data
      ? { data: marshall(event.data, { removeUndefinedValues: true, convertClassInstanceToMap: true }) }
      : {}),
  };
  const body = {
    version: '0',
    id: randomUUID(),
    'detail-type': event.type,
    source: 'fieldops',
    account: '000000000000',
    time: event.at,
    region: process.env.AWS_REGION ?? 'eu-west-2',
    resources: [],
    detail,
  };
  return {
    messageId: event.eventId,
    receiptHandle: event.eventId,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.parse(event.at)),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:fieldops-notifications',
    awsRegion: process.env.AWS_REGION ?? 'eu-west-2',
  };
}

/**
 * Where the embedded default's messages go: nowhere but the local outbox (`GET /local/outbox`, the messages' own
 * records), and every e-mail to an SMTP server too when `relay` names one (`smtp://127.0.0.1:1025`, a mail catcher).
 */
export function localTransport(relay: string | undefined, from: string): Transport {
  const smtp = relay ? nodemailer.createTransport(relay) : undefined;
  return {
    channels: { email: true, sms: true },
    async email(message) {
      if (!smtp) return `local-${randomUUID()}`;
      const sent = await smtp.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        attachments: message.attachments.map((a) => ({
          filename: a.filename,
          content: Buffer.from(a.content),
          contentType: a.contentType,
        })),
      });
      return sent.messageId;
    },
    async sms() {
      return `local-sms-${randomUUID()}`;
    },
  };
}
