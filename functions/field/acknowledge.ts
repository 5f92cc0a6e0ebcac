import { api, ok } from '#shared/http/api.ts';
import * as Field from '#shared/work-order/field.ts';
import * as Views from '#shared/work-order/views.ts';

/** The engineer accepts the dispatched job, or refuses it with a reason (it goes back to matching). */
export const handler = api({
  roles: ['engineer'],
  body: Field.Acknowledge,
  idempotency: 'optional',
  response: { status: 200, body: Views.WorkOrderForEngineer },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(
    Views.engineer(
      await Field.acknowledge({
        workOrderId: params.id as string,
        engineerId: principal.engineerId as string,
        actor: principal.sub,
        answer: body,
      }),
    ),
  ),
);
