import { officeRoles } from '#shared/auth/roles.ts';
import { NotFound } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';
import * as Views from '#shared/work-order/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';
import { describeWorkOrderExecution } from '#shared/workflow.ts';

/** The work order's state machine execution as an operations person reads it. */
export const handler = api({
  roles: officeRoles,
  response: { status: 200, body: Views.Execution },
  errors: [404],
}).handler(async ({ params }) => {
  const record = await WorkOrder.get(params.id as string);
  const execution = await describeWorkOrderExecution(record.workOrderId, record.run);
  if (!execution) throw new NotFound('execution', record.workOrderId);
  return ok(Views.execution(execution));
});
