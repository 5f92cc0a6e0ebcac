import { createHash } from 'node:crypto';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Splitter } from '@zone-eu/mailsplit';
import type { MimeNode, SplitterChunk } from '@zone-eu/mailsplit/lib/types';
import {
  type AddressObject,
  type AttachmentStream,
  type HeaderLines,
  type Headers,
  MailParser,
  type MessageText,
  parseAddressHeader,
} from 'mailparser';
import type { MailLimits } from './rules.ts';

/** One mailbox of the From header, as the parser decoded it. */
export interface Mailbox {
  address: string;
  name: string;
}

/** An attachment within the limits, kept as an object of its own. */
export interface KeptAttachment {
  /** Its place among the message's attachments (1 for the first), the same on every reading of the message. */
  index: number;
  filename: string;
  contentType: string;
  sizeBytes: number;
}

/** An attachment left out, and why. */
export interface LeftOutAttachment {
  filename: string;
  contentType: string;
  reason: string;
}

export interface ParsedEmail {
  /** Identifies the message across deliveries: from its Message-ID, else from its bytes. */
  messageKey: string;
  messageId?: string;
  sizeBytes: number;
  from: Mailbox[];
  subject: string;
  /** The plain text (HTML turned into text when there is none), never rendered and never fetched from. */
  text: string;
  /** The top-level header lines in order, as received (the receiver's own lines first). */
  headerLines: HeaderLines;
  attachments: KeptAttachment[];
  leftOut: LeftOutAttachment[];
}

/**
 * Why a message is not made a request: one of the limits, a message the parser could not make sense of, the
 * receiver's verdict, or mail sent by a machine (an out-of-office reply, a bounce, a mailing list).
 */
export class Rejected extends Error {
  /** What the message's headers said, when they were read before it was rejected. */
  seen: { messageId?: string; from?: string; subject?: string; sizeBytes?: number } = {};

  constructor(
    readonly code:
      | 'too_large'
      | 'too_many_parts'
      | 'too_deep'
      | 'header_too_large'
      | 'time_budget'
      | 'malformed'
      | 'virus'
      | 'spam'
      | 'automatic',
    message: string,
  ) {
    super(message);
  }
}

/** Stores one attachment's content. */
export type StoreAttachment = (attachment: KeptAttachment & { content: Buffer }) => Promise<void>;

/** The longest plain text kept from a message; the description takes the start of it. */
const maxTextChars = 100_000;

/**
 * Reads a raw message as it streams in, under `limits`, with mailparser (decoding, charsets, encoded words) and,
 * beside it, mailsplit's splitter watching the structure (parts and their depth), so neither a deep nor a wide
 * message is ever held whole. Attachments within the limits are listed in `attachments`, and handed to `store`
 * as they end when there is one (without it, their content is never held); the rest are listed in `leftOut`.
 * Nothing in the message is rendered or fetched. Throws `Rejected` past a limit, or with what `screen` answered.
 */
export async function readEmail(
  source: Readable,
  options: {
    limits: MailLimits;
    store?: StoreAttachment;
    /** Looks at the top-level header lines before any body is read; an answer stops reading there. */
    screen?: (lines: HeaderLines) => Rejected | undefined;
  },
): Promise<ParsedEmail> {
  const { limits } = options;
  const digest = createHash('sha256');
  let sizeBytes = 0;
  let headers: Headers = new Map();
  let headerLines: HeaderLines = [];
  let text: MessageText | undefined;
  const attachments: KeptAttachment[] = [];
  const leftOut: LeftOutAttachment[] = [];
  let attachmentCount = 0;
  // A store that fails is a fault of ours, to be retried, never a verdict on the message.
  let storeFailure: unknown;

  const structure = structureGuard(limits);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sizeBytes += chunk.length;
      if (sizeBytes > limits.maxMessageBytes) {
        return done(new Rejected('too_large', `The message is over ${limits.maxMessageBytes} bytes.`));
      }
      digest.update(chunk);
      structure.write(chunk);
      done(structure.failure, chunk);
    },
    flush(done) {
      structure.end();
      structure.once('finish', () => done(structure.failure));
    },
  });
  const parser = new MailParser({
    maxHeadSize: limits.maxHeaderBytes,
    maxChildNodes: limits.maxParts,
    maxHtmlLengthToParse: limits.maxHtmlChars,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    checksumAlgo: false,
  });
  parser.on('headers', (parsed: Headers) => {
    headers = parsed;
  });
  parser.on('headerLines', (lines: HeaderLines) => {
    headerLines = lines;
    const refusal = options.screen?.(lines);
    if (refusal) parser.destroy(refusal);
  });

  const keep = async (attachment: AttachmentStream) => {
    attachmentCount++;
    const filename = safeFilename(attachment.filename, attachmentCount);
    const { contentType } = attachment;
    const chunks: Buffer[] = [];
    let size = 0;
    const counted = attachmentCount <= limits.maxAttachments;
    // The content is always read to its end (the parser waits for it), held only to be stored within the limits.
    for await (const chunk of attachment.content as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (options.store && counted && size <= limits.maxAttachmentBytes) chunks.push(chunk);
      else chunks.length = 0;
    }
    attachment.release?.();
    if (!counted) {
      leftOut.push({ filename, contentType, reason: `more than ${limits.maxAttachments} attachments` });
    } else if (size > limits.maxAttachmentBytes) {
      leftOut.push({ filename, contentType, reason: `over ${limits.maxAttachmentBytes} bytes` });
    } else {
      const kept = { index: attachmentCount, filename, contentType, sizeBytes: size };
      await options.store?.({ ...kept, content: Buffer.concat(chunks) }).catch((error: unknown) => {
        storeFailure = error;
        throw error;
      });
      attachments.push(kept);
    }
  };
  const sink = new Writable({
    objectMode: true,
    write(item: AttachmentStream | MessageText, _encoding, done) {
      if (item.type === 'text') {
        text = item;
        return done();
      }
      keep(item).then(() => done(), done);
    },
  });

  const budget = AbortSignal.timeout(limits.timeBudgetMs);
  try {
    await pipeline(source, meter, parser, sink, { signal: budget });
  } catch (error) {
    if (storeFailure) throw storeFailure;
    const rejection = budget.aborted
      ? new Rejected('time_budget', `Reading took over ${limits.timeBudgetMs} ms.`)
      : error instanceof Rejected
        ? error
        : parserFailure(error);
    // What the headers said, when they were read before the rejection, so the record can name the message.
    rejection.seen = {
      messageId: messageIdOf(headers),
      from: mailboxes(headers.get('from'))[0]?.address,
      subject: subjectOf(headers),
    };
    throw rejection;
  }

  const messageId = messageIdOf(headers);
  return {
    messageKey: messageId ? keyOf(`message-id:${messageId}`) : keyOf(`sha256:${digest.digest('hex')}`),
    messageId,
    sizeBytes,
    from: mailboxes(headers.get('from')),
    subject: subjectOf(headers),
    text: (text?.text ?? '').slice(0, maxTextChars),
    headerLines,
    attachments,
    leftOut,
  };
}

/**
 * mailsplit's splitter over the same bytes, counting parts and how deep each sits; its body chunks are dropped.
 * A breach is kept in `failure` for the meter to pass on, which ends the pipeline.
 */
function structureGuard(limits: MailLimits) {
  const splitter = new Splitter({ maxHeadSize: limits.maxHeaderBytes, maxChildNodes: limits.maxParts });
  // Its typings declare only 'data'; it is a Transform with every stream event.
  const guard = Object.assign(splitter as Transform & Splitter, { failure: null as Rejected | null });
  splitter.on('data', (chunk: SplitterChunk) => {
    if (chunk.type !== 'node') return;
    let depth = 0;
    for (let node: MimeNode | false = chunk; node; node = node.parentNode) depth++;
    if (depth > limits.maxDepth && !guard.failure) {
      guard.failure = new Rejected('too_deep', `MIME parts nest deeper than ${limits.maxDepth} levels.`);
    }
  });
  guard.on('error', (error: Error) => {
    guard.failure ??= parserFailure(error);
  });
  return guard;
}

function parserFailure(error: unknown): Rejected {
  const message = error instanceof Error ? error.message : String(error);
  if (/child nodes/i.test(message)) return new Rejected('too_many_parts', 'The message has too many MIME parts.');
  if (/head(er)? (size|too)|maxHeadSize/i.test(message)) {
    return new Rejected('header_too_large', 'A header block is over the limit.');
  }
  return new Rejected('malformed', `The message could not be parsed: ${oneLine(message).slice(0, 200)}`);
}

function subjectOf(headers: Headers): string {
  const subject = headers.get('subject');
  return typeof subject === 'string' ? oneLine(subject) : '';
}

function messageIdOf(headers: Headers): string | undefined {
  const value = headers.get('message-id');
  if (typeof value !== 'string') return undefined;
  const id = oneLine(value).replace(/^<|>$/g, '');
  return id.length > 0 && id.length <= 998 ? id : undefined;
}

/** The mailboxes of header values (a raw From header's, say), decoded as the parser decodes a message's. */
export function mailboxesOf(values: string[]): Mailbox[] {
  return mailboxes(parseAddressHeader(values));
}

function mailboxes(value: Headers extends Map<string, infer V> ? V | undefined : never): Mailbox[] {
  const objects = (Array.isArray(value) ? value : value ? [value] : []) as AddressObject[];
  return objects.flatMap((object) =>
    (object.value ?? []).flatMap((entry) =>
      // A group's members are nested; a bare group name carries no mailbox.
      [entry, ...(entry.group ?? [])].flatMap((box) =>
        box.address ? [{ address: box.address, name: oneLine(box.name ?? '') }] : [],
      ),
    ),
  );
}

/** Control characters (CR and LF among them) become spaces, so no header or log line can be forged from one. */
export function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/** A filename safe as the last segment of an object key and in a download header. */
function safeFilename(name: string | undefined, index: number): string {
  const cleaned = oneLine(name ?? '')
    .replace(/[/\\:*?"<>|]+/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 120);
  return cleaned || `attachment-${index}`;
}

/** A message's key from what identifies it: `message-id:<id>`, `sha256:<digest>` or `object:<key>`. */
export function keyOf(identity: string): string {
  return createHash('sha256').update(identity).digest('base64url').slice(0, 32);
}
