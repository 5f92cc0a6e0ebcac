import { z } from 'zod';
import { resourceOf, withId } from '#shared/db/reference.ts';
import { api, created } from '#shared/http/api.ts';
import { createReference } from '#shared/reference/admin.ts';

/** An admin adds a customer, site, asset, engineer, part or job template (the route says which). */
export const handler = api({ roles: ['admin'], body: z.unknown() }).handler(async ({ body, routeKey }) => {
  const resource = resourceOf(routeKey);
  return created(withId(resource, await createReference(resource, body)));
});
