import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { offeredSlots, SlotsQuery } from '#shared/scheduling/slots.ts';
import { Slots } from '#shared/scheduling/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';

/**
 * The windows of the coming days the schedule can keep for a request (half days or two-hour slots, in the business's
 * local time), each ranked for the business: for its customer to choose from, or the office on the phone to them.
 */
export const handler = api({
  roles: ['customer', ...officeRoles],
  query: SlotsQuery,
  response: { status: 200, body: Slots },
  errors: [404],
}).handler(async ({ params, principal, query }) => {
  const record = await WorkOrder.requestFor(params.id as string, principal);
  return ok(await offeredSlots(record, query));
});
