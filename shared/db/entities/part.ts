import { Entity } from 'electrodb';

/** A stocked part, keyed by SKU; the catalogue is listed whole on gsi1. */
export const part = new Entity({
  model: { entity: 'part', version: '1', service: 'fieldops' },
  attributes: {
    sku: { type: 'string', required: true },
    /** Bumped by every change (stock taken by a job too): the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', default: 1 },
    name: { type: 'string', required: true },
    unitPriceMinor: { type: 'number', required: true },
    stock: { type: 'number', required: true },
    reorderPoint: { type: 'number', required: true },
    location: { type: 'string' },
    /** Who the business buys it from: a reorder or a parts request raises a purchase order to them. */
    supplierId: { type: 'string' },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['sku'] }, sk: { field: 'sk', composite: [] } },
    all: { index: 'gsi1', pk: { field: 'gsi1pk', composite: [] }, sk: { field: 'gsi1sk', composite: ['sku'] } },
  },
});
