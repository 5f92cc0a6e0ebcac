import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { assign } from '#shared/scheduling/assignment.ts';
import * as Views from '#shared/work-order/views.ts';

const Assign = z.strictObject({
  engineerId: z.string().min(1).max(64),
  start: z.iso.datetime({ offset: true }).optional(),
});

/** The office assigns an engineer by hand; one who lacks a skill or a valid certificate is refused (409). */
export const handler = api({
  roles: officeRoles,
  body: Assign,
  idempotency: 'optional',
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(Views.office(await assign({ workOrderId: params.id as string, ...body, actor: principal.sub }))),
);
