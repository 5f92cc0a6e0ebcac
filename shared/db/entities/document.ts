import { Entity } from 'electrodb';

/**
 * A PDF a customer keeps: a job report, an invoice, a quote or a gas safety record. Made once when its event
 * happens, stored under `documents/` in the bucket and never changed after (a corrected invoice is a credit note and
 * a new invoice). The id derives from the kind and what it documents, so it is made once however often it is asked
 * for. Listed per work order or quote (gsi1) and per customer, newest first (gsi2, keys only).
 */
export const document = new Entity({
  model: { entity: 'document', version: '1', service: 'fieldops' },
  attributes: {
    documentId: { type: 'string', required: true },
    kind: { type: ['job_report', 'invoice', 'quote', 'gas_safety_record', 'purchase_order'] as const, required: true },
    /** The work order (or quote) it documents. */
    about: { type: 'string', required: true },
    workOrderId: { type: 'string' },
    /** For a purchase order, `supplier:<supplierId>`: never a customer's id (a slug has no colon). */
    customerId: { type: 'string', required: true },
    /** The invoice or quote it renders, when it renders one. */
    sourceId: { type: 'string' },
    title: { type: 'string', required: true },
    /** The object's key in the bucket, under `documents/`. */
    key: { type: 'string', required: true },
    bytes: { type: 'number', required: true },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['documentId'] }, sk: { field: 'sk', composite: [] } },
    byAbout: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['about'] },
      sk: { field: 'gsi1sk', composite: ['documentId'] },
    },
    byCustomer: {
      index: 'gsi2',
      pk: { field: 'gsi2pk', composite: ['customerId'] },
      sk: { field: 'gsi2sk', composite: ['createdAt', 'documentId'] },
    },
  },
});
