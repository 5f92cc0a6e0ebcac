import { Entity } from 'electrodb';

/**
 * A field event (a status report, time log, material, parts request, note, checklist answers or completion sent
 * from an engineer's phone) by its phone-made `eventId`. Created in the same transaction as the change it makes to
 * the work order, under the condition that it does not exist yet, so an event is applied once however many
 * copies race or however late a phone replays its queue. It holds the answer to replay and a fingerprint of the
 * body (the same id with another body is refused). Kept for the work order's life: no expiry.
 */
export const fieldEvent = new Entity({
  model: { entity: 'fieldEvent', version: '1', service: 'fieldops' },
  attributes: {
    workOrderId: { type: 'string', required: true },
    eventId: { type: 'string', required: true },
    fingerprint: { type: 'string', required: true },
    /** The JSON answer the event got the first time. */
    response: { type: 'string', required: true },
    recordedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['workOrderId'] }, sk: { field: 'sk', composite: ['eventId'] } },
  },
});
