import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { NotFound } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';
import * as Views from '#shared/work-order/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';
import { describeWorkOrderExecution } from '#shared/workflow.ts';

const Query = z.strictObject({ run: z.coerce.number().int().min(1).max(1000).optional() });

/**
 * The work order's state machine execution as an operations person reads it: its current run, or with `?run=` an
 * earlier one (a run re-driven after it failed), with each state it entered (`steps`: times and outcome) and its
 * history. 404 for a run the work order has not had.
 */
export const handler = api({
  roles: officeRoles,
  query: Query,
  response: { status: 200, body: Views.Execution },
  errors: [404],
}).handler(async ({ params, query }) => {
  const record = await WorkOrder.get(params.id as string);
  const runs = record.run ?? 1;
  const run = query.run ?? runs;
  const execution = run > runs ? undefined : await describeWorkOrderExecution(record.workOrderId, run);
  if (!execution) throw new NotFound('execution', `${record.workOrderId} run ${run}`);
  return ok(Views.execution({ ...execution, runs }));
});
