import * as z from 'zod';
import type { InboundMessageRecord } from '../db/inbound-mail.ts';
import { Instant, Page, view } from '../http/views.ts';

/** An e-mail received, as the office reads it: who sent it, where the raw message is kept, what became of it and why. */
export const InboundMail = z
  .object({
    id: z.string(),
    receivedAt: Instant,
    objectKey: z.string(),
    sizeBytes: z.number().int(),
    messageId: z.string().optional(),
    from: z.string().optional(),
    subject: z.string().optional(),
    outcome: z.enum(['receiving', 'logged', 'linked', 'rejected']),
    code: z.string().optional(),
    reason: z.string().optional(),
    workOrderId: z.string().optional(),
    unverified: z.array(z.string()).optional(),
    leftOut: z.array(z.object({ filename: z.string(), reason: z.string() })).optional(),
  })
  .meta({ title: 'Inbound mail' });

/** Every e-mail received, newest first. */
export const InboundMailPage = Page(InboundMail).meta({ title: 'Inbound mail' });

const asInboundMail = view(InboundMail);

export function inboundMailView(record: InboundMessageRecord) {
  return asInboundMail({ ...record, id: record.messageKey });
}

/** What a planned maintenance run booked: each asset's service due within the horizon, with its work order. */
export const PlannedRun = z
  .object({
    horizon: z.string().meta({ format: 'date' }),
    booked: z.array(
      z.object({
        assetId: z.string(),
        dueDate: z.string().meta({ format: 'date' }),
        workOrderId: z.string(),
        ref: z.string(),
      }),
    ),
  })
  .meta({ title: 'Planned maintenance run' });

export const plannedRunView = view(PlannedRun);
