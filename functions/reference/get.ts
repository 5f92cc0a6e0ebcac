import { officeRoles } from '#shared/auth/roles.ts';
import { assetHistory, getResource, resourceOf, versionOf } from '#shared/db/reference.ts';
import { holdingsOf } from '#shared/db/stock.ts';
import { NotFound } from '#shared/errors.ts';
import { api, etag, ok } from '#shared/http/api.ts';
import { recordSchema, referenceView } from '#shared/reference/views.ts';

/**
 * One customer, site, asset (with its history and next due date), engineer, part (with what each depot and van
 * holds), job template, depot or supplier.
 */
export const handler = api({
  roles: officeRoles,
  response: { status: 200, bodyOf: (routeKey) => recordSchema(resourceOf(routeKey)) },
  errors: [404],
}).handler(async ({ params, routeKey }) => {
  const resource = resourceOf(routeKey);
  const id = params.id as string;
  const record = await getResource(resource, id);
  if (!record) throw new NotFound(resource.replace(/s$/, '').replace('-', '_'), id);
  const extra =
    resource === 'assets'
      ? { history: await assetHistory(id) }
      : resource === 'parts'
        ? { holdings: await holdingsOf(id) }
        : {};
  return ok(referenceView(resource, { ...record, ...extra }), etag(versionOf(record as { version?: number })));
});
