import * as z from 'zod';
import { api, ok } from '#shared/http/api.ts';
import document from '../../openapi.json' with { type: 'json' };

/** The OpenAPI 3.1 document of this API (`npm run openapi` makes it from the routes and handlers). */
export const handler = api({
  auth: false,
  response: {
    status: 200,
    body: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }),
  },
}).handler(async () => ok(document));
