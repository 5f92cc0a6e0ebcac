import { CustomAttributeType, Entity } from 'electrodb';

/** How long a delivery's log is kept after its last change. */
export const deliveryKeptDays = 30;

/** One attempt at a delivery, as the log shows it. */
export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; absent when there was none (`error` says why). */
  status?: number;
  error?: string;
  latencyMs: number;
  /** The start of the receiver's answer (at most 500 characters). */
  response?: string;
  /** What made the attempt: the event's arrival, a scheduled retry or the office's replay. */
  trigger: 'event' | 'retry' | 'replay';
}

/**
 * One event's delivery to one subscription, under the id the receiver dedupes by (`webhook-id`: `msg_<eventId>`, the
 * same on every retry and replay), with the log of its attempts. Written whole, conditioned on `version`: a sender
 * claims the next attempt by moving `dueAt` a lease ahead (so two senders never both send, and one that dies
 * mid-attempt leaves it due again once the lease is over), and settles it the same way. While an attempt is owed
 * (`pending`), it is in the due-retries index under `dueAt` (gsi2, sparse, keys only): the retry run is one range query
 * up to now, whatever the number of deliveries done. Listed per subscription, newest event first (primary).
 */
export const webhookDelivery = new Entity({
  model: { entity: 'webhookDelivery', version: '1', service: 'fieldops' },
  attributes: {
    webhookId: { type: 'string', required: true },
    /** `msg_<eventId>`. */
    deliveryId: { type: 'string', required: true },
    eventId: { type: 'string', required: true },
    eventType: { type: 'string', required: true },
    eventAt: { type: 'string', required: true },
    version: { type: 'number', required: true },
    /** `pending` while an attempt is owed; `delivered` on a 2xx; `failed` once its retries are spent (dead). */
    status: { type: ['pending', 'delivered', 'failed'] as const, required: true },
    /** Failed attempts since the delivery (or its last replay) began: where it is in the retry schedule. */
    failures: { type: 'number', required: true },
    attempts: { type: CustomAttributeType<DeliveryAttempt[]>('any'), required: true },
    /**
     * When the next attempt is due, while `pending` (a claim moves it a lease ahead); once settled, when it was.
     * Always present: ElectroDB writes an index with a condition only from a full set of its composite attributes.
     */
    dueAt: { type: 'string', required: true },
    /** Why it failed without an attempt (its subscription disabled or deleted). */
    reason: { type: 'string' },
    deliveredAt: { type: 'string' },
    createdAt: { type: 'string', required: true },
    updatedAt: { type: 'string', required: true },
    /**
     * Epoch seconds: the table's TTL removes a delivery {@link deliveryKeptDays} days after its last change. A pending
     * one changes at every attempt (a day apart at most), so only settled ones age out, and the deliveries of a
     * deleted subscription go with them.
     */
    expiresAt: { type: 'number' },
  },
  indexes: {
    primary: {
      pk: { field: 'pk', composite: ['webhookId'] },
      sk: { field: 'sk', composite: ['deliveryId'] },
    },
    byDue: {
      index: 'gsi2',
      condition: (attr) => attr.status === 'pending',
      pk: { field: 'gsi2pk', composite: [] },
      sk: { field: 'gsi2sk', composite: ['dueAt', 'webhookId', 'deliveryId'] },
    },
  },
});
