import * as z from 'zod';
import { demoIds } from '#local/seed.ts';
import { api, ok } from '#shared/http/api.ts';

/** Local mode only: the ids of the seeded demo business, grouped. */
export const handler = api({
  auth: false,
  response: { status: 200, body: z.record(z.string(), z.array(z.string())) },
}).handler(async () => ok(demoIds()));
