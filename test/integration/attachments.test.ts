import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { slotLimits } from '#shared/attachments/rules.ts';
import { verifyUpload } from '#shared/attachments/verify.ts';
import { getSlotCount, listAttachments } from '#shared/db/attachments.ts';
import { arrange, generalJob } from '../fixtures/jobs-on-site.ts';
import { type LocalApi, type Reply, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
let engineer: string;
let engineerId: string;
let stranger: string;
let workOrderId: string;

/** A 1×1 PNG: signature, IHDR, IDAT and IEND chunks. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const photo = { kind: 'photo', contentType: 'image/png', sizeBytes: png.length } as const;

beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
  const customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
  const logged = await api.call('POST', '/v1/requests', {
    token: customer,
    headers: { 'idempotency-key': 'attachments-1' },
    body: {
      siteId: 'site_ancoats',
      category: 'leak',
      description: 'Dripping tap in the bathroom',
      contact: { name: 'Jo Whitfield' },
    },
  });
  const dispatched = await api.waitFor(logged.body.id, (wo) => wo.status === 'dispatched');
  workOrderId = dispatched.id;
  engineerId = dispatched.engineerId;
  engineer = await api.token({ role: 'engineer', engineerId: dispatched.engineerId });
  const other = dispatched.engineerId === 'eng_lucy' ? 'eng_amira' : 'eng_lucy';
  stranger = await api.token({ role: 'engineer', engineerId: other });
});
afterAll(() => api.close());

function requestUpload(body: unknown, token = engineer): Promise<Reply> {
  return requestUploadTo(workOrderId, body, token);
}

function requestUploadTo(id: string, body: unknown, token = engineer): Promise<Reply> {
  return api.call('POST', `/v1/work-orders/${id}/attachments`, { token, body });
}

/** Posts the file as a browser form would: the presigned fields first, the file last. */
async function post(upload: { url: string; fields: Record<string, string> }, bytes: Uint8Array, type: string) {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([bytes], { type }));
  const response = await fetch(upload.url, { method: 'POST', body: form });
  await api.runtime.settled();
  return response;
}

/** Requests an upload, posts the file and returns the attachment as the work order lists it once checked. */
async function uploadAndCheck(
  declared: { kind: 'photo' | 'signature'; contentType: string; sizeBytes: number },
  bytes: Uint8Array,
) {
  const requested = await requestUpload(declared);
  expect(requested.status).toBe(201);
  const response = await post(requested.body.upload, bytes, declared.contentType);
  expect(response.ok).toBe(true);
  return { requested: requested.body, attachment: await attachmentOf(requested.body.attachmentId) };
}

/**
 * Requests an upload, then writes the object with the bucket's own credentials instead of the presigned POST, as
 * only a tampered form could on S3 (the policy refuses it, here as there), and returns the attachment once checked.
 */
async function putPastPolicy(
  declared: { kind: 'photo' | 'signature'; contentType: string; sizeBytes: number },
  bytes: Uint8Array,
  storedType: string,
) {
  const requested = await requestUpload(declared);
  expect(requested.status).toBe(201);
  await s3().send(
    new PutObjectCommand({
      Bucket: process.env.BUCKET_NAME,
      Key: requested.body.upload.fields.key,
      Body: bytes,
      ContentType: storedType,
    }),
  );
  await api.runtime.settled();
  return attachmentOf(requested.body.attachmentId);
}

async function attachmentOf(attachmentId: string) {
  const wo = await api.call('GET', `/v1/work-orders/${workOrderId}`, { token: office });
  return wo.body.attachments.find((a: { attachmentId: string }) => a.attachmentId === attachmentId);
}

const s3 = () => new S3Client({});
async function exists(key: string): Promise<boolean> {
  try {
    await s3().send(new HeadObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFound') return false;
    throw error;
  }
}

function expectProblem(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, code });
}

describe('photos and signatures', () => {
  it('answers the assigned engineer with a presigned POST for one key, expiring in five minutes', async () => {
    const reply = await requestUpload({ kind: 'photo', contentType: 'image/png', sizeBytes: png.length });

    expect(reply.status).toBe(201);
    expect(reply.body.attachmentId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(reply.body.upload.url).toBe(`${process.env.AWS_ENDPOINT_URL_S3}/${process.env.BUCKET_NAME}`);
    expect(reply.body.upload.fields).toMatchObject({
      key: `work-orders/${workOrderId}/photo/${reply.body.attachmentId}`,
      'Content-Type': 'image/png',
    });
    const minutes = (Date.parse(reply.body.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4.5);
    expect(minutes).toBeLessThanOrEqual(5);
    expect(await attachmentOf(reply.body.attachmentId)).toMatchObject({ status: 'pending', kind: 'photo' });
  });

  it('verifies a PNG photo and a PNG signature once they land in storage', async () => {
    const photo = await uploadAndCheck({ kind: 'photo', contentType: 'image/png', sizeBytes: png.length }, png);
    const signature = await uploadAndCheck({ kind: 'signature', contentType: 'image/png', sizeBytes: 2048 }, png);

    expect(photo.attachment).toMatchObject({ status: 'verified', kind: 'photo', contentType: 'image/png' });
    expect(Date.parse(photo.attachment.verifiedAt)).not.toBeNaN();
    expect(signature.attachment).toMatchObject({ status: 'verified', kind: 'signature' });
  });

  it('quarantines a file declared as a JPEG whose bytes are a PNG, and removes it from its key', async () => {
    const { requested, attachment } = await uploadAndCheck(
      { kind: 'photo', contentType: 'image/jpeg', sizeBytes: png.length },
      png,
    );
    const key = requested.upload.fields.key;

    expect(attachment).toMatchObject({ status: 'quarantined', reason: 'magic_bytes_mismatch' });
    expect(await exists(key)).toBe(false);
    expect(await exists(`quarantine/${key}`)).toBe(true);
  });

  it('quarantines plain text declared as a PNG', async () => {
    const text = new TextEncoder().encode('<html><script>alert(1)</script></html>');

    const { attachment } = await uploadAndCheck({ kind: 'photo', contentType: 'image/png', sizeBytes: 100 }, text);

    expect(attachment).toMatchObject({ status: 'quarantined', reason: 'magic_bytes_mismatch' });
  });

  it('quarantines an object larger than declared, or stored with another Content-Type, written past the policy', async () => {
    const larger = await putPastPolicy({ kind: 'photo', contentType: 'image/png', sizeBytes: 10 }, png, 'image/png');
    const retyped = await putPastPolicy(
      { kind: 'photo', contentType: 'image/png', sizeBytes: png.length },
      png,
      'text/html',
    );

    expect(larger).toMatchObject({ status: 'quarantined', reason: 'size_mismatch' });
    expect(retyped).toMatchObject({ status: 'quarantined', reason: 'content_type_mismatch' });
  });

  it('changes nothing when the same object-created event arrives again', async () => {
    const verified = await uploadAndCheck({ kind: 'photo', contentType: 'image/png', sizeBytes: png.length }, png);
    const quarantined = await uploadAndCheck({ kind: 'photo', contentType: 'image/jpeg', sizeBytes: png.length }, png);
    const bucket = process.env.BUCKET_NAME as string;

    const again = [
      await verifyUpload({ bucket, key: verified.requested.upload.fields.key }),
      await verifyUpload({ bucket, key: quarantined.requested.upload.fields.key }),
    ];

    expect(again).toEqual([
      { outcome: 'already', status: 'verified' },
      { outcome: 'already', status: 'quarantined' },
    ]);
    expect(await attachmentOf(verified.requested.attachmentId)).toEqual(verified.attachment);
    expect(await attachmentOf(quarantined.requested.attachmentId)).toEqual(quarantined.attachment);
    expect(await exists(quarantined.requested.upload.fields.key)).toBe(false);
  });

  it('ignores an object under a key the API did not make', async () => {
    const bucket = process.env.BUCKET_NAME as string;

    const outcome = await verifyUpload({ bucket, key: `work-orders/${workOrderId}/photo/made up key.png` });

    expect(outcome).toMatchObject({ outcome: 'ignored' });
  });

  it('downloads a verified photo as an attachment named after it, with its checked type', async () => {
    const { requested } = await uploadAndCheck({ kind: 'photo', contentType: 'image/png', sizeBytes: png.length }, png);

    const reply = await api.call('GET', `/v1/work-orders/${workOrderId}/attachments/${requested.attachmentId}`, {
      token: engineer,
    });
    const download = await fetch(reply.body.url);

    expect(reply.status).toBe(200);
    expect(Date.parse(reply.body.expiresAt)).toBeGreaterThan(Date.now());
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${requested.attachmentId}.png"`);
    expect(download.headers.get('content-type')).toBe('image/png');
  });

  it('refuses a download link changed to serve the photo as a web page, or another photo', async () => {
    const { requested } = await uploadAndCheck(photo, png);
    const { requested: other } = await uploadAndCheck(photo, png);
    const reply = await api.call('GET', `/v1/work-orders/${workOrderId}/attachments/${requested.attachmentId}`, {
      token: engineer,
    });
    const url: string = reply.body.url;

    const asPage = await fetch(url.replace('response-content-type=image%2Fpng', 'response-content-type=text%2Fhtml'));
    const another = await fetch(url.replace(requested.attachmentId, other.attachmentId));

    expect(url).toContain('response-content-type=image%2Fpng');
    expect(asPage.status).toBe(403);
    expect(await asPage.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(another.status).toBe(403);
  });

  it('lets the office download a verified attachment too', async () => {
    const { requested } = await uploadAndCheck({ kind: 'signature', contentType: 'image/png', sizeBytes: 500 }, png);

    const reply = await api.call('GET', `/v1/work-orders/${workOrderId}/attachments/${requested.attachmentId}`, {
      token: office,
    });

    expect(reply.status).toBe(200);
    const object = await s3().send(
      new GetObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: requested.upload.fields.key }),
    );
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? [])).toEqual(png);
  });

  it('answers 404 for an attachment that is pending or quarantined', async () => {
    const pending = await requestUpload({ kind: 'photo', contentType: 'image/png', sizeBytes: 100 });
    const { requested: quarantined } = await uploadAndCheck(
      { kind: 'photo', contentType: 'image/jpeg', sizeBytes: png.length },
      png,
    );

    for (const attachmentId of [pending.body.attachmentId, quarantined.attachmentId]) {
      const reply = await api.call('GET', `/v1/work-orders/${workOrderId}/attachments/${attachmentId}`, {
        token: engineer,
      });
      expectProblem(reply, 404, 'attachment.not_found');
    }
  });

  it('refuses an SVG with 400 attachment.unsupported_type', async () => {
    expectProblem(
      await requestUpload({ kind: 'photo', contentType: 'image/svg+xml', sizeBytes: 1000 }),
      400,
      'attachment.unsupported_type',
    );
    expectProblem(
      await requestUpload({ kind: 'signature', contentType: 'image/svg+xml', sizeBytes: 1000 }),
      400,
      'attachment.unsupported_type',
    );
  });

  it('refuses a 50 MB photo with 400 attachment.too_large', async () => {
    expectProblem(
      await requestUpload({ kind: 'photo', contentType: 'image/jpeg', sizeBytes: 50 * 1024 * 1024 }),
      400,
      'attachment.too_large',
    );
  });

  it('answers another engineer asking to upload to, or download from, the job with 404', async () => {
    const { requested } = await uploadAndCheck({ kind: 'photo', contentType: 'image/png', sizeBytes: png.length }, png);

    const upload = await requestUpload({ kind: 'photo', contentType: 'image/png', sizeBytes: 100 }, stranger);
    const download = await api.call('GET', `/v1/work-orders/${workOrderId}/attachments/${requested.attachmentId}`, {
      token: stranger,
    });

    expectProblem(upload, 404, 'work_order.not_found');
    expectProblem(download, 404, 'work_order.not_found');
  });
});

/** Expects the upload refused by storage with S3's error, nothing stored at the key and the attachment still pending. */
async function expectRefused(
  response: Response,
  requested: { attachmentId: string; upload: { fields: Record<string, string> } },
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(await response.text()).toContain(`<Code>${code}</Code>`);
  expect(await exists(requested.upload.fields.key ?? '')).toBe(false);
  expect(await attachmentOf(requested.attachmentId)).toMatchObject({ status: 'pending' });
}

// Tests that move the clock put it back.
afterEach(() => {
  vi.useRealTimers();
});

describe('the upload policy, held by the local storage as by S3', () => {
  it('refuses an upload to a key other than the one granted, with 403 AccessDenied', async () => {
    const granted = (await requestUpload(photo)).body;
    const other = `work-orders/${workOrderId}/photo/01JZ8Q7W3X4Y5Z6A7B8C9D0E1F`;

    const response = await post(
      { ...granted.upload, fields: { ...granted.upload.fields, key: other } },
      png,
      'image/png',
    );

    await expectRefused(response, granted, 403, 'AccessDenied');
    expect(await exists(other)).toBe(false);
  });

  it('refuses a Content-Type other than the one declared, with 403 AccessDenied', async () => {
    const granted = (await requestUpload(photo)).body;

    const response = await post(
      { ...granted.upload, fields: { ...granted.upload.fields, 'Content-Type': 'text/html' } },
      png,
      'text/html',
    );

    await expectRefused(response, granted, 403, 'AccessDenied');
  });

  it('refuses a file larger than declared, with 400 EntityTooLarge', async () => {
    const granted = (await requestUpload({ ...photo, sizeBytes: 10 })).body;

    const response = await post(granted.upload, png, 'image/png');

    await expectRefused(response, granted, 400, 'EntityTooLarge');
  });

  it('refuses an upload after its five minutes, with 403 AccessDenied', async () => {
    const granted = (await requestUpload(photo)).body;
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 5 * 60_000 + 1_000);

    const response = await post(granted.upload, png, 'image/png');

    await expectRefused(response, granted, 403, 'AccessDenied');
  });

  it('refuses a policy or a signature changed after it was granted, with 403 SignatureDoesNotMatch', async () => {
    const granted = (await requestUpload(photo)).body;
    const { Policy: policy, 'X-Amz-Signature': signature } = granted.upload.fields;
    const wider = Buffer.from(policy, 'base64').toString('utf8').replace(`,${png.length}]`, ',1000000000]');
    const tampered = { ...granted.upload.fields, Policy: Buffer.from(wider).toString('base64') };
    const forged = {
      ...granted.upload.fields,
      'X-Amz-Signature': `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
    };

    const widened = await post({ ...granted.upload, fields: tampered }, Buffer.alloc(4096, 1), 'image/png');
    const resigned = await post({ ...granted.upload, fields: forged }, png, 'image/png');

    expect(wider).toContain('1000000000');
    await expectRefused(widened, granted, 403, 'SignatureDoesNotMatch');
    await expectRefused(resigned, granted, 403, 'SignatureDoesNotMatch');
  });
});

describe('upload slots of a work order', () => {
  const jpeg = { ...photo, contentType: 'image/jpeg' } as const;
  let jobs = 0;
  /** A job under way, held by the engineer of the tests above, with no attachments yet. */
  async function freshJob(): Promise<string> {
    const id = `wo_slots_${++jobs}`;
    await arrange(
      generalJob({
        workOrderId: id,
        status: 'in_progress',
        engineerId,
        scheduledStart: new Date(Date.now() - 3_600_000).toISOString(),
      }),
    );
    return id;
  }
  const grantAll = (id: string, count: number, declare: (i: number) => typeof photo | typeof jpeg = () => photo) =>
    Promise.all(Array.from({ length: count }, (_, i) => requestUploadTo(id, declare(i))));

  it('grants 20 pending uploads, refuses the 21st with 429 attachment.limit_reached, and grants again once one is checked', async () => {
    const id = await freshJob();
    const granted = [];
    for (let i = 0; i < slotLimits.pending; i++) granted.push(await requestUploadTo(id, photo));

    const refused = await requestUploadTo(id, photo);
    const checked = await post(granted[0]?.body.upload, png, 'image/png');
    const after = await requestUploadTo(id, photo);

    expect(slotLimits.pending).toBe(20);
    expect(granted.map((reply) => reply.status)).toEqual(Array(20).fill(201));
    expectProblem(refused, 429, 'attachment.limit_reached');
    expect(refused.body).toMatchObject({ limit: 'pending', max: 20 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(checked.status).toBe(204);
    expect(after.status).toBe(201);
    expect(await getSlotCount(id)).toEqual({ pending: 20, total: 21 });
  });

  it('stores exactly 20 of 30 uploads requested at the same moment, refusing the rest', async () => {
    const id = await freshJob();

    const replies = await grantAll(id, 30);

    expect(replies.filter((reply) => reply.status === 201)).toHaveLength(20);
    for (const reply of replies.filter((r) => r.status !== 201)) expectProblem(reply, 429, 'attachment.limit_reached');
    const stored = await listAttachments(id);
    expect(stored).toHaveLength(20);
    expect(new Set(stored.map((a) => a.attachmentId))).toEqual(
      new Set(replies.filter((r) => r.status === 201).map((r) => r.body.attachmentId)),
    );
    expect(await getSlotCount(id)).toEqual({ pending: 20, total: 20 });
  });

  it('releases the slots of uploads that expired unused, once the next upload needs one', async () => {
    const id = await freshJob();
    const expired = await grantAll(id, slotLimits.pending);
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 7 * 60_000);

    const granted = await requestUploadTo(id, photo);

    expect(expired.every((reply) => reply.status === 201)).toBe(true);
    expect(granted.status).toBe(201);
    expect((await listAttachments(id)).map((a) => a.attachmentId)).toEqual([granted.body.attachmentId]);
    expect(await getSlotCount(id)).toEqual({ pending: 1, total: 1 });
  });

  it('quarantines an upload that arrives for a slot already released', async () => {
    const id = await freshJob();
    const late = (await requestUploadTo(id, photo)).body;
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 7 * 60_000);
    await grantAll(id, slotLimits.pending);
    // Back to the real clock before storage answers: an SDK client that saw it in the future would learn a skew.
    vi.useRealTimers();
    const key = late.upload.fields.key;

    await s3().send(
      new PutObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: key, Body: png, ContentType: 'image/png' }),
    );
    await api.runtime.settled();

    expect(await exists(key)).toBe(false);
    expect(await exists(`quarantine/${key}`)).toBe(true);
    expect(await getSlotCount(id)).toEqual({ pending: 20, total: 20 });
  });

  it('counts checked and quarantined attachments towards 100 in all, refusing the 101st with 409', async () => {
    const id = await freshJob();
    for (let round = 0; round < slotLimits.total / slotLimits.pending; round++) {
      // One in ten declared a JPEG, its bytes a PNG: quarantined, and still counted.
      const batch = await grantAll(id, slotLimits.pending, (i) => (i % 10 === 0 ? jpeg : photo));
      await Promise.all(batch.map((reply) => post(reply.body.upload, png, 'image/png')));
    }
    const refused = await requestUploadTo(id, photo);

    expect(slotLimits.total).toBe(100);
    expectProblem(refused, 409, 'attachment.limit_reached');
    expect(refused.body).toMatchObject({ limit: 'total', max: 100 });
    const stored = await listAttachments(id);
    expect(stored).toHaveLength(100);
    expect(stored.filter((a) => a.status === 'quarantined')).toHaveLength(10);
    expect(stored.filter((a) => a.status === 'pending')).toHaveLength(0);
    expect(await getSlotCount(id)).toEqual({ pending: 0, total: 100 });
  });
});
