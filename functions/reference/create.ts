import { resourceOf, versionOf } from '#shared/db/reference.ts';
import { api, created, etag } from '#shared/http/api.ts';
import { createReference } from '#shared/reference/admin.ts';
import { createSchema } from '#shared/reference/schemas.ts';
import { recordSchema, referenceView } from '#shared/reference/views.ts';

/** An admin adds a customer, site, asset, engineer, part, job template, depot or supplier (the route says which). */
export const handler = api({
  roles: ['admin'],
  bodyOf: (routeKey) => createSchema(resourceOf(routeKey)),
  idempotency: 'optional',
  response: { status: 201, bodyOf: (routeKey) => recordSchema(resourceOf(routeKey)) },
  errors: [404, 409],
}).handler(async ({ body, headers, principal, routeKey }) => {
  const resource = resourceOf(routeKey);
  const key = headers['idempotency-key'];
  const retry = key ? { scope: `${principal.sub}#${resource}`, idempotencyKey: key } : undefined;
  const record = await createReference(resource, body as Record<string, unknown>, retry);
  return { ...created(referenceView(resource, record)), headers: etag(versionOf(record)) };
});
