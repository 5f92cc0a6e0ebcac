import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../../attachments/storage.ts';
import { config } from '../../config.ts';
import { getInboundMessage, type InboundMessageRecord, recordInboundMessage } from '../../db/inbound-mail.ts';
import { listAllCustomers, listCustomerSites } from '../../db/reference.ts';
import { categoryFromText } from '../../work-order/categories.ts';
import { logEmailRequest } from '../../work-order/intake.ts';
import { identifySender, receiptVerdicts, sentByMachine, siteFromText, trustedReceivers } from './attribution.ts';
import { keyOf, oneLine, type ParsedEmail, Rejected, readEmail, type StoreAttachment } from './parse.ts';
import { type MailLimits, mailAttachmentPrefix, mailLimits, maxDescriptionChars } from './rules.ts';

/** What became of one delivered message. */
export interface Receipt {
  outcome: InboundMessageRecord['outcome'] | 'duplicate';
  messageKey: string;
  workOrderId?: string;
  code?: string;
  reason?: string;
}

/** The authserv-id the local SMTP server writes in its Authentication-Results line. */
export const localReceiver = 'fieldops.local';

/**
 * Turns a raw message stored in the bucket into a request: read under the limits, screened by the receiver's
 * verdicts, attributed to a customer by its sender, logged once per message, and recorded with what became of
 * it. A message that breaks a limit, carries a virus (or spam) verdict or was sent by a machine (an out-of-office
 * reply, a bounce) is recorded as rejected, with why.
 */
export async function receiveEmail(
  location: { bucket: string; key: string },
  limits: MailLimits = mailLimits,
): Promise<Receipt> {
  const receivedAt = new Date().toISOString();
  const receivers = config.isLocal ? [...trustedReceivers, localReceiver] : trustedReceivers;
  const object = await s3().send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  const body = object.Body as Readable;
  const rejected = (error: Rejected, sizeBytes: number) =>
    record(
      {
        messageKey: keyOf(`object:${location.key}`),
        receivedAt,
        objectKey: location.key,
        sizeBytes,
        messageId: error.seen.messageId,
        from: error.seen.from?.slice(0, 600),
        subject: error.seen.subject?.slice(0, 600),
        outcome: 'rejected',
        code: error.code,
        reason: error.message,
      },
      { outcome: 'rejected', messageKey: keyOf(`object:${location.key}`), code: error.code, reason: error.message },
    );
  if ((object.ContentLength ?? 0) > limits.maxMessageBytes) {
    body.destroy();
    const error = new Rejected('too_large', `The message is over ${limits.maxMessageBytes} bytes.`);
    return rejected(error, object.ContentLength ?? 0);
  }

  let email: ParsedEmail;
  try {
    email = await readEmail(body, {
      limits,
      store: storeAttachment(location.bucket),
      screen: (lines) => {
        const verdicts = receiptVerdicts(lines, receivers);
        if (verdicts.virus === 'FAIL') return new Rejected('virus', 'The receiving server found a virus.');
        if (verdicts.spam === 'FAIL') return new Rejected('spam', 'The receiving server judged it spam.');
        const machine = sentByMachine(lines);
        return machine ? new Rejected('automatic', `Not a request: ${machine}.`) : undefined;
      },
    });
  } catch (error) {
    if (error instanceof Rejected) return rejected(error, object.ContentLength ?? 0);
    throw error;
  }

  const previous = await getInboundMessage(email.messageKey);
  if (previous) return { outcome: 'duplicate', messageKey: email.messageKey, workOrderId: previous.workOrderId };

  const request = await requestOf(email, receivers);
  const { record: workOrder, linked } = await logEmailRequest(request);
  const outcome = linked ? 'linked' : 'logged';
  return record(
    {
      messageKey: email.messageKey,
      receivedAt,
      objectKey: location.key,
      sizeBytes: email.sizeBytes,
      messageId: email.messageId,
      from: request.email.from.slice(0, 600),
      subject: email.subject.slice(0, 600),
      outcome,
      workOrderId: workOrder.workOrderId,
      unverified: request.unverified?.reasons,
      leftOut: email.leftOut.map(({ filename, reason }) => ({ filename, reason })),
    },
    { outcome, messageKey: email.messageKey, workOrderId: workOrder.workOrderId },
  );
}

/** What the message asks for, from whom (attributed or not) and about which site: the request intake logs. */
async function requestOf(email: ParsedEmail, receivers: string[]) {
  const sender = identifySender(email.from, receiptVerdicts(email.headerLines, receivers), await listAllCustomers());
  const text = `${email.subject}\n${email.text}`;
  const site = sender.customer ? siteFromText(text, await listCustomerSites(sender.customer.customerId)) : undefined;
  const request: Parameters<typeof logEmailRequest>[0] = {
    messageKey: email.messageKey,
    actor: `email:${sender.address.slice(0, 254) || 'unknown'}`,
    customer: sender.customer,
    site,
    contact: sender.contact ?? {
      name: (sender.name || sender.address || 'Unknown sender').slice(0, 200),
      ...(sender.unverified.length === 0 ? { email: sender.address } : {}),
    },
    categoryId: categoryFromText(text).id,
    mentions: [...new Set(text.match(/\bWO-\d{6}\b/g) ?? [])].slice(0, 5),
    description: describe(email),
    email: {
      messageKey: email.messageKey,
      from: sender.name ? `${sender.name} <${sender.address}>` : sender.address,
      subject: email.subject,
      attachments: email.attachments,
      leftOut: email.leftOut,
    },
    unverified:
      sender.unverified.length > 0
        ? { reasons: sender.unverified, candidateCustomerId: sender.candidate?.customerId }
        : undefined,
  };
  return request;
}

/** Records the message unless a delivery before it already did (its record stands). */
async function record(entry: InboundMessageRecord, receipt: Receipt): Promise<Receipt> {
  const first = await recordInboundMessage(entry);
  return first ? receipt : { ...receipt, outcome: 'duplicate' };
}

/** The subject, then the text, within the length a request's description may have. */
function describe(email: ParsedEmail): string {
  const body = email.text
    .replace(/\r\n?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const description = [email.subject, body].filter(Boolean).join('\n\n');
  return description.slice(0, maxDescriptionChars) || '(an e-mail with no subject or text)';
}

/**
 * Each attachment kept is an object of its own, stored as opaque bytes (`application/octet-stream`, downloaded,
 * never rendered), with the type the sender declared kept as metadata.
 */
function storeAttachment(bucket: string): StoreAttachment {
  return async ({ folder, index, filename, contentType, content }) => {
    const key = `${mailAttachmentPrefix}${folder}/${index}-${filename}`;
    await s3().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: content,
        ContentType: 'application/octet-stream',
        ContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
        Metadata: { 'declared-type': oneLine(contentType).slice(0, 200) },
      }),
    );
    return key;
  };
}
