import { listResource, type Resource, resourceOf, withId } from '#shared/db/reference.ts';
import { api, officeRoles, ok, PageQuery } from '#shared/http/api.ts';

/** A page of customers, sites, assets, engineers, parts or job templates (the route says which). */
export const handler = api({ roles: officeRoles, query: PageQuery }).handler(async ({ query, routeKey }) => {
  const resource: Resource = resourceOf(routeKey);
  const page = await listResource(resource, query);
  return ok({ items: page.items.map((item) => withId(resource, item)), nextCursor: page.nextCursor });
});
