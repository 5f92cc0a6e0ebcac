import { accepted, api } from '#shared/http/api.ts';
import * as Field from '#shared/work-order/field.ts';
import * as Views from '#shared/work-order/views.ts';

/** The engineer completes the job; closeout (invoice, asset history, next service) then runs in the workflow. */
export const handler = api({
  roles: ['engineer'],
  body: Field.Complete,
  response: { status: 202, body: Views.FieldAnswer },
  errors: [404, 409, 422],
}).handler(async ({ body, params, principal }) =>
  accepted(
    Views.fieldAnswer(
      await Field.complete({
        workOrderId: params.id as string,
        engineerId: principal.engineerId as string,
        actor: principal.sub,
        completion: body,
      }),
    ),
  ),
);
