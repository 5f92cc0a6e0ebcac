import { describe, expect, it } from 'vitest';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { deliveryFor, ukMobile, within } from '#shared/notify/channels.ts';
import { appointmentWords, windowOf } from '#shared/notify/notify.ts';
import { renderTemplate } from '#shared/notify/templates.ts';
import { atRisk } from '#shared/work-order/sla-watch.ts';

const noneSuppressed = () => false;
// 14:00 in London in December (UTC), 15:00 in June (BST).
const winterAfternoon = new Date('2026-12-02T14:00:00Z');
const summerNight = new Date('2026-06-15T21:30:00Z'); // 22:30 BST

describe('how a message reaches a contact', () => {
  const sarah = { name: 'Sarah Okafor', email: 'sarah@example.com', phone: '07700 900123' };

  it('sends the time-critical messages by SMS to a mobile, and the rest by e-mail', () => {
    expect(
      deliveryFor({ template: 'on_the_way', contact: sarah, suppressed: noneSuppressed, at: winterAfternoon }),
    ).toEqual({ channel: 'sms', to: '+447700900123' });
    expect(
      deliveryFor({ template: 'invoice_issued', contact: sarah, suppressed: noneSuppressed, at: winterAfternoon }),
    ).toEqual({ channel: 'email', to: 'sarah@example.com' });
  });

  it('sends nothing to a contact who opted out, whatever the message', () => {
    const optedOut = { ...sarah, notifications: { optOut: true } };
    for (const template of ['request_received', 'on_the_way'] as const) {
      expect(
        deliveryFor({ template, contact: optedOut, suppressed: noneSuppressed, at: winterAfternoon }),
      ).toMatchObject({
        skipped: expect.stringMatching(/opted out/),
      });
    }
  });

  it('keeps SMS out of quiet hours (local time, across midnight and the clock change), e-mailing instead', () => {
    const quiet = { ...sarah, notifications: { quietHours: { from: '22:00', to: '07:00' } } };
    expect(deliveryFor({ template: 'arrived', contact: quiet, suppressed: noneSuppressed, at: summerNight })).toEqual({
      channel: 'email',
      to: 'sarah@example.com',
    });
    const textOnly = { name: 'Ann', phone: '+44 7700 900999', notifications: quiet.notifications };
    expect(
      deliveryFor({ template: 'arrived', contact: textOnly, suppressed: noneSuppressed, at: summerNight }),
    ).toMatchObject({ skipped: expect.stringMatching(/quiet hours/) });
    // 21:30 UTC is 22:30 in London in June, but 21:30 in December: outside the quiet hours then.
    expect(within({ from: '22:00', to: '07:00' }, summerNight)).toBe(true);
    expect(within({ from: '22:00', to: '07:00' }, new Date('2026-12-02T21:30:00Z'))).toBe(false);
    expect(within({ from: '12:00', to: '13:00' }, new Date('2026-12-02T12:30:00Z'))).toBe(true);
    // A business in Tokyo: 14:00 UTC is 23:00 there, within its contacts' quiet hours.
    expect(within({ from: '22:00', to: '07:00' }, new Date('2026-12-02T14:00:00Z'), 'Asia/Tokyo')).toBe(true);
    expect(within({ from: '22:00', to: '07:00' }, new Date('2026-12-02T14:00:00Z'))).toBe(false);
  });

  it('honours a contact who chose SMS, and never uses a suppressed address', () => {
    const texts = { ...sarah, notifications: { channel: 'sms' as const } };
    expect(
      deliveryFor({ template: 'completed', contact: texts, suppressed: noneSuppressed, at: winterAfternoon }),
    ).toEqual({
      channel: 'sms',
      to: '+447700900123',
    });
    const bounced = (address: string) => address === 'sarah@example.com';
    expect(deliveryFor({ template: 'completed', contact: sarah, suppressed: bounced, at: winterAfternoon })).toEqual({
      channel: 'sms',
      to: '+447700900123',
    });
    const landline = { name: 'Jo', email: 'jo@example.com', phone: '+44 161 555 0142' };
    expect(
      deliveryFor({ template: 'on_the_way', contact: landline, suppressed: () => true, at: winterAfternoon }),
    ).toMatchObject({ skipped: expect.stringMatching(/suppressed/) });
  });

  it('reads UK mobile numbers as people write them, and no landline as one', () => {
    expect(['07700 900123', '+44 7700 900123', '0044 (7700) 900-123'].map(ukMobile)).toEqual([
      '+447700900123',
      '+447700900123',
      '+447700900123',
    ]);
    expect(ukMobile('0161 555 0142')).toBeUndefined();
    expect(ukMobile('+1 415 555 0100')).toBeUndefined();
  });
});

describe('what a message says', () => {
  it('names the arrival window in local time, across the clock change', () => {
    expect(windowOf('2026-12-03T07:15:00Z')).toEqual({
      key: '2026-12-03T07',
      words: 'between 07:00 and 09:00 on Thursday 3 December',
    });
    expect(windowOf('2026-07-01T07:15:00Z').words).toBe('between 08:00 and 10:00 on Wednesday 1 July');
    expect(windowOf('2026-12-03T23:10:00Z').words).toBe('between 23:00 and 01:00 on Thursday 3 December');
    // In the business's own time zone, when it has set one.
    expect(windowOf('2026-07-03T07:15:00Z', 'America/New_York')).toEqual({
      key: '2026-07-03T03',
      words: 'between 03:00 and 05:00 on Friday 3 July',
    });
  });

  it('tells the customer of a job done over several days each day the engineer comes back', () => {
    const visits = [
      { start: '2027-03-01T07:15:00Z' },
      { start: '2027-03-02T07:20:00Z' },
      { start: '2027-03-03T07:20:00Z' },
    ];
    const window = windowOf('2027-03-01T07:15:00Z');
    expect(appointmentWords(window, visits)).toBe(
      'between 07:00 and 09:00 on Monday 1 March, then Tuesday 2 March from 07:20, then Wednesday 3 March from 07:20',
    );
    expect(appointmentWords(window, visits.slice(0, 1))).toBe(window.words);
    expect(appointmentWords(window)).toBe(window.words);
  });

  it('escapes what the customer typed in the HTML part, and keeps the text part as written', () => {
    const rendered = renderTemplate('request_received', {
      business: { name: 'Irwell Heating & Electrical Ltd' },
      contactName: 'Jo <script>',
      ref: 'WO-000001',
      description: 'Tap "drips" & leaks',
      priority: 'P3, soon',
      respondBy: 'Friday',
    });
    expect(rendered.subject).toBe('We have your request WO-000001');
    expect(rendered.text).toContain('Tap "drips" & leaks');
    expect(rendered.html).toContain('Tap &quot;drips&quot; &amp; leaks');
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).toContain('Irwell Heating &amp; Electrical Ltd');
    expect(rendered.sms.length).toBeLessThanOrEqual(160);
  });

  it('uses the business’s own wording where it has set one, the default elsewhere', () => {
    const rendered = renderTemplate(
      'arrived',
      { business: { name: 'Irwell' }, engineerName: 'Amira', ref: 'WO-7' },
      { override: { sms: 'Amira is at your door ({{ref}}).' } },
    );
    expect(rendered.sms).toBe('Amira is at your door (WO-7).');
    expect(rendered.subject).toBe('Amira has arrived (WO-7)');
  });
});

describe('the SLA watch', () => {
  const job = (overrides: Partial<WorkOrderRecord>) =>
    ({
      status: 'dispatched',
      loggedAt: '2026-12-02T08:00:00Z',
      slaDueAt: '2026-12-02T12:00:00Z',
      ...overrides,
    }) as WorkOrderRecord;

  it('flags a job once less than a quarter of its SLA is left, or its start is planned past it', () => {
    expect(atRisk(job({}), Date.parse('2026-12-02T10:30:00Z'))).toBe(false);
    expect(atRisk(job({}), Date.parse('2026-12-02T11:01:00Z'))).toBe(true);
    expect(atRisk(job({ scheduledStart: '2026-12-02T12:30:00Z' }), Date.parse('2026-12-02T08:05:00Z'))).toBe(true);
    expect(atRisk(job({ slaAtRiskAt: '2026-12-02T11:01:00Z' }), Date.parse('2026-12-02T11:30:00Z'))).toBe(false);
    expect(atRisk(job({ status: 'on_site' }), Date.parse('2026-12-02T11:30:00Z'))).toBe(false);
  });
});
