import * as z from 'zod';
import { Instant, view } from '../http/views.ts';
import { AttachmentKind } from './rules.ts';

/** A photo or signature of a work order, whatever its status (only `verified` ones count), as the office sees it. */
export const Attachment = z.object({
  attachmentId: z.string(),
  kind: AttachmentKind,
  contentType: z.string(),
  sizeBytes: z.number().int(),
  status: z.enum(['pending', 'verified', 'quarantined']),
  reason: z.string().optional(),
  uploadedBy: z.string(),
  createdAt: Instant,
  verifiedAt: Instant.optional(),
});

/** The engineer's leave to upload one file: a presigned POST for one key, type and size range. */
export const UploadGrant = z
  .object({
    attachmentId: z.string(),
    upload: z.object({ url: z.string(), fields: z.record(z.string(), z.string()) }),
    expiresAt: Instant,
  })
  .meta({ title: 'Upload grant' });

export const uploadGrantView = view(UploadGrant);

/** A short-lived link to download a verified attachment. */
export const DownloadLink = z.object({ url: z.string(), expiresAt: Instant }).meta({ title: 'Download link' });

export const downloadLinkView = view(DownloadLink);

/** A short-lived link to an attachment kept from a request's e-mail, saved as opaque bytes. */
export const EmailAttachmentLink = DownloadLink.extend({ filename: z.string(), declaredType: z.string() }).meta({
  title: 'E-mail attachment link',
});

export const emailAttachmentLinkView = view(EmailAttachmentLink);
