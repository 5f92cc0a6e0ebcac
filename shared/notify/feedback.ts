import * as z from 'zod';
import { suppress } from '../db/messages.ts';
import { listAllCustomers, patchReference, versionOf } from '../db/reference.ts';
import { logger } from '../observability.ts';

/**
 * What SES's configuration set reports about a message (its event publishing, through SNS): a permanent bounce or a
 * complaint. SES's older notification format (`notificationType`) is read alike.
 */
export const SesFeedback = z.looseObject({
  eventType: z.string().optional(),
  notificationType: z.string().optional(),
  bounce: z
    .looseObject({
      bounceType: z.string(),
      bounceSubType: z.string().optional(),
      bouncedRecipients: z.array(z.looseObject({ emailAddress: z.string() })),
      timestamp: z.string().optional(),
    })
    .optional(),
  complaint: z
    .looseObject({
      complainedRecipients: z.array(z.looseObject({ emailAddress: z.string() })),
      complaintFeedbackType: z.string().optional(),
      timestamp: z.string().optional(),
    })
    .optional(),
});
export type SesFeedback = z.infer<typeof SesFeedback>;

/**
 * Suppresses the addresses that bounced for good or complained, and flags each customer contact with one, so the
 * office sees why they hear nothing and can correct the address. A transient bounce (a full mailbox) suppresses
 * nothing. Answers the addresses suppressed.
 */
export async function recordFeedback(feedback: SesFeedback, now = new Date()): Promise<string[]> {
  const kind = feedback.eventType ?? feedback.notificationType;
  const found =
    kind === 'Bounce' && feedback.bounce?.bounceType === 'Permanent'
      ? {
          reason: 'bounce' as const,
          detail: `Bounced for good (${feedback.bounce.bounceSubType ?? 'General'})`,
          addresses: feedback.bounce.bouncedRecipients.map((r) => r.emailAddress),
        }
      : kind === 'Complaint' && feedback.complaint
        ? {
            reason: 'complaint' as const,
            detail: `Marked as spam (${feedback.complaint.complaintFeedbackType ?? 'complaint'})`,
            addresses: feedback.complaint.complainedRecipients.map((r) => r.emailAddress),
          }
        : undefined;
  if (!found) return [];
  const addresses = [...new Set(found.addresses.map(bareAddress))];
  const at = now.toISOString();
  for (const address of addresses) {
    await suppress({ address, reason: found.reason, detail: found.detail, at });
    await flagContacts(address, { reason: found.detail, at });
  }
  logger.info('addresses suppressed', { reason: found.reason, count: addresses.length });
  return addresses;
}

/** `Jo <jo@example.com>` → `jo@example.com`, lower-cased. */
const bareAddress = (address: string) => (/<([^>]+)>/.exec(address)?.[1] ?? address).trim().toLowerCase();

/** Flags every contact with this address; a change racing the flag makes it read again and retry. */
async function flagContacts(address: string, flagged: { reason: string; at: string }): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const customers = (await listAllCustomers()).filter((c) =>
      c.contacts.some((contact) => contact.email?.toLowerCase() === address && !contact.flagged),
    );
    if (customers.length === 0) return;
    let clean = true;
    for (const customer of customers) {
      const contacts = customer.contacts.map((contact) =>
        contact.email?.toLowerCase() === address ? { ...contact, flagged } : contact,
      );
      const done = await patchReference('customers', customer.customerId, {
        set: { contacts },
        remove: [],
        from: versionOf(customer),
      });
      if (!done) clean = false;
    }
    if (clean) return;
  }
}
