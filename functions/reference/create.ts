import { resourceOf, withId } from '#shared/db/reference.ts';
import { api, created } from '#shared/http/api.ts';
import { createReference } from '#shared/reference/admin.ts';
import { createSchema } from '#shared/reference/schemas.ts';

/** An admin adds a customer, site, asset, engineer, part or job template (the route says which). */
export const handler = api({ roles: ['admin'], bodyOf: (routeKey) => createSchema(resourceOf(routeKey)) }).handler(
  async ({ body, routeKey }) => {
    const resource = resourceOf(routeKey);
    return created(withId(resource, await createReference(resource, body as Record<string, unknown>)));
  },
);
