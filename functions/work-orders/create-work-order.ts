import { officeRoles } from '#shared/auth/roles.ts';
import { api, created } from '#shared/http/api.ts';
import * as Intake from '#shared/work-order/intake.ts';
import * as Views from '#shared/work-order/views.ts';

/** The office creates a work order; the job template fills in what the body leaves out. */
export const handler = api({
  roles: officeRoles,
  body: Intake.CreateWorkOrder,
  idempotency: 'required',
  response: { status: 201, body: Views.WorkOrderForOffice },
  errors: [404],
}).handler(async ({ body, principal, headers }) =>
  created(
    Views.office(
      await Intake.createForOffice({
        actor: principal.sub,
        idempotencyKey: headers['idempotency-key'] as string,
        request: body,
      }),
    ),
  ),
);
