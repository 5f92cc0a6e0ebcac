import type { EntityItem } from 'electrodb';
import type { inboundMessage } from './entities/inbound-message.ts';
import { db, writeIf } from './service.ts';

export type InboundMessageRecord = EntityItem<typeof inboundMessage>;

/** Records what became of a message; the first delivery's record stands. Answers false when one already did. */
export async function recordInboundMessage(record: InboundMessageRecord): Promise<boolean> {
  return writeIf(() => db().entities.inboundMessage.create(record).go());
}

/**
 * The first-delivery check: claims the message for the raw object it arrived in, `receiving`, before anything
 * of it is stored. Answers the record that holds the message: this claim, or the one made before it (by another
 * delivery of the message, or by this object on an earlier try that died).
 */
export async function claimInboundMessage(
  claim: InboundMessageRecord & { outcome: 'receiving' },
): Promise<InboundMessageRecord> {
  if (await recordInboundMessage(claim)) return claim;
  const held = await getInboundMessage(claim.messageKey, { consistent: true });
  // Records are never deleted; one gone between the create and the read is claimed afresh.
  return held ?? claimInboundMessage(claim);
}

/**
 * Records what became of a claimed message, if the claim is still `receiving` and held by `objectKey`. Answers
 * false when it is not (a concurrent run of the same delivery finished first).
 */
export async function completeInboundMessage(
  messageKey: string,
  objectKey: string,
  result: Pick<InboundMessageRecord, 'workOrderId' | 'unverified' | 'leftOut'> & { outcome: 'logged' | 'linked' },
): Promise<boolean> {
  return writeIf(() =>
    db()
      .entities.inboundMessage.patch({ messageKey })
      .set(result)
      .where((attr, op) => `${op.eq(attr.outcome, 'receiving')} AND ${op.eq(attr.objectKey, objectKey)}`)
      .go(),
  );
}

/** What became of a message, by its key; undefined when it has not been received. */
export async function getInboundMessage(
  messageKey: string,
  options: { consistent?: boolean } = {},
): Promise<InboundMessageRecord | undefined> {
  const { data } = await db().entities.inboundMessage.get({ messageKey }).go(options);
  return data ?? undefined;
}

/**
 * Inbound messages, newest first, with what became of them; only those with one outcome when `outcome` is given.
 * A message still `receiving` has no outcome yet and is not listed.
 */
export async function listInboundMessages(page: {
  limit: number;
  cursor?: string;
  outcome?: InboundMessageRecord['outcome'];
}) {
  const { outcome } = page;
  const query = db()
    .entities.inboundMessage.query.recent({})
    .where((attr, op) => (outcome ? op.eq(attr.outcome, outcome) : op.ne(attr.outcome, 'receiving')));
  const { data, cursor } = await query.go({ order: 'desc', limit: page.limit, cursor: page.cursor ?? null });
  return { items: data, nextCursor: cursor };
}
