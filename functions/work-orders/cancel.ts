import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import * as Office from '#shared/work-order/office.ts';
import * as Views from '#shared/work-order/views.ts';

/** Cancels a work order before the engineer is on site, with the reason. */
export const handler = api({
  roles: officeRoles,
  body: Office.Reason,
  idempotency: 'optional',
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(
    Views.office(await Office.cancel({ workOrderId: params.id as string, actor: principal.sub, reason: body.reason })),
  ),
);
