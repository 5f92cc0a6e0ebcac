import * as z from 'zod';
import type { PurchaseOrderRecord } from '../db/purchase-orders.ts';
import { Instant, Page, view } from '../http/views.ts';

/** An order for parts sent to a supplier, as the office reads it. */
export const PurchaseOrder = z
  .object({
    id: z.string(),
    number: z.string(),
    supplierId: z.string(),
    status: z.enum(['sent', 'received', 'cancelled']),
    lines: z.array(
      z.object({ sku: z.string(), name: z.string(), qty: z.number().int(), unitMinor: z.number().int().optional() }),
    ),
    reason: z.enum(['reorder', 'parts_request', 'manual']).meta({
      description:
        'What raised it: a part falling below its reorder point, an engineer’s parts request, or the office.',
    }),
    workOrderId: z.string().optional(),
    depotId: z
      .string()
      .meta({ description: 'Where the parts are delivered: the depot whose holding a receipt adds to.' }),
    createdBy: z.string(),
    createdAt: Instant,
    receivedAt: Instant.optional(),
    receivedBy: z.string().optional(),
    cancelledAt: Instant.optional(),
    cancelledBy: z.string().optional(),
    cancelReason: z.string().optional(),
  })
  .meta({ title: 'Purchase order' });

export const PurchaseOrderPage = Page(PurchaseOrder).meta({ title: 'Purchase orders' });

const asPurchaseOrder = view(PurchaseOrder);

export function purchaseOrderView(record: PurchaseOrderRecord) {
  return asPurchaseOrder({ ...record, id: record.purchaseOrderId });
}
