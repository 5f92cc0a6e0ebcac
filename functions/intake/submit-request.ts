import { api, created } from '#shared/http/api.ts';
import * as Intake from '#shared/work-order/intake.ts';
import * as Views from '#shared/work-order/views.ts';

/**
 * A customer logs a request; priority and SLA come from triage, never from the body. A further request for a job
 * already open at the site answers that job, with `linked: true`.
 */
export const handler = api({
  roles: ['customer'],
  body: Intake.SubmitRequest,
  idempotency: 'required',
  response: { status: 201, body: Views.SubmittedRequest },
  errors: [404],
}).handler(async ({ body: { source, ...request }, principal, headers }) => {
  const { record, linked } = await Intake.submitRequest({
    customerId: principal.customerId as string,
    actor: principal.sub,
    idempotencyKey: headers['idempotency-key'] as string,
    request,
    source,
  });
  return created(Views.submitted(record, linked));
});
