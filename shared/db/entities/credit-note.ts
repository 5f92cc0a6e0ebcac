import { CustomAttributeType, Entity } from 'electrodb';
import type { InvoiceLine } from './invoice.ts';

/**
 * A credit note: the correction of an issued invoice, which itself never changes. Amounts are kept positive, as
 * the document states them; exports show them negative. Its id derives from the caller's `Idempotency-Key`; its
 * number (`CN-000001`) comes from its own counter, advanced in the same transaction that writes it, so numbers
 * follow issue order with no gaps. Found by invoice (gsi1) and listed by issue time for exports (gsi2, one
 * partition: credit notes are few).
 */
export const creditNote = new Entity({
  model: { entity: 'creditNote', version: '1', service: 'fieldops' },
  attributes: {
    creditNoteId: { type: 'string', required: true },
    number: { type: 'string', required: true },
    invoiceId: { type: 'string', required: true },
    invoiceNumber: { type: 'string', required: true },
    workOrderId: { type: 'string', required: true },
    customerId: { type: 'string', required: true },
    reason: { type: 'string', required: true },
    lines: { type: CustomAttributeType<InvoiceLine[]>('any'), required: true },
    subtotalMinor: { type: 'number', required: true },
    taxMinor: { type: 'number', required: true },
    totalMinor: { type: 'number', required: true },
    currency: { type: 'string', required: true },
    issuedAt: { type: 'string', required: true },
    issuedBy: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['creditNoteId'] }, sk: { field: 'sk', composite: [] } },
    byInvoice: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['invoiceId'] },
      sk: { field: 'gsi1sk', composite: ['issuedAt', 'creditNoteId'] },
    },
    byIssued: {
      index: 'gsi2',
      pk: { field: 'gsi2pk', composite: [] },
      sk: { field: 'gsi2sk', composite: ['issuedAt', 'creditNoteId'] },
    },
  },
});
