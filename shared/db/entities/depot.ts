import { CustomAttributeType, Entity } from 'electrodb';
import type { LatLng } from '../../work-order/model.ts';

/**
 * A depot or trade counter where the business keeps parts, so an engineer short of one can be sent to the nearest
 * that holds it (stock holdings, `stockHolding`, say how many). Reference data like the team: a business has a
 * handful, listed whole on gsi1 (`all`).
 */
export const depot = new Entity({
  model: { entity: 'depot', version: '1', service: 'fieldops' },
  attributes: {
    depotId: { type: 'string', required: true },
    /** Bumped by every change: the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', default: 1 },
    name: { type: 'string', required: true },
    address: { type: 'string', required: true },
    location: { type: CustomAttributeType<LatLng>('any'), required: true },
    phone: { type: 'string' },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['depotId'] }, sk: { field: 'sk', composite: [] } },
    all: { index: 'gsi1', pk: { field: 'gsi1pk', composite: [] }, sk: { field: 'gsi1sk', composite: ['depotId'] } },
  },
});
