import { CustomAttributeType, Entity } from 'electrodb';

/**
 * The change feed: every audit entry of every work order and every other domain event (an invoice issued...), in
 * one partition ordered by a ULID, so `GET /v1/events?after=` is a single range query from the last cursor seen.
 * Written in the same transaction as the change it reports, so the feed never misses or invents one. One
 * partition holds a business's events comfortably (DynamoDB allows ~1,000 writes a second to it).
 */
export const domainEvent = new Entity({
  model: { entity: 'domainEvent', version: '1', service: 'fieldops' },
  attributes: {
    /** A monotonic ULID: the feed's order and its cursor. */
    eventId: { type: 'string', required: true },
    at: { type: 'string', required: true },
    type: { type: 'string', required: true },
    workOrderId: { type: 'string' },
    data: { type: CustomAttributeType<Record<string, unknown>>('any') },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: [] }, sk: { field: 'sk', composite: ['eventId'] } },
  },
});
