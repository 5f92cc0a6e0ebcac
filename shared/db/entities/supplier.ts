import { Entity } from 'electrodb';

/**
 * A supplier the business buys parts from: purchase orders are e-mailed to it. Reference data like the depots: a
 * business has a handful, listed whole on gsi1 (`all`).
 */
export const supplier = new Entity({
  model: { entity: 'supplier', version: '1', service: 'fieldops' },
  attributes: {
    supplierId: { type: 'string', required: true },
    /** Bumped by every change: the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', default: 1 },
    name: { type: 'string', required: true },
    email: { type: 'string', required: true },
    phone: { type: 'string' },
    /** The business's account number with the supplier, printed on its purchase orders. */
    accountRef: { type: 'string' },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['supplierId'] }, sk: { field: 'sk', composite: [] } },
    all: { index: 'gsi1', pk: { field: 'gsi1pk', composite: [] }, sk: { field: 'gsi1sk', composite: ['supplierId'] } },
  },
});
