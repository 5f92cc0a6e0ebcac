import { type CustomerRecord, getAsset, getParts, getSite, type SiteRecord } from '../db/reference.ts';
import { NotFound, ValidationFailed } from '../errors.ts';

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

/**
 * The catalogue entries of the parts a write names (a job's parts, a quote's lines, parts used or requested on
 * site): a SKU not in the catalogue is 400, with every unknown one named at `path`.
 */
export async function knownParts(parts: Array<{ sku: string }>, path = 'body.parts') {
  const found = await getParts(parts.map((p) => p.sku));
  const unknown = [...new Set(parts.map((p) => p.sku).filter((sku) => !found.some((part) => part.sku === sku)))];
  if (unknown.length > 0) {
    throw new ValidationFailed(`Unknown part(s): ${unknown.join(', ')}.`, [
      { path, message: `Not in the catalogue: ${unknown.join(', ')}.` },
    ]);
  }
  return found;
}
