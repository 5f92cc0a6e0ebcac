import type { EntityItem } from 'electrodb';
import type { inboundMessage } from './entities/inbound-message.ts';
import { db, fromCursor, writeIf } from './service.ts';

export type InboundMessageRecord = EntityItem<typeof inboundMessage>;

/** Records what became of a message; the first delivery's record stands. Answers false when one already did. */
export async function recordInboundMessage(record: InboundMessageRecord): Promise<boolean> {
  return writeIf(() => db().entities.inboundMessage.create(record).go());
}

/** What became of a message, by its key; undefined when it has not been received. */
export async function getInboundMessage(messageKey: string): Promise<InboundMessageRecord | undefined> {
  const { data } = await db().entities.inboundMessage.get({ messageKey }).go();
  return data ?? undefined;
}

/** Inbound messages, newest first; only those with one outcome when `outcome` is given. */
export async function listInboundMessages(page: {
  limit: number;
  cursor?: string;
  outcome?: InboundMessageRecord['outcome'];
}) {
  const { outcome } = page;
  const query = db().entities.inboundMessage.query.recent({});
  const filtered = outcome ? query.where((attr, op) => op.eq(attr.outcome, outcome)) : query;
  const { data, cursor } = await fromCursor(page.cursor, () =>
    filtered.go({ order: 'desc', limit: page.limit, cursor: page.cursor ?? null }),
  );
  return { items: data, nextCursor: cursor };
}
