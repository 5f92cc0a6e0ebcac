import { Entity } from 'electrodb';

/**
 * A photo or signature of a work order, keyed under it (pk workOrderId, sk attachmentId) so one query lists a
 * job's attachments. The record is written `pending` when the upload is presigned and decided once, by the
 * server-side check of the stored object, as `verified` or `quarantined`; only a verified one counts. It holds one
 * of the work order's upload slots (see attachmentCount); a pending one whose upload expired unused is deleted
 * when its slot is released.
 */
export const attachment = new Entity({
  model: { entity: 'attachment', version: '1', service: 'fieldops' },
  attributes: {
    workOrderId: { type: 'string', required: true },
    attachmentId: { type: 'string', required: true },
    kind: { type: ['photo', 'signature'] as const, required: true },
    contentType: { type: 'string', required: true },
    /** The size the engineer declared; the upload policy caps the object at it. */
    sizeBytes: { type: 'number', required: true },
    status: { type: ['pending', 'verified', 'quarantined'] as const, required: true },
    /** Why the object was quarantined: `size_mismatch`, `content_type_mismatch` or `magic_bytes_mismatch`. */
    reason: { type: 'string' },
    uploadedBy: { type: 'string', required: true },
    createdAt: { type: 'string', required: true },
    /** When the presigned POST stops being accepted; past it, a pending slot may be released. */
    expiresAt: { type: 'string' },
    verifiedAt: { type: 'string' },
    /**
     * The S3 version that was checked (versioned buckets only): downloads name it, so an object posted again to
     * the same key while the upload policy is still valid is never served in place of the checked one.
     */
    versionId: { type: 'string' },
  },
  indexes: {
    primary: {
      pk: { field: 'pk', composite: ['workOrderId'] },
      sk: { field: 'sk', composite: ['attachmentId'] },
    },
  },
});
