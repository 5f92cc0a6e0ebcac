import { api, ok } from '#shared/http/api.ts';
import * as Field from '#shared/work-order/field.ts';
import * as Views from '#shared/work-order/views.ts';

/** A status from the field; a replayed `eventId` changes nothing and answers as the first time. */
export const handler = api({
  roles: ['engineer'],
  body: Field.ReportStatus,
  response: { status: 200, body: Views.FieldAnswer },
  errors: [404, 409, 422],
}).handler(async ({ body, params, principal }) =>
  ok(
    Views.fieldAnswer(
      await Field.reportStatus({
        workOrderId: params.id as string,
        engineerId: principal.engineerId as string,
        actor: principal.sub,
        update: body,
      }),
    ),
  ),
);
