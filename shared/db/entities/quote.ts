import { CustomAttributeType, Entity } from 'electrodb';
import type { InvoiceLine } from './invoice.ts';

export type QuoteLine = InvoiceLine & { sku?: string };

/**
 * A priced offer to a customer. Accepting it converts it into one work order (its id derives from the quote), so
 * the quote and the work order point at each other and a second acceptance finds the same one. Listed per
 * customer, newest first (gsi1).
 */
export const quote = new Entity({
  model: { entity: 'quote', version: '1', service: 'fieldops' },
  attributes: {
    quoteId: { type: 'string', required: true },
    number: { type: 'string', required: true },
    status: { type: ['sent', 'accepted'] as const, required: true },
    customerId: { type: 'string', required: true },
    siteId: { type: 'string', required: true },
    assetIds: { type: 'list', items: { type: 'string' } },
    jobType: { type: 'string', required: true },
    description: { type: 'string', required: true },
    lines: { type: CustomAttributeType<QuoteLine[]>('any'), required: true },
    subtotalMinor: { type: 'number', required: true },
    taxMinor: { type: 'number', required: true },
    totalMinor: { type: 'number', required: true },
    currency: { type: 'string', required: true },
    createdAt: { type: 'string', required: true },
    createdBy: { type: 'string', required: true },
    acceptedAt: { type: 'string' },
    acceptedBy: { type: 'string' },
    workOrderId: { type: 'string' },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['quoteId'] }, sk: { field: 'sk', composite: [] } },
    byCustomer: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['customerId'] },
      sk: { field: 'gsi1sk', composite: ['createdAt', 'quoteId'] },
    },
  },
});
