import * as z from 'zod';
import { api, ok } from '#shared/http/api.ts';
import { myDay } from '#shared/work-order/job-pack.ts';
import * as Views from '#shared/work-order/views.ts';

const Query = z.strictObject({ date: z.iso.date().optional() });

/** The engineer's jobs for a day (the business's today by default), in route order with their ETAs. */
export const handler = api({ roles: ['engineer'], query: Query, response: { status: 200, body: Views.MyDay } }).handler(
  async ({ query, principal }) => {
    return ok(Views.myDay(await myDay({ engineerId: principal.engineerId as string, date: query.date })));
  },
);
