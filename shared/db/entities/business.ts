import { CustomAttributeType, Entity } from 'electrodb';
import type { AccountingSettings } from '../../accounting/settings.ts';

/** A template's wording of the business's own, replacing the default's parts it names (Mustache, see shared/notify). */
export interface TemplateOverride {
  subject?: string;
  text?: string;
  html?: string;
  sms?: string;
}

/**
 * The business itself: the name, address and numbers its documents and messages carry, where office notifications
 * go, and its own wording of any message template. One item; the defaults stand until the office sets it.
 */
export const business = new Entity({
  model: { entity: 'business', version: '1', service: 'fieldops' },
  attributes: {
    /** Bumped by every change: the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', required: true },
    name: { type: 'string', required: true },
    address: { type: 'list', items: { type: 'string' }, required: true },
    phone: { type: 'string' },
    email: { type: 'string' },
    website: { type: 'string' },
    vatNumber: { type: 'string' },
    companyNumber: { type: 'string' },
    gasSafeRegistration: { type: 'string' },
    /** A small PNG as a data: URL, drawn on documents and shown in e-mails. */
    logo: { type: 'string' },
    paymentTermsDays: { type: 'number', required: true },
    /** Its IANA time zone: shifts, booked windows, days and documents are its local time. Europe/London when absent. */
    timeZone: { type: 'string' },
    bankDetails: { type: 'string' },
    /** What an emergency costs the customer when the engineer on call goes out to it, minor units, before VAT. */
    outOfHoursCallOutMinor: { type: 'number' },
    /** Where office notifications go (SLA at risk, a job flagged, a parts request). */
    officeEmail: { type: 'string' },
    templates: { type: CustomAttributeType<Record<string, TemplateOverride>>('any') },
    /** How its sales post in its accounting product (shared/accounting/settings.ts); the defaults when absent. */
    accounting: { type: CustomAttributeType<AccountingSettings>('any') },
    updatedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: [] }, sk: { field: 'sk', composite: [] } },
  },
});
