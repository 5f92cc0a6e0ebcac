import { Entity } from 'electrodb';

/**
 * One work order's use of one part: written in the same transaction as the stock decrement and keyed by both, so
 * a retried closeout can never take the same parts twice. Read per part, newest last.
 */
export const stockMovement = new Entity({
  model: { entity: 'stockMovement', version: '1', service: 'fieldops' },
  attributes: {
    sku: { type: 'string', required: true },
    workOrderId: { type: 'string', required: true },
    qty: { type: 'number', required: true },
    stockAfter: { type: 'number', required: true },
    at: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['sku'] }, sk: { field: 'sk', composite: ['workOrderId'] } },
  },
});
