import { CustomAttributeType, Entity } from 'electrodb';

/** A document sent with a message (the invoice's PDF...): read from the bucket when the message goes out. */
export interface MessageAttachment {
  documentId: string;
  filename: string;
}

/**
 * A message to a customer or the office (e-mail or SMS), one per event and audience: its id derives from the
 * change-feed event that caused it (`<eventId>.<audience>`; an appointment's from its work order and window, so
 * the same window is never announced twice), so a replayed event finds it and nothing is sent twice. Written as `sending` before the provider is called and `sent` after; a `sending` left by a crash is
 * taken over once it is stale. Listed per work order or quote (gsi1, in the order of their events) and, for the local outbox, all
 * together (gsi2, keys only).
 */
export const message = new Entity({
  model: { entity: 'message', version: '1', service: 'fieldops' },
  attributes: {
    messageId: { type: 'string', required: true },
    /** The change-feed event that caused it. */
    eventId: { type: 'string', required: true },
    /** The work order (or quote) it is about: where it is listed. */
    about: { type: 'string', required: true },
    workOrderId: { type: 'string' },
    customerId: { type: 'string' },
    audience: { type: ['customer', 'office', 'supplier'] as const, required: true },
    template: { type: 'string', required: true },
    channel: { type: ['email', 'sms'] as const, required: true },
    to: { type: 'string', required: true },
    subject: { type: 'string' },
    text: { type: 'string', required: true },
    html: { type: 'string' },
    attachments: { type: CustomAttributeType<MessageAttachment[]>('any') },
    /** `skipped` records why a message was not sent (opted out, suppressed, quiet hours), so it is decided once. */
    status: { type: ['sending', 'sent', 'skipped'] as const, required: true },
    reason: { type: 'string' },
    claimedAt: { type: 'string', required: true },
    sentAt: { type: 'string' },
    /** What the message told that a later one compares with: an appointment's window (`2026-12-03T10`). */
    detail: { type: 'string' },
    /** The provider's id for it (SES MessageId, SMS MessageId), or `local` on the embedded default. */
    providerId: { type: 'string' },
    /** Failed sends so far (the provider refused or was down); the queue retries the event. */
    failures: { type: 'number' },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['messageId'] }, sk: { field: 'sk', composite: [] } },
    byAbout: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['about'] },
      sk: { field: 'gsi1sk', composite: ['eventId', 'audience'] },
    },
    all: {
      index: 'gsi2',
      pk: { field: 'gsi2pk', composite: [] },
      sk: { field: 'gsi2sk', composite: ['eventId', 'audience'] },
    },
  },
});
