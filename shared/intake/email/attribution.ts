import { domainToASCII } from 'node:url';
import type { HeaderLines } from 'mailparser';
import { getDomain } from 'tldts';
import type { Contact } from '../../db/entities/customer.ts';
import type { CustomerRecord, SiteRecord } from '../../db/reference.ts';
import type { Mailbox } from './parse.ts';

/** One result on the receiving server's Authentication-Results line (RFC 8601). */
export interface AuthResult {
  /** `spf`, `dkim`, `dmarc`... */
  method: string;
  /** `pass`, `fail`, `none`... */
  result: string;
  /**
   * The domain the result is about, as DNS spells it: SPF's envelope sender (`smtp.mailfrom`, or SES's
   * `envelope-from`), DKIM's signing domain (`header.d`, or the domain of SES's `header.i`), DMARC's From domain.
   */
  domain?: string;
}

/**
 * The receiving server's verdicts, read from the top of the message only: SES (and the local SMTP server) put
 * their own `Authentication-Results` and `X-SES-*` lines above everything the sender wrote, so a forged line
 * further down is never read.
 */
export interface ReceiptVerdicts {
  /** The results of the topmost Authentication-Results; absent when that line is not the receiver's own. */
  authentication?: AuthResult[];
  spam?: string;
  virus?: string;
}

/** Authentication-Results' authserv-id of the receivers whose verdicts count. */
export const trustedReceivers = ['amazonses.com'];

/** The verdicts of the receiver among `receivers` whose lines top the message; none of a line the sender wrote. */
export function receiptVerdicts(lines: HeaderLines, receivers: readonly string[]): ReceiptVerdicts {
  const first = (key: string) => {
    const line = lines.find((l) => l.key === key)?.line;
    return line
      ?.slice(line.indexOf(':') + 1)
      .replace(/\s+/g, ' ')
      .trim();
  };
  const [head, ...statements] = resultStatements(first('authentication-results') ?? '');
  const authservId = head?.[0]?.toLowerCase();
  const trusted = authservId !== undefined && receivers.includes(authservId);
  return {
    authentication: trusted ? authResults(statements) : undefined,
    spam: first('x-ses-spam-verdict')?.toUpperCase(),
    virus: first('x-ses-virus-verdict')?.toUpperCase(),
  };
}

/**
 * An Authentication-Results value split at its `;` into statements of words, comments dropped and quoted strings
 * kept whole: a `;` or a `(` in a quoted local part of the envelope sender splits nothing and hides nothing.
 */
function resultStatements(value: string): string[][] {
  const statements: string[][] = [[]];
  let word = '';
  let comment = 0;
  let quoted = false;
  const endWord = () => {
    if (word) statements.at(-1)?.push(word);
    word = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (c === '\\' && (quoted || comment > 0)) {
      if (quoted) word += value.charAt(i + 1);
      i++;
    } else if (quoted) {
      if (c === '"') quoted = false;
      else word += c;
    } else if (comment > 0) {
      if (c === '(') comment++;
      if (c === ')') comment--;
    } else if (c === '"') quoted = true;
    else if (c === '(') {
      endWord();
      comment = 1;
    } else if (c === ';') {
      endWord();
      statements.push([]);
    } else if (c === ' ') endWord();
    else word += c;
  }
  endWord();
  return statements.filter((words) => words.length > 0);
}

/** SPF details SES writes as statements of their own after the result (`spf=pass ...; envelope-from=...; helo=...`). */
const sesSpfDetails = new Set(['client-ip', 'envelope-from', 'helo']);

/** Each `method=result` statement with its `ptype.property=value` words, and the details SES writes after it. */
function authResults(statements: string[][]): AuthResult[] {
  const results: Array<{ method: string; result: string; properties: Map<string, string> }> = [];
  for (const words of statements) {
    const [method = '', result] = pair(words[0] ?? '');
    const starts = result !== undefined && !sesSpfDetails.has(method);
    if (starts) results.push({ method, result: result.toLowerCase(), properties: new Map() });
    for (const word of starts ? words.slice(1) : words) {
      const [name, value] = pair(word);
      const properties = results.at(-1)?.properties;
      if (value !== undefined && !properties?.has(name)) properties?.set(name, value);
    }
  }
  return results.map(({ method, result, properties }) => ({ method, result, domain: domainOf(method, properties) }));
}

function pair(word: string): [string, string | undefined] {
  const at = word.indexOf('=');
  return at < 0 ? [word.toLowerCase(), undefined] : [word.slice(0, at).toLowerCase(), word.slice(at + 1)];
}

function domainOf(method: string, properties: Map<string, string>): string | undefined {
  const afterAt = (value: string | undefined) => value?.slice(value.lastIndexOf('@') + 1);
  const named: Record<string, string | undefined> = {
    spf: afterAt(properties.get('smtp.mailfrom') ?? properties.get('envelope-from')),
    dkim: properties.get('header.d') ?? afterAt(properties.get('header.i')),
    dmarc: properties.get('header.from'),
  };
  const domain = named[method];
  return domain === undefined ? undefined : dnsDomain(domain);
}

/** A domain as DNS spells it (ASCII, lower case, no trailing dot); undefined when it is not a host name. */
export function dnsDomain(name: string): string | undefined {
  const ascii = domainToASCII(name.replace(/\.+$/, '')).toLowerCase();
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(ascii) ? ascii : undefined;
}

/** The domain of an address, as DNS spells it; undefined when the address has none. */
export function addressDomain(address: string): string | undefined {
  return address.includes('@') ? dnsDomain(address.slice(address.lastIndexOf('@') + 1)) : undefined;
}

/**
 * DMARC's relaxed alignment: two domains of the same organisation, the one registered under a public suffix
 * (`bounce.northwesthomes.co.uk` and `northwesthomes.co.uk`, never two names under `co.uk`). Suffixes where
 * anyone may register a name (a hosting provider's) count as public, so two of its customers never align.
 */
export function sameOrganisation(a: string, b: string): boolean {
  if (a === b) return true;
  const organisation = getDomain(a, { allowPrivateDomains: true });
  return organisation !== null && organisation === getDomain(b, { allowPrivateDomains: true });
}

/**
 * Why the receiver's results do not show the From domain to be the sender's (none: they do). DMARC `pass` for
 * that domain settles it. `none` means the domain publishes no DMARC policy, so DMARC proved nothing either way:
 * then an SPF pass for the envelope sender, or a DKIM pass for a signing domain, of the same organisation as the
 * From domain stands in for it, as DMARC itself would count them. Anything else (`fail`, an error, a verdict about
 * another domain, several verdicts) does not.
 */
export function authenticationGaps(fromDomain: string, results: AuthResult[] = []): string[] {
  const of = (method: string) => results.filter((r) => r.method === method);
  const [verdict, ...others] = of('dmarc');
  if (!verdict) return ['no DMARC verdict from the receiving server'];
  if (others.length > 0) return [`${others.length + 1} DMARC verdicts from the receiving server`];
  if (verdict.domain !== fromDomain) {
    return [`the DMARC verdict is about ${verdict.domain ?? 'an unnamed domain'}, not ${fromDomain}`];
  }
  if (verdict.result === 'pass') return [];
  if (verdict.result !== 'none') return [`DMARC ${verdict.result}`];
  // A receiver checks SPF once per message: two SPF results are not all its own.
  const spf = of('spf');
  const aligned = [...(spf.length === 1 ? spf : []), ...of('dkim')].some(
    (r) => r.result === 'pass' && r.domain !== undefined && sameOrganisation(r.domain, fromDomain),
  );
  return aligned ? [] : [`DMARC none (${fromDomain} publishes no policy) and no SPF or DKIM pass aligned with it`];
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
 * it, the receiver's results show its domain to be the sender's (`authenticationGaps`), and exactly one customer
 * matches; otherwise the customer it matched is named as the candidate.
 */
export function identifySender(from: Mailbox[], verdicts: ReceiptVerdicts, customers: CustomerRecord[]): Sender {
  const mailbox = from[0] ?? { address: '', name: '' };
  const address = mailbox.address.toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const fromDomain = addressDomain(address);
  const unverified: string[] = [];
  if (from.length !== 1) unverified.push(`the From header has ${from.length} mailboxes`);
  if (!plainAddress.test(address) || !fromDomain) unverified.push('the sender address is not a plain address');
  else unverified.push(...authenticationGaps(fromDomain, verdicts.authentication));

  const byContact = customers.flatMap((customer) =>
    customer.contacts.filter((c) => c.email?.toLowerCase() === address).map((contact) => ({ customer, contact })),
  );
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
