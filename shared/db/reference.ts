import type { EntityItem } from 'electrodb';
import type { asset } from './entities/asset.ts';
import type { assetVisit } from './entities/asset-visit.ts';
import type { customer } from './entities/customer.ts';
import type { depot } from './entities/depot.ts';
import type { engineer } from './entities/engineer.ts';
import type { jobTemplate } from './entities/job-template.ts';
import type { part } from './entities/part.ts';
import type { site } from './entities/site.ts';
import type { supplier } from './entities/supplier.ts';
import { db, wholeItems, writeIf } from './service.ts';

export type CustomerRecord = EntityItem<typeof customer>;
export type SiteRecord = EntityItem<typeof site>;
export type AssetRecord = EntityItem<typeof asset>;
export type AssetVisitRecord = EntityItem<typeof assetVisit>;
export type EngineerRecord = EntityItem<typeof engineer>;
export type PartRecord = EntityItem<typeof part>;
export type JobTemplateRecord = EntityItem<typeof jobTemplate>;
export type DepotRecord = EntityItem<typeof depot>;
export type SupplierRecord = EntityItem<typeof supplier>;

const orUndefined = <T>(result: { data: T | null }) => result.data ?? undefined;

export const getCustomer = (customerId: string) => db().entities.customer.get({ customerId }).go().then(orUndefined);
export const getSite = (siteId: string) => db().entities.site.get({ siteId }).go().then(orUndefined);
export const getAsset = (assetId: string) => db().entities.asset.get({ assetId }).go().then(orUndefined);
export const getEngineer = (engineerId: string) => db().entities.engineer.get({ engineerId }).go().then(orUndefined);
export const getPart = (sku: string) => db().entities.part.get({ sku }).go().then(orUndefined);
export const getJobTemplate = (jobType: string) => db().entities.jobTemplate.get({ jobType }).go().then(orUndefined);
export const getDepot = (depotId: string) => db().entities.depot.get({ depotId }).go().then(orUndefined);
export const getSupplier = (supplierId: string) => db().entities.supplier.get({ supplierId }).go().then(orUndefined);

/** Several parts by SKU in one batch read. */
export async function getParts(skus: string[]): Promise<PartRecord[]> {
  if (skus.length === 0) return [];
  const { data } = await db()
    .entities.part.get([...new Set(skus)].map((sku) => ({ sku })))
    .go();
  return data;
}

/** Several assets by id in one batch read (a job's assets), in no particular order. */
export async function getAssets(assetIds: string[]): Promise<AssetRecord[]> {
  if (assetIds.length === 0) return [];
  const { data } = await db()
    .entities.asset.get([...new Set(assetIds)].map((assetId) => ({ assetId })))
    .go();
  return data;
}

/** Several engineers by id in one batch read (the vans holding a part), in no particular order. */
export async function getEngineers(engineerIds: string[]): Promise<EngineerRecord[]> {
  if (engineerIds.length === 0) return [];
  const { data } = await db()
    .entities.engineer.get([...new Set(engineerIds)].map((engineerId) => ({ engineerId })))
    .go();
  return data;
}

/** Several depots by id in one batch read, in no particular order. */
export async function getDepots(depotIds: string[]): Promise<DepotRecord[]> {
  if (depotIds.length === 0) return [];
  const { data } = await db()
    .entities.depot.get([...new Set(depotIds)].map((depotId) => ({ depotId })))
    .go();
  return data;
}

/** The whole parts catalogue, by SKU, for a search of it (a business stocks hundreds of parts, not millions). */
export async function listAllParts(): Promise<PartRecord[]> {
  const { data } = await db().entities.part.query.all({}).go({ pages: 'all' });
  return data;
}

/** The whole team, for matching. */
export async function listAllEngineers(): Promise<EngineerRecord[]> {
  const { data } = await db().entities.engineer.query.all({}).go({ pages: 'all' });
  return data;
}

/** Every customer, for matching a sender by contact address or domain (customers number in the hundreds). */
export async function listAllCustomers(): Promise<CustomerRecord[]> {
  const { data } = await db().entities.customer.query.all({}).go({ pages: 'all' });
  return data;
}

/** A customer's sites, for finding the one a message is about. */
export async function listCustomerSites(customerId: string): Promise<SiteRecord[]> {
  const { data } = await db().entities.site.query.byCustomer({ customerId }).go({ pages: 'all' });
  return data;
}

/** An asset's visits, newest first. */
export async function assetHistory(assetId: string, limit = 50): Promise<AssetVisitRecord[]> {
  const { data } = await db().entities.assetVisit.query.primary({ assetId }).go({ order: 'desc', limit });
  return data;
}

export type Resource =
  | 'customers'
  | 'sites'
  | 'assets'
  | 'engineers'
  | 'parts'
  | 'job-templates'
  | 'depots'
  | 'suppliers';

/** The attribute that identifies a record of each reference list. */
export const keyAttribute: Record<Resource, string> = {
  customers: 'customerId',
  sites: 'siteId',
  assets: 'assetId',
  engineers: 'engineerId',
  parts: 'sku',
  'job-templates': 'jobType',
  depots: 'depotId',
  suppliers: 'supplierId',
};

/** Which reference list a route serves: `GET /v1/job-templates/{id}` → `job-templates`. */
export function resourceOf(routeKey: string): Resource {
  const name = routeKey.split('/')[2] as Resource;
  if (!(name in keyAttribute)) throw new Error(`Route ${routeKey} is not a reference route`);
  return name;
}

/** One page of a reference list, each in its natural order (customers by name, the rest by id). */
export async function listResource(resource: Resource, page: { limit: number; cursor?: string }) {
  const options = { limit: page.limit, cursor: page.cursor ?? null };
  const { entities } = db();
  const query: () => Promise<{ data: unknown[]; cursor: string | null }> = {
    customers: () => entities.customer.query.all({}).go(options),
    // On indexes that hold keys only (shared/db/table.ts): the items are read from the table.
    sites: () => wholeItems(entities.site.query.all({}).go({ ...options, hydrate: true })),
    assets: () => wholeItems(entities.asset.query.all({}).go({ ...options, hydrate: true })),
    engineers: () => entities.engineer.query.all({}).go(options),
    parts: () => entities.part.query.all({}).go(options),
    'job-templates': () => entities.jobTemplate.query.all({}).go(options),
    depots: () => entities.depot.query.all({}).go(options),
    suppliers: () => entities.supplier.query.all({}).go(options),
  }[resource];
  const result = await query();
  return { items: result.data as unknown[], nextCursor: result.cursor };
}

/** One reference record by its id (a SKU for parts, the job type for templates). */
export async function getResource(resource: Resource, id: string): Promise<unknown> {
  return {
    customers: getCustomer,
    sites: getSite,
    assets: getAsset,
    engineers: getEngineer,
    parts: getPart,
    'job-templates': getJobTemplate,
    depots: getDepot,
    suppliers: getSupplier,
  }[resource](id);
}

/** Writes reference records (the local demo seed, an admin import); each put replaces the record whole. */
export async function putReference(records: {
  customers?: CustomerRecord[];
  sites?: SiteRecord[];
  assets?: AssetRecord[];
  engineers?: EngineerRecord[];
  parts?: PartRecord[];
  jobTemplates?: JobTemplateRecord[];
  depots?: DepotRecord[];
  suppliers?: SupplierRecord[];
}): Promise<void> {
  const { entities } = db();
  const batches = [
    records.customers?.length && entities.customer.put(records.customers).go(),
    records.sites?.length && entities.site.put(records.sites).go(),
    records.assets?.length && entities.asset.put(records.assets).go(),
    records.engineers?.length && entities.engineer.put(records.engineers).go(),
    records.parts?.length && entities.part.put(records.parts).go(),
    records.jobTemplates?.length && entities.jobTemplate.put(records.jobTemplates).go(),
    records.depots?.length && entities.depot.put(records.depots).go(),
    records.suppliers?.length && entities.supplier.put(records.suppliers).go(),
  ];
  for (const batch of batches) {
    if (!batch) continue;
    const { unprocessed } = await batch;
    if (unprocessed.length > 0) throw new Error(`${unprocessed.length} reference records were not written`);
  }
}

/** Adds a reference record unless one with its key exists; answers false when it does. */
export async function insertReference(resource: Resource, record: Record<string, unknown>): Promise<boolean> {
  return writeIf(() => entityOf(resource).create(record).go());
}

/** One reference record read consistently, for a change decided from it. */
export async function readReference(resource: Resource, id: string): Promise<Record<string, unknown> | undefined> {
  const { data } = await entityOf(resource)
    .get({ [keyAttribute[resource]]: id })
    .go({ consistent: true });
  return data ?? undefined;
}

/**
 * Sets and clears fields of a reference record and bumps its version, if it is still at the version the change
 * was decided from; answers false when another change came first. No other field is touched.
 */
export async function patchReference(
  resource: Resource,
  id: string,
  change: { set: Record<string, unknown>; remove: string[]; from: number },
): Promise<boolean> {
  let update = entityOf(resource)
    .patch({ [keyAttribute[resource]]: id })
    .set({ ...change.set, version: change.from + 1 });
  if (change.remove.length > 0) update = update.remove(change.remove);
  // A record written before versions were kept is at version 1.
  // biome-ignore lint/suspicious/noExplicitAny: see entityOf.
  const atVersion = (attr: any, op: any) =>
    change.from === 1 ? `${op.eq(attr.version, 1)} OR ${op.notExists(attr.version)}` : op.eq(attr.version, change.from);
  return writeIf(() => update.where(atVersion).go());
}

/** A reference record's version, its ETag. */
export const versionOf = (record: { version?: number }) => record.version ?? 1;

// biome-ignore lint/suspicious/noExplicitAny: one path over eight entities whose ElectroDB types differ; the admin's schemas check the fields.
function entityOf(resource: Resource): any {
  const { entities } = db();
  return {
    customers: entities.customer,
    sites: entities.site,
    assets: entities.asset,
    engineers: entities.engineer,
    parts: entities.part,
    'job-templates': entities.jobTemplate,
    depots: entities.depot,
    suppliers: entities.supplier,
  }[resource];
}

/** Assets on a service plan whose next service is due on or before a day (`YYYY-MM-DD`), soonest first. */
export async function assetsDueBy(day: string): Promise<AssetRecord[]> {
  const { data } = await wholeItems(
    db().entities.asset.query.byServiceDue({}).lte({ nextServiceDue: day }).go({ pages: 'all', hydrate: true }),
  );
  return data;
}
