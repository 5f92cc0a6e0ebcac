import type { Resource } from './db/reference.ts';

const keys: Record<Resource, string> = {
  customers: 'customerId',
  sites: 'siteId',
  assets: 'assetId',
  engineers: 'engineerId',
  parts: 'sku',
  'job-templates': 'jobType',
};

/** Which reference list a route serves: `GET /v1/job-templates/{id}` → `job-templates`. */
export function resourceOf(routeKey: string): Resource {
  const name = routeKey.split('/')[2] as Resource;
  if (!(name in keys)) throw new Error(`Route ${routeKey} is not a reference route`);
  return name;
}

/** A reference record as the API shows it: its key also as `id`. */
export function withId(resource: Resource, record: unknown): Record<string, unknown> {
  const item = record as Record<string, unknown>;
  return { id: item[keys[resource]], ...item };
}
