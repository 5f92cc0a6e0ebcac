import type { S3Event } from 'aws-lambda';
import { receiveEmail } from '#shared/intake/email/receive.ts';

/**
 * The attachments bucket's `s3:ObjectCreated:*` trigger for `inbound-mail/`, where SES's receipt rule (or the local
 * SMTP server) stores each raw message: each becomes a request, or a recorded rejection. A throw (a store fault)
 * makes Lambda retry the event, which `receiveEmail` finishes from where the failed run stopped: the same message
 * is logged once, with its attachments.
 */
export const handler = async (event: S3Event) => {
  const receipts = [];
  for (const record of event.Records) {
    // S3 event keys are form-URL-encoded: a space arrives as `+`, anything else as %XX.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    // SES writes this object once, when the receipt rule is created, to check it may: it is not mail.
    if (key.endsWith('/AMAZON_SES_SETUP_NOTIFICATION')) continue;
    const receipt = await receiveEmail({ bucket: record.s3.bucket.name, key });
    console.info(JSON.stringify({ message: 'inbound e-mail', key, ...receipt }));
    receipts.push(receipt);
  }
  return receipts;
};
