import { z } from 'zod';
import { resourceOf, withId } from '#shared/db/reference.ts';
import { api, ok } from '#shared/http/api.ts';
import { updateReference } from '#shared/reference/admin.ts';

/** An admin changes some fields of a customer, site, asset, engineer, part or job template. */
export const handler = api({ roles: ['admin'], body: z.unknown() }).handler(async ({ body, params, routeKey }) => {
  const resource = resourceOf(routeKey);
  return ok(withId(resource, await updateReference(resource, params.id as string, body)));
});
