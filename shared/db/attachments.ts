import type { EntityItem } from 'electrodb';
import type { attachment } from './entities/attachment.ts';
import { db, writeIf } from './service.ts';

export type AttachmentRecord = EntityItem<typeof attachment>;
export type AttachmentStatus = AttachmentRecord['status'];

/** Records an attachment whose upload was just presigned; it stays `pending` until the stored object is checked. */
export async function createAttachment(record: Omit<AttachmentRecord, 'status'>): Promise<AttachmentRecord> {
  const pending: AttachmentRecord = { ...record, status: 'pending' };
  await db().entities.attachment.create(pending).go();
  return pending;
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
 * Decides a pending attachment, once: `false` when it was no longer pending (another delivery of the same S3
 * event decided it first), so the caller leaves it as it is.
 */
export async function decideAttachment(
  key: { workOrderId: string; attachmentId: string },
  decision: { status: 'verified'; verifiedAt: string; versionId?: string } | { status: 'quarantined'; reason: string },
): Promise<boolean> {
  return writeIf(() =>
    db()
      .entities.attachment.patch(key)
      .set(decision)
      .where((attr, op) => op.eq(attr.status, 'pending'))
      .go(),
  );
}
