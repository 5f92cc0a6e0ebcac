import * as z from 'zod';
import type { Resource } from '../db/reference.ts';
import { minuteOfDay } from '../time/zone.ts';
import { LatLng, PartLine, Priority, Reading, TimeZoneName } from '../work-order/model.ts';

/**
 * What an admin may send for each reference list (`POST /v1/{resource}`, `PATCH /v1/{resource}/{id}`): strict, so an
 * unknown field is a 400, and shaped as the records are stored. Keys an admin chooses (`id`, a part's `sku`, a
 * template's `jobType`) are short slugs, since they appear in URLs, tokens and work orders.
 */
const text = (max: number) => z.string().trim().min(1).max(max);
const Slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{1,63}$/,
    'Use 2 to 64 lower-case letters, digits, "_" or "-", starting with a letter or digit.',
  );
/** Part numbers as suppliers print them (`VALVE-22`, `pcb.0042`). */
const Sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Up to 64 letters, digits, ".", "_" or "-".');
const Day = z.iso.date();
const Minor = z.number().int().nonnegative().max(100_000_000);
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'A domain such as example.co.uk.');

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time such as 21:00.');

/** How a contact wants to hear from the business (shared/notify/channels.ts decides by it). */
const NotificationPreferences = z.strictObject({
  /** Nothing is sent to them at all. */
  optOut: z.boolean().optional(),
  /** Their channel for every message; a mobile number gets "on the way" and "arrived" by SMS anyway. */
  channel: z.enum(['email', 'sms']).optional(),
  /** No SMS between these local times (the business's time zone); e-mail goes instead where there is one. */
  quietHours: z.strictObject({ from: ClockTime, to: ClockTime }).optional(),
});

const Contact = z.strictObject({
  name: text(200),
  email: z.email().max(254).optional(),
  phone: text(40).optional(),
  notifications: NotificationPreferences.optional(),
});

const Contract = z.strictObject({
  slaHours: z
    .partialRecord(
      Priority,
      z
        .number()
        .positive()
        .max(24 * 90),
    )
    .optional(),
  callOutFeeMinor: Minor.optional(),
  labourRateMinor: Minor.optional(),
});

const Certification = z.strictObject({
  code: Slug,
  number: text(64),
  expiresAt: z.union([Day, z.iso.datetime({ offset: true })]),
});

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

const Shift = z
  .strictObject({
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7),
    start: Time,
    end: Time,
    break: z
      .strictObject({ from: Time, to: Time, minutes: z.number().int().min(5).max(120) })
      .optional()
      .meta({ description: 'A break of `minutes` taken between `from` and `to`, where the day’s work lets it fall.' }),
    hours: z
      .partialRecord(z.enum(['1', '2', '3', '4', '5', '6', '7']), z.strictObject({ start: Time, end: Time }))
      .optional()
      .meta({
        description: 'Hours that differ on a weekday worked, keyed by its number ("5": Friday): a short Friday.',
      }),
  })
  .refine(
    (shift) => [shift, ...Object.values(shift.hours ?? {})].every((hours) => hours && hours.start < hours.end),
    'A shift ends after it starts, on the same day.',
  )
  .refine((shift) => Object.keys(shift.hours ?? {}).every((day) => shift.days.includes(Number(day))), {
    message: 'Own hours are for the days worked.',
    path: ['hours'],
  })
  .refine(
    (shift) =>
      !shift.break ||
      (shift.break.from >= shift.start &&
        shift.break.to <= shift.end &&
        (minuteOfDay(shift.break.to) ?? 0) - (minuteOfDay(shift.break.from) ?? 0) >= shift.break.minutes),
    { message: 'A break falls within the shift, in a window at least as long as it.', path: ['break'] },
  );

const ChecklistItem = z
  .strictObject({
    id: Slug,
    label: text(200),
    kind: z.enum(['boolean', 'number', 'text', 'photo']),
    required: z.boolean(),
    min: Reading.optional(),
    max: Reading.optional(),
    unit: text(16).optional(),
  })
  .refine((item) => item.min === undefined || item.max === undefined || item.min <= item.max, 'min is above max.');

const ServicePlan = z.strictObject({ intervalMonths: z.number().int().min(1).max(120), jobType: Slug });

/** The fields of each list an admin sets; `nullable` marks those a PATCH may clear with `null`. */
const fields = {
  customers: z.strictObject({
    name: text(200),
    contacts: z.array(Contact).min(1).max(20),
    emailDomains: z.array(Domain).max(20).optional(),
    contract: Contract.optional(),
    accountRef: z
      .string()
      .regex(/^[A-Z0-9]{1,8}$/, 'An account reference is 1 to 8 capital letters and digits, as Sage 50 keeps it.')
      .nullable()
      .optional()
      .meta({ description: 'The customer’s account in the accounting product, which the invoice exports name.' }),
  }),
  sites: z.strictObject({
    customerId: Slug,
    name: text(200).optional(),
    address: text(300),
    postcode: text(16),
    lat: LatLng.shape.lat,
    lng: LatLng.shape.lng,
    accessInstructions: z.string().trim().max(2000).optional(),
    hazards: z.array(text(200)).max(50).optional(),
    timeZone: TimeZoneName.optional().meta({
      description:
        'Where the site is, when not in the business’s own zone: its customers’ windows and messages are in it.',
    }),
  }),
  assets: z.strictObject({
    siteId: Slug,
    type: text(64),
    make: text(100).optional(),
    model: text(100).optional(),
    installedAt: Day.optional(),
    servicePlan: ServicePlan.nullable().optional(),
    nextServiceDue: Day.nullable().optional(),
  }),
  engineers: z.strictObject({
    name: text(200),
    email: z.email().max(254).optional(),
    phone: text(40).optional(),
    skills: z.array(Slug).max(50),
    certifications: z.array(Certification).max(50),
    homeBase: LatLng,
    shift: Shift,
    hourlyRateMinor: Minor,
    active: z.boolean(),
  }),
  parts: z.strictObject({
    name: text(200),
    unitPriceMinor: Minor,
    stock: z.number().int().nonnegative().max(1_000_000),
    reorderPoint: z.number().int().nonnegative().max(1_000_000),
    location: text(100).optional(),
    supplierId: Slug.nullable().optional(),
  }),
  'job-templates': z.strictObject({
    name: text(200),
    requiredSkills: z.array(Slug).max(20),
    requiredCertifications: z.array(Slug).max(20),
    defaultParts: z.array(PartLine).max(100),
    estimatedMinutes: z.number().int().positive().max(10_000),
    requiresApproval: z.boolean(),
    approvalThresholdMinor: Minor.optional(),
    fixedPriceMinor: Minor.optional(),
    safetyNotes: z.string().trim().max(2000).optional(),
    checklist: z.array(ChecklistItem).max(100).optional(),
    requiresSignature: z.boolean().optional(),
  }),
  depots: z.strictObject({
    name: text(200),
    address: text(300),
    location: LatLng,
    phone: text(40).optional(),
  }),
  suppliers: z.strictObject({
    name: text(200),
    email: z.email().max(254),
    phone: text(40).optional(),
    accountRef: text(64).nullable().optional(),
  }),
} satisfies Record<Resource, z.ZodObject>;

/** The attribute that keys each list, as the create body names it. */
export const keyField: Record<Resource, string> = {
  customers: 'id',
  sites: 'id',
  assets: 'id',
  engineers: 'id',
  parts: 'sku',
  'job-templates': 'jobType',
  depots: 'id',
  suppliers: 'id',
};

/** Keys chosen by the system when the body gives none; parts and templates are always named by the admin. */
export const generatedPrefix: Partial<Record<Resource, string>> = {
  customers: 'cus',
  sites: 'site',
  assets: 'asset',
  engineers: 'eng',
  depots: 'depot',
  suppliers: 'sup',
};

/** Fields fixed at creation left out: moving a site to another customer, or an asset to another site, would rewrite history. */
const updatable: Record<Resource, z.ZodObject> = {
  ...fields,
  sites: fields.sites.omit({ customerId: true }),
  assets: fields.assets.omit({ siteId: true }),
};

/** The body of `POST /v1/{resource}`. */
export function createSchema(resource: Resource): z.ZodType {
  const schema: z.ZodObject = fields[resource];
  const key = resource === 'parts' ? Sku : generatedPrefix[resource] ? Slug.optional() : Slug;
  return schema.extend({ [keyField[resource]]: key });
}

/** The body of `PATCH /v1/{resource}/{id}`: any of the fields but the fixed ones, at least one. */
export function updateSchema(resource: Resource): z.ZodType {
  return updatable[resource]
    .partial()
    .refine((body) => Object.keys(body).length > 0, 'Send at least one field to change.');
}
