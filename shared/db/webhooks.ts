import type { EntityItem } from 'electrodb';
import { deliveryKeptDays, type webhookDelivery } from './entities/webhook-delivery.ts';
import type { webhookSubscription } from './entities/webhook-subscription.ts';
import { commit, db, wholeItems, writeIf } from './service.ts';
import { nextSeq } from './work-orders.ts';

export type WebhookSubscriptionRecord = EntityItem<typeof webhookSubscription>;
export type WebhookDeliveryRecord = EntityItem<typeof webhookDelivery>;

export async function getSubscription(webhookId: string): Promise<WebhookSubscriptionRecord | undefined> {
  const { data } = await db().entities.webhookSubscription.get({ webhookId }).go({ consistent: true });
  return data ?? undefined;
}

/** Every subscription, oldest first (a business has a handful). */
export async function listSubscriptions(): Promise<WebhookSubscriptionRecord[]> {
  const { data } = await db().entities.webhookSubscription.query.all({}).go({ pages: 'all' });
  return data;
}

export async function createSubscription(record: WebhookSubscriptionRecord): Promise<boolean> {
  return writeIf(() => db().entities.webhookSubscription.create(record).go());
}

/** Replaces a subscription if it is still at `expectedVersion`; `false` otherwise (or when it is gone). */
export async function putSubscription(record: WebhookSubscriptionRecord, expectedVersion: number): Promise<boolean> {
  return writeIf(() =>
    db()
      .entities.webhookSubscription.put(record)
      .where((attr, op) => op.eq(attr.version, expectedVersion))
      .go(),
  );
}

export async function deleteSubscription(webhookId: string): Promise<boolean> {
  return writeIf(() =>
    db()
      .entities.webhookSubscription.delete({ webhookId })
      .where((attr, op) => op.exists(attr.webhookId))
      .go(),
  );
}

/** Notes when a subscription's deliveries began failing, if they were not failing already. */
export async function markFailing(webhookId: string, since: string): Promise<void> {
  await writeIf(() =>
    db()
      .entities.webhookSubscription.patch({ webhookId })
      .set({ failingSince: since })
      .where((attr, op) => op.notExists(attr.failingSince))
      .go(),
  );
}

/** A delivery succeeded: the subscription is failing no more. */
export async function clearFailing(webhookId: string): Promise<void> {
  await writeIf(() =>
    db()
      .entities.webhookSubscription.patch({ webhookId })
      .remove(['failingSince'])
      .where((attr, op) => op.exists(attr.failingSince))
      .go(),
  );
}

/**
 * Disables an enabled subscription with its `webhook.disabled` feed event (the office is told), in one transaction;
 * `false` when it was disabled (or deleted) already, so the event is written once.
 */
export async function disableSubscription(
  record: WebhookSubscriptionRecord,
  reason: string,
  at: string,
): Promise<boolean> {
  const failed = await commit(() =>
    db()
      .transaction.write(({ webhookSubscription, domainEvent }) => [
        webhookSubscription
          .patch({ webhookId: record.webhookId })
          .set({ enabled: false, disabledAt: at, disabledReason: reason, updatedAt: at })
          .add({ version: 1 })
          .where((attr, op) => op.eq(attr.enabled, true))
          .commit(),
        domainEvent
          .create({
            eventId: nextSeq(),
            at,
            type: 'webhook.disabled',
            data: { webhookId: record.webhookId, url: record.url, reason, failingSince: record.failingSince },
          })
          .commit(),
      ])
      .go(),
  );
  return failed.length === 0;
}

export async function getDelivery(webhookId: string, deliveryId: string): Promise<WebhookDeliveryRecord | undefined> {
  const { data } = await db().entities.webhookDelivery.get({ webhookId, deliveryId }).go({ consistent: true });
  return data ?? undefined;
}

/** Writes a new delivery; `false` when the event's delivery to this subscription exists already. */
export async function createDelivery(record: WebhookDeliveryRecord): Promise<boolean> {
  return writeIf(() => db().entities.webhookDelivery.create(expiring(record)).go());
}

/** The record with its TTL: {@link deliveryKeptDays} days after this change. */
const expiring = (record: WebhookDeliveryRecord): WebhookDeliveryRecord => ({
  ...record,
  expiresAt: Math.floor(Date.parse(record.updatedAt) / 1000) + deliveryKeptDays * 86_400,
});

/** Replaces a delivery if it is still at `expectedVersion` (a claim, or an attempt settled); `false` otherwise. */
export async function putDelivery(record: WebhookDeliveryRecord, expectedVersion: number): Promise<boolean> {
  return writeIf(() =>
    db()
      .entities.webhookDelivery.put(expiring(record))
      .where((attr, op) => op.eq(attr.version, expectedVersion))
      .go(),
  );
}

/** A subscription's deliveries, newest event first, a page at a time. */
export async function listDeliveries(webhookId: string, page: { limit: number; cursor?: string }) {
  const result = await db()
    .entities.webhookDelivery.query.primary({ webhookId })
    .go({ order: 'desc', limit: page.limit, cursor: page.cursor ?? null });
  return { items: result.data, nextCursor: result.cursor };
}

/** Deliveries whose next attempt is due by `now`, the most overdue first. */
export async function listDueDeliveries(now: string, limit: number): Promise<WebhookDeliveryRecord[]> {
  const { data } = await wholeItems(
    db().entities.webhookDelivery.query.byDue({}).lte({ dueAt: now }).go({ limit, hydrate: true }),
  );
  return data;
}
