import { CustomAttributeType, Entity } from 'electrodb';

export interface InvoiceLine {
  description: string;
  qty: number;
  unitMinor: number;
  totalMinor: number;
}

/**
 * One invoice per work order: the id derives from the work order, so closeout can be retried without billing
 * twice. Its number is given just after it is written, in issue order. Found by work order (gsi1) and listed per customer by issue date (gsi2).
 */
export const invoice = new Entity({
  model: { entity: 'invoice', version: '1', service: 'fieldops' },
  attributes: {
    invoiceId: { type: 'string', required: true },
    /** `INV-000123`, given by the numbering pass right after the invoice is written (see invoiceQueue). */
    number: { type: 'string' },
    workOrderId: { type: 'string', required: true },
    customerId: { type: 'string', required: true },
    lines: { type: CustomAttributeType<InvoiceLine[]>('any'), required: true },
    subtotalMinor: { type: 'number', required: true },
    taxMinor: { type: 'number', required: true },
    totalMinor: { type: 'number', required: true },
    currency: { type: 'string', required: true },
    issuedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['invoiceId'] }, sk: { field: 'sk', composite: [] } },
    byWorkOrder: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['workOrderId'] },
      sk: { field: 'gsi1sk', composite: [] },
    },
    byCustomer: {
      index: 'gsi2',
      pk: { field: 'gsi2pk', composite: ['customerId'] },
      sk: { field: 'gsi2sk', composite: ['issuedAt', 'invoiceId'] },
    },
  },
});
