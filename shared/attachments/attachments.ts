import { ulid } from 'ulid';
import { config } from '../config.ts';
import {
  type AttachmentRecord,
  getAttachment,
  getSlotCount,
  grantUploadSlot,
  listAttachments,
  releaseUploadSlot,
} from '../db/attachments.ts';
import { NotFound, StoreConflict } from '../errors.ts';
import { assignedTo } from '../work-order/field.ts';
import { get } from '../work-order/work-order.ts';
import {
  assertAllowed,
  extensionOf,
  objectKey,
  type RequestUpload,
  slotLimits,
  TooManyAttachments,
  TooManyPendingUploads,
} from './rules.ts';
import { presignDownload, presignedSeconds, presignUpload, s3 } from './storage.ts';

export { RequestUpload } from './rules.ts';

/**
 * Lets the assigned engineer upload a photo or signature straight to storage: records it `pending`, taking one of
 * the work order's upload slots (`slotLimits`), and answers a presigned POST for its one key. It counts only once
 * `verifyUpload` has checked the stored object.
 */
export async function requestUpload(options: { workOrderId: string; engineerId: string; request: RequestUpload }) {
  const { workOrderId, request } = options;
  await assignedTo(workOrderId, options.engineerId);
  assertAllowed(request);
  const attachmentId = ulid();
  const now = new Date();
  // Recorded before the URL exists, so no object can land under a key the table does not know.
  await takeSlot(
    {
      workOrderId,
      attachmentId,
      kind: request.kind,
      contentType: request.contentType,
      sizeBytes: request.sizeBytes,
      uploadedBy: options.engineerId,
      createdAt: now.toISOString(),
      expiresAt: expiresAt(now),
    },
    now,
  );
  const upload = await presignUpload(s3(), {
    bucket: config.bucketName,
    key: objectKey({ workOrderId, kind: request.kind, attachmentId }),
    contentType: request.contentType,
    maxBytes: request.sizeBytes,
  });
  return { attachmentId, upload, expiresAt: expiresAt(now) };
}

/**
 * Records a pending attachment and takes its slot, within the limits: the grant is conditional on the work order's
 * counts, so requests racing for the last slot never both take it. At a limit, slots whose upload expired unused
 * are released and the grant is tried again; a limit still reached is refused.
 */
async function takeSlot(record: Omit<AttachmentRecord, 'status'>, now: Date): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await grantUploadSlot(record, slotLimits)) return;
    const nextRelease = await releaseExpiredSlots(record.workOrderId, now);
    const count = await getSlotCount(record.workOrderId);
    if (count.total >= slotLimits.total) throw new TooManyAttachments();
    if (count.pending >= slotLimits.pending) {
      throw new TooManyPendingUploads(Math.ceil((nextRelease - now.getTime()) / 1000));
    }
  }
  throw new StoreConflict('Uploads are being requested for this work order all at once; nothing was granted.');
}

/**
 * A slot is released a minute after its presigned POST expired: S3 checks the policy when an upload starts, so one
 * that started just before the expiry may still be arriving.
 */
const releaseGraceMs = 60_000;

/**
 * Releases the pending slots of a work order whose upload expired unused. Answers when the next of the others may
 * be released (epoch ms): an upload being checked frees its slot sooner.
 */
async function releaseExpiredSlots(workOrderId: string, now: Date): Promise<number> {
  let nextRelease = now.getTime() + presignedSeconds * 1000 + releaseGraceMs;
  for (const record of await listAttachments(workOrderId)) {
    if (record.status !== 'pending' || !record.expiresAt) continue;
    const releasable = Date.parse(record.expiresAt) + releaseGraceMs;
    if (releasable <= now.getTime()) await releaseUploadSlot(record);
    else nextRelease = Math.min(nextRelease, releasable);
  }
  return nextRelease;
}

/**
 * A short-lived download link for a verified attachment. An engineer (`engineerId` given) reaches only the jobs
 * assigned to them; anything not verified is reported as missing (404).
 */
export async function downloadLink(options: { workOrderId: string; attachmentId: string; engineerId?: string }) {
  const { workOrderId, attachmentId } = options;
  if (options.engineerId) await assignedTo(workOrderId, options.engineerId);
  else await get(workOrderId);
  const record = await getAttachment(workOrderId, attachmentId);
  if (record?.status !== 'verified') throw new NotFound('attachment', attachmentId);
  const now = new Date();
  const url = await presignDownload(s3(), {
    bucket: config.bucketName,
    key: objectKey(record),
    versionId: record.versionId,
    contentType: record.contentType,
    filename: `${attachmentId}.${extensionOf(record.contentType)}`,
  });
  return { url, expiresAt: expiresAt(now) };
}

/**
 * A short-lived download link for an attachment kept from the e-mail a request came in (the office's), as opaque
 * bytes: the sender declared its type, nobody checked it, so a browser saves it and never renders it.
 */
export async function emailAttachmentLink(options: { workOrderId: string; index: number }) {
  const record = await get(options.workOrderId);
  const attachment = record.email?.attachments[options.index];
  if (!attachment) throw new NotFound('email_attachment', String(options.index));
  const now = new Date();
  const url = await presignDownload(s3(), {
    bucket: config.bucketName,
    key: attachment.key,
    contentType: 'application/octet-stream',
    // The header's plain filename parameter holds ASCII only.
    filename: attachment.filename.replace(/[^\x20-\x7e]|"/g, '_'),
  });
  return { url, filename: attachment.filename, declaredType: attachment.contentType, expiresAt: expiresAt(now) };
}

/** A work order's attachments as the API shows them, whatever their status (only `verified` ones count). */
export async function listOf(workOrderId: string) {
  return (await listAttachments(workOrderId)).map(view);
}

function view(record: AttachmentRecord) {
  const { workOrderId: _workOrderId, versionId: _versionId, ...rest } = record;
  return rest;
}

const expiresAt = (from: Date) => new Date(from.getTime() + presignedSeconds * 1000).toISOString();
