import type { Contact } from '../db/entities/customer.ts';
import { defaultTimeZone, localMinuteOfDay, minuteOfDay } from '../time/zone.ts';
import { type TemplateName, timeCritical } from './templates.ts';

/** How one message goes, or why it does not. */
export type Delivery = { channel: 'email' | 'sms'; to: string } | { skipped: string; to: string };

/**
 * How a customer's contact gets a message, by their preferences:
 * - opted out: nothing;
 * - a time-critical message (on the way, arrived), or any message for a contact who chose SMS, goes by SMS to a
 *   mobile number, unless it is their quiet hours, when it goes by e-mail instead (or not at all without one);
 * - anything else goes by e-mail, or by SMS to a mobile when there is no e-mail address.
 * Suppressed addresses (bounced, complained) are never used; `suppressed` says which are.
 */
export function deliveryFor(options: {
  template: TemplateName;
  contact: Contact | undefined;
  suppressed: (address: string) => boolean;
  at: Date;
  /** The business's, where quiet hours are read: Europe/London unless given. */
  timeZone?: string;
}): Delivery {
  const { contact, template } = options;
  const preferences = contact?.notifications ?? {};
  const email = contact?.email && !options.suppressed(contact.email) ? contact.email : undefined;
  const mobile = contact?.phone ? ukMobile(contact.phone) : undefined;
  const sms = mobile && !options.suppressed(mobile) ? mobile : undefined;
  const anyAddress = contact?.email ?? contact?.phone ?? '';
  if (preferences.optOut) return { skipped: 'The contact opted out of messages.', to: anyAddress };
  const quiet = preferences.quietHours ? within(preferences.quietHours, options.at, options.timeZone) : false;
  const wantsSms = timeCritical.has(template) || preferences.channel === 'sms';
  if (wantsSms && sms && !quiet) return { channel: 'sms', to: sms };
  if (email) return { channel: 'email', to: email };
  if (sms && !quiet) return { channel: 'sms', to: sms };
  if (sms && quiet) return { skipped: 'Within the contact’s quiet hours for SMS, and no e-mail address.', to: sms };
  if (contact?.email || mobile) return { skipped: 'The contact’s address is suppressed.', to: anyAddress };
  return { skipped: 'The contact has no e-mail address or mobile number.', to: anyAddress };
}

/**
 * A UK mobile number in E.164 (`+447...`), from the ways people write one (`07700 900123`, `+44 7700 900123`,
 * `0044 7700...`); undefined for a landline or anything else.
 */
export function ukMobile(phone: string): string | undefined {
  const digits = phone.replace(/[\s()-]/g, '');
  const national = /^(?:\+44|0044|0)(7\d{9})$/.exec(digits)?.[1];
  return national ? `+44${national}` : undefined;
}

/** Whether `at` is within a daily window of local times (which may run past midnight, e.g. 21:00 to 08:00). */
export function within(window: { from: string; to: string }, at: Date, timeZone = defaultTimeZone): boolean {
  const now = localMinuteOfDay(at.getTime(), timeZone);
  const from = minuteOfDay(window.from) ?? 0;
  const to = minuteOfDay(window.to) ?? 0;
  return from <= to ? now >= from && now < to : now >= from || now < to;
}
