import { Entity } from 'electrodb';

/**
 * An `Idempotency-Key` of a caller's write, reserved before the handler runs (a conditional create), with a
 * fingerprint of the request so a reused key with another body is told apart from a retry. While the first
 * request runs the record is `in_flight` under a lease; a second request with the key is told to retry; a request
 * that died mid-way lets its lease lapse and the next retry takes the key over. Once answered it is `done` and
 * holds the response to replay. `expiresAt` (epoch seconds) is the table's TTL: records are kept 24 hours.
 */
export const idempotencyRecord = new Entity({
  model: { entity: 'idempotencyRecord', version: '2', service: 'fieldops' },
  attributes: {
    scope: { type: 'string', required: true },
    key: { type: 'string', required: true },
    requestHash: { type: 'string', required: true },
    state: { type: ['in_flight', 'done'] as const, required: true },
    /** Which attempt holds the key; only its holder may record the answer or let the key go. */
    leaseId: { type: 'string', required: true },
    /** Epoch milliseconds after which an `in_flight` holder is taken to have died. */
    leaseUntil: { type: 'number', required: true },
    statusCode: { type: 'number' },
    body: { type: 'string' },
    createdAt: { type: 'string', required: true },
    expiresAt: { type: 'number', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['scope', 'key'] }, sk: { field: 'sk', composite: [] } },
  },
});
