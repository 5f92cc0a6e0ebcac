import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsRecord } from '#local/notifications.ts';
import { listEventsAfter } from '#shared/db/events.ts';
import { handler as notifyHandler } from '../../functions/notify/notify.ts';
import { handler as sesFeedback } from '../../functions/notify/ses-feedback.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';
import { withPoppler } from '../fixtures/poppler.ts';

/** Long enough for a busy machine: every wait is for a condition. */
const patience = 60_000;

let api: LocalApi;
let office: string;
let admin: string;
beforeAll(async () => {
  api = await startLocalApi({ notifications: true });
  office = await api.token({ role: 'dispatcher' });
  admin = await api.token({ role: 'admin' });
});
afterAll(() => api?.close());

/** The local outbox's messages about a work order, oldest first, once `until` holds for them. */
async function outboxUntil(workOrderId: string, until: (items: any[]) => boolean): Promise<any[]> {
  const deadline = Date.now() + patience;
  let items: any[] = [];
  while (Date.now() < deadline) {
    const reply = await api.call('GET', `/local/outbox?workOrderId=${workOrderId}`);
    expect(reply.status).toBe(200);
    items = [...reply.body.items].reverse();
    if (until(items)) return items;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `The outbox for ${workOrderId} never held what was expected: ${JSON.stringify(items.map((m) => m.template))}`,
  );
}

/** The work order's messages as the office reads them (sent and skipped), once `until` holds. */
async function messagesUntil(workOrderId: string, until: (items: any[]) => boolean): Promise<any[]> {
  const deadline = Date.now() + patience;
  let items: any[] = [];
  while (Date.now() < deadline) {
    const reply = await api.call('GET', `/v1/work-orders/${workOrderId}/messages`, { token: office });
    expect(reply.status).toBe(200);
    items = reply.body.items;
    if (until(items)) return items;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Messages for ${workOrderId}: ${JSON.stringify(items.map((m) => [m.template, m.status]))}`);
}

/** A customer's request through the API, as the web form sends it; answers the work order's id. */
async function request(customerId: string, key: string, body: Record<string, unknown>): Promise<string> {
  const token = await api.token({ role: 'customer', customerId });
  const reply = await api.call('POST', '/v1/requests', { token, headers: { 'idempotency-key': key }, body });
  expect(reply.status).toBe(201);
  return reply.body.id;
}

/** The engineer accepts, travels, arrives, works and completes; closeout raises the invoice. */
async function workToInvoice(id: string): Promise<any> {
  const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
  const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
  expect(
    (await api.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: engineer, body: { accept: true } })).status,
  ).toBe(200);
  await api.waitFor(id, (w) => w.waitingFor === 'completion', patience);
  for (const status of ['en_route', 'on_site', 'in_progress']) {
    const body = { eventId: `evt-${id}-${status}`, status, at: new Date().toISOString() };
    expect((await api.call('POST', `/v1/work-orders/${id}/status`, { token: engineer, body })).status).toBe(200);
  }
  const done = await api.call('POST', `/v1/work-orders/${id}/complete`, {
    token: engineer,
    body: {
      eventId: `evt-${id}-done`,
      outcome: 'fixed',
      findings: 'Pressure relief valve weeping',
      workDone: 'Replaced the valve and repressurised the system',
      partsUsed: [{ sku: 'PRV-VALVE', qty: 1 }],
    },
  });
  expect(done.status).toBe(202);
  return api.waitFor(id, (w) => w.status === 'closed' && Boolean(w.invoiceId), patience);
}

/** The feed's events about a work order, as the bus would hand them to the notifications queue. */
async function queuedEventsOf(workOrderId: string): Promise<SQSEvent> {
  const events = (await listEventsAfter(undefined, 5_000)).filter((e) => e.workOrderId === workOrderId);
  return { Records: events.map(sqsRecord) };
}

describe('customers kept informed, through the embedded default', () => {
  it('tells the customer at every step from request to invoice, each message once, even when events are replayed', async () => {
    const id = await request('cus_okafor', 'notify-okafor-1', {
      siteId: 'site_didsbury',
      category: 'boiler_breakdown',
      description: 'Boiler pressure keeps dropping',
      contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com', phone: '07700 900123' },
      source: 'web',
    });
    const closed = await workToInvoice(id);
    expect(closed.source).toBe('web');
    const expected = ['request_received', 'appointment_booked', 'on_the_way', 'arrived', 'completed', 'invoice_issued'];
    const sent = await outboxUntil(id, (items) => items.some((m) => m.template === 'invoice_issued'));
    expect(sent.map((m) => m.template)).toEqual(expected);
    // On the way and arrived go by SMS to her mobile; the rest by e-mail, the documents attached.
    expect(sent.map((m) => m.channel)).toEqual(['email', 'email', 'sms', 'sms', 'email', 'email']);
    expect(sent.find((m) => m.channel === 'sms')?.to).toBe('+447700900123');
    const invoice = (await api.call('GET', `/v1/invoices/${closed.invoiceId}`, { token: office })).body;
    const billed = sent.find((m) => m.template === 'invoice_issued');
    expect(billed.subject).toContain(invoice.number);
    expect(billed.text).toContain(`£${(invoice.totalMinor / 100).toFixed(2)}`);
    expect(billed.attachments).toEqual([expect.objectContaining({ documentId: `invoice_${invoice.id}` })]);
    expect(sent.find((m) => m.template === 'completed').attachments).toEqual([
      expect.objectContaining({ documentId: `job_report_${id}` }),
    ]);
    expect(sent[0].text).toContain(closed.ref);

    // Every message is on the work order's timeline.
    const timeline = (await api.call('GET', `/v1/work-orders/${id}`, { token: office })).body.timeline;
    expect(timeline.filter((e: any) => e.type === 'message_sent')).toHaveLength(expected.length);

    // The same events again, twice over and at once (a queue's redelivery): nothing more is sent.
    const replay = await queuedEventsOf(id);
    const answers = (await Promise.all([notifyHandler(replay), notifyHandler(replay)])) as SQSBatchResponse[];
    expect(answers.flatMap((a) => a.batchItemFailures)).toEqual([]);
    const again = await outboxUntil(id, () => true);
    expect(again.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    const after = (await api.call('GET', `/v1/work-orders/${id}`, { token: office })).body.timeline;
    expect(after.filter((e: any) => e.type === 'message_sent')).toHaveLength(expected.length);
  });

  it('sends nothing to a contact who opted out, and says why on the work order', async () => {
    const customer = await api.call('GET', '/v1/customers/cus_pennine_fm', { token: admin });
    const contacts = customer.body.contacts.map((c: any) => ({ ...c, notifications: { optOut: true } }));
    const patched = await api.call('PATCH', '/v1/customers/cus_pennine_fm', {
      token: admin,
      headers: { 'if-match': customer.headers.get('etag') as string },
      body: { contacts },
    });
    expect(patched.status).toBe(200);
    const id = await request('cus_pennine_fm', 'notify-opted-out', {
      siteId: 'site_stockport',
      category: 'general_maintenance',
      description: 'Meeting room door closer broken',
      contact: { name: 'Raj Mistry', email: 'helpdesk@penninefm.co.uk' },
    });
    const messages = await messagesUntil(id, (items) => items.some((m) => m.template === 'appointment_booked'));
    const own = messages.filter((m) => m.audience === 'customer');
    expect(own.map((m) => m.status)).toEqual(own.map(() => 'skipped'));
    expect(own[0].reason).toMatch(/opted out/);
    expect((await api.call('GET', `/local/outbox?workOrderId=${id}`)).body.items).toEqual([]);
  });

  it('suppresses an address that bounced for good, and flags the contact for the office', async () => {
    const bounce = {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'Maintenance@NorthwestHomes.co.uk' }],
        timestamp: new Date().toISOString(),
      },
      mail: { destination: ['maintenance@northwesthomes.co.uk'] },
    };
    const snsRecord = { Sns: { Message: JSON.stringify(bounce) } };
    // Delivered twice, as SNS may: suppressed once.
    await sesFeedback({ Records: [snsRecord, snsRecord] } as any);
    const customer = (await api.call('GET', '/v1/customers/cus_northwest_homes', { token: admin })).body;
    expect(customer.contacts[0].flagged.reason).toMatch(/Bounced/);

    const id = await request('cus_northwest_homes', 'notify-bounced', {
      siteId: 'site_salford',
      category: 'leak',
      description: 'Bath waste leaking into the flat below',
      contact: { name: 'Jo Whitfield', email: 'maintenance@northwesthomes.co.uk', phone: '+44 161 555 0142' },
    });
    const messages = await messagesUntil(id, (items) => items.some((m) => m.template === 'request_received'));
    expect(messages[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/suppressed/) });
    expect((await api.call('GET', `/local/outbox?workOrderId=${id}`)).body.items).toEqual([]);
  });

  it('tells the office of a parts request, from the business’s own address', async () => {
    const id = await request('cus_okafor', 'notify-parts', {
      siteId: 'site_didsbury',
      category: 'boiler_breakdown',
      description: 'Boiler not firing',
      contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com' },
    });
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
    expect(
      (await api.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: engineer, body: { accept: true } })).status,
    ).toBe(200);
    const asked = await api.call('POST', `/v1/work-orders/${id}/parts-requests`, {
      token: engineer,
      body: {
        eventId: `evt-${id}-parts`,
        sku: 'PRV-VALVE',
        qty: 2,
        note: 'Valve seized',
        at: new Date().toISOString(),
      },
    });
    expect(asked.status).toBe(200);
    const messages = await messagesUntil(id, (items) => items.some((m) => m.template === 'office_parts_request'));
    const parts = messages.find((m) => m.template === 'office_parts_request');
    expect(parts).toMatchObject({ audience: 'office', to: 'office@irwell-heating.example', status: 'sent' });
    expect(parts.text).toContain('2 × PRV-VALVE');
    // The customer never sees the office's messages.
    const sarah = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const theirs = (await api.call('GET', `/v1/work-orders/${id}/messages`, { token: sarah })).body.items;
    expect(theirs.every((m: any) => m.audience === 'customer')).toBe(true);
  });
});

describe.skipIf(!withPoppler('the documents customers keep'))('documents customers keep', () => {
  let closed: any;
  beforeAll(async () => {
    // A leak, not the boiler: a second request for the boiler would join the job still open for it.
    const id = await request('cus_okafor', 'documents-okafor', {
      siteId: 'site_didsbury',
      category: 'leak',
      description: 'Radiator valve leaking',
      contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com' },
    });
    closed = await workToInvoice(id);
  }, 3 * patience);

  it('lets the customer list and read their own invoices and the invoice PDF, and no one else’s', async () => {
    const sarah = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const jo = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
    const own = await api.call('GET', '/v1/invoices', { token: sarah });
    expect(own.status).toBe(200);
    expect(own.body.items.map((i: any) => i.id)).toContain(closed.invoiceId);
    expect(own.body.items.every((i: any) => i.customerId === 'cus_okafor')).toBe(true);
    expect((await api.call('GET', '/v1/invoices?customerId=cus_okafor', { token: jo })).body.items).toEqual([]);
    expect((await api.call('GET', `/v1/invoices/${closed.invoiceId}`, { token: jo })).status).toBe(404);
    expect((await api.call('GET', `/v1/invoices/${closed.invoiceId}/pdf`, { token: jo })).status).toBe(404);

    const pdf = await fetch(`${api.runtime.url}/v1/invoices/${closed.invoiceId}/pdf`, {
      headers: { authorization: `Bearer ${sarah}` },
      redirect: 'manual',
    });
    expect(pdf.status).toBe(302);
    const file = await fetch(pdf.headers.get('location') as string);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    const text = pdfText(Buffer.from(await file.arrayBuffer()));
    const invoice = (await api.call('GET', `/v1/invoices/${closed.invoiceId}`, { token: sarah })).body;
    expect(text).toContain(invoice.number);
    expect(text).toContain(`£${(invoice.totalMinor / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`);
    for (const line of invoice.lines) expect(text).toContain(line.description.slice(0, 20));
  });

  it('lists a work order’s documents with short-lived links for the office and its customer only', async () => {
    const sarah = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const jo = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
    // The job report is made when the notifier hears of the completion, a moment after it.
    const deadline = Date.now() + patience;
    let listed = await api.call('GET', `/v1/work-orders/${closed.id}/documents`, { token: sarah });
    while (listed.body.items.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      listed = await api.call('GET', `/v1/work-orders/${closed.id}/documents`, { token: sarah });
    }
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((d: any) => d.kind).sort()).toEqual(['invoice', 'job_report']);
    const report = listed.body.items.find((d: any) => d.kind === 'job_report');
    expect(pdfText(Buffer.from(await (await fetch(report.url)).arrayBuffer()))).toContain('Replaced the valve');
    expect((await api.call('GET', `/v1/work-orders/${closed.id}/documents`, { token: jo })).status).toBe(404);
    const mine = await api.call('GET', '/v1/documents', { token: sarah });
    expect(mine.body.items.map((d: any) => d.id)).toEqual(
      expect.arrayContaining([`job_report_${closed.id}`, `invoice_${closed.invoiceId}`]),
    );
    expect(
      (await api.call('GET', '/v1/documents', { token: jo })).body.items.map((d: any) => d.customerId),
    ).not.toContain('cus_okafor');
  });
});

/** The text of a PDF, by poppler's pdftotext (.ci/run installs poppler-utils). */
function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'fieldops-pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, bytes);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
