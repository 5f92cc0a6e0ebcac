import * as z from 'zod';
import type { DocumentRecord } from '../db/documents.ts';
import type { MessageRecord } from '../db/messages.ts';
import { Instant, Page, view } from '../http/views.ts';

/** A message to a customer or the office, as the office (and, for their own, the customer) reads it. */
export const Message = z
  .object({
    id: z.string(),
    workOrderId: z.string().optional(),
    audience: z.enum(['customer', 'office', 'supplier']),
    template: z.string(),
    channel: z.enum(['email', 'sms']),
    to: z.string(),
    subject: z.string().optional(),
    text: z.string(),
    status: z.enum(['sending', 'sent', 'skipped']).meta({
      description: '`skipped`: decided against, with `reason` (opted out, a suppressed address, quiet hours).',
    }),
    reason: z.string().optional(),
    attachments: z.array(z.object({ documentId: z.string(), filename: z.string() })),
    createdAt: Instant,
    sentAt: Instant.optional(),
  })
  .meta({ title: 'Message' });

export const MessageList = z.object({ items: z.array(Message) }).meta({ title: 'Messages' });

/** The local outbox: every message sent, newest first. */
export const OutboxList = z
  .object({ items: z.array(Message.extend({ html: z.string().optional(), eventId: z.string() })) })
  .meta({ title: 'Local outbox' });

const asMessage = view(Message);

export function messageView(record: MessageRecord) {
  return asMessage({ ...record, id: record.messageId, attachments: record.attachments ?? [] });
}

const asOutboxItem = view(OutboxList.shape.items.element);

export function outboxView(record: MessageRecord) {
  return asOutboxItem({ ...record, id: record.messageId, attachments: record.attachments ?? [] });
}

/** A document with a link to it that works for five minutes: ask again for a fresh one. */
export const Document = z
  .object({
    id: z.string(),
    kind: z.enum(['job_report', 'invoice', 'quote', 'gas_safety_record', 'purchase_order']),
    title: z.string(),
    workOrderId: z.string().optional(),
    customerId: z.string(),
    createdAt: Instant,
    url: z.string().meta({ format: 'uri', description: 'A short-lived link to the PDF.' }),
  })
  .meta({ title: 'Document' });

export const DocumentPage = Page(Document).meta({ title: 'Documents' });

const asDocument = view(Document);

export function documentView(record: DocumentRecord & { url: string }) {
  return asDocument({ ...record, id: record.documentId });
}
