import { officeRoles } from '#shared/auth/roles.ts';
import { api, etag, ok } from '#shared/http/api.ts';
import * as Office from '#shared/work-order/office.ts';
import * as Views from '#shared/work-order/views.ts';

/** Changes details that may still change, under optimistic locking: a stale If-Match is 412. */
export const handler = api({
  roles: officeRoles,
  body: Office.UpdateWorkOrder,
  ifMatch: true,
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404, 409],
}).handler(async ({ body, params, principal, expectedVersion }) => {
  const record = await Office.update({
    workOrderId: params.id as string,
    expectedVersion: expectedVersion as number,
    actor: principal.sub,
    patch: body,
  });
  return ok(Views.office(record), etag(record.version));
});
