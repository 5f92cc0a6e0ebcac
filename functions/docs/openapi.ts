import * as z from 'zod';
import { endpoint, ok } from '#shared/http/endpoint.ts';
import document from '../../openapi.json' with { type: 'json' };

// The one route that reads no store: built with endpoint() rather than api(), its bundle holds none of the store's code.

/** The OpenAPI 3.1 document of this API (`npm run openapi` makes it from the routes and handlers). */
export const handler = endpoint({
  auth: false,
  response: {
    status: 200,
    body: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }),
  },
}).handler(async () => ok(document));
