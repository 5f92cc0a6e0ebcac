import { accepted, api } from '#shared/http/api.ts';
import { Field } from '#shared/work-order/index.ts';

/** The engineer completes the job; closeout (invoice, asset history, next service) then runs in the workflow. */
export const handler = api({ roles: ['engineer'], body: Field.Complete }).handler(async ({ body, params, principal }) =>
  accepted(
    await Field.complete({
      workOrderId: params.id as string,
      engineerId: principal.engineerId as string,
      actor: principal.sub,
      completion: body,
    }),
  ),
);
