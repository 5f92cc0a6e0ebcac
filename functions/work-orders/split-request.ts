import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, created } from '#shared/http/api.ts';
import * as Intake from '#shared/work-order/intake.ts';
import * as Views from '#shared/work-order/views.ts';

const Body = z.strictObject({ requestId: z.string().min(1).max(100) });

/** The office splits a request that was linked to this work order off into a work order of its own. */
export const handler = api({
  roles: officeRoles,
  body: Body,
  idempotency: 'optional',
  response: { status: 201, body: Views.WorkOrderForOffice },
  errors: [404],
}).handler(async ({ body, params, principal }) =>
  created(
    Views.office(
      await Intake.splitRequest({
        workOrderId: params.id as string,
        requestId: body.requestId,
        actor: principal.sub,
      }),
    ),
  ),
);
