import { getEngineer } from '#shared/db/reference.ts';
import { NotFound } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';
import * as Views from '#shared/work-order/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';

/** A customer follows one of their own requests; anyone else's is 404. */
export const handler = api({
  roles: ['customer'],
  response: { status: 200, body: Views.Request },
  errors: [404],
}).handler(async ({ params, principal }) => {
  const record = await WorkOrder.get(params.id as string);
  if (record.customerId !== principal.customerId) throw new NotFound('request', params.id as string);
  const engineer = record.engineerId ? await getEngineer(record.engineerId) : undefined;
  return ok(Views.customer(record, engineer?.name));
});
