import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { addressDomain, sameOrganisation } from '#shared/intake/email/attribution.ts';
import { mailboxesOf } from '#shared/intake/email/parse.ts';
import { mailLimits } from '#shared/intake/email/rules.ts';

/** The running local SMTP server. */
export interface LocalSmtp {
  port: number;
  close(): Promise<void>;
}

/**
 * The local stand-in for SES receiving: accepts mail for any recipient on loopback (no TLS, no AUTH: it is a
 * development server), puts the receiver's own lines on top as SES does (an Authentication-Results with only
 * the verdicts this server can know: see `authenticationResults`) and hands the raw message to `store`, which
 * puts it in the local bucket; the bucket's trigger then runs the deployed handler. The SMTP reply waits for the
 * store, so a 250 means the message is kept.
 */
export async function startLocalSmtp(options: {
  port: number;
  receiver: string;
  maxMessageBytes: number;
  store: (key: string, raw: Buffer) => Promise<void>;
}): Promise<LocalSmtp> {
  const server = new SMTPServer({
    name: options.receiver,
    banner: 'FieldOps local intake',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: options.maxMessageBytes,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if ((stream as typeof stream & { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error('Message exceeds the size limit'), { responseCode: 552 }));
        }
        const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const raw = Buffer.concat(chunks);
        const top = [
          `Return-Path: <${sender}>`,
          `Authentication-Results: ${authenticationResults(options.receiver, sender, raw)}`,
          `Received: from ${session.clientHostname} ([${session.remoteAddress}]) by ${options.receiver} with SMTP id ${session.id}; ${new Date().toUTCString()}`,
          '',
        ].join('\r\n');
        const key = `${new Date().toISOString().slice(0, 10)}/${randomUUID()}`;
        options.store(key, Buffer.concat([Buffer.from(top), raw])).then(() => callback(), callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The receiver's results, only those this server can know. It asks no DNS, so it checks no SPF record, no DKIM
 * signature and no DMARC policy: DKIM and DMARC are `none`. But it is the receiving server, so it knows the
 * envelope sender, and counts one of the same organisation as the message's one From mailbox as its SPF pass,
 * anything else as a fail: the handler then attributes the message only when envelope and From agree.
 */
function authenticationResults(receiver: string, envelopeSender: string, raw: Buffer): string {
  const envelope = addressDomain(envelopeSender);
  const from = mailboxesOf(fromValues(raw));
  const fromDomain = from.length === 1 ? addressDomain(from[0]?.address ?? '') : undefined;
  const aligned = envelope !== undefined && fromDomain !== undefined && sameOrganisation(envelope, fromDomain);
  const unchecked = '(no DNS checks locally)';
  return [
    receiver,
    `spf=${aligned ? 'pass' : 'fail'} (counted locally: the envelope sender against From)${envelope ? ` smtp.mailfrom=${envelope}` : ''}`,
    `dkim=none ${unchecked}`,
    `dmarc=none ${unchecked}${fromDomain ? ` header.from=${fromDomain}` : ''}`,
  ].join('; ');
}

/** The values of the raw message's From header fields, unfolded, read from its header block alone. */
function fromValues(raw: Buffer): string[] {
  const head =
    raw
      .subarray(0, mailLimits.maxHeaderBytes)
      .toString('utf8')
      .split(/\r?\n\r?\n/, 1)[0] ?? '';
  return head
    .replace(/\r?\n(?=[ \t])/g, '')
    .split(/\r?\n/)
    .filter((line) => /^from[ \t]*:/i.test(line))
    .map((line) => line.slice(line.indexOf(':') + 1));
}
