import { Entity } from 'electrodb';

/**
 * An invoice waiting for its number, in one partition ordered by issue time. Written with the invoice, deleted by
 * the numbering pass that gives it its number: a pass numbers every invoice waiting (up to a batch) in one
 * transaction with the counter, so invoices issued at the same moment share a few passes instead of each racing
 * every other for the counter, and the numbers follow issue order with no gaps.
 */
export const invoiceQueue = new Entity({
  model: { entity: 'invoiceQueue', version: '1', service: 'fieldops' },
  attributes: {
    issuedAt: { type: 'string', required: true },
    invoiceId: { type: 'string', required: true },
    workOrderId: { type: 'string', required: true },
    totalMinor: { type: 'number', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: [] }, sk: { field: 'sk', composite: ['issuedAt', 'invoiceId'] } },
  },
});
