import { api, ok } from '#shared/http/api.ts';
import * as Office from '#shared/work-order/office.ts';
import * as Views from '#shared/work-order/views.ts';

/** An approver approves the work order; the state machine goes on to scheduling. */
export const handler = api({
  roles: ['approver', 'admin'],
  idempotency: 'optional',
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404, 409],
}).handler(async ({ params, principal }) =>
  ok(Views.office(await Office.approve({ workOrderId: params.id as string, actor: principal.sub }))),
);
