import { ulid } from 'ulid';
import {
  getCustomer,
  getJobTemplate,
  getParts,
  getResource,
  getSite,
  insertReference,
  keyAttribute,
  patchReference,
  type Resource,
} from '../db/reference.ts';
import { Conflict, NotFound, ValidationFailed } from '../errors.ts';
import { generatedPrefix, keyField } from './schemas.ts';

type Fields = Record<string, unknown>;

/**
 * Adds a customer, site, asset, engineer, part or job template (an admin's, its body checked by `createSchema`). The key is the admin's (`id`, `sku`,
 * `jobType`) or made here; a key already taken is a 409, so a retried create never overwrites. What the record
 * refers to must exist: a site's customer, an asset's site (whose customer it takes), a plan's job template, a
 * template's parts.
 */
export async function createReference(resource: Resource, body: Fields): Promise<Fields> {
  const { [keyField[resource]]: chosen, ...fields } = body;
  const prefix = generatedPrefix[resource];
  const id = (chosen as string | undefined) ?? `${prefix}_${ulid().toLowerCase()}`;
  const record = { ...(await checked(resource, dropNulls(fields))), [keyAttribute[resource]]: id };
  if (resource !== 'parts' && resource !== 'job-templates') record.createdAt = new Date().toISOString();
  if (!(await insertReference(resource, record))) {
    throw new Conflict('reference.exists', `There is already a ${singular(resource)} ${id}.`);
  }
  return record;
}

/**
 * Changes some fields of a reference record; `null` clears an optional one (an asset's service plan). Fields
 * that would rewrite history (a site's customer, an asset's site) are not among those a PATCH accepts.
 */
export async function updateReference(resource: Resource, id: string, patch: Fields): Promise<Fields> {
  const current = (await getResource(resource, id)) as Fields | undefined;
  if (!current) throw new NotFound(singular(resource), id);
  const record = await checked(resource, dropNulls({ ...current, ...patch }));
  const cleared = Object.keys(patch).filter((field) => patch[field] === null);
  const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null));
  await patchReference(resource, id, { set, remove: cleared });
  return record;
}

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
