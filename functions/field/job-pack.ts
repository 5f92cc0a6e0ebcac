import { api, ok } from '#shared/http/api.ts';
import { jobPack } from '#shared/work-order/job-pack.ts';
import * as Views from '#shared/work-order/views.ts';

/** The job pack on the engineer's phone: only for the engineer the job is assigned to (404 for anyone else). */
export const handler = api({
  roles: ['engineer'],
  response: { status: 200, body: Views.JobPack },
  errors: [404],
}).handler(async ({ params, principal }) =>
  ok(Views.jobPack(await jobPack({ workOrderId: params.id as string, engineerId: principal.engineerId as string }))),
);
