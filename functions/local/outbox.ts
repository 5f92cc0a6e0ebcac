import * as z from 'zod';
import { listMessagesAbout, listOutbox } from '#shared/db/messages.ts';
import { api, ok } from '#shared/http/api.ts';
import { OutboxList, outboxView } from '#shared/notify/views.ts';

const Query = z.strictObject({
  workOrderId: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * Local mode only: every message the embedded default sent (it sends none for real, unless an SMTP relay is set),
 * newest first, or a work order's (`?workOrderId=`).
 */
export const handler = api({
  auth: false,
  query: Query,
  response: { status: 200, body: OutboxList },
}).handler(async ({ query }) => {
  const messages = query.workOrderId
    ? (await listMessagesAbout(query.workOrderId)).reverse()
    : await listOutbox(query.limit * 2);
  const sent = messages.filter((m) => m.status === 'sent').slice(0, query.limit);
  return ok({ items: sent.map(outboxView) });
});
