import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { type AttachmentStatus, decideAttachment, getAttachment } from '../db/attachments.ts';
import { concerning, count, logger } from '../observability.ts';
import { headBytes, judge, type ObjectKey, parseObjectKey, quarantineKey } from './rules.ts';
import { s3 } from './storage.ts';

/** What a verification did: decided the attachment, found it already decided, or ignored an unknown key. */
export type Verification =
  | { outcome: 'verified' }
  | { outcome: 'quarantined'; reason: string }
  | { outcome: 'already'; status: AttachmentStatus }
  | { outcome: 'ignored'; why: string };

/**
 * Checks an object that landed under `work-orders/`, on its object-created event: the presigned POST's policy
 * bounds the key, type and size but says nothing of the bytes, so the attachment counts only once
 * its size, stored Content-Type and magic bytes agree with what was declared. A failing object is moved to
 * `quarantine/<key>`. Idempotent: S3 delivers events at least once, and a second delivery changes nothing.
 */
export async function verifyUpload(object: { bucket: string; key: string }): Promise<Verification> {
  const parsed = parseObjectKey(object.key);
  if (!parsed) return ignore(object, 'not an attachment key');
  concerning(parsed.workOrderId);
  const record = await getAttachment(parsed.workOrderId, parsed.attachmentId);
  if (!record) {
    // Every key is recorded before its upload is presigned, so this one's slot expired unused and was released:
    // an upload that finished late counts for nothing and may not stay where attachments are served from.
    return quarantined(object, 'slot_released');
  }
  if (record.kind !== parsed.kind) return ignore(object, 'no attachment recorded for this key');
  if (record.status === 'quarantined') {
    // An earlier run may have stopped between deciding and moving, or the key was posted to again: either way
    // nothing may stay at a quarantined attachment's key.
    await quarantine(object);
    return { outcome: 'already', status: record.status };
  }
  if (record.status === 'verified') return { outcome: 'already', status: record.status };

  const stored = await inspect(object);
  if (!stored) return ignore(object, 'the object is gone (a concurrent delivery moved it)');
  const reason = judge(record, stored);
  if (!reason) {
    const decided = await decideAttachment(record, {
      status: 'verified',
      verifiedAt: new Date().toISOString(),
      versionId: stored.versionId,
    });
    return decided ? { outcome: 'verified' } : already(parsed);
  }
  const decided = await decideAttachment(record, { status: 'quarantined', reason });
  return decided ? quarantined(object, reason) : already(parsed);
}

async function quarantined(object: { bucket: string; key: string }, reason: string): Promise<Verification> {
  await quarantine(object);
  count('UploadsQuarantined');
  logger.warn('attachment quarantined', { ...object, reason });
  return { outcome: 'quarantined', reason };
}

/** The stored object's size, type, version and first bytes; `undefined` when there is no object at the key. */
async function inspect(object: { bucket: string; key: string }) {
  const client = s3();
  let head: HeadObjectCommandOutput;
  try {
    head = await client.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key }));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  const sizeBytes = head.ContentLength ?? 0;
  const stored = { sizeBytes, contentType: head.ContentType, versionId: head.VersionId };
  // A range on an empty object is refused (416); an empty object fails on its size anyway.
  if (sizeBytes < 1) return stored;
  const body = await client.send(
    new GetObjectCommand({
      Bucket: object.bucket,
      Key: object.key,
      VersionId: head.VersionId,
      Range: `bytes=0-${headBytes - 1}`,
    }),
  );
  return { ...stored, head: body.Body ? await body.Body.transformToByteArray() : new Uint8Array() };
}

/** Copies the object to `quarantine/<key>` and deletes it from its key; nothing to do once it has moved. */
async function quarantine(object: { bucket: string; key: string }): Promise<void> {
  const client = s3();
  const source = `${object.bucket}/${object.key.split('/').map(encodeURIComponent).join('/')}`;
  try {
    await client.send(
      new CopyObjectCommand({ Bucket: object.bucket, Key: quarantineKey(object.key), CopySource: source }),
    );
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  await client.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key }));
}

async function already(key: ObjectKey): Promise<Verification> {
  const current = await getAttachment(key.workOrderId, key.attachmentId);
  return { outcome: 'already', status: current?.status ?? 'pending' };
}

function ignore(object: { bucket: string; key: string }, why: string): Verification {
  logger.info('object ignored', { ...object, why });
  return { outcome: 'ignored', why };
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && ['NotFound', 'NoSuchKey'].includes(error.name);
}
