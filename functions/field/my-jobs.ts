import { z } from 'zod';
import { api, ok } from '#shared/http/api.ts';
import { Field, Views } from '#shared/work-order/index.ts';

const Query = z.object({ date: z.iso.date().optional() });

/** The engineer's jobs for a day (today by default), in route order. */
export const handler = api({ roles: ['engineer'], query: Query }).handler(async ({ query, principal }) => {
  const date = query.date ?? new Date().toISOString().slice(0, 10);
  const jobs = await Field.myJobs({ engineerId: principal.engineerId as string, date });
  return ok({ date, items: jobs.map((record) => Views.office(record)) });
});
