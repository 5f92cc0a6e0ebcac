import { Webhook as Signer } from 'standardwebhooks';
import * as z from 'zod';
import type { DeliveryAttempt } from '../db/entities/webhook-delivery.ts';
import { getEvent, listEventsBetween } from '../db/events.ts';
import {
  clearFailing,
  createDelivery,
  disableSubscription,
  getDelivery,
  getSubscription,
  listDeliveries,
  listDueDeliveries,
  listSubscriptions,
  markFailing,
  putDelivery,
  type WebhookDeliveryRecord,
  type WebhookSubscriptionRecord,
} from '../db/webhooks.ts';
import { Conflict, DomainError, NotFound, StoreConflict, ValidationFailed } from '../errors.ts';
import { eventView, type FeedEvent } from '../feed-event.ts';
import { Instant, Page, view } from '../http/views.ts';
import { notifierEventTypes } from '../notify/own-events.ts';
import { logger } from '../observability.ts';
import { type Resolver, vetUrl, WebhookUrlRefused } from './guard.ts';
import { claimLeaseMs, disableAfterMs, nextDelayMs } from './schedule.ts';
import { type AttemptResult, post } from './send.ts';
import { get as getWebhook, signingSecrets, wants } from './subscriptions.ts';
import { type WakeUp, wakeAt } from './wake.ts';

type Event = z.output<typeof FeedEvent>;

/** The notifier's own timeline entries are not the business's events: never sent (the bus rule leaves them out too). */
const notSent = new Set(notifierEventTypes);
/** The attempts a delivery's log keeps (the newest). */
const attemptsKept = 50;
/** The most events one range replay re-sends. */
export const maxReplayEvents = 1_000;

/** Test seams: the resolver the SSRF guard uses. */
export interface Seams {
  resolve?: Resolver;
}

const Attempt = z.object({
  at: Instant,
  status: z.number().int().optional(),
  error: z.string().optional(),
  latencyMs: z.number().int(),
  response: z.string().optional(),
  trigger: z.enum(['event', 'retry', 'replay']),
});

/** A delivery as its log shows it: `id` is the `webhook-id` the receiver saw. */
export const Delivery = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    eventAt: Instant,
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.array(Attempt),
    nextAttemptAt: Instant.optional(),
    deliveredAt: Instant.optional(),
    reason: z.string().optional(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ title: 'WebhookDelivery' });

export const DeliveryPage = Page(Delivery).meta({ title: 'WebhookDeliveryPage' });
export const ReplayRange = z.strictObject({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
});
export const Replayed = z
  .object({ queued: z.number().int(), deliveryIds: z.array(z.string()) })
  .meta({ title: 'WebhookReplay' });

const asDelivery = view(Delivery);
export function deliveryView({ deliveryId, version: _, failures: __, dueAt, ...record }: WebhookDeliveryRecord) {
  return asDelivery({ id: deliveryId, ...record, ...(record.status === 'pending' ? { nextAttemptAt: dueAt } : {}) });
}

/** The webhook's body: the event's type and time, and the feed event itself (as `GET /v1/events` lists it). */
export function payloadOf(event: Event): string {
  return JSON.stringify({ type: event.type, timestamp: event.at, data: event });
}

/**
 * The Standard Webhooks headers of an attempt: its id, the attempt's time in seconds, and a `v1` signature of
 * `{id}.{timestamp}.{body}` by each secret, space-separated (two during a rotation's overlap).
 */
export function signedHeaders(msgId: string, secrets: string[], body: string, at: Date): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Signer(secret).sign(msgId, at, body)).join(' '),
    'content-type': 'application/json',
  };
}

/**
 * Delivers one change-feed event to every enabled subscription that takes its type: a delivery is written for each
 * (once: the same event handed over again finds it and leaves it to its retries) and its first attempt made at once.
 * A failed attempt is not an error: the delivery is due again later, by the retry schedule. Only the store's
 * failures are thrown, for the queue to hand the event back.
 */
export async function deliverEvent(event: Event, seams: Seams = {}): Promise<void> {
  if (notSent.has(event.type)) return;
  const subscriptions = (await listSubscriptions()).filter((s) => wants(s, event.type));
  await Promise.all(
    subscriptions.map(async (subscription) => {
      const record = fresh(subscription.webhookId, event, new Date());
      if (!(await createDelivery(record))) return;
      await attempt(record, { subscription, event }, seams);
    }),
  );
}

/**
 * A wake-up from the retry queue: the delivery's attempt if it is due (and still pending: a wake-up may come after
 * the attempt it was for, or before a later due time, which it then sends on). Answers whether an attempt was made.
 */
export async function wakeUp(wake: WakeUp, seams: Seams = {}): Promise<boolean> {
  const record = await getDelivery(wake.webhookId, wake.deliveryId);
  if (record?.status !== 'pending') return false;
  if (Date.parse(record.dueAt) > Date.now() + 1_000) {
    // Due later than SQS could delay this wake-up: it is sent on. A delivery due at another time than the wake-up
    // says was rescheduled, and that woke it again itself (or a claim holds it, and the sweep finds it if the claimer
    // died): this wake-up ends here.
    if (record.dueAt === wake.dueAt) await wakeAt(wake);
    return false;
  }
  await attempt(record, {}, seams);
  return true;
}

/** Makes every attempt due by now (retries, replays, first attempts a crash left owed); answers how many. */
export async function retryDue(seams: Seams = {}, limit = 100): Promise<number> {
  const due = await listDueDeliveries(new Date().toISOString(), limit);
  // A few at a time: each may wait out a slow receiver's timeout.
  for (let i = 0; i < due.length; i += 10) {
    await Promise.all(due.slice(i, i + 10).map((record) => attempt(record, {}, seams)));
  }
  return due.length;
}

function fresh(webhookId: string, event: Event, now: Date): WebhookDeliveryRecord {
  const at = now.toISOString();
  return {
    webhookId,
    deliveryId: `msg_${event.cursor}`,
    eventId: event.cursor,
    eventType: event.type,
    eventAt: event.at,
    version: 1,
    status: 'pending',
    failures: 0,
    attempts: [],
    dueAt: at,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * One attempt at a delivery: claimed first (its next attempt moved a lease ahead, conditioned on the version read),
 * so no other sender makes it too; then signed, POSTed through the SSRF guard, logged, and either done or due again
 * by the schedule (or dead once it is spent). The subscription's health follows: a success clears its failing
 * streak; a 410 Gone, or failures with no success for five days, disable it and tell the office.
 */
async function attempt(
  record: WebhookDeliveryRecord,
  known: { subscription?: WebhookSubscriptionRecord; event?: Event },
  seams: Seams,
): Promise<void> {
  const claimedAt = new Date();
  const claimed: WebhookDeliveryRecord = {
    ...record,
    version: record.version + 1,
    dueAt: new Date(claimedAt.getTime() + claimLeaseMs).toISOString(),
    updatedAt: claimedAt.toISOString(),
  };
  if (!(await putDelivery(claimed, record.version))) return;
  const subscription = known.subscription ?? (await getSubscription(record.webhookId));
  if (!subscription?.enabled) {
    await settle(claimed, {
      status: 'failed',
      reason: subscription ? 'The webhook is disabled.' : 'The webhook is deleted.',
    });
    return;
  }
  const stored = known.event ? undefined : await getEvent(record.eventId);
  const event = known.event ?? (stored ? eventView(stored) : undefined);
  if (!event) {
    await settle(claimed, { status: 'failed', reason: 'The event is no longer in the feed.' });
    return;
  }
  const trigger = known.event ? 'event' : triggerOf(record);
  const body = payloadOf(event);
  const at = new Date();
  const result = await send(subscription, record.deliveryId, body, at, seams);
  const delivered = result.status !== undefined && result.status >= 200 && result.status < 300;
  const entry: DeliveryAttempt = {
    at: at.toISOString(),
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.error ? { error: result.error } : {}),
    latencyMs: result.latencyMs,
    ...(result.excerpt ? { response: result.excerpt } : {}),
    trigger,
  };
  const failures = delivered ? claimed.failures : claimed.failures + 1;
  const delay =
    delivered || result.status === 410 ? undefined : nextDelayMs(failures, { retryAfterMs: result.retryAfterMs });
  logger.info('webhook attempt', {
    webhookId: record.webhookId,
    deliveryId: record.deliveryId,
    trigger,
    status: result.status,
    error: result.error,
    latencyMs: result.latencyMs,
    retryAfterMs: result.retryAfterMs,
  });
  await settle(
    { ...claimed, attempts: [...claimed.attempts, entry].slice(-attemptsKept), failures },
    delivered
      ? { status: 'delivered', deliveredAt: entry.at }
      : delay === undefined
        ? { status: 'failed' }
        : { status: 'pending', dueAt: new Date(Date.now() + delay).toISOString() },
  );
  await followHealth(subscription, delivered, result, at);
}

/** The attempt's cause, from the delivery's state: a first attempt, a retry of a failure, or a replay. */
function triggerOf(record: WebhookDeliveryRecord): DeliveryAttempt['trigger'] {
  if (record.attempts.length === 0) return 'event';
  return record.failures === 0 ? 'replay' : 'retry';
}

async function send(
  subscription: WebhookSubscriptionRecord,
  msgId: string,
  body: string,
  at: Date,
  seams: Seams,
): Promise<AttemptResult> {
  try {
    // Vetted again now: the name may resolve elsewhere than when the subscription was made.
    const target = await vetUrl(subscription.url, { resolve: seams.resolve });
    return await post(target, body, signedHeaders(msgId, signingSecrets(subscription, at), body, at));
  } catch (error) {
    if (error instanceof WebhookUrlRefused) return { error: `refused: ${error.message}`, latencyMs: 0 };
    throw error;
  }
}

async function settle(
  claimed: WebhookDeliveryRecord,
  outcome: {
    status: WebhookDeliveryRecord['status'];
    dueAt?: string;
    deliveredAt?: string;
    reason?: string;
  },
): Promise<void> {
  const { reason: _, ...rest } = claimed;
  const at = new Date().toISOString();
  const next: WebhookDeliveryRecord = { ...rest, dueAt: at, ...outcome, version: claimed.version + 1, updatedAt: at };
  // Refused only when a replay reset the delivery meanwhile: the replay's attempt follows, and is logged.
  if (!(await putDelivery(next, claimed.version))) {
    logger.warn('webhook delivery changed during its attempt', {
      webhookId: claimed.webhookId,
      deliveryId: claimed.deliveryId,
    });
    return;
  }
  if (next.status === 'pending')
    await wakeAt({ webhookId: next.webhookId, deliveryId: next.deliveryId, dueAt: next.dueAt });
}

async function followHealth(
  subscription: WebhookSubscriptionRecord,
  delivered: boolean,
  result: AttemptResult,
  at: Date,
): Promise<void> {
  if (delivered) {
    if (subscription.failingSince) await clearFailing(subscription.webhookId);
    return;
  }
  if (result.status === 410) {
    await disableSubscription(subscription, 'The receiver answered 410 Gone.', at.toISOString());
    return;
  }
  if (!subscription.failingSince) {
    await markFailing(subscription.webhookId, at.toISOString());
    return;
  }
  if (at.getTime() - Date.parse(subscription.failingSince) >= disableAfterMs) {
    const disabled = await disableSubscription(
      subscription,
      `Every delivery since ${subscription.failingSince} has failed.`,
      at.toISOString(),
    );
    if (disabled) logger.warn('webhook disabled after five days of failures', { webhookId: subscription.webhookId });
  }
}

/** A subscription's deliveries, newest event first. */
export async function listOf(webhookId: string, page: { limit: number; cursor?: string }) {
  await getWebhook(webhookId);
  const found = await listDeliveries(webhookId, page);
  return { items: found.items.map(deliveryView), nextCursor: found.nextCursor };
}

/**
 * Sends a delivery again, under the same `webhook-id`: due at once, its retry schedule begun anew (the retry run
 * makes the attempt). Its log keeps the earlier attempts.
 */
export async function replay(webhookId: string, deliveryId: string): Promise<WebhookDeliveryRecord> {
  await enabledWebhook(webhookId);
  for (let tries = 0; tries < 5; tries++) {
    const record = await getDelivery(webhookId, deliveryId);
    if (!record) throw new NotFound('delivery', deliveryId);
    const next = dueNow(record);
    if (await putDelivery(next, record.version)) {
      await wakeAt({ webhookId, deliveryId, dueAt: next.dueAt });
      return next;
    }
  }
  throw new StoreConflict();
}

/**
 * Sends again every event of a time range that the subscription takes (by its types now), each under its original
 * `webhook-id`; an event never delivered to it before is delivered now. At most {@link maxReplayEvents} events.
 */
export async function replayRange(webhookId: string, range: { from: string; to: string }) {
  const subscription = await enabledWebhook(webhookId);
  const from = new Date(range.from);
  const to = new Date(range.to);
  if (!(from < to)) throw new ValidationFailed('`from` must be before `to`.');
  const events = await listEventsBetween(from, to, maxReplayEvents + 1);
  if (events.length > maxReplayEvents) {
    throw new DomainError(
      'webhook.replay_too_large',
      422,
      `The range holds more than ${maxReplayEvents} events: replay a shorter one.`,
    );
  }
  const wanted = events.map(eventView).filter((e) => !notSent.has(e.type) && wants(subscription, e.type));
  const now = new Date();
  for (const event of wanted) {
    if (await createDelivery(fresh(webhookId, event, now))) continue;
    await replay(webhookId, `msg_${event.cursor}`);
  }
  return { queued: wanted.length, deliveryIds: wanted.map((e) => `msg_${e.cursor}`) };
}

async function enabledWebhook(webhookId: string): Promise<WebhookSubscriptionRecord> {
  const subscription = await getWebhook(webhookId);
  if (!subscription.enabled) {
    throw new Conflict('webhook.disabled', 'The webhook is disabled: enable it (PATCH) before replaying.');
  }
  return subscription;
}

function dueNow(record: WebhookDeliveryRecord): WebhookDeliveryRecord {
  const { reason: _, ...rest } = record;
  const at = new Date().toISOString();
  return { ...rest, version: record.version + 1, status: 'pending', failures: 0, dueAt: at, updatedAt: at };
}
