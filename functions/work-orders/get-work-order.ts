import * as Attachments from '#shared/attachments/attachments.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import { findInvoiceOf } from '#shared/db/invoices.ts';
import { timeline } from '#shared/db/work-orders.ts';
import { api, etag, ok } from '#shared/http/api.ts';
import * as Views from '#shared/work-order/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';

/** The whole work order with its audit trail and attachments; the ETag is the version a PATCH must name in If-Match. */
export const handler = api({
  roles: officeRoles,
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404],
}).handler(async ({ params }) => {
  const id = params.id as string;
  const [record, entries, invoice, attachments] = await Promise.all([
    WorkOrder.get(id),
    timeline(id),
    findInvoiceOf(id),
    Attachments.listOf(id),
  ]);
  return ok(
    Views.office(record, { timeline: entries, invoiceId: invoice?.invoiceId, attachments }),
    etag(record.version),
  );
});
