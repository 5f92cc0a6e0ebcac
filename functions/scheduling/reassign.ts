import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { reassign } from '#shared/scheduling/assignment.ts';
import * as Views from '#shared/work-order/views.ts';

const Reassign = z.strictObject({
  engineerId: z.string().min(1).max(64),
  reason: z.string().trim().min(1).max(2000),
  start: z.iso.datetime({ offset: true }).optional(),
});

/**
 * The office gives a job to another engineer until the first is on the way; the state machine dispatches it again
 * to the new one, and the first one's phone is refused anything more on it. On the way or on site already is 409.
 */
export const handler = api({
  roles: officeRoles,
  body: Reassign,
  idempotency: 'optional',
  response: { status: 200, body: Views.WorkOrderForOffice },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(Views.office(await reassign({ workOrderId: params.id as string, ...body, actor: principal.sub }))),
);
