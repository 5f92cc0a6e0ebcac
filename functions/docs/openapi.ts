import { api, ok } from '#shared/http/api.ts';
import document from '../../openapi.json' with { type: 'json' };

/** The OpenAPI 3.1 document of this API (`npm run openapi` makes it from the routes and handlers). */
export const handler = api({ auth: false }).handler(async () => ok(document));
