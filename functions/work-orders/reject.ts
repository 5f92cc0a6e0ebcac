import { api, ok } from '#shared/http/api.ts';
import * as Office from '#shared/work-order/office.ts';
import * as Views from '#shared/work-order/views.ts';

/** An approver rejects the work order with a reason; its execution ends without scheduling. */
export const handler = api({
  roles: ['approver', 'admin'],
  body: Office.Reason,
  idempotency: 'optional',
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(
    Views.office(await Office.reject({ workOrderId: params.id as string, actor: principal.sub, reason: body.reason })),
  ),
);
