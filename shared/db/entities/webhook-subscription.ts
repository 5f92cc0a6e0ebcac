import { Entity } from 'electrodb';

/**
 * A webhook subscription: where the business's change-feed events are POSTed (Standard Webhooks), which types, and the
 * secret they are signed with. The secret is kept in the table because every attempt must sign with it; the table is
 * encrypted at rest, and no view, list or log line carries it (it is shown once, when made or rotated). A deployment
 * wanting more could wrap it with a KMS key (encrypt on write, decrypt in the delivery function alone), so that a
 * read of the table gives no usable secret. After a rotation the previous secret signs too, until
 * `previousSecretUntil`. Listed whole for the delivery of each event and for the office (gsi1: a business has a
 * handful).
 */
export const webhookSubscription = new Entity({
  model: { entity: 'webhookSubscription', version: '1', service: 'fieldops' },
  attributes: {
    webhookId: { type: 'string', required: true },
    /** Bumped by every change the office sees: the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', required: true },
    url: { type: 'string', required: true },
    /** The event types sent; absent, every type. */
    eventTypes: { type: 'list', items: { type: 'string' } },
    description: { type: 'string' },
    enabled: { type: 'boolean', required: true },
    /** `whsec_` and the base64 of 32 random bytes. */
    secret: { type: 'string', required: true },
    previousSecret: { type: 'string' },
    previousSecretUntil: { type: 'string' },
    /** When its deliveries began failing with no success since (cleared by a success). */
    failingSince: { type: 'string' },
    disabledAt: { type: 'string' },
    disabledReason: { type: 'string' },
    createdAt: { type: 'string', required: true },
    updatedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['webhookId'] }, sk: { field: 'sk', composite: [] } },
    all: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: [] },
      sk: { field: 'gsi1sk', composite: ['createdAt', 'webhookId'] },
    },
  },
});
