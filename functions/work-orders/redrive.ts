import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import * as Office from '#shared/work-order/office.ts';
import { redrive } from '#shared/work-order/reconcile.ts';
import * as Views from '#shared/work-order/views.ts';

/**
 * Re-drives a work order whose execution failed, timed out or was aborted (or never started): a new run that
 * carries on from the work order's status, with the reason on the timeline. 409 `workflow.running` while it runs.
 */
export const handler = api({
  roles: officeRoles,
  body: Office.Reason,
  idempotency: 'optional',
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(Views.office(await redrive({ workOrderId: params.id as string, actor: principal.sub, reason: body.reason }))),
);
