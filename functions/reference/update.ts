import { resourceOf, withId } from '#shared/db/reference.ts';
import { api, ok } from '#shared/http/api.ts';
import { updateReference } from '#shared/reference/admin.ts';
import { updateSchema } from '#shared/reference/schemas.ts';

/** An admin changes some fields of a customer, site, asset, engineer, part or job template. */
export const handler = api({ roles: ['admin'], bodyOf: (routeKey) => updateSchema(resourceOf(routeKey)) }).handler(
  async ({ body, params, routeKey }) => {
    const resource = resourceOf(routeKey);
    return ok(withId(resource, await updateReference(resource, params.id as string, body as Record<string, unknown>)));
  },
);
