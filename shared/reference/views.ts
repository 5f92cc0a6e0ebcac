import * as z from 'zod';
import { keyAttribute, type Resource, versionOf } from '../db/reference.ts';
import { Instant, Page, view } from '../http/views.ts';
import { Priority } from '../work-order/model.ts';
import { ChecklistItem } from '../work-order/views.ts';

/*
 * Reference records as the office reads them (they are the office's: the engineer and the customer read what
 * they need of them through their own views, the job pack and the request). Each is an allow-list of the record's
 * fields, its key also as `id`.
 */

/** Every record has its key as `id` and the version `If-Match` names. */
const identity = { id: z.string(), version: z.number().int() };

const Day = z.string().meta({ format: 'date' });
const PartLine = z.object({ sku: z.string(), qty: z.number() });

export const Customer = z
  .object({
    ...identity,
    customerId: z.string(),
    name: z.string(),
    contacts: z.array(
      z.object({
        name: z.string(),
        email: z.string().optional(),
        phone: z.string().optional(),
        notifications: z
          .object({
            optOut: z.boolean().optional(),
            channel: z.enum(['email', 'sms']).optional(),
            quietHours: z.object({ from: z.string(), to: z.string() }).optional(),
          })
          .optional(),
        /** Set when an address bounced for good or complained: messages to it are suppressed. */
        flagged: z.object({ reason: z.string(), at: Instant }).optional(),
      }),
    ),
    emailDomains: z.array(z.string()).optional(),
    accountRef: z.string().optional(),
    contract: z
      .object({
        slaHours: z.partialRecord(Priority, z.number()).optional(),
        callOutFeeMinor: z.number().int().optional(),
        labourRateMinor: z.number().int().optional(),
      })
      .optional(),
    createdAt: Instant,
  })
  .meta({ title: 'Customer' });

export const Site = z
  .object({
    ...identity,
    siteId: z.string(),
    customerId: z.string(),
    name: z.string().optional(),
    address: z.string(),
    postcode: z.string(),
    lat: z.number(),
    lng: z.number(),
    accessInstructions: z.string().optional(),
    hazards: z.array(z.string()).optional(),
    timeZone: z.string().optional(),
    createdAt: Instant,
  })
  .meta({ title: 'Site' });

/** One closed work order in an asset's history, newest first. */
const AssetVisit = z.object({
  workOrderId: z.string(),
  ref: z.string(),
  jobType: z.string(),
  completedAt: Instant,
  outcome: z.string(),
  findings: z.string().optional(),
  workDone: z.string().optional(),
  engineerId: z.string().optional(),
  notes: z.array(z.string()).optional(),
});

export const Asset = z
  .object({
    ...identity,
    assetId: z.string(),
    siteId: z.string(),
    customerId: z.string(),
    type: z.string(),
    make: z.string().optional(),
    model: z.string().optional(),
    installedAt: Day.optional(),
    servicePlan: z.object({ intervalMonths: z.number().int(), jobType: z.string() }).optional(),
    nextServiceDue: Day.optional(),
    lastServicedAt: Instant.optional(),
    createdAt: Instant,
    /** With one asset read: its visits, newest first. */
    history: z.array(AssetVisit).optional(),
  })
  .meta({ title: 'Asset' });

export const Engineer = z
  .object({
    ...identity,
    engineerId: z.string(),
    name: z.string(),
    email: z.string().optional(),
    phone: z.string().optional(),
    skills: z.array(z.string()),
    certifications: z.array(z.object({ code: z.string(), number: z.string(), expiresAt: z.string() })),
    homeBase: z.object({ lat: z.number(), lng: z.number() }),
    shift: z.object({
      days: z.array(z.number().int()),
      start: z.string(),
      end: z.string(),
      break: z.object({ from: z.string(), to: z.string(), minutes: z.number().int() }).optional(),
    }),
    hourlyRateMinor: z.number().int(),
    active: z.boolean(),
    createdAt: Instant,
  })
  .meta({ title: 'Engineer' });

export const Part = z
  .object({
    ...identity,
    sku: z.string(),
    name: z.string(),
    unitPriceMinor: z.number().int(),
    stock: z.number().int(),
    reorderPoint: z.number().int(),
    location: z.string().optional(),
    supplierId: z.string().optional(),
    /**
     * When one part is read: what each depot and van holds of it, as an admin last set it with
     * `POST /v1/parts/{id}/holdings`, less what jobs have used from it since, plus what deliveries have brought.
     */
    holdings: z
      .array(z.object({ holderKind: z.enum(['depot', 'van']), holderId: z.string(), qty: z.number().int() }))
      .optional(),
  })
  .meta({ title: 'Part' });

export const JobTemplate = z
  .object({
    ...identity,
    jobType: z.string(),
    name: z.string(),
    requiredSkills: z.array(z.string()),
    requiredCertifications: z.array(z.string()),
    defaultParts: z.array(PartLine),
    estimatedMinutes: z.number(),
    requiresApproval: z.boolean(),
    approvalThresholdMinor: z.number().int().optional(),
    fixedPriceMinor: z.number().int().optional(),
    safetyNotes: z.string().optional(),
    checklist: z.array(ChecklistItem).optional(),
    requiresSignature: z.boolean().optional(),
  })
  .meta({ title: 'Job template' });

/** A depot where parts are kept, and how to reach it. */
export const Depot = z
  .object({
    ...identity,
    depotId: z.string(),
    name: z.string(),
    address: z.string(),
    location: z.object({ lat: z.number(), lng: z.number() }),
    phone: z.string().optional(),
    createdAt: Instant,
  })
  .meta({ title: 'Depot' });

/** A supplier the business buys parts from; purchase orders are e-mailed to it. */
export const Supplier = z
  .object({
    ...identity,
    supplierId: z.string(),
    name: z.string(),
    email: z.string(),
    phone: z.string().optional(),
    accountRef: z.string().optional(),
    createdAt: Instant,
  })
  .meta({ title: 'Supplier' });

const schemas = {
  customers: Customer,
  sites: Site,
  assets: Asset,
  engineers: Engineer,
  parts: Part,
  'job-templates': JobTemplate,
  depots: Depot,
  suppliers: Supplier,
} satisfies Record<Resource, z.ZodObject>;

const builders = Object.fromEntries(
  Object.entries(schemas).map(([resource, schema]) => [resource, view(schema as z.ZodObject)]),
) as Record<Resource, (value: unknown) => Record<string, unknown>>;

/** The schema of one record of a list: the answer of `GET`, `POST` and `PATCH` on it. */
export const recordSchema = (resource: Resource): z.ZodType => schemas[resource];

/** The schema of a page of a list. */
export const pageSchema = (resource: Resource): z.ZodType => Page(schemas[resource]);

/** A reference record as the office reads it, its key also as `id`, and the version its ETag names. */
export function referenceView(resource: Resource, stored: unknown): Record<string, unknown> {
  const fields = stored as Record<string, unknown> & { version?: number };
  return builders[resource]({ ...fields, id: fields[keyAttribute[resource]], version: versionOf(fields) });
}

/** A job category customers choose from (every role reads the list). */
export const Category = z.object({ id: z.string(), name: z.string(), jobType: z.string(), basePriority: Priority });

export const Categories = Page(Category).meta({ title: 'Job categories' });

export const categoriesView = view(Categories);
