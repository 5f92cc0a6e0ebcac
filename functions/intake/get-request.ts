import { businessTimeZone } from '#shared/db/business.ts';
import { getEngineer } from '#shared/db/reference.ts';
import { api, ok } from '#shared/http/api.ts';
import * as Views from '#shared/work-order/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';

/** A customer follows one of their own requests; anyone else's is 404. */
export const handler = api({
  roles: ['customer'],
  response: { status: 200, body: Views.Request },
  errors: [404],
}).handler(async ({ params, principal }) => {
  const record = await WorkOrder.requestFor(params.id as string, principal);
  const [engineer, timeZone] = await Promise.all([
    record.engineerId ? getEngineer(record.engineerId) : undefined,
    businessTimeZone(),
  ]);
  return ok(Views.customer(record, timeZone, engineer?.name));
});
