/**
 * Where inbound e-mail lands: SES's receipt rule (and the local SMTP server) stores each raw message in the
 * attachments bucket under this prefix, and the bucket's object-created notification for it invokes
 * `functions/intake/receive-email.ts`, which only reads here.
 */
export const inboundMailPrefix = 'inbound-mail/';

/**
 * Where the attachments kept from a message are stored (outside the trigger's prefix): the receive-email handler
 * writes here, and only here, `<id of the raw object>/<place in the message>`, names the server made, never the
 * sender. The office's download links read here.
 */
export const mailAttachmentPrefix = 'mail-attachments/';

const megabyte = 1024 * 1024;

/**
 * What one message may cost. SES stores messages of up to 40 MB, so every message it delivers is read; the local
 * SMTP server accepts the same `maxMessageBytes`. Past a limit the message is rejected with the limit's reason,
 * except an attachment over its limits, which is left out (and listed) while the request is still logged.
 */
export interface MailLimits {
  /** The raw message, headers and encoding included. */
  maxMessageBytes: number;
  /** MIME parts of every kind, the message itself included. */
  maxParts: number;
  /** How deep multiparts and attached messages may nest. */
  maxDepth: number;
  /** The header block of one part. */
  maxHeaderBytes: number;
  /** Attachments kept; any further ones are listed as left out. */
  maxAttachments: number;
  /** One attachment, decoded. */
  maxAttachmentBytes: number;
  /** HTML longer than this is not turned into text (a message with no plain text part). */
  maxHtmlChars: number;
  /**
   * One reading of the whole message. A message with attachments to keep is read twice: once to check it before
   * anything is stored, and again, once it is the message's first delivery, to store them.
   */
  timeBudgetMs: number;
}

export const mailLimits: MailLimits = {
  maxMessageBytes: 50 * megabyte,
  maxParts: 500,
  maxDepth: 20,
  maxHeaderBytes: 256 * 1024,
  maxAttachments: 20,
  maxAttachmentBytes: 20 * megabyte,
  maxHtmlChars: 2_000_000,
  timeBudgetMs: 20_000,
};

/** The longest description a request gets from a message: the subject, then the start of the text. */
export const maxDescriptionChars = 4000;
