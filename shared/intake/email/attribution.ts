import type { HeaderLines } from 'mailparser';
import type { Contact } from '../../db/entities/customer.ts';
import type { CustomerRecord, SiteRecord } from '../../db/reference.ts';
import type { Mailbox } from './parse.ts';

/**
 * The receiving server's verdicts, read from the top of the message only: SES (and the local SMTP server) put
 * their own `Authentication-Results` and `X-SES-*` lines above everything the sender wrote, so a forged line
 * further down is never read.
 */
export interface ReceiptVerdicts {
  /** `pass`, `fail`, `none`...; absent when the topmost Authentication-Results is not the receiver's own. */
  dmarc?: string;
  spam?: string;
  virus?: string;
}

/** Authentication-Results' authserv-id of the receivers whose verdicts count. */
export const trustedReceivers = ['amazonses.com'];

export function receiptVerdicts(lines: HeaderLines, receivers: readonly string[]): ReceiptVerdicts {
  const first = (key: string) => {
    const line = lines.find((l) => l.key === key)?.line;
    return line
      ?.slice(line.indexOf(':') + 1)
      .replace(/\s+/g, ' ')
      .trim();
  };
  const results = first('authentication-results');
  const authservId = results?.split(';')[0]?.trim().split(/\s/)[0]?.toLowerCase();
  const trusted = authservId !== undefined && receivers.includes(authservId);
  return {
    dmarc: trusted ? /(?:^|;)\s*dmarc=([a-z]+)/i.exec(results ?? '')?.[1]?.toLowerCase() : undefined,
    spam: first('x-ses-spam-verdict')?.toUpperCase(),
    virus: first('x-ses-virus-verdict')?.toUpperCase(),
  };
}

/**
 * Why a message was sent by a machine rather than written to the business, from its top-level headers: an
 * automatic reply (RFC 3834 `Auto-Submitted`, or the older `X-Autoreply` and `Precedence`), a delivery report
 * (a bounce), or a mailing list. Logging those as requests would fill the job list, and answering them one day
 * would start a mail loop.
 */
export function sentByMachine(lines: HeaderLines): string | undefined {
  const value = (key: string) => {
    const line = lines.find((l) => l.key === key)?.line;
    return line
      ?.slice(line.indexOf(':') + 1)
      .trim()
      .toLowerCase();
  };
  const autoSubmitted = value('auto-submitted');
  if (autoSubmitted && !autoSubmitted.startsWith('no'))
    return `an automatic message (Auto-Submitted: ${autoSubmitted})`;
  if (value('x-autoreply') !== undefined || value('x-autorespond') !== undefined) return 'an automatic reply';
  const precedence = value('precedence');
  if (precedence && /^(bulk|junk|list|auto_reply)\b/.test(precedence)) return `bulk mail (Precedence: ${precedence})`;
  if (/^multipart\/report\b/.test(value('content-type') ?? '')) return 'a delivery report (a bounce)';
  if (value('list-id') !== undefined) return 'mail from a mailing list';
  return undefined;
}

/** Who sent a message: the customer it is attributed to, or why it is not. */
export interface Sender {
  address: string;
  name: string;
  customer?: CustomerRecord;
  contact?: Contact;
  /** Empty when the request is attributed to `customer`. */
  unverified: string[];
  /** The customer the address matched when a failed check keeps the request from being attributed to it. */
  candidate?: CustomerRecord;
}

// An addr-spec as the parser returns it, ASCII only: anything else (spaces, brackets, a second @) is not matched.
const plainAddress = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$/;

/**
 * Matches the sender to a customer by a contact's address, else by one of the customer's e-mail domains, on the
 * address alone (a display name proves nothing). The request is attributed only when exactly one mailbox sent
 * it, the receiver's DMARC verdict did not fail, and exactly one customer matches.
 */
export function identifySender(from: Mailbox[], verdicts: ReceiptVerdicts, customers: CustomerRecord[]): Sender {
  const mailbox = from[0] ?? { address: '', name: '' };
  const address = mailbox.address.toLowerCase();
  const unverified: string[] = [];
  if (from.length !== 1) unverified.push(`the From header has ${from.length} mailboxes`);
  if (!plainAddress.test(address)) unverified.push('the sender address is not a plain address');
  if (verdicts.dmarc === undefined) unverified.push('no DMARC verdict from the receiving server');
  else if (['fail', 'permerror', 'temperror'].includes(verdicts.dmarc)) {
    unverified.push(`DMARC ${verdicts.dmarc}`);
  }

  const byContact = customers.flatMap((customer) =>
    customer.contacts.filter((c) => c.email?.toLowerCase() === address).map((contact) => ({ customer, contact })),
  );
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const byDomain = customers.filter((c) => c.emailDomains?.some((d) => d.toLowerCase() === domain));
  const matches = byContact.length > 0 ? byContact : byDomain.map((customer) => ({ customer, contact: undefined }));
  const customerIds = new Set(matches.map((m) => m.customer.customerId));
  if (customerIds.size === 0) unverified.push('the sender is not a contact of any customer, nor of their domains');
  if (customerIds.size > 1) unverified.push(`the sender matches ${customerIds.size} customers`);

  const match = customerIds.size === 1 ? matches[0] : undefined;
  const sender = { address: mailbox.address, name: mailbox.name, unverified };
  if (unverified.length > 0) return { ...sender, candidate: match?.customer };
  return { ...sender, customer: match?.customer, contact: match?.contact };
}

/**
 * The site a message is about, among the customer's: the one whose postcode, or failing that whose name or
 * first address line, the text mentions. A customer with a single site needs no mention. Several or none
 * mentioned: no site, and the office completes the request.
 */
export function siteFromText(text: string, sites: SiteRecord[]): SiteRecord | undefined {
  if (sites.length === 1) return sites[0];
  const squashed = text.toUpperCase().replace(/\s+/g, '');
  const byPostcode = sites.filter((s) => squashed.includes(s.postcode.toUpperCase().replace(/\s+/g, '')));
  if (byPostcode.length === 1) return byPostcode[0];
  const lower = text.toLowerCase();
  const byName = sites.filter((s) =>
    [s.name, s.address.split(',')[0]].some((words) => words && lower.includes(words.trim().toLowerCase())),
  );
  return byName.length === 1 ? byName[0] : undefined;
}
