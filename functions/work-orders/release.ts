import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import * as Office from '#shared/work-order/office.ts';
import * as Views from '#shared/work-order/views.ts';

/** Sends a logged work order whose details the office completed on to approval or scheduling. */
export const handler = api({
  roles: officeRoles,
  idempotency: 'optional',
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404, 409],
}).handler(async ({ params, principal }) =>
  ok(Views.office(await Office.release({ workOrderId: params.id as string, actor: principal.sub }))),
);
