import { type CustomerRecord, getAsset, getParts, getSite, type SiteRecord } from '../db/reference.ts';
import { NotFound, ValidationFailed } from '../errors.ts';
import type { PartLine } from './model.ts';

/**
 * The checks every write that sets a reference on a job makes, creation and edits alike: what a work order names
 * must exist and belong to its customer.
 */

/** The customer's site; another customer's is reported exactly like a missing one (never reveal that it exists). */
export async function ownSite(customer: CustomerRecord, siteId: string): Promise<SiteRecord> {
  const site = await getSite(siteId);
  if (!site || site.customerId !== customer.customerId) throw new NotFound('site', siteId);
  return site;
}

/** The customer's asset, at the site when one is given; another customer's is reported as missing. */
export async function ownAsset(customer: CustomerRecord, assetId: string, site: SiteRecord | undefined) {
  const asset = await getAsset(assetId);
  if (!asset || asset.customerId !== customer.customerId || (site && asset.siteId !== site.siteId)) {
    throw new NotFound('asset', assetId);
  }
  return asset;
}

/** The catalogue entries of the parts a job names: a SKU not in the catalogue is 400. */
export async function knownParts(parts: PartLine[]) {
  const found = await getParts(parts.map((p) => p.sku));
  const unknown = parts.find((p) => !found.some((part) => part.sku === p.sku));
  if (unknown) {
    throw new ValidationFailed(`Unknown part ${unknown.sku}.`, [
      { path: 'body.parts', message: 'Not in the catalogue.' },
    ]);
  }
  return found;
}
