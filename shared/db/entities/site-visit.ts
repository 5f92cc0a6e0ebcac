import { Entity } from 'electrodb';
import { visitAttributes } from './asset-visit.ts';

/**
 * One closed work order in a site's history, written by closeout beside the assets' (keyed by site and work order,
 * so a retry overwrites the same item): the next engineer's job pack lists what earlier visits found, newest first.
 */
export const siteVisit = new Entity({
  model: { entity: 'siteVisit', version: '1', service: 'fieldops' },
  attributes: { siteId: { type: 'string', required: true }, ...visitAttributes },
  indexes: {
    primary: {
      pk: { field: 'pk', composite: ['siteId'] },
      sk: { field: 'sk', composite: ['completedAt', 'workOrderId'] },
    },
  },
});
