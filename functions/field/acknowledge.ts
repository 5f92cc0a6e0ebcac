import { api, ok } from '#shared/http/api.ts';
import { Field, Views } from '#shared/work-order/index.ts';

/** The engineer accepts the dispatched job, or refuses it with a reason (it goes back to matching). */
export const handler = api({ roles: ['engineer'], body: Field.Acknowledge, idempotency: 'optional' }).handler(
  async ({ body, params, principal }) =>
    ok(
      Views.office(
        await Field.acknowledge({
          workOrderId: params.id as string,
          engineerId: principal.engineerId as string,
          actor: principal.sub,
          answer: body,
        }),
      ),
    ),
);
