import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CustomerRecord, SiteRecord } from '#shared/db/reference.ts';
import { identifySender, receiptVerdicts, sentByMachine, siteFromText } from '#shared/intake/email/attribution.ts';
import { Rejected, readEmail } from '#shared/intake/email/parse.ts';
import { mailLimits } from '#shared/intake/email/rules.ts';
import { categoryFromText } from '#shared/work-order/categories.ts';

const line = (key: string, value: string) => ({ key, line: `${key}: ${value}` });

const customers: CustomerRecord[] = [
  {
    customerId: 'cus_a',
    name: 'A Lettings',
    contacts: [{ name: 'Ann', email: 'Ann@A-Lettings.example' }],
    emailDomains: ['a-lettings.example'],
    createdAt: '2026-01-01T00:00:00Z',
  },
  { customerId: 'cus_b', name: 'B', contacts: [{ name: 'Bob', email: 'bob@shared.example' }], createdAt: '' },
  { customerId: 'cus_c', name: 'C', contacts: [], emailDomains: ['shared.example'], createdAt: '' },
  { customerId: 'cus_d', name: 'D', contacts: [], emailDomains: ['shared.example'], createdAt: '' },
];

describe('receipt verdicts', () => {
  it("reads the receiver's own lines at the top, never a forged one below", () => {
    const lines = [
      line('x-ses-virus-verdict', 'PASS'),
      line('authentication-results', 'amazonses.com; spf=pass; dkim=pass; dmarc=fail header.from=a.example'),
      line('authentication-results', 'amazonses.com; dmarc=pass'),
      line('x-ses-virus-verdict', 'FAIL'),
    ];
    expect(receiptVerdicts(lines, ['amazonses.com'])).toEqual({ dmarc: 'fail', spam: undefined, virus: 'PASS' });
  });

  it('ignores verdicts whose topmost Authentication-Results names another server', () => {
    const lines = [line('authentication-results', 'mx.evil.example; dmarc=pass')];
    expect(receiptVerdicts(lines, ['amazonses.com']).dmarc).toBeUndefined();
  });
});

describe('mail sent by a machine', () => {
  it.each([
    [[line('auto-submitted', 'auto-replied')], 'an automatic message (Auto-Submitted: auto-replied)'],
    [[line('x-autoreply', 'yes')], 'an automatic reply'],
    [[line('precedence', 'bulk')], 'bulk mail (Precedence: bulk)'],
    [[line('content-type', 'multipart/report; report-type=delivery-status')], 'a delivery report (a bounce)'],
    [[line('list-id', '<news.example.com>')], 'mail from a mailing list'],
  ])('%j is %s', (lines, reason) => {
    expect(sentByMachine(lines)).toBe(reason);
  });

  it('lets a person’s mail through, `Auto-Submitted: no` included', () => {
    expect(sentByMachine([line('auto-submitted', 'no'), line('precedence', 'urgent')])).toBeUndefined();
    expect(sentByMachine([line('subject', 'Precedence: bulk')])).toBeUndefined();
  });
});

describe('identifying the sender', () => {
  const pass = { dmarc: 'pass' };
  it('matches a contact address case-insensitively, then a domain', () => {
    const byContact = identifySender([{ address: 'ann@a-lettings.example', name: '' }], pass, customers);
    expect(byContact).toMatchObject({ customer: { customerId: 'cus_a' }, contact: { name: 'Ann' }, unverified: [] });
    const byDomain = identifySender([{ address: 'ops@a-lettings.example', name: '' }], pass, customers);
    expect(byDomain.customer?.customerId).toBe('cus_a');
    expect(byDomain.contact).toBeUndefined();
  });

  it('prefers a contact to a domain several customers share, and refuses to choose between those customers', () => {
    expect(identifySender([{ address: 'bob@shared.example', name: '' }], pass, customers).customer?.customerId).toBe(
      'cus_b',
    );
    const shared = identifySender([{ address: 'eve@shared.example', name: '' }], pass, customers);
    expect(shared.customer).toBeUndefined();
    expect(shared.unverified).toEqual(['the sender matches 2 customers']);
  });

  it('never attributes on a failed or missing DMARC verdict, several mailboxes, or a display name', () => {
    const ann = { address: 'ann@a-lettings.example', name: '' };
    const failed = identifySender([ann], { dmarc: 'fail' }, customers);
    expect(failed.customer).toBeUndefined();
    expect(failed).toMatchObject({ candidate: { customerId: 'cus_a' }, unverified: ['DMARC fail'] });
    expect(identifySender([ann], {}, customers).unverified).toEqual(['no DMARC verdict from the receiving server']);
    expect(identifySender([ann, ann], pass, customers).unverified).toEqual(['the From header has 2 mailboxes']);
    const named = identifySender([{ address: 'x@evil.example', name: 'ann@a-lettings.example' }], pass, customers);
    expect(named.customer).toBeUndefined();
    expect(named.candidate).toBeUndefined();
  });
});

describe('the site a message is about', () => {
  const site = (siteId: string, name: string, address: string, postcode: string): SiteRecord => ({
    siteId,
    customerId: 'cus_a',
    name,
    address,
    postcode,
    lat: 0,
    lng: 0,
    createdAt: '',
  });
  const sites = [
    site('s1', 'Blossom Street flats', '14 Blossom Street, Ancoats', 'M4 6AJ'),
    site('s2', 'Chapel Street house', '3 Chapel Street, Salford', 'M3 5JZ'),
  ];

  it('matches a postcode however it is spaced, then a name or first address line', () => {
    expect(siteFromText('leak at m46aj please', sites)?.siteId).toBe('s1');
    expect(siteFromText('at 3 chapel street today', sites)?.siteId).toBe('s2');
  });

  it('leaves the site to the office when the text names none, or both', () => {
    expect(siteFromText('the boiler is broken', sites)).toBeUndefined();
    expect(siteFromText('M4 6AJ and M3 5JZ', sites)).toBeUndefined();
  });

  it("takes a single-site customer's only site", () => {
    expect(siteFromText('anything', [sites[0] as SiteRecord])?.siteId).toBe('s1');
  });
});

describe('the category of free text', () => {
  it.each([
    ['There is a strong smell of gas in the kitchen', 'gas_leak'],
    ['No smell of gas, but the boiler is not working', 'boiler_breakdown'],
    ['Water dripping from the ceiling', 'leak'],
    ['The kitchen sink is blocked', 'blocked_drain'],
    ['Sockets in the office keep tripping', 'electrical_fault'],
    ['Smoke detector beeping in the hall', 'fire_alarm_fault'],
    ['Please book the annual service', 'boiler_service'],
    ['We would like a quote for a new boiler', 'boiler_replacement'],
    ['The front door hinge is loose', 'general_maintenance'],
  ])('%s → %s', (text, category) => {
    expect(categoryFromText(text).id).toBe(category);
  });
});

describe('reading under limits', () => {
  const raw = (body: string) =>
    Readable.from([Buffer.from(`From: a@b.example\r\nSubject: s\r\nMessage-ID: <m@b>\r\n\r\n${body}`)]);
  const store = async () => 'key';

  it('stops at the time budget with a reason', async () => {
    const slow = new Readable({ read() {} });
    slow.push('From: a@b.example\r\n');
    const reading = readEmail(slow, { limits: { ...mailLimits, timeBudgetMs: 50 }, store });
    await expect(reading).rejects.toMatchObject({ code: 'time_budget' });
    slow.destroy();
  });

  it('stops at the size limit before reading the rest', async () => {
    const reading = readEmail(raw('x'.repeat(10_000)), { limits: { ...mailLimits, maxMessageBytes: 1000 }, store });
    await expect(reading).rejects.toBeInstanceOf(Rejected);
    await expect(reading).rejects.toMatchObject({ code: 'too_large' });
  });

  it('passes a failing store on as it is (to be retried), never as a verdict on the message', async () => {
    const withAttachment = Readable.from([
      Buffer.from(
        'From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n' +
          '--x\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png\r\n\r\nPNG\r\n--x--\r\n',
      ),
    ]);
    const outage = new Error('S3 is down');
    const reading = readEmail(withAttachment, { limits: mailLimits, store: () => Promise.reject(outage) });
    await expect(reading).rejects.toBe(outage);
  });

  it('keys a message by its Message-ID, so another delivery of it has the same key', async () => {
    const first = await readEmail(raw('one'), { limits: mailLimits, store });
    const second = await readEmail(raw('one, delivered again with other bytes'), { limits: mailLimits, store });
    expect(first.messageKey).toBe(second.messageKey);
    expect(first.messageId).toBe('m@b');
  });
});
