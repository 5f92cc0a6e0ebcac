import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import {
  getCustomer,
  getJobTemplate,
  getParts,
  getSite,
  getSupplier,
  insertReference,
  keyAttribute,
  patchReference,
  type Resource,
  readReference,
  versionOf,
} from '../db/reference.ts';
import { backoff } from '../db/service.ts';
import { Conflict, NotFound, StoreConflict, ValidationFailed, VersionMismatch } from '../errors.ts';
import { generatedPrefix, keyField } from './schemas.ts';

type Fields = Record<string, unknown>;

/**
 * Adds a customer, site, asset, engineer, part, job template, depot or supplier (an admin's, its body checked by
 * `createSchema`). The key is the admin's (`id`, `sku`, `jobType`) or made here: from the caller's `Idempotency-Key`
 * when it sends one, so a retry after a fault finds the record its first try wrote, else a new ULID. A key the admin
 * chose that is already taken is a 409, so a create never overwrites. What the record refers to must exist: a site's
 * customer, an asset's site (whose customer it takes), a plan's job template, a template's parts.
 */
export async function createReference(
  resource: Resource,
  body: Fields,
  retry?: { scope: string; idempotencyKey: string },
): Promise<Fields> {
  const { [keyField[resource]]: chosen, ...fields } = body;
  const id = (chosen as string | undefined) ?? generatedId(resource, retry);
  const record = { ...(await checked(resource, dropNulls(fields))), [keyAttribute[resource]]: id, version: 1 };
  if (resource !== 'parts' && resource !== 'job-templates') record.createdAt = new Date().toISOString();
  if (await insertReference(resource, record)) return record;
  const earlier = chosen === undefined && retry ? await readReference(resource, id) : undefined;
  if (earlier) return earlier;
  throw new Conflict('reference.exists', `There is already a ${singular(resource)} ${id}.`);
}

function generatedId(resource: Resource, retry?: { scope: string; idempotencyKey: string }): string {
  const unique = retry
    ? createHash('sha256').update(`${retry.scope}\n${retry.idempotencyKey}`).digest('hex').slice(0, 26)
    : ulid().toLowerCase();
  return `${generatedPrefix[resource]}_${unique}`;
}

/**
 * Changes some fields of a reference record; `null` clears an optional one (an asset's service plan). Fields
 * that would rewrite history (a site's customer, an asset's site) are not among those a PATCH accepts. The change
 * is made from the version `If-Match` names (412 when another change came first); with `If-Match: *`, from the
 * latest, read again when a concurrent change wins the race.
 */
export async function updateReference(
  resource: Resource,
  id: string,
  patch: Fields,
  expectedVersion: number | undefined,
): Promise<Fields> {
  const cleared = Object.keys(patch).filter((field) => patch[field] === null);
  const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null));
  for (let attempt = 0; attempt < contendedAttempts; attempt++) {
    const current = await readReference(resource, id);
    if (!current) throw new NotFound(singular(resource), id);
    const from = versionOf(current);
    if (expectedVersion !== undefined && expectedVersion !== from) throw stale(resource, from);
    const record = await checked(resource, dropNulls({ ...current, ...patch }));
    if (await patchReference(resource, id, { set, remove: cleared, from })) return { ...record, version: from + 1 };
    if (expectedVersion !== undefined) throw stale(resource, from + 1);
    await backoff(attempt);
  }
  throw new StoreConflict();
}

/** Enough for a handful of admins saving the same record at once; past it, 503 with Retry-After. */
const contendedAttempts = 10;

const stale = (resource: Resource, current: number) =>
  new VersionMismatch(current, { code: 'reference', noun: singular(resource).replace('_', ' ') });

/** The record with what it refers to checked, and what derives from that filled in. */
async function checked(resource: Resource, fields: Fields): Promise<Fields> {
  switch (resource) {
    case 'sites': {
      if (!(await getCustomer(fields.customerId as string))) throw new NotFound('customer', String(fields.customerId));
      return fields;
    }
    case 'assets': {
      const site = await getSite(fields.siteId as string);
      if (!site) throw new NotFound('site', String(fields.siteId));
      const plan = fields.servicePlan as { jobType: string } | undefined;
      if (plan && !(await getJobTemplate(plan.jobType))) {
        throw invalid('servicePlan.jobType', `No job template ${plan.jobType}.`);
      }
      if (plan && !fields.nextServiceDue) {
        throw invalid('nextServiceDue', 'An asset on a service plan needs the date its next service is due.');
      }
      return { ...fields, customerId: site.customerId };
    }
    case 'parts': {
      if (fields.supplierId && !(await getSupplier(fields.supplierId as string))) {
        throw invalid('supplierId', `No supplier ${fields.supplierId}.`);
      }
      return fields;
    }
    case 'job-templates': {
      const skus = (fields.defaultParts as Array<{ sku: string }>).map((line) => line.sku);
      const known = new Set((await getParts(skus)).map((part) => part.sku));
      const unknown = skus.find((sku) => !known.has(sku));
      if (unknown) throw invalid('defaultParts', `No part ${unknown}.`);
      return fields;
    }
    default:
      return fields;
  }
}

function invalid(path: string, message: string): ValidationFailed {
  return new ValidationFailed(message, [{ path: `body.${path}`, message }]);
}

function dropNulls(fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined));
}

function singular(resource: Resource): string {
  return resource.replace(/s$/, '').replace('-', '_');
}
