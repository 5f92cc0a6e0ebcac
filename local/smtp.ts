import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** The running local SMTP server. */
export interface LocalSmtp {
  port: number;
  close(): Promise<void>;
}

/**
 * The local stand-in for SES receiving: accepts mail for any recipient on loopback (no TLS, no AUTH: it is a
 * development server), puts the receiver's own lines on top as SES does (an Authentication-Results whose DMARC
 * is `none`, since no DNS checks run here) and hands the raw message to `store`, which puts it in the local
 * bucket; the bucket's trigger then runs the deployed handler. The SMTP reply waits for the store, so a 250
 * means the message is kept.
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
        const top = [
          `Return-Path: <${sender}>`,
          `Authentication-Results: ${options.receiver}; dmarc=none (DNS checks are not run locally)`,
          `Received: from ${session.clientHostname} ([${session.remoteAddress}]) by ${options.receiver} with SMTP id ${session.id}; ${new Date().toUTCString()}`,
          '',
        ].join('\r\n');
        const key = `${new Date().toISOString().slice(0, 10)}/${randomUUID()}`;
        options.store(key, Buffer.concat([Buffer.from(top), ...chunks])).then(() => callback(), callback);
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
