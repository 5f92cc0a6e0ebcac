import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CustomerRecord, SiteRecord } from '#shared/db/reference.ts';
import {
  identifySender,
  receiptVerdicts,
  sameOrganisation,
  sentByMachine,
  siteFromText,
} from '#shared/intake/email/attribution.ts';
import { Rejected, readEmail } from '#shared/intake/email/parse.ts';
import { mailLimits } from '#shared/intake/email/rules.ts';
import { categoryFromText } from '#shared/work-order/categories.ts';

const line = (key: string, value: string) => ({ key, line: `${key}: ${value}` });

const customers: CustomerRecord[] = [
  {
    customerId: 'cus_a',
    version: 1,
    name: 'A Lettings',
    contacts: [{ name: 'Ann', email: 'Ann@A-Lettings.example' }],
    emailDomains: ['a-lettings.example'],
    createdAt: '2026-01-01T00:00:00Z',
  },
  {
    customerId: 'cus_b',
    version: 1,
    name: 'B',
    contacts: [{ name: 'Bob', email: 'bob@shared.example' }],
    createdAt: '',
  },
  { customerId: 'cus_c', version: 1, name: 'C', contacts: [], emailDomains: ['shared.example'], createdAt: '' },
  { customerId: 'cus_d', version: 1, name: 'D', contacts: [], emailDomains: ['shared.example'], createdAt: '' },
];

describe('receipt verdicts', () => {
  const ses = [
    'amazonses.com;',
    ' spf=pass (spfCheck: domain of mail.a-lettings.example designates 192.0.2.25 as permitted sender)',
    ' client-ip=192.0.2.25; envelope-from=bounce@mail.a-lettings.example; helo=mail.a-lettings.example;',
    ' dkim=pass header.i=@a-lettings.example;',
    ' dkim=pass header.i=@amazonses.com;',
    ' dmarc=none header.from=a-lettings.example;',
  ].join('\r\n');

  it("reads SES's own line: SPF's envelope sender, each DKIM signing domain, DMARC's From domain", () => {
    expect(receiptVerdicts([line('authentication-results', ses)], ['amazonses.com']).authentication).toEqual([
      { method: 'spf', result: 'pass', domain: 'mail.a-lettings.example' },
      { method: 'dkim', result: 'pass', domain: 'a-lettings.example' },
      { method: 'dkim', result: 'pass', domain: 'amazonses.com' },
      { method: 'dmarc', result: 'none', domain: 'a-lettings.example' },
    ]);
  });

  it('reads the RFC 8601 properties too, ignoring comments and what a quoted local part holds', () => {
    const value =
      'mx.example; spf=pass (a ; dmarc=pass) smtp.mailfrom="x;dkim=pass header.d=a.example;"@Evil.Example.; dkim=fail header.d=b.example; dmarc=fail header.from=a.example';
    expect(receiptVerdicts([line('authentication-results', value)], ['mx.example']).authentication).toEqual([
      { method: 'spf', result: 'pass', domain: 'evil.example' },
      { method: 'dkim', result: 'fail', domain: 'b.example' },
      { method: 'dmarc', result: 'fail', domain: 'a.example' },
    ]);
  });

  it("reads the receiver's own lines at the top, never a forged one below", () => {
    const lines = [
      line('x-ses-virus-verdict', 'PASS'),
      line('authentication-results', 'amazonses.com; spf=pass; dkim=pass; dmarc=fail header.from=a.example'),
      line('authentication-results', 'amazonses.com; dmarc=pass'),
      line('x-ses-virus-verdict', 'FAIL'),
    ];
    const verdicts = receiptVerdicts(lines, ['amazonses.com']);
    expect(verdicts).toMatchObject({ spam: undefined, virus: 'PASS' });
    expect(verdicts.authentication?.find((r) => r.method === 'dmarc')).toEqual({
      method: 'dmarc',
      result: 'fail',
      domain: 'a.example',
    });
  });

  it('ignores verdicts whose topmost Authentication-Results names another server', () => {
    const lines = [line('authentication-results', 'mx.evil.example; dmarc=pass header.from=a-lettings.example')];
    expect(receiptVerdicts(lines, ['amazonses.com']).authentication).toBeUndefined();
  });
});

describe('DMARC alignment', () => {
  it.each([
    ['northwesthomes.co.uk', 'bounce.northwesthomes.co.uk', true],
    ['a.example', 'a.example', true],
    ['northwesthomes.co.uk', 'evil.co.uk', false],
    ['a.herokuapp.com', 'b.herokuapp.com', false],
    ['co.uk', 'evil.co.uk', false],
  ])('%s and %s: %s', (a, b, aligned) => {
    expect(sameOrganisation(a, b)).toBe(aligned);
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
  const results = (...list: Array<[string, string, string?]>) => ({
    authentication: list.map(([method, result, domain]) => ({ method, result, domain })),
  });
  const pass = results(['dmarc', 'pass', 'a-lettings.example']);
  const ann = { address: 'ann@a-lettings.example', name: '' };

  it('matches a contact address case-insensitively, then a domain', () => {
    const byContact = identifySender([ann], pass, customers);
    expect(byContact).toMatchObject({ customer: { customerId: 'cus_a' }, contact: { name: 'Ann' }, unverified: [] });
    const byDomain = identifySender([{ address: 'ops@a-lettings.example', name: '' }], pass, customers);
    expect(byDomain.customer?.customerId).toBe('cus_a');
    expect(byDomain.contact).toBeUndefined();
  });

  it('prefers a contact to a domain several customers share, and refuses to choose between those customers', () => {
    const shared = results(['dmarc', 'pass', 'shared.example']);
    const bob = identifySender([{ address: 'bob@shared.example', name: '' }], shared, customers);
    expect(bob.customer?.customerId).toBe('cus_b');
    const eve = identifySender([{ address: 'eve@shared.example', name: '' }], shared, customers);
    expect(eve.customer).toBeUndefined();
    expect(eve.unverified).toEqual(['the sender matches 2 customers']);
  });

  it('where the domain publishes no DMARC policy, attributes on an SPF or DKIM pass of the same organisation', () => {
    const none = ['dmarc', 'none', 'a-lettings.example'] as [string, string, string];
    const bySpf = identifySender([ann], results(['spf', 'pass', 'bounce.a-lettings.example'], none), customers);
    expect(bySpf).toMatchObject({ customer: { customerId: 'cus_a' }, unverified: [] });
    const byDkim = identifySender(
      [ann],
      results(['spf', 'pass', 'mailer.example'], ['dkim', 'pass', 'a-lettings.example'], none),
      customers,
    );
    expect(byDkim).toMatchObject({ customer: { customerId: 'cus_a' }, unverified: [] });
  });

  it('with DMARC none, does not attribute on a pass for a stranger, a failed check, or a neighbour under a public suffix', () => {
    const none = ['dmarc', 'none', 'a-lettings.example'] as [string, string, string];
    const reason = 'DMARC none (a-lettings.example publishes no policy) and no SPF or DKIM pass aligned with it';
    for (const verdicts of [
      results(['spf', 'pass', 'stranger.example'], ['dkim', 'pass', 'stranger.example'], none),
      results(['spf', 'fail', 'a-lettings.example'], ['dkim', 'fail', 'a-lettings.example'], none),
      results(['spf', 'pass', 'b-lettings.example'], none),
      results(none),
    ]) {
      const sender = identifySender([ann], verdicts, customers);
      expect(sender.customer).toBeUndefined();
      expect(sender).toMatchObject({ candidate: { customerId: 'cus_a' }, unverified: [reason] });
    }
  });

  it('never attributes on a failed or missing DMARC verdict, one about another domain, several mailboxes, or a display name', () => {
    const failed = identifySender([ann], results(['dmarc', 'fail', 'a-lettings.example']), customers);
    expect(failed.customer).toBeUndefined();
    expect(failed).toMatchObject({ candidate: { customerId: 'cus_a' }, unverified: ['DMARC fail'] });
    expect(identifySender([ann], {}, customers).unverified).toEqual(['no DMARC verdict from the receiving server']);
    expect(identifySender([ann], results(['dmarc', 'pass', 'evil.example']), customers).unverified).toEqual([
      'the DMARC verdict is about evil.example, not a-lettings.example',
    ]);
    const twice = results(['dmarc', 'pass', 'a-lettings.example'], ['dmarc', 'fail', 'a-lettings.example']);
    expect(identifySender([ann], twice, customers).unverified).toEqual(['2 DMARC verdicts from the receiving server']);
    expect(identifySender([ann, ann], pass, customers).unverified).toEqual(['the From header has 2 mailboxes']);
    const named = identifySender([{ address: 'x@evil.example', name: 'ann@a-lettings.example' }], pass, customers);
    expect(named.customer).toBeUndefined();
    expect(named.candidate).toBeUndefined();
  });
});

describe('the site a message is about', () => {
  const site = (siteId: string, name: string, address: string, postcode: string): SiteRecord => ({
    siteId,
    version: 1,
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
  const store = async () => {};

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
