import * as z from 'zod';
import { api, ok } from '#shared/http/api.ts';
import { myDay } from '#shared/work-order/job-pack.ts';
import * as Views from '#shared/work-order/views.ts';

const Query = z.strictObject({ date: z.iso.date().optional() });

/** The engineer's jobs for a day (today by default), in route order with their ETAs. */
export const handler = api({ roles: ['engineer'], query: Query, response: { status: 200, body: Views.MyDay } }).handler(
  async ({ query, principal }) => {
    const date = query.date ?? new Date().toISOString().slice(0, 10);
    return ok(Views.myDay({ date, items: await myDay({ engineerId: principal.engineerId as string, date }) }));
  },
);
