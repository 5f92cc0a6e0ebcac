import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DomainError } from '../errors.ts';

/**
 * The SSRF guard of outgoing webhooks. A subscription's URL is the office's to choose, and the request it makes is
 * the server's: so the URL's host is resolved, and every address it resolves to must be a public unicast address,
 * or the URL is refused. The check is made when the subscription is written and again before every attempt, and the
 * attempt connects to the very address vetted (./send.ts), so a name that resolves elsewhere in between (DNS
 * rebinding) reaches nothing it should not.
 */

/** What an address is, as far as a webhook may reach it: only `public` is reachable (and `loopback` locally). */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'shared'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'invalid';

/** Resolves a host name to every address it has (the system resolver, or a stub in tests). */
export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/** A webhook URL the guard refused: 400, with why. */
export class WebhookUrlRefused extends DomainError {
  constructor(detail: string) {
    super('webhook.url_refused', 400, detail);
  }
}

/** A URL checked, with the one address to connect to. */
export interface Vetted {
  url: URL;
  /** The host as the request names it (Host, SNI), brackets removed from an IPv6 literal. */
  host: string;
  address: string;
  family: 4 | 6;
}

/**
 * Loopback receivers (`http://127.0.0.1:…`) are allowed only on the embedded default started with
 * `FIELDOPS_WEBHOOKS_ALLOW_LOOPBACK=1`: never deployed (FIELDOPS_LOCAL is set only by local/runtime.ts). Read at each
 * call rather than once in shared/config.ts, so a test may show the refusal and the permission in one process.
 */
export function loopbackAllowed(): boolean {
  return process.env.FIELDOPS_LOCAL === '1' && process.env.FIELDOPS_WEBHOOKS_ALLOW_LOOPBACK === '1';
}

export const maxUrlLength = 2000;

/**
 * Checks a webhook URL and resolves its host: https only (plain http only to loopback, where loopback is allowed),
 * no credentials in it, and every address of the host reachable by the rules of {@link classify}. Throws
 * {@link WebhookUrlRefused}; answers the address to connect to.
 */
export async function vetUrl(
  raw: string,
  options: { allowLoopback?: boolean; resolve?: Resolver } = {},
): Promise<Vetted> {
  const allowLoopback = options.allowLoopback ?? loopbackAllowed();
  const resolve = options.resolve ?? systemResolver;
  if (raw.length > maxUrlLength) throw new WebhookUrlRefused(`The URL is longer than ${maxUrlLength} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefused('The URL is not a valid absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WebhookUrlRefused('A webhook URL is https://.');
  }
  if (url.username || url.password) throw new WebhookUrlRefused('A webhook URL may not carry credentials.');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new WebhookUrlRefused('The URL names no host.');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new WebhookUrlRefused(`The host ${host} does not resolve.`);
    }
  }
  if (addresses.length === 0) throw new WebhookUrlRefused(`The host ${host} does not resolve.`);
  const classes = addresses.map(({ address }) => classify(address));
  const refused = classes.find((c) => c !== 'public' && !(c === 'loopback' && allowLoopback));
  if (refused) {
    throw new WebhookUrlRefused(
      `The host ${host} resolves to a ${refused.replace('_', '-')} address, which a webhook may not reach.`,
    );
  }
  const allLoopback = classes.every((c) => c === 'loopback');
  if (url.protocol === 'http:' && !(allowLoopback && allLoopback)) {
    throw new WebhookUrlRefused('A webhook URL is https://.');
  }
  const first = addresses[0] as { address: string; family: number };
  return { url, host, address: first.address, family: isIP(first.address) === 6 ? 6 : 4 };
}

/**
 * Classifies an IP address (v4, v6, IPv4-mapped and the other IPv6 forms that carry an IPv4 address) by what it
 * reaches: private networks (RFC 1918, unique local), loopback, link-local (the cloud's metadata service at
 * 169.254.169.254 among them), carrier-grade NAT, "this network", multicast and the reserved and documentation
 * ranges are all other than `public`.
 */
export function classify(address: string): AddressClass {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 4) return classifyV4(v4Bytes(bare));
  if (version === 6) return classifyV6(v6Bytes(bare));
  return 'invalid';
}

type Range<C> = [bytes: number[], bits: number, what: C];

const v4Ranges: Array<Range<AddressClass>> = [
  [[0], 8, 'unspecified'],
  [[10], 8, 'private'],
  [[100, 64], 10, 'shared'],
  [[127], 8, 'loopback'],
  [[169, 254], 16, 'link_local'],
  [[172, 16], 12, 'private'],
  [[192, 0, 0], 24, 'reserved'],
  [[192, 0, 2], 24, 'reserved'],
  [[192, 88, 99], 24, 'reserved'],
  [[192, 168], 16, 'private'],
  [[198, 18], 15, 'reserved'],
  [[198, 51, 100], 24, 'reserved'],
  [[203, 0, 113], 24, 'reserved'],
  [[224], 4, 'multicast'],
  [[240], 4, 'reserved'],
];

function classifyV4(bytes: number[]): AddressClass {
  return v4Ranges.find(([prefix, bits]) => inPrefix(bytes, prefix, bits))?.[2] ?? 'public';
}

/** IPv6 ranges; `v4` marks forms that embed an IPv4 address (at the byte offset given), classified by it. */
const v6Ranges: Array<Range<AddressClass | { v4: number }>> = [
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, { v4: 12 }], // IPv4-mapped ::ffff:a.b.c.d
  [[0, 0x64, 0xff, 0x9b], 96, { v4: 12 }], // NAT64 64:ff9b::a.b.c.d
  [[0x20, 0x02], 16, { v4: 2 }], // 6to4 2002:aabb:ccdd::
  [[0, 0x64, 0xff, 0x9b, 0, 1], 48, 'reserved'], // local-use NAT64
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'reserved'], // discard-only
  [[0x20, 0x01, 0, 0], 32, 'reserved'], // Teredo
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'reserved'], // documentation
  [[0xfc], 7, 'private'], // unique local
  [[0xfe, 0x80], 10, 'link_local'],
  [[0xfe, 0xc0], 10, 'private'], // site-local (deprecated)
  [[0xff], 8, 'multicast'],
];

function classifyV6(bytes: number[]): AddressClass {
  if (bytes.slice(0, 15).every((b) => b === 0)) {
    if (bytes[15] === 0) return 'unspecified';
    if (bytes[15] === 1) return 'loopback';
  }
  // ::a.b.c.d (IPv4-compatible, deprecated) and the rest of ::/96, and anything outside global unicast 2000::/3.
  if (bytes.slice(0, 12).every((b) => b === 0)) return 'reserved';
  for (const [prefix, bits, what] of v6Ranges) {
    if (!inPrefix(bytes, prefix, bits)) continue;
    if (typeof what === 'string') return what;
    const embedded = classifyV4(bytes.slice(what.v4, what.v4 + 4));
    return embedded === 'public' ? 'public' : embedded;
  }
  if (((bytes[0] ?? 0) & 0xe0) !== 0x20) return 'reserved';
  return 'public';
}

function inPrefix(bytes: number[], prefix: number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const index = bit / 8;
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

function v4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (already checked by `isIP`): a dotted IPv4 tail as two groups, `::` expanded. */
function v6Bytes(address: string): number[] {
  const text = address.toLowerCase().replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => {
    const hex = (high: string, low: string) => ((Number(high) << 8) | Number(low)).toString(16);
    return `${hex(a, b)}:${hex(c, d)}`;
  });
  const [head = '', rest] = text.split('::');
  const groupsOf = (part: string) => (part ? part.split(':') : []);
  const left = groupsOf(head);
  const right = rest === undefined ? [] : groupsOf(rest);
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [(value >> 8) & 0xff, value & 0xff];
  });
}
