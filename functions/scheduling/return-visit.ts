import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { bookReturnVisit, ReturnVisit } from '#shared/scheduling/visit-booking.ts';
import * as Views from '#shared/work-order/views.ts';

/**
 * Books a paused job's return with its engineer, from the day the parts are due: first thing on their first free
 * morning, over as many working days as the work left needs. Booking it again changes nothing; a new one replaces
 * it. 409 when the job is not paused with its engineer (an engineer books only their own) or no days hold it.
 */
export const handler = api({
  roles: [...officeRoles, 'engineer'],
  body: ReturnVisit,
  idempotency: 'optional',
  response: { status: 200, body: Views.VisitsBooked },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  ok(
    Views.visitsBooked(
      await bookReturnVisit({
        workOrderId: params.id as string,
        actor: principal.sub,
        visit: body,
        engineerId: principal.role === 'engineer' ? (principal.engineerId as string) : undefined,
      }),
    ),
  ),
);
