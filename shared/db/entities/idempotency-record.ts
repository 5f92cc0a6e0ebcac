import { Entity } from 'electrodb';

/**
 * The first response to a write made with an `Idempotency-Key`, scoped to the caller, with a hash of the request
 * so a reused key with another body is told apart from a replay. Also holds field events by their `eventId`
 * (scope `event#<workOrderId>`), which replay the same way. `expiresAt` (epoch seconds) is TTL cleanup only.
 */
export const idempotencyRecord = new Entity({
  model: { entity: 'idempotencyRecord', version: '1', service: 'fieldops' },
  attributes: {
    scope: { type: 'string', required: true },
    key: { type: 'string', required: true },
    requestHash: { type: 'string', required: true },
    statusCode: { type: 'number', required: true },
    body: { type: 'string', required: true },
    createdAt: { type: 'string', required: true },
    expiresAt: { type: 'number', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['scope', 'key'] }, sk: { field: 'sk', composite: [] } },
  },
});
