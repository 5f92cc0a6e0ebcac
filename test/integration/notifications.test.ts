import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsRecord } from '#local/notifications.ts';
import { listEventsAfter } from '#shared/db/events.ts';
import { type Transport, transport, useTransport } from '#shared/notify/transport.ts';
import { watchSlas } from '#shared/work-order/sla-watch.ts';
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

/** Whether every message read is settled (sent or skipped), not caught between its claim and its outcome. */
const settled = (items: any[]) => items.every((m) => m.status !== 'sending');

/** Reads a list again until `until` holds for it (the notifier works a moment after the events), then answers it. */
async function readUntil(what: string, read: () => Promise<any[]>, until: (items: any[]) => boolean) {
  const deadline = Date.now() + patience;
  let items: any[] = [];
  while (Date.now() < deadline) {
    items = await read();
    if (until(items)) return items;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} never held what was expected: ${JSON.stringify(items.map((m) => [m.template, m.status]))}`);
}

/** The local outbox's messages about a work order, oldest first, once `until` holds for them. */
const outboxUntil = (workOrderId: string, until: (items: any[]) => boolean) =>
  readUntil(
    `The outbox for ${workOrderId}`,
    async () => {
      const reply = await api.call('GET', `/local/outbox?workOrderId=${workOrderId}`);
      expect(reply.status).toBe(200);
      return [...reply.body.items].reverse();
    },
    until,
  );

/** The work order's messages as the office reads them (sent and skipped), once `until` holds. */
const messagesUntil = (workOrderId: string, until: (items: any[]) => boolean) =>
  readUntil(
    `The messages of ${workOrderId}`,
    async () => {
      const reply = await api.call('GET', `/v1/work-orders/${workOrderId}/messages`, { token: office });
      expect(reply.status).toBe(200);
      return reply.body.items;
    },
    until,
  );

/** The feed's events about a work order, as the bus would hand them to the notifications queue. */
async function queuedEventsOf(workOrderId: string): Promise<SQSEvent> {
  const events = (await listEventsAfter(undefined, 5_000)).filter((e) => e.workOrderId === workOrderId);
  return { Records: events.map(sqsRecord) };
}

describe('customers kept informed, through the embedded default', () => {
  it('tells the customer at every step from request to invoice, each message once, even when events are replayed', async () => {
    const id = await api.request('cus_okafor', 'notify-okafor-1', {
      siteId: 'site_didsbury',
      category: 'boiler_breakdown',
      description: 'Boiler pressure keeps dropping',
      contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com', phone: '07700 900123' },
      source: 'web',
    });
    const closed = await api.workToInvoice(id);
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
    const id = await api.request('cus_pennine_fm', 'notify-opted-out', {
      siteId: 'site_stockport',
      category: 'general_maintenance',
      description: 'Meeting room door closer broken',
      contact: { name: 'Raj Mistry', email: 'helpdesk@penninefm.co.uk' },
    });
    // Until each is settled: a message is `sending` for the moment between its claim and its outcome.
    const messages = await messagesUntil(
      id,
      (items) => items.some((m) => m.template === 'appointment_booked') && settled(items),
    );
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

    const id = await api.request('cus_northwest_homes', 'notify-bounced', {
      siteId: 'site_salford',
      category: 'leak',
      description: 'Bath waste leaking into the flat below',
      contact: { name: 'Jo Whitfield', email: 'maintenance@northwesthomes.co.uk', phone: '+44 161 555 0142' },
    });
    const messages = await messagesUntil(
      id,
      (items) => items.some((m) => m.template === 'request_received') && settled(items),
    );
    expect(messages[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/suppressed/) });
    expect((await api.call('GET', `/local/outbox?workOrderId=${id}`)).body.items).toEqual([]);
  });

  it('tells the office of a parts request, from the business’s own address', async () => {
    const id = await api.request('cus_okafor', 'notify-parts', {
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
    const messages = await messagesUntil(
      id,
      (items) => items.some((m) => m.template === 'office_parts_request') && settled(items),
    );
    const parts = messages.find((m) => m.template === 'office_parts_request');
    expect(parts).toMatchObject({ audience: 'office', to: 'office@irwell-heating.example', status: 'sent' });
    expect(parts.text).toContain('2 × PRV-VALVE');
    // The customer never sees the office's messages.
    const sarah = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const theirs = (await api.call('GET', `/v1/work-orders/${id}/messages`, { token: sarah })).body.items;
    expect(theirs.every((m: any) => m.audience === 'customer')).toBe(true);
  });
});

describe('messages under faults, races and the business’s own wording', () => {
  it('sends the customer the quote with its PDF and the link to accept it', async () => {
    const sent = await api.call('POST', '/v1/quotes', {
      token: office,
      headers: { 'idempotency-key': 'notify-quote-1' },
      body: {
        customerId: 'cus_okafor',
        siteId: 'site_didsbury',
        jobType: 'boiler_replacement',
        description: 'Replace the boiler with a Greenstar 30i',
        lines: [{ description: 'Greenstar 30i combi boiler, fitted', qty: 1, unitMinor: 210_000 }],
      },
    });
    expect(sent.status).toBe(201);
    const [quote] = await outboxUntil(sent.body.id, (items) => items.length > 0);
    expect(quote).toMatchObject({ template: 'quote_sent', channel: 'email', to: 'sarah.okafor@example.com' });
    expect(quote.subject).toContain(sent.body.number);
    expect(quote.text).toContain(`/portal/?quote=${sent.body.id}`);
    expect(quote.attachments).toEqual([expect.objectContaining({ documentId: `quote_${sent.body.id}` })]);
  });

  it('lets a mail outage delay messages, never the job, and sends each once when the provider is back', async () => {
    const failing: Transport = {
      channels: { email: true, sms: true },
      email: async () => {
        throw new Error('The mail provider is down');
      },
      sms: async () => {
        throw new Error('The SMS provider is down');
      },
    };
    const working = transport();
    useTransport(failing);
    let id: string;
    try {
      id = await api.request('cus_okafor', 'notify-outage', {
        siteId: 'site_didsbury',
        category: 'electrical_fault',
        description: 'Kitchen sockets dead',
        contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com' },
      });
      // The job goes on: matched and dispatched while nothing can be sent.
      await api.waitFor(id, (w) => w.status === 'dispatched', patience);
      const waiting = await messagesUntil(id, (items) => items.length > 0);
      expect(waiting.every((m) => m.status === 'sending')).toBe(true);
      expect((await api.call('GET', `/local/outbox?workOrderId=${id}`)).body.items).toEqual([]);
    } finally {
      useTransport(working);
    }
    // Each failed event is retried on its own backoff, so the two go in either order: the outbox lists them by event.
    const sent = await outboxUntil(id, (items) => items.length >= 2);
    expect(sent.map((m) => m.template)).toEqual(['request_received', 'appointment_booked']);
  });

  it('takes one of two changes to the business made from the same version; refuses bad input and other roles', async () => {
    const read = await api.call('GET', '/v1/business', { token: admin });
    expect(read.status).toBe(200);
    const change = (sms: string) =>
      api.call('PATCH', '/v1/business', {
        token: admin,
        headers: { 'if-match': read.headers.get('etag') as string },
        body: { templates: { arrived: { sms } } },
      });
    const answers = await Promise.all([change('{{engineerName}} is here ({{ref}}).'), change('Arrived: {{ref}}.')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
    const after = await api.call('GET', '/v1/business', { token: admin });
    expect(after.body.version).toBe(read.body.version + 1);
    const bad = await api.call('PATCH', '/v1/business', {
      token: admin,
      headers: { 'if-match': after.headers.get('etag') as string },
      body: { templates: { no_such_message: { sms: 'x' } }, paymentTermsDays: -1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const dispatcher = await api.call('PATCH', '/v1/business', {
      token: office,
      headers: { 'if-match': after.headers.get('etag') as string },
      body: { name: 'Someone else' },
    });
    expect(dispatcher.status).toBe(403);
    expect((await api.call('GET', '/v1/business', { token: admin })).body.version).toBe(after.body.version);
  });

  it('tells the office once when a job is at risk of missing its SLA', async () => {
    const id = await api.request('cus_pennine_fm', 'notify-sla', {
      siteId: 'site_stockport',
      category: 'fire_alarm_fault',
      description: 'Fire panel showing a fault',
      contact: { name: 'Raj Mistry', email: 'helpdesk@penninefm.co.uk' },
    });
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    // The watch as the reconciler runs it, at a time with less than a quarter of the SLA left; twice, and at once.
    const late = Date.parse(wo.slaDueAt) - 10 * 60_000;
    await Promise.all([watchSlas(late), watchSlas(late)]);
    const timeline = (await api.call('GET', `/v1/work-orders/${id}`, { token: office })).body.timeline;
    expect(timeline.filter((e: any) => e.type === 'sla_at_risk')).toHaveLength(1);
    const messages = await messagesUntil(
      id,
      (items) => items.some((m) => m.template === 'office_sla_at_risk') && settled(items),
    );
    expect(messages.filter((m) => m.template === 'office_sla_at_risk')).toHaveLength(1);
    expect(messages.find((m) => m.template === 'office_sla_at_risk')).toMatchObject({
      audience: 'office',
      to: 'office@irwell-heating.example',
      status: 'sent',
    });
  });
});

describe.skipIf(!withPoppler('the documents customers keep'))('documents customers keep', () => {
  let closed: any;
  beforeAll(async () => {
    // A leak, not the boiler: a second request for the boiler would join the job still open for it.
    const id = await api.request('cus_okafor', 'documents-okafor', {
      siteId: 'site_didsbury',
      category: 'leak',
      description: 'Radiator valve leaking',
      contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com' },
    });
    closed = await api.workToInvoice(id);
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
  it('makes a boiler service’s job report with its job sheet, photo and signature, and its gas safety record', async () => {
    const created = await api.call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'documents-service' },
      body: {
        customerId: 'cus_northwest_homes',
        siteId: 'site_ancoats',
        assetIds: ['asset_boiler_ancoats'],
        jobType: 'boiler_service',
        description: 'Annual gas safety service',
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
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
    await api.upload(engineer, id, 'photo');
    const signature = await api.upload(engineer, id, 'signature');
    const done = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token: engineer,
      body: {
        eventId: `evt-${id}-done`,
        outcome: 'fixed',
        findings: 'Burner clean, seals good',
        workDone: 'Full service, combustion analysis, safety checks',
        partsUsed: [],
        signatureAttachmentId: signature,
        checklist: [
          { itemId: 'operating_pressure', value: 19.5 },
          { itemId: 'flue_gas_ratio', value: 0.0012 },
          { itemId: 'flue_gas_co_ppm', value: 35 },
          { itemId: 'safety_devices', value: true },
          { itemId: 'ventilation', value: true },
          { itemId: 'flue_visual', value: true },
          { itemId: 'appliance_safe', value: true },
        ],
      },
    });
    expect(done.status).toBe(202);
    const documents = await readUntil(
      `The documents of ${id}`,
      async () => (await api.call('GET', `/v1/work-orders/${id}/documents`, { token: office })).body.items,
      (items) => items.length >= 3,
    );
    expect(documents.map((d: any) => d.kind).sort()).toEqual(['gas_safety_record', 'invoice', 'job_report']);
    const bytes = async (kind: string) =>
      Buffer.from(await (await fetch(documents.find((d: any) => d.kind === kind).url)).arrayBuffer());
    const report = await bytes('job_report');
    const text = pdfText(report);
    for (const said of ['Burner operating pressure', '19.5 mbar', 'Appliance safe to use', 'Full service']) {
      expect(text).toContain(said);
    }
    expect(pdfImages(report)).toBeGreaterThanOrEqual(2);
    const record = pdfText(await bytes('gas_safety_record'));
    expect(record).toMatch(/Gas safety record/i);
    expect(record).toMatch(/Next safety check due/);
    // The engineer's own Gas Safe licence number, from their record.
    const engineerRecord = (await api.call('GET', `/v1/engineers/${wo.engineerId}`, { token: admin })).body;
    const gasSafe = engineerRecord.certifications.find((c: any) => c.code === 'gas_safe');
    expect(record).toContain(gasSafe.number);
  });
});

/** The number of images a PDF embeds, by poppler's pdfimages. */
function pdfImages(bytes: Buffer): number {
  const dir = mkdtempSync(join(tmpdir(), 'fieldops-pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, bytes);
    const list = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' });
    return list.trim().split('\n').length - 2;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
