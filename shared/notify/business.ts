import * as z from 'zod';
import { AccountingSettings } from '../accounting/settings.ts';
import { type BusinessRecord, getBusiness, putBusiness } from '../db/business.ts';
import { VersionMismatch } from '../errors.ts';
import { Instant, view } from '../http/views.ts';
import { defaultTimeZone } from '../time/zone.ts';
import { TimeZoneName } from '../work-order/model.ts';
import { templateNames } from './templates.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const TemplateText = z.string().max(10_000);

/** The business's own wording of a message: any part left out keeps the default's. */
const TemplateOverride = z.strictObject({
  subject: TemplateText.optional(),
  text: TemplateText.optional(),
  html: TemplateText.optional(),
  sms: z.string().max(640).optional(),
});

/** What the office may change about the business; a field sent as null is cleared. */
export const UpdateBusiness = z.strictObject({
  name: text(200).optional(),
  address: z.array(text(200)).max(8).optional(),
  phone: text(40).nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  website: z.url().max(300).nullable().optional(),
  vatNumber: text(32).nullable().optional(),
  companyNumber: text(32).nullable().optional(),
  gasSafeRegistration: text(32).nullable().optional(),
  logo: z
    .string()
    .max(200_000)
    .regex(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/, 'A PNG as a data: URL.')
    .nullable()
    .optional(),
  paymentTermsDays: z.number().int().min(0).max(365).optional(),
  timeZone: TimeZoneName.nullable()
    .optional()
    .meta({ description: 'Shifts, booked windows and days are its local time; Europe/London when unset.' }),
  bankDetails: text(300).nullable().optional(),
  outOfHoursCallOutMinor: z
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .nullable()
    .optional()
    .meta({
      description:
        'The charge for an emergency the engineer on call goes out to, outside their shift (pence, before VAT): ' +
        'invoiced in place of the contract’s call-out fee.',
    }),
  officeEmail: z.email().max(254).nullable().optional(),
  templates: z
    .partialRecord(z.enum(templateNames), TemplateOverride)
    .nullable()
    .optional()
    .meta({ description: 'Mustache templates by message name; see GET /v1/business for the defaults in use.' }),
  accounting: AccountingSettings.nullable().optional(),
});
export type UpdateBusiness = z.infer<typeof UpdateBusiness>;

export const Business = z
  .object({
    version: z.number().int(),
    name: z.string(),
    address: z.array(z.string()),
    phone: z.string().optional(),
    email: z.string().optional(),
    website: z.string().optional(),
    vatNumber: z.string().optional(),
    companyNumber: z.string().optional(),
    gasSafeRegistration: z.string().optional(),
    logo: z.string().optional(),
    paymentTermsDays: z.number().int(),
    timeZone: z.string(),
    bankDetails: z.string().optional(),
    outOfHoursCallOutMinor: z.number().int().optional(),
    officeEmail: z.string().optional(),
    templates: z.record(z.string(), TemplateOverride).optional(),
    accounting: AccountingSettings.optional(),
    updatedAt: Instant,
  })
  .meta({ title: 'Business' });

const asBusiness = view(Business);

/** The business as the API shows it: with the time zone it is in, set or not. */
export const businessView = (record: BusinessRecord) =>
  asBusiness({ ...record, timeZone: record.timeZone ?? defaultTimeZone });

/** Changes the business's details from the version the office read (`If-Match`); 412 when it has moved on. */
export async function updateBusiness(
  change: UpdateBusiness,
  expectedVersion: number | undefined,
): Promise<BusinessRecord> {
  const current = await getBusiness();
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw new VersionMismatch(current.version, { code: 'business', noun: 'business' });
  }
  const next: Record<string, unknown> = { ...current, updatedAt: new Date().toISOString() };
  for (const [field, value] of Object.entries(change)) {
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  const { version: _, ...fields } = next as BusinessRecord;
  if (!(await putBusiness(fields, current.version))) {
    throw new VersionMismatch((await getBusiness()).version, { code: 'business', noun: 'business' });
  }
  return getBusiness();
}
