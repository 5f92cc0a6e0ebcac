import { CustomAttributeType, Entity } from 'electrodb';

/**
 * The append-only audit trail of a work order: one entry per version of the work order, written in the same
 * transaction as the change (the sort key is the version, so an entry can never be written twice or lost).
 */
export const timelineEntry = new Entity({
  model: { entity: 'timelineEntry', version: '1', service: 'fieldops' },
  attributes: {
    workOrderId: { type: 'string', required: true },
    /** The work order version this entry produced, zero-padded so it sorts. */
    seq: { type: 'string', required: true },
    at: { type: 'string', required: true },
    actor: { type: 'string', required: true },
    type: { type: 'string', required: true },
    from: { type: 'string' },
    to: { type: 'string' },
    reason: { type: 'string' },
    data: { type: CustomAttributeType<Record<string, unknown>>('any') },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['workOrderId'] }, sk: { field: 'sk', composite: ['seq'] } },
  },
});
