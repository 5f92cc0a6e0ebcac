import { api, ok } from '#shared/http/api.ts';
import {
  ChecklistAnswers,
  type FieldRecord,
  MaterialUsed,
  Note,
  PartsRequest,
  recordOnSite,
  TimeLog,
} from '#shared/work-order/field-records.ts';
import * as Views from '#shared/work-order/views.ts';

/** The route's last segment names the record; each has its own strict schema. */
const kinds = {
  'time-logs': { kind: 'time_log', schema: TimeLog },
  materials: { kind: 'material', schema: MaterialUsed },
  'parts-requests': { kind: 'parts_request', schema: PartsRequest },
  notes: { kind: 'note', schema: Note },
  checklist: { kind: 'checklist', schema: ChecklistAnswers },
} as const;

const kindOf = (routeKey: string) => kinds[routeKey.split('/').at(-1) as keyof typeof kinds];

/** Time logs, materials, parts requests, notes and checklist answers from the engineer's phone. */
export const handler = api({
  roles: ['engineer'],
  bodyOf: (routeKey) => kindOf(routeKey).schema,
  response: { status: 200, body: Views.FieldAnswer },
  errors: [404, 409, 422],
}).handler(async ({ body, params, principal, routeKey }) =>
  ok(
    Views.fieldAnswer(
      await recordOnSite({
        workOrderId: params.id as string,
        engineerId: principal.engineerId as string,
        actor: principal.sub,
        record: { kind: kindOf(routeKey).kind, body } as FieldRecord,
      }),
    ),
  ),
);
