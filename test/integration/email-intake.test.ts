import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '#shared/attachments/storage.ts';
import { claimInboundMessage } from '#shared/db/inbound-mail.ts';
import { keyOf } from '#shared/intake/email/parse.ts';
import { mailAttachmentPrefix } from '#shared/intake/email/rules.ts';
import { type SesVerdicts, sesTop } from '../fixtures/hostile-mail.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
let transport: Transporter;

beforeAll(async () => {
  api = await startLocalApi({ smtpPort: 0 });
  office = await api.token({ role: 'dispatcher' });
  transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: api.runtime.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
});

afterAll(async () => {
  transport?.close();
  await api?.close();
});

/** The inbound mail record of a Message-ID, once the bucket trigger has run. */
async function inbound(messageId: string): Promise<any> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await api.runtime.settled();
    const page = await api.call('GET', '/v1/inbound-mail?limit=200', { token: office });
    const found = page.body.items.find((m: any) => m.messageId === messageId);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`No inbound record for ${messageId}`);
}

async function workOrder(id: string): Promise<any> {
  return (await api.call('GET', `/v1/work-orders/${id}`, { token: office })).body;
}

/** What a sender wrote, for `mail`. */
interface Sent {
  from: string;
  subject: string;
  text: string;
  attachment?: { filename: string; content: string };
}

/** A message as SES's receipt rule stores it: the receiver's lines on top, then what the sender wrote. */
function mail(top: string, m: Sent & { messageId: string }): string {
  const headers = `${top}From: ${m.from}\r\nTo: jobs@fieldops.example\r\nSubject: ${m.subject}\r\nMessage-ID: <${m.messageId}>\r\nMIME-Version: 1.0\r\n`;
  if (!m.attachment) return `${headers}\r\n${m.text}`;
  return [
    `${headers}Content-Type: multipart/mixed; boundary="part"`,
    '',
    '--part',
    'Content-Type: text/plain',
    '',
    m.text,
    '--part',
    `Content-Type: image/jpeg; name="${m.attachment.filename}"`,
    `Content-Disposition: attachment; filename="${m.attachment.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(m.attachment.content).toString('base64'),
    '--part--',
    '',
  ].join('\r\n');
}

/** Stores a raw message under `inbound-mail/`, as the receipt rule does; the bucket's trigger takes it from there. */
async function receive(name: string, raw: string): Promise<void> {
  await s3().send(
    new PutObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: `inbound-mail/${name}`, Body: Buffer.from(raw) }),
  );
}

/** Receives a message with SES's verdicts on top and the Message-ID `<name>@x`; answers its work order. */
async function deliver(name: string, verdicts: SesVerdicts, sent: Sent): Promise<any> {
  await receive(name, mail(sesTop(verdicts), { ...sent, messageId: `${name}@x` }));
  return workOrder((await inbound(`${name}@x`)).workOrderId);
}

/** Every object kept from e-mail so far. */
async function attachmentKeys(): Promise<string[]> {
  const listed = await s3().send(
    new ListObjectsV2Command({ Bucket: process.env.BUCKET_NAME, Prefix: mailAttachmentPrefix }),
  );
  return (listed.Contents ?? []).map((object) => object.Key as string).sort();
}

async function objectText(key: string): Promise<string | undefined> {
  const object = await s3().send(new GetObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: key }));
  return object.Body?.transformToString();
}

describe('e-mail intake through the local SMTP server', () => {
  it('turns a known contact’s e-mail into a request for their customer, site and priority', async () => {
    await transport.sendMail({
      from: 'Jo Whitfield <maintenance@northwesthomes.co.uk>',
      to: 'jobs@fieldops.example',
      subject: 'Water coming through the ceiling at 3 Chapel Street',
      text: 'Hello,\n\nA pipe has burst upstairs at 3 Chapel Street, Salford and water is pouring through the kitchen ceiling.\n\nJo',
      messageId: '<chapel-1@northwesthomes.co.uk>',
      attachments: [{ filename: 'boiler-panel.jpg', content: Buffer.from('not really a jpeg') }],
    });

    const message = await inbound('chapel-1@northwesthomes.co.uk');
    expect(message.outcome).toBe('logged');
    const wo = await workOrder(message.workOrderId);
    expect(wo).toMatchObject({
      source: 'email',
      customerId: 'cus_northwest_homes',
      siteId: 'site_salford',
      category: 'leak',
      priority: 'P1',
      contact: { email: 'maintenance@northwesthomes.co.uk' },
    });
    expect(wo.unverified).toBeUndefined();
    // The same triage as the API's, and the customer's contract: attend a P1 within 4 hours.
    expect(Date.parse(wo.slaDueAt) - Date.parse(wo.loggedAt)).toBe(4 * 3_600_000);
    expect(wo.description).toContain('Water coming through the ceiling at 3 Chapel Street');

    // The attachment is an object of its own, linked from the request, stored as opaque bytes.
    expect(wo.email.attachments).toEqual([
      expect.objectContaining({ filename: 'boiler-panel.jpg', contentType: 'image/jpeg', sizeBytes: 17 }),
    ]);
    const object = await s3().send(
      new GetObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: wo.email.attachments[0].key }),
    );
    expect(object.ContentType).toBe('application/octet-stream');
    expect(await object.Body?.transformToString()).toBe('not really a jpeg');

    const link = await api.call('GET', `/v1/work-orders/${wo.id}/email-attachments/0`, { token: office });
    expect(link.body).toMatchObject({ filename: 'boiler-panel.jpg', declaredType: 'image/jpeg' });
    const download = await fetch(link.body.url);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="boiler-panel.jpg"');
    expect(await download.text()).toBe('not really a jpeg');
    const missing = await api.call('GET', `/v1/work-orders/${wo.id}/email-attachments/1`, { token: office });
    expect(missing.status).toBe(404);

    // It appears in the office's job list.
    const list = await api.call('GET', '/v1/work-orders?customerId=cus_northwest_homes', { token: office });
    expect(list.body.items.map((item: any) => item.id)).toContain(message.workOrderId);
  });

  it('links a reply that names an open job of the customer’s to that job, and keeps machine-sent mail out', async () => {
    await transport.sendMail({
      from: 'maintenance@northwesthomes.co.uk',
      to: 'jobs@fieldops.example',
      subject: 'Toilet blocked at 3 Chapel Street',
      text: 'The downstairs toilet is blocked.',
      messageId: '<toilet-1@northwesthomes.co.uk>',
    });
    const job = await workOrder((await inbound('toilet-1@northwesthomes.co.uk')).workOrderId);

    await transport.sendMail({
      from: 'maintenance@northwesthomes.co.uk',
      to: 'jobs@fieldops.example',
      subject: `Re: ${job.ref}`,
      text: 'The tenant says the bath is now draining slowly too.',
      messageId: '<toilet-2@northwesthomes.co.uk>',
      inReplyTo: '<toilet-1@northwesthomes.co.uk>',
    });
    const reply = await inbound('toilet-2@northwesthomes.co.uk');
    expect(reply).toMatchObject({ outcome: 'linked', workOrderId: job.id });
    const linked = await api.call('GET', `/v1/work-orders/${job.id}`, { token: office });
    expect(linked.body.linkedRequests).toHaveLength(1);
    expect(linked.body.timeline).toContainEqual(
      expect.objectContaining({ type: 'request_linked', reason: `A message about ${job.ref}` }),
    );

    await transport.sendMail({
      from: 'maintenance@northwesthomes.co.uk',
      to: 'jobs@fieldops.example',
      subject: `Automatic reply: ${job.ref}`,
      text: 'I am out of the office until Monday.',
      messageId: '<toilet-3@northwesthomes.co.uk>',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect(await inbound('toilet-3@northwesthomes.co.uk')).toMatchObject({ outcome: 'rejected', code: 'automatic' });
    expect((await workOrder(job.id)).linkedRequests).toHaveLength(1);
  });

  it('logs the same message delivered twice as one request', async () => {
    const mail = {
      from: 'helpdesk@penninefm.co.uk',
      to: 'jobs@fieldops.example',
      subject: 'Fire alarm panel showing a fault',
      text: 'The fire alarm panel at Pennine House shows a zone fault.',
      messageId: '<twice@penninefm.co.uk>',
    };
    await transport.sendMail(mail);
    const first = await inbound('twice@penninefm.co.uk');
    await transport.sendMail(mail);
    await api.runtime.settled();

    const all = await api.call('GET', '/v1/inbound-mail?limit=200', { token: office });
    expect(all.body.items.filter((m: any) => m.messageId === 'twice@penninefm.co.uk')).toHaveLength(1);
    const jobs = await api.call('GET', '/v1/work-orders?customerId=cus_pennine_fm&limit=200', { token: office });
    expect(jobs.body.items.filter((wo: any) => wo.description.startsWith('Fire alarm panel'))).toHaveLength(1);
    expect((await workOrder(first.workOrderId)).category).toBe('fire_alarm_fault');
  });

  it('attributes mail from a domain an admin has just given a new customer', async () => {
    const admin = await api.token({ role: 'admin' });
    const added = await api.call('POST', '/v1/customers', {
      token: admin,
      body: {
        id: 'cus_brookside',
        name: 'Brookside School',
        contacts: [{ name: 'Bursar' }],
        emailDomains: ['brookside.example'],
      },
    });
    expect(added.status).toBe(201);
    await transport.sendMail({
      from: 'caretaker@brookside.example',
      to: 'jobs@fieldops.example',
      subject: 'Smoke detector beeping in the hall',
      text: 'It has been beeping all morning.',
      messageId: '<brookside-1@brookside.example>',
    });
    const wo = await workOrder((await inbound('brookside-1@brookside.example')).workOrderId);
    expect(wo).toMatchObject({
      customerId: 'cus_brookside',
      category: 'fire_alarm_fault',
      contact: { email: 'caretaker@brookside.example' },
    });
    expect(wo.unverified).toBeUndefined();
  });

  it('logs an unknown sender unverified, with no customer, until the office attributes it', async () => {
    await transport.sendMail({
      from: 'Someone <someone@unknown.example>',
      to: 'jobs@fieldops.example',
      subject: 'Blocked drain',
      text: 'The drain outside 14 Blossom Street is blocked.',
      messageId: '<unknown-1@unknown.example>',
    });
    const message = await inbound('unknown-1@unknown.example');
    expect(message.outcome).toBe('logged');
    expect(message.unverified).toEqual(['the sender is not a contact of any customer, nor of their domains']);

    const wo = await workOrder(message.workOrderId);
    expect(wo.customerId).toBeUndefined();
    expect(wo.status).toBe('logged');
    expect(wo.unverified.reasons).toHaveLength(1);
    expect(wo.contact).toEqual({ name: 'Someone' });

    const attributed = await api.call('PATCH', `/v1/work-orders/${wo.id}`, {
      token: office,
      headers: { 'if-match': `"${wo.version}"` },
      body: { customerId: 'cus_northwest_homes', siteId: 'site_ancoats' },
    });
    expect(attributed.status).toBe(200);
    expect(attributed.body).toMatchObject({ customerId: 'cus_northwest_homes', siteId: 'site_ancoats' });
    expect(attributed.body.unverified).toBeUndefined();

    // An attributed request's customer is then fixed.
    const again = await api.call('PATCH', `/v1/work-orders/${wo.id}`, {
      token: office,
      headers: { 'if-match': `"${attributed.body.version}"` },
      body: { customerId: 'cus_pennine_fm' },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('workorder.customer_fixed');
  });

  it('attributes a message whose envelope sender and From agree, and not a customer’s From sent with a stranger’s envelope', async () => {
    await transport.sendMail({
      from: 'maintenance@northwesthomes.co.uk',
      to: 'jobs@fieldops.example',
      subject: 'Extractor fan broken at 3 Chapel Street',
      text: 'The bathroom extractor fan has stopped working.',
      messageId: '<aligned-1@northwesthomes.co.uk>',
    });
    await transport.sendMail({
      envelope: { from: 'someone@stranger.example', to: 'jobs@fieldops.example' },
      from: 'maintenance@northwesthomes.co.uk',
      to: 'jobs@fieldops.example',
      subject: 'Urgent: change of bank details',
      text: 'Please pay all invoices for 3 Chapel Street to our new account.',
      messageId: '<stranger-1@northwesthomes.co.uk>',
    });

    const aligned = await workOrder((await inbound('aligned-1@northwesthomes.co.uk')).workOrderId);
    expect(aligned.customerId).toBe('cus_northwest_homes');
    expect(aligned.unverified).toBeUndefined();

    const forgedMessage = await inbound('stranger-1@northwesthomes.co.uk');
    const forged = await workOrder(forgedMessage.workOrderId);
    expect(forged.customerId).toBeUndefined();
    expect(forged.unverified).toEqual({
      reasons: ['DMARC none (northwesthomes.co.uk publishes no policy) and no SPF or DKIM pass aligned with it'],
      candidateCustomerId: 'cus_northwest_homes',
    });
    // The server wrote only what it knew: the stranger's envelope is its SPF fail, and DKIM and DMARC went unchecked.
    const raw = await s3().send(
      new GetObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: forgedMessage.objectKey }),
    );
    const results = (await raw.Body?.transformToString())?.split('\r\n')[1];
    expect(results).toMatch(/^Authentication-Results: fieldops\.local; spf=fail .* smtp\.mailfrom=stranger\.example; /);
    expect(results).toMatch(/; dkim=none .*; dmarc=none .* header\.from=northwesthomes\.co\.uk$/);
  });
});

describe('e-mail stored by the receipt rule', () => {
  it("does not attribute a known contact's message that failed DMARC, and names the customer it matched", async () => {
    await receive(
      'dmarc-fail',
      `${sesTop({ dmarc: 'fail' })}From: maintenance@northwesthomes.co.uk\r\nSubject: Leak\r\nMessage-ID: <dmarc-fail@x>\r\n\r\nWater leak at Blossom Street.`,
    );
    const message = await inbound('dmarc-fail@x');
    const wo = await workOrder(message.workOrderId);
    expect(wo.customerId).toBeUndefined();
    expect(wo.unverified).toEqual({ reasons: ['DMARC fail'], candidateCustomerId: 'cus_northwest_homes' });
  });

  it('records a message with a virus verdict as rejected, with no request', async () => {
    await receive(
      'virus',
      `${sesTop({ virus: 'FAIL' })}From: maintenance@northwesthomes.co.uk\r\nSubject: Invoice\r\nMessage-ID: <virus@x>\r\n\r\nOpen it.`,
    );
    await api.runtime.settled();
    const all = await api.call('GET', '/v1/inbound-mail?limit=200', { token: office });
    const rejected = all.body.items.find((m: any) => m.objectKey === 'inbound-mail/virus');
    expect(rejected).toMatchObject({ outcome: 'rejected', code: 'virus' });
    expect(rejected.workOrderId).toBeUndefined();

    const onlyRejected = await api.call('GET', '/v1/inbound-mail?outcome=rejected', { token: office });
    expect(onlyRejected.body.items.map((m: any) => m.id)).toContain(rejected.id);
    expect(onlyRejected.body.items.every((m: any) => m.outcome === 'rejected')).toBe(true);
    const badFilter = await api.call('GET', '/v1/inbound-mail?outcome=lost', { token: office });
    expect(badFilter.status).toBe(400);
  });

  it('with DMARC none, attributes a customer’s From only on an SPF or DKIM pass aligned with its domain', async () => {
    const from = 'maintenance@northwesthomes.co.uk';
    const forged = await deliver(
      'dmarc-none-stranger',
      { dmarc: 'none', envelopeFrom: 'bulk@stranger.example', dkimDomain: 'stranger.example' },
      {
        from,
        subject: 'Change of bank details',
        text: 'Please pay all invoices for 3 Chapel Street to our new account.',
      },
    );
    const bySpf = await deliver(
      'dmarc-none-spf',
      { dmarc: 'none', envelopeFrom: 'bounces@mail.northwesthomes.co.uk', dkim: 'none' },
      { from, subject: 'Sockets tripping at 3 Chapel Street', text: 'The kitchen sockets keep tripping.' },
    );
    const byDkim = await deliver(
      'dmarc-none-dkim',
      { dmarc: 'none', envelopeFrom: 'bounce@mailer.example' },
      {
        from,
        subject: 'Smoke detector beeping at 3 Chapel Street',
        text: 'The hall smoke detector beeps every minute.',
      },
    );

    expect(forged.customerId).toBeUndefined();
    expect(forged.unverified).toEqual({
      reasons: ['DMARC none (northwesthomes.co.uk publishes no policy) and no SPF or DKIM pass aligned with it'],
      candidateCustomerId: 'cus_northwest_homes',
    });
    for (const attributed of [bySpf, byDkim]) {
      expect(attributed.customerId).toBe('cus_northwest_homes');
      expect(attributed.unverified).toBeUndefined();
    }
  });

  it('attributes on a DMARC pass for the From domain, never on a pass for another domain', async () => {
    const from = 'helpdesk@penninefm.co.uk';
    const attributed = await deliver(
      'dmarc-pass',
      { envelopeFrom: from, dkimDomain: 'penninefm.co.uk', fromDomain: 'penninefm.co.uk' },
      { from, subject: 'Boiler not working at Pennine House', text: 'No heating or hot water since this morning.' },
    );
    const elsewhere = await deliver(
      'dmarc-pass-elsewhere',
      { envelopeFrom: 'a@evil.example', dkimDomain: 'evil.example', fromDomain: 'evil.example' },
      { from, subject: 'New bank details', text: 'Pay our invoices to the account below.' },
    );

    expect(attributed.customerId).toBe('cus_pennine_fm');
    expect(attributed.unverified).toBeUndefined();
    expect(elsewhere.customerId).toBeUndefined();
    expect(elsewhere.unverified).toEqual({
      reasons: ['the DMARC verdict is about evil.example, not penninefm.co.uk'],
      candidateCustomerId: 'cus_pennine_fm',
    });
  });

  it('keeps the first message’s attachments when another reuses its Message-ID: the second stores nothing', async () => {
    const message = (attachment: string) =>
      mail(sesTop(), {
        from: 'maintenance@northwesthomes.co.uk',
        messageId: 'reused@northwesthomes.co.uk',
        subject: 'Damp patch in flat 3 at 14 Blossom Street',
        text: 'Photo attached.',
        attachment: { filename: 'damp.jpg', content: attachment },
      });
    await receive('reused-first', message('the first photo'));
    const received = await inbound('reused@northwesthomes.co.uk');
    expect(received.outcome).toBe('logged');
    const first = await workOrder(received.workOrderId);
    const [kept] = first.email.attachments;
    const before = await attachmentKeys();

    await receive('reused-second', message('a replacement photo'));
    await api.runtime.settled();

    expect(await attachmentKeys()).toEqual(before);
    expect(await objectText(kept.key)).toBe('the first photo');
    expect((await workOrder(first.id)).email.attachments).toEqual([kept]);
    const all = await api.call('GET', '/v1/inbound-mail?limit=200', { token: office });
    expect(all.body.items.filter((m: any) => m.messageId === 'reused@northwesthomes.co.uk')).toEqual([
      expect.objectContaining({ objectKey: 'inbound-mail/reused-first', outcome: 'logged' }),
    ]);
  });

  it('finishes a message whose first run died after claiming it, when S3 retries the same object', async () => {
    // What a run that died after the first-delivery check leaves: the claim, and nothing stored or logged.
    await claimInboundMessage({
      messageKey: keyOf('message-id:died@x'),
      receivedAt: new Date().toISOString(),
      objectKey: 'inbound-mail/died',
      sizeBytes: 0,
      messageId: 'died@x',
      from: 'maintenance@northwesthomes.co.uk',
      subject: 'The boiler is not working at 14 Blossom Street',
      outcome: 'receiving',
    });

    const wo = await deliver(
      'died',
      {},
      {
        from: 'maintenance@northwesthomes.co.uk',
        subject: 'The boiler is not working at 14 Blossom Street',
        text: 'A photo of its display is attached.',
        attachment: { filename: 'display.jpg', content: 'the display' },
      },
    );

    expect(await inbound('died@x')).toMatchObject({ outcome: 'logged', objectKey: 'inbound-mail/died' });
    expect(wo.customerId).toBe('cus_northwest_homes');
    expect(await objectText(wo.email.attachments[0].key)).toBe('the display');
  });

  it('is for the office only', async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const reply = await api.call('GET', '/v1/inbound-mail', { token: customer });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
  });
});
