import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { HeaderLines } from 'mailparser';
import { s3 } from '../../attachments/storage.ts';
import { config } from '../../config.ts';
import {
  claimInboundMessage,
  completeInboundMessage,
  type InboundMessageRecord,
  recordInboundMessage,
} from '../../db/inbound-mail.ts';
import { listAllCustomers, listCustomerSites } from '../../db/reference.ts';
import { categoryFromText } from '../../work-order/categories.ts';
import { logEmailRequest } from '../../work-order/intake.ts';
import { identifySender, receiptVerdicts, sentByMachine, siteFromText, trustedReceivers } from './attribution.ts';
import { keyOf, oneLine, type ParsedEmail, Rejected, readEmail, type StoreAttachment } from './parse.ts';
import { type MailLimits, mailAttachmentPrefix, mailLimits, maxDescriptionChars } from './rules.ts';

/** What became of one delivered message. */
export interface Receipt {
  outcome: Exclude<InboundMessageRecord['outcome'], 'receiving'> | 'duplicate';
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
 *
 * Nothing is stored before the first-delivery check: the message is read once to check it and know its key, the
 * raw object claims the key, and only then is the message read again to store its attachments, under the raw
 * object's own id (never a header the sender wrote), so a replay or a reused Message-ID adds nothing and
 * overwrites nothing. A run that dies after the claim is finished by the retry of the same object.
 */
export async function receiveEmail(
  location: { bucket: string; key: string },
  limits: MailLimits = mailLimits,
): Promise<Receipt> {
  const receivedAt = new Date().toISOString();
  const receivers = config.isLocal ? [...trustedReceivers, localReceiver] : trustedReceivers;
  const objectId = keyOf(`object:${location.key}`);
  let email: ParsedEmail;
  try {
    email = await readObject(location, limits, receivers);
  } catch (error) {
    if (!(error instanceof Rejected)) throw error;
    const rejection = { outcome: 'rejected' as const, messageKey: objectId, code: error.code, reason: error.message };
    const first = await recordInboundMessage({
      ...rejection,
      receivedAt,
      objectKey: location.key,
      sizeBytes: error.seen.sizeBytes ?? 0,
      messageId: error.seen.messageId,
      from: error.seen.from?.slice(0, 600),
      subject: error.seen.subject?.slice(0, 600),
    });
    return first ? rejection : { ...rejection, outcome: 'duplicate' };
  }

  const holder = await claimInboundMessage({
    messageKey: email.messageKey,
    receivedAt,
    objectKey: location.key,
    sizeBytes: email.sizeBytes,
    messageId: email.messageId,
    from: fromLine(email).slice(0, 600),
    subject: email.subject.slice(0, 600),
    outcome: 'receiving',
  });
  if (holder.objectKey !== location.key || holder.outcome !== 'receiving') {
    return { outcome: 'duplicate', messageKey: email.messageKey, workOrderId: holder.workOrderId };
  }

  // A second reading can only break the time budget the first kept: a fault of the moment, thrown to be retried.
  if (email.attachments.length > 0) {
    await readObject(location, limits, receivers, storeAttachment(location.bucket, objectId));
  }
  const request = await requestOf(email, objectId, receivers);
  const { record: workOrder, linked } = await logEmailRequest(request);
  const outcome = linked ? 'linked' : 'logged';
  const completed = await completeInboundMessage(email.messageKey, location.key, {
    outcome,
    workOrderId: workOrder.workOrderId,
    unverified: request.unverified?.reasons,
    leftOut: email.leftOut.map(({ filename, reason }) => ({ filename, reason })),
  });
  return {
    outcome: completed ? outcome : 'duplicate',
    messageKey: email.messageKey,
    workOrderId: workOrder.workOrderId,
  };
}

/**
 * Reads the raw object under the limits, refusing it unread when S3 says it is over the size limit; with
 * `store`, its attachments are stored as they end.
 */
async function readObject(
  location: { bucket: string; key: string },
  limits: MailLimits,
  receivers: string[],
  store?: StoreAttachment,
): Promise<ParsedEmail> {
  const object = await s3().send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  const body = object.Body as Readable;
  const sizeBytes = object.ContentLength ?? 0;
  if (sizeBytes > limits.maxMessageBytes) {
    body.destroy();
    const error = new Rejected('too_large', `The message is over ${limits.maxMessageBytes} bytes.`);
    error.seen = { sizeBytes };
    throw error;
  }
  try {
    return await readEmail(body, { limits, store, screen: (lines) => screen(lines, receivers) });
  } catch (error) {
    if (error instanceof Rejected) error.seen.sizeBytes = sizeBytes;
    throw error;
  }
}

/** Rejects, from the top-level headers, what the receiver flagged and what a machine sent. */
function screen(lines: HeaderLines, receivers: string[]): Rejected | undefined {
  const verdicts = receiptVerdicts(lines, receivers);
  if (verdicts.virus === 'FAIL') return new Rejected('virus', 'The receiving server found a virus.');
  if (verdicts.spam === 'FAIL') return new Rejected('spam', 'The receiving server judged it spam.');
  const machine = sentByMachine(lines);
  return machine ? new Rejected('automatic', `Not a request: ${machine}.`) : undefined;
}

/** What the message asks for, from whom (attributed or not) and about which site: the request intake logs. */
async function requestOf(email: ParsedEmail, objectId: string, receivers: string[]) {
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
      from: fromLine(email),
      subject: email.subject,
      attachments: email.attachments.map(({ index, ...attachment }) => ({
        key: attachmentKey(objectId, index),
        ...attachment,
      })),
      leftOut: email.leftOut,
    },
    unverified:
      sender.unverified.length > 0
        ? { reasons: sender.unverified, candidateCustomerId: sender.candidate?.customerId }
        : undefined,
  };
  return request;
}

/** The first From mailbox as the office reads it: `Name <address>`, or the address alone. */
function fromLine(email: ParsedEmail): string {
  const [mailbox] = email.from;
  return mailbox?.name ? `${mailbox.name} <${mailbox.address}>` : (mailbox?.address ?? '');
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

/** Where an attachment is kept: under the raw object's id, at its place in the message. */
function attachmentKey(objectId: string, index: number): string {
  return `${mailAttachmentPrefix}${objectId}/${index}`;
}

/**
 * Each attachment kept is an object of its own, stored as opaque bytes (`application/octet-stream`, downloaded,
 * never rendered), with the type the sender declared kept as metadata.
 */
function storeAttachment(bucket: string, objectId: string): StoreAttachment {
  return async ({ index, filename, contentType, content }) => {
    await s3().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: attachmentKey(objectId, index),
        Body: content,
        ContentType: 'application/octet-stream',
        ContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
        Metadata: { 'declared-type': oneLine(contentType).slice(0, 200) },
      }),
    );
  };
}
