import type { S3Event } from 'aws-lambda';
import { verifyUpload } from '#shared/attachments/verify.ts';
import { forRecord, observed } from '#shared/observability.ts';

/**
 * The attachments bucket's `s3:ObjectCreated:*` trigger (prefix `work-orders/`): checks each uploaded object
 * before its attachment counts. A throw makes Lambda retry the event, which `verifyUpload` tolerates.
 */
export const handler = observed('verify-upload', async (event: S3Event) => {
  const results = [];
  for (const record of event.Records) {
    // S3 event keys are form-URL-encoded: a space arrives as `+`, anything else as %XX.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    results.push(await forRecord(() => verifyUpload({ bucket: record.s3.bucket.name, key })));
  }
  return results;
});
