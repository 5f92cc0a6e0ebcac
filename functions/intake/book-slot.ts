import { officeRoles } from '#shared/auth/roles.ts';
import { businessTimeZone } from '#shared/db/business.ts';
import { api, ok } from '#shared/http/api.ts';
import { BookSlot, bookSlot } from '#shared/scheduling/slots.ts';
import * as Views from '#shared/work-order/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';

/**
 * The customer books (or moves) their visit into one of the offered windows: the window binds the plan from then on,
 * and the visit moves into it. 409 `booking.unavailable` when it was taken meanwhile, `booking.too_late` once the
 * engineer is on the way.
 */
export const handler = api({
  roles: ['customer', ...officeRoles],
  body: BookSlot,
  idempotency: 'optional',
  response: { status: 200, body: Views.Request },
  errors: [404, 409],
}).handler(async ({ params, principal, body }) => {
  const record = await WorkOrder.requestFor(params.id as string, principal);
  const booked = await bookSlot({ workOrderId: record.workOrderId, ...body, actor: principal.sub });
  return ok(Views.customer(booked, await businessTimeZone()));
});
