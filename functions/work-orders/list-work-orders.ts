import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok, PageQuery } from '#shared/http/api.ts';
import { listJobs } from '#shared/work-order/job-list.ts';
import { Priority, Status } from '#shared/work-order/model.ts';
import * as Views from '#shared/work-order/views.ts';

const Query = PageQuery.extend({
  status: Status.optional(),
  priority: Priority.optional(),
  engineerId: z.string().max(64).optional(),
  customerId: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/** The central job list in dispatch board order: priority tier first (P1 on top), then SLA due time. */
export const handler = api({
  roles: officeRoles,
  query: Query,
  response: { status: 200, body: Views.WorkOrderPage },
}).handler(async ({ query }) => {
  const page = await listJobs(query);
  return ok({ items: page.items.map((record) => Views.office(record)), nextCursor: page.nextCursor });
});
