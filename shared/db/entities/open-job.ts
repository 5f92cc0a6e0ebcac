import { Entity } from 'electrodb';

/**
 * The one open job of a site for a job category, for customer requests (API, web form, e-mail): created or taken
 * over in the same transaction as the work order it names, under the condition that no other open job holds it,
 * so simultaneous requests for the same site and category make one job and the others are linked to it. It is
 * never deleted: it lapses when its work order is no longer open or was logged more than the duplicate window ago,
 * and the next request takes it over (conditional on the holder it saw).
 */
export const openJob = new Entity({
  model: { entity: 'openJob', version: '1', service: 'fieldops' },
  attributes: {
    siteId: { type: 'string', required: true },
    categoryId: { type: 'string', required: true },
    workOrderId: { type: 'string', required: true },
    loggedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['siteId', 'categoryId'] }, sk: { field: 'sk', composite: [] } },
  },
});
