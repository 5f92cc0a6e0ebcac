import { demoIds } from '#local/seed.ts';
import { api, ok } from '#shared/http/api.ts';

/** Local mode only: the ids of the seeded demo business, grouped. */
export const handler = api({ auth: false }).handler(async () => ok(demoIds()));
