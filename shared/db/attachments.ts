import type { EntityItem } from 'electrodb';
import type { attachment } from './entities/attachment.ts';
import { commit, db } from './service.ts';

export type AttachmentRecord = EntityItem<typeof attachment>;
export type AttachmentStatus = AttachmentRecord['status'];
type AttachmentKey = Pick<AttachmentRecord, 'workOrderId' | 'attachmentId'>;

/** The upload slots a work order holds (see the attachmentCount entity); zero before its first upload. */
export interface SlotCount {
  pending: number;
  total: number;
}

/**
 * Records an attachment whose upload is about to be presigned, `pending` until the stored object is checked, and
 * takes its slot in the same transaction, under the condition that the work order holds fewer than `limits`
 * pending slots and slots in all. `false`, with nothing written, when it holds as many as that.
 */
export async function grantUploadSlot(record: Omit<AttachmentRecord, 'status'>, limits: SlotCount): Promise<boolean> {
  const failed = await commit(() =>
    db()
      .transaction.write(({ attachment, attachmentCount }) => [
        attachmentCount
          .update({ workOrderId: record.workOrderId })
          .add({ pending: 1, total: 1 })
          .where(
            (attr, op) =>
              `${op.notExists(attr.total)} OR (${op.lt(attr.pending, limits.pending)} AND ${op.lt(attr.total, limits.total)})`,
          )
          .commit(),
        attachment.create({ ...record, status: 'pending' }).commit(),
      ])
      .go(),
  );
  return failed.length === 0;
}

export async function getSlotCount(workOrderId: string): Promise<SlotCount> {
  const { data } = await db().entities.attachmentCount.get({ workOrderId }).go({ consistent: true });
  return { pending: data?.pending ?? 0, total: data?.total ?? 0 };
}

/**
 * Releases the slot of a pending attachment whose upload expired unused: deletes the attachment and takes the slot
 * off both counts, once (`false` when it was decided or released meanwhile).
 */
export async function releaseUploadSlot(key: AttachmentKey): Promise<boolean> {
  const failed = await commit(() =>
    db()
      .transaction.write(({ attachment, attachmentCount }) => [
        attachment
          .delete(key)
          .where((attr, op) => op.eq(attr.status, 'pending'))
          .commit(),
        attachmentCount.update({ workOrderId: key.workOrderId }).subtract({ pending: 1, total: 1 }).commit(),
      ])
      .go(),
  );
  return failed.length === 0;
}

export async function getAttachment(workOrderId: string, attachmentId: string): Promise<AttachmentRecord | undefined> {
  const { data } = await db().entities.attachment.get({ workOrderId, attachmentId }).go({ consistent: true });
  return data ?? undefined;
}

/** Every attachment of a work order, whatever its status, oldest first (attachment ids are ULIDs). */
export async function listAttachments(workOrderId: string): Promise<AttachmentRecord[]> {
  const { data } = await db().entities.attachment.query.primary({ workOrderId }).go({ pages: 'all' });
  return data;
}

/**
 * Decides a pending attachment, once, and frees its pending slot (it still counts in the total): `false` when it
 * was no longer pending (another delivery of the same S3 event decided it first), so the caller leaves it as it is.
 */
export async function decideAttachment(
  record: AttachmentKey & Pick<AttachmentRecord, 'expiresAt'>,
  decision: { status: 'verified'; verifiedAt: string; versionId?: string } | { status: 'quarantined'; reason: string },
): Promise<boolean> {
  const key = { workOrderId: record.workOrderId, attachmentId: record.attachmentId };
  const failed = await commit(() =>
    db()
      .transaction.write(({ attachment, attachmentCount }) => [
        attachment
          .patch(key)
          .set(decision)
          .where((attr, op) => op.eq(attr.status, 'pending'))
          .commit(),
        // An attachment granted before slots were counted (it has no expiry) took no slot to give back.
        ...(record.expiresAt
          ? [attachmentCount.update({ workOrderId: key.workOrderId }).subtract({ pending: 1 }).commit()]
          : []),
      ])
      .go(),
  );
  return failed.length === 0;
}
