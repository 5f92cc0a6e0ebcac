import { CustomAttributeType, Entity } from 'electrodb';

/** One line of a purchase order: a part and how many; the unit price where the catalogue has one. */
export interface PurchaseOrderLine {
  sku: string;
  name: string;
  qty: number;
  unitMinor?: number;
}

/**
 * An order for parts sent to a supplier, numbered `PO-000001`. Raised once per source: its id derives from the
 * reorder or the parts request that caused it (or the office's idempotency key), so a replayed event finds it. The
 * lines are kept on the order (a handful), not as items of their own. Listed newest first by status (gsi2) and all
 * together (gsi3), both keys only: the office's list of a few hundred a year, read a page at a time.
 */
export const purchaseOrder = new Entity({
  model: { entity: 'purchaseOrder', version: '1', service: 'fieldops' },
  attributes: {
    purchaseOrderId: { type: 'string', required: true },
    number: { type: 'string', required: true },
    supplierId: { type: 'string', required: true },
    status: { type: ['sent', 'received', 'cancelled'] as const, required: true },
    lines: { type: CustomAttributeType<PurchaseOrderLine[]>('any'), required: true },
    reason: { type: ['reorder', 'parts_request', 'manual'] as const, required: true },
    workOrderId: { type: 'string' },
    /** The reorder it was raised for (`<sku>` and `<workOrderId>` of its key), closed when it is received. */
    reorderSku: { type: 'string' },
    /** The depot the parts are delivered to, whose holding a receipt adds to. */
    depotId: { type: 'string', required: true },
    createdBy: { type: 'string', required: true },
    createdAt: { type: 'string', required: true },
    receivedAt: { type: 'string' },
    receivedBy: { type: 'string' },
    cancelledAt: { type: 'string' },
    cancelledBy: { type: 'string' },
    /** Why the office cancelled it, as the supplier is told. */
    cancelReason: { type: 'string' },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['purchaseOrderId'] }, sk: { field: 'sk', composite: [] } },
    byStatus: {
      index: 'gsi2',
      pk: { field: 'gsi2pk', composite: ['status'] },
      sk: { field: 'gsi2sk', composite: ['createdAt', 'purchaseOrderId'] },
    },
    all: {
      index: 'gsi3',
      pk: { field: 'gsi3pk', composite: [] },
      sk: { field: 'gsi3sk', composite: ['createdAt', 'purchaseOrderId'] },
    },
  },
});
