import { resourceOf, versionOf } from '#shared/db/reference.ts';
import { api, etag, ok } from '#shared/http/api.ts';
import { updateReference } from '#shared/reference/admin.ts';
import { updateSchema } from '#shared/reference/schemas.ts';
import { recordSchema, referenceView } from '#shared/reference/views.ts';

/**
 * An admin changes some fields of a customer, site, asset, engineer, part, job template, depot or supplier, from the version
 * read.
 */
export const handler = api({
  roles: ['admin'],
  bodyOf: (routeKey) => updateSchema(resourceOf(routeKey)),
  ifMatch: true,
  response: { status: 200, bodyOf: (routeKey) => recordSchema(resourceOf(routeKey)) },
  errors: [404],
}).handler(async ({ body, params, routeKey, expectedVersion }) => {
  const resource = resourceOf(routeKey);
  const record = await updateReference(resource, params.id as string, body as Record<string, unknown>, expectedVersion);
  return ok(referenceView(resource, record), etag(versionOf(record)));
});
