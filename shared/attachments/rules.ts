import * as z from 'zod';
import { DomainError } from '../errors.ts';

export const AttachmentKind = z.enum(['photo', 'signature']);
export type AttachmentKind = z.infer<typeof AttachmentKind>;

/** The body of `POST /v1/work-orders/{id}/attachments`; type and size are checked against the allowlist after. */
export const RequestUpload = z.strictObject({
  kind: AttachmentKind,
  contentType: z.string().trim().min(1).max(255),
  sizeBytes: z.number().int().min(1),
});
export type RequestUpload = z.infer<typeof RequestUpload>;

const megabyte = 1024 * 1024;

/**
 * What each kind may be. Raster formats only: SVG can carry script, so it is refused for every kind, and a
 * signature is a PNG drawn on the phone's canvas.
 */
export const allowed: Record<AttachmentKind, { types: readonly string[]; maxBytes: number }> = {
  photo: { types: ['image/jpeg', 'image/png', 'image/heic'], maxBytes: 15 * megabyte },
  signature: { types: ['image/png'], maxBytes: 1 * megabyte },
};

/** The content type is not on the kind's allowlist (400). */
export class UnsupportedType extends DomainError {
  constructor(kind: AttachmentKind, contentType: string) {
    super(
      'attachment.unsupported_type',
      400,
      `A ${kind} may be ${allowed[kind].types.join(', ')}; ${contentType} is not accepted.`,
      { allowed: allowed[kind].types },
    );
  }
}

/** The declared size is over the kind's limit (400). */
export class TooLarge extends DomainError {
  constructor(kind: AttachmentKind, maxBytes: number) {
    super('attachment.too_large', 400, `A ${kind} is limited to ${maxBytes} bytes.`, { maxBytes });
  }
}

/**
 * Upload slots a work order may hold. A field job's record is photos before and after each area worked on, of the
 * asset's plate and readings, of parts fitted and defects found, and the customer's signature: 10 to 30 on most
 * jobs and rarely past 60 on a multi-day replacement, so 100 in all leaves room and bounds a job's storage at about
 * 1.5 GB (100 photos of 15 MB). Pending slots are what a phone asks for at once: 20 covers the batch it queued
 * while out of signal, and frees as uploads are checked or their five-minute POST expires unused.
 */
export const slotLimits = { pending: 20, total: 100 } as const;

/** The work order holds as many pending upload slots as it may (429): retry once one is checked or expires. */
export class TooManyPendingUploads extends DomainError {
  constructor(retryAfterSeconds: number) {
    super(
      'attachment.limit_reached',
      429,
      `A work order may have ${slotLimits.pending} uploads waiting to be checked at once; one frees when its file ` +
        'is checked or its upload expires unused.',
      { limit: 'pending', max: slotLimits.pending, retryAfterSeconds },
    );
  }
}

/** The work order holds as many attachments as it may (409). */
export class TooManyAttachments extends DomainError {
  constructor() {
    super('attachment.limit_reached', 409, `A work order may hold at most ${slotLimits.total} attachments.`, {
      limit: 'total',
      max: slotLimits.total,
    });
  }
}

/** Refuses a content type or size the kind does not allow. */
export function assertAllowed(request: RequestUpload): void {
  const rule = allowed[request.kind];
  if (!rule.types.includes(request.contentType)) throw new UnsupportedType(request.kind, request.contentType);
  if (request.sizeBytes > rule.maxBytes) throw new TooLarge(request.kind, rule.maxBytes);
}

export interface ObjectKey {
  workOrderId: string;
  kind: AttachmentKind;
  attachmentId: string;
}

/** Every upload lands under this prefix, which the bucket notification (and its local stand-in) filters on. */
export const uploadPrefix = 'work-orders/';

/** `work-orders/{workOrderId}/{kind}/{attachmentId}`: the one key an upload's policy allows. */
export function objectKey(key: ObjectKey): string {
  return `${uploadPrefix}${key.workOrderId}/${key.kind}/${key.attachmentId}`;
}

// Work order ids are base64url (or `wo_plan_...`) and attachment ids ULIDs, so nothing else can match.
const keyPattern = /^work-orders\/([A-Za-z0-9_-]{1,200})\/(photo|signature)\/([0-9A-HJKMNP-TV-Z]{26})$/;

/** The parts of an attachment's object key; `undefined` for any key the API did not make. */
export function parseObjectKey(key: string): ObjectKey | undefined {
  const match = keyPattern.exec(key);
  if (!match) return undefined;
  const [, workOrderId, kind, attachmentId] = match as unknown as [string, string, AttachmentKind, string];
  return { workOrderId, kind, attachmentId };
}

/** Where a refused object is kept for inspection, outside the prefix that triggers verification. */
export const quarantineKey = (key: string) => `quarantine/${key}`;

/** The file extension a download is named with. */
export function extensionOf(contentType: string): string {
  return { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/heic': 'heic' }[contentType] ?? 'bin';
}

/** How many leading bytes `matchesMagicBytes` needs. */
export const headBytes = 32;

const startsWith = (bytes: Uint8Array, prefix: number[], offset = 0) =>
  bytes.length >= offset + prefix.length && prefix.every((byte, i) => bytes[offset + i] === byte);
const ascii = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
const heifBrands = new Set(['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1']);

/** Whether the file's first bytes are those of `contentType` (JPEG SOI, the PNG signature, an ISO-BMFF HEIF box). */
export function matchesMagicBytes(head: Uint8Array, contentType: string): boolean {
  switch (contentType) {
    case 'image/jpeg':
      return startsWith(head, [0xff, 0xd8, 0xff]);
    case 'image/png':
      return startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    case 'image/heic':
      return head.length >= 12 && ascii(head, 4, 8) === 'ftyp' && heifBrands.has(ascii(head, 8, 12));
    default:
      return false;
  }
}

export type QuarantineReason = 'size_mismatch' | 'content_type_mismatch' | 'magic_bytes_mismatch';

/**
 * Judges a stored object against what was declared: its size within [1, declared], its stored Content-Type the
 * declared one, and its first bytes those of that type. `undefined` when it passes.
 */
export function judge(
  declared: { contentType: string; sizeBytes: number },
  stored: { sizeBytes: number; contentType?: string; head?: Uint8Array },
): QuarantineReason | undefined {
  if (stored.sizeBytes < 1 || stored.sizeBytes > declared.sizeBytes) return 'size_mismatch';
  if (stored.contentType !== declared.contentType) return 'content_type_mismatch';
  if (!stored.head || !matchesMagicBytes(stored.head, declared.contentType)) return 'magic_bytes_mismatch';
  return undefined;
}
