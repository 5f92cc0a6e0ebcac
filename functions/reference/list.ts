import { officeRoles } from '#shared/auth/roles.ts';
import { listResource, type Resource, resourceOf } from '#shared/db/reference.ts';
import { api, ok, PageQuery } from '#shared/http/api.ts';
import { pageSchema, referenceView } from '#shared/reference/views.ts';

/** A page of customers, sites, assets, engineers, parts, job templates, depots or suppliers (the route says which). */
export const handler = api({
  roles: officeRoles,
  query: PageQuery,
  response: { status: 200, bodyOf: (routeKey) => pageSchema(resourceOf(routeKey)) },
}).handler(async ({ query, routeKey }) => {
  const resource: Resource = resourceOf(routeKey);
  const page = await listResource(resource, query);
  return ok({ items: page.items.map((item) => referenceView(resource, item)), nextCursor: page.nextCursor });
});
