import type { S3Event } from 'aws-lambda';
import { receiveEmail } from '#shared/intake/email/receive.ts';
import { concerning, forRecord, logger, observed } from '#shared/observability.ts';

/**
 * The attachments bucket's `s3:ObjectCreated:*` trigger for `inbound-mail/`, where SES's receipt rule (or the local
 * SMTP server) stores each raw message: each becomes a request, or a recorded rejection. A throw (a store fault)
 * makes Lambda retry the event, which `receiveEmail` finishes from where the failed run stopped: the same message
 * is logged once, with its attachments.
 */
export const handler = observed('receive-email', async (event: S3Event) => {
  const receipts = [];
  for (const record of event.Records) {
    // S3 event keys are form-URL-encoded: a space arrives as `+`, anything else as %XX.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    // SES writes this object once, when the receipt rule is created, to check it may: it is not mail.
    if (key.endsWith('/AMAZON_SES_SETUP_NOTIFICATION')) continue;
    const receipt = await forRecord(async () => {
      const receipt = await receiveEmail({ bucket: record.s3.bucket.name, key });
      concerning(receipt.workOrderId);
      // The outcome and ids only: never the sender, subject or text.
      logger.info('inbound e-mail', {
        key,
        messageKey: receipt.messageKey,
        outcome: receipt.outcome,
        code: receipt.code,
      });
      return receipt;
    });
    receipts.push(receipt);
  }
  return receipts;
});
