import { Entity } from 'electrodb';

/** What a visit left for the next engineer; an asset's and a site's history record the same. */
export const visitAttributes = {
  workOrderId: { type: 'string', required: true },
  ref: { type: 'string', required: true },
  jobType: { type: 'string', required: true },
  completedAt: { type: 'string', required: true },
  outcome: { type: 'string', required: true },
  findings: { type: 'string' },
  workDone: { type: 'string' },
  engineerId: { type: 'string' },
  /** The engineer's notes from the visit, for whoever comes next. */
  notes: { type: 'list', items: { type: 'string' } },
} as const;

/**
 * One closed work order in an asset's history, written by closeout. Keyed by asset and work order, so writing
 * it twice (a Step Functions retry) overwrites the same item; read newest first by completion time.
 */
export const assetVisit = new Entity({
  model: { entity: 'assetVisit', version: '1', service: 'fieldops' },
  attributes: { assetId: { type: 'string', required: true }, ...visitAttributes },
  indexes: {
    primary: {
      pk: { field: 'pk', composite: ['assetId'] },
      sk: { field: 'sk', composite: ['completedAt', 'workOrderId'] },
    },
  },
});
