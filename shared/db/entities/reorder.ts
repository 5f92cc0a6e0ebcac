import { Entity } from 'electrodb';

/**
 * A reorder raised when a part's stock fell below its reorder point, for the supplier integration to pick up
 * (it also goes out as a `stock.reorder_raised` event). Open reorders are listed together (gsi1).
 */
export const reorder = new Entity({
  model: { entity: 'reorder', version: '1', service: 'fieldops' },
  attributes: {
    sku: { type: 'string', required: true },
    /** The work order whose use took the stock below the point. */
    workOrderId: { type: 'string', required: true },
    qty: { type: 'number', required: true },
    stockAfter: { type: 'number', required: true },
    reorderPoint: { type: 'number', required: true },
    status: { type: ['open', 'ordered', 'received'] as const, required: true },
    raisedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['sku'] }, sk: { field: 'sk', composite: ['workOrderId'] } },
    byStatus: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['status'] },
      sk: { field: 'gsi1sk', composite: ['raisedAt', 'sku'] },
    },
  },
});
