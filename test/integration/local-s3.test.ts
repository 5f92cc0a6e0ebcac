import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, type ObjectCreated, startLocalS3 } from '#local/s3.ts';

const BUCKET = 'fieldops-uploads';
const OTHER_BUCKET = 'fieldops-other';

/** Posts a form as a browser does (the fields, then the file) and reads S3's answer. */
async function postForm(url: string, fields: Record<string, string>, file: Uint8Array, type = 'image/png') {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file], { type }), 'upload.png');
  const response = await fetch(url, { method: 'POST', body: form });
  const body = await response.text();
  return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1], body };
}

/** The policy of a presigned POST, decoded, changed and encoded again (its signature left as it was). */
function withPolicy(fields: Record<string, string>, change: (policy: { conditions: unknown[] }) => void) {
  const policy = JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8'));
  change(policy);
  return { ...fields, Policy: Buffer.from(JSON.stringify(policy)).toString('base64') };
}

describe('the embedded S3', () => {
  let directory: string;
  let s3: LocalS3;
  let client: S3Client;
  const created: ObjectCreated[] = [];
  const waitForCreated = async (key: string) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const event = created.find((candidate) => candidate.key === key);
      if (event) return event;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'fieldops-s3-'));
    s3 = await startLocalS3({
      directory,
      buckets: [BUCKET, OTHER_BUCKET],
      onObjectCreated: (event) => {
        created.push(event);
      },
    });
    client = new S3Client({
      endpoint: s3.url,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
  });

  /** A presigned POST as the product makes one: one key, one Content-Type, 1 byte to 1 KB. */
  const presign = (key: string, options: Partial<PresignedPostOptions> = {}) =>
    createPresignedPost(client, {
      Bucket: BUCKET,
      Key: key,
      Conditions: [
        ['eq', '$Content-Type', 'image/png'],
        ['content-length-range', 1, 1024],
      ],
      Fields: { 'Content-Type': 'image/png' },
      Expires: 300,
      ...options,
    });
  const stored = async (key: string) => {
    try {
      await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFound') return false;
      throw error;
    }
  };
  const png = Buffer.from('png bytes');

  afterAll(async () => {
    client.destroy();
    await s3.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('stores an object put through the SDK and gives back the same bytes', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'notes/a.txt', Body: 'hello, field', ContentType: 'text/plain' }),
    );

    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'notes/a.txt' }));

    expect(await object.Body?.transformToString()).toBe('hello, field');
    expect(object.ContentType).toBe('text/plain');
  });

  it('reports each created object with its bucket, key and size', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'photos/site 1.jpg', Body: Buffer.alloc(1234, 7) }));

    expect(await waitForCreated('photos/site 1.jpg')).toEqual({ bucket: BUCKET, key: 'photos/site 1.jpg', size: 1234 });
  });

  it('accepts a presigned POST upload made with fetch and FormData', async () => {
    const { url, fields } = await createPresignedPost(client, {
      Bucket: BUCKET,
      Key: 'uploads/signature.png',
      Conditions: [['content-length-range', 1, 1024 * 1024]],
      Fields: { 'Content-Type': 'image/png' },
      Expires: 300,
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([Buffer.from('png bytes')], { type: 'image/png' }), 'signature.png');

    const response = await fetch(url, { method: 'POST', body: form });

    expect(response.status).toBe(204);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'uploads/signature.png' }));
    expect(head.ContentLength).toBe(9);
    expect(head.ContentType).toBe('image/png');
    expect(await waitForCreated('uploads/signature.png')).toEqual({
      bucket: BUCKET,
      key: 'uploads/signature.png',
      size: 9,
    });
  });

  it("answers a browser's CORS preflight and its POST from any origin, as the deployed bucket does", async () => {
    const { url, fields } = await presign('uploads/from-a-phone.png');
    const origin = 'http://127.0.0.1:3000';

    // A form POST with an upload progress listener is preflighted.
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([Buffer.from('png bytes')], { type: 'image/png' }), 'photo.png');
    const posted = await fetch(url, { method: 'POST', body: form, headers: { origin } });

    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(posted.status).toBe(204);
    expect(posted.headers.get('access-control-allow-origin')).toBe('*');
    const other = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'DELETE' },
    });
    expect(other.status).toBe(403);
  });

  describe('holds a browser-based upload to its policy, as S3 does', () => {
    it('refuses a key other than the policy names with 403 AccessDenied, and stores nothing', async () => {
      const { url, fields } = await presign('uploads/mine.png');

      const reply = await postForm(url, { ...fields, key: 'uploads/someone-elses.png' }, png);

      expect(reply).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(reply.body).toMatch(/Policy Condition failed: .*\$key.*uploads\/mine\.png/);
      expect(await stored('uploads/someone-elses.png')).toBe(false);
      expect(created.map((event) => event.key)).not.toContain('uploads/someone-elses.png');
    });

    it('takes a key under a starts-with prefix and refuses one outside it', async () => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's own placeholder for the file's name.
      const { url, fields } = await presign('uploads/site-7/${filename}');

      const inside = await postForm(url, { ...fields, key: 'uploads/site-7/meter.png' }, png);
      const outside = await postForm(url, { ...fields, key: 'uploads/site-8/meter.png' }, png);

      expect(inside.status).toBe(204);
      expect(outside).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(await stored('uploads/site-8/meter.png')).toBe(false);
    });

    it('refuses a Content-Type other than the policy allows', async () => {
      const { url, fields } = await presign('uploads/typed.png');

      const reply = await postForm(url, { ...fields, 'Content-Type': 'text/html' }, png, 'text/html');

      expect(reply).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(reply.body).toContain('$Content-Type');
      expect(await stored('uploads/typed.png')).toBe(false);
    });

    it('takes a file up to the content-length-range, refusing one over it with 400 EntityTooLarge and an empty one with EntityTooSmall', async () => {
      const { url, fields } = await presign('uploads/sized.png');

      const large = await postForm(url, fields, Buffer.alloc(1025, 1));
      const huge = await postForm(url, fields, Buffer.alloc(8 * 1024 * 1024, 1));
      const empty = await postForm(url, fields, Buffer.alloc(0));
      const refusedAll = !(await stored('uploads/sized.png'));
      const full = await postForm(url, fields, Buffer.alloc(1024, 1));

      expect(large).toMatchObject({ status: 400, code: 'EntityTooLarge' });
      expect(large.body).toContain('<MaxSizeAllowed>1024</MaxSizeAllowed>');
      expect(huge).toMatchObject({ status: 400, code: 'EntityTooLarge' });
      expect(empty).toMatchObject({ status: 400, code: 'EntityTooSmall' });
      expect(refusedAll).toBe(true);
      expect(full.status).toBe(204);
      expect(
        (await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'uploads/sized.png' }))).ContentLength,
      ).toBe(1024);
    });

    it('refuses a policy past its expiration', async () => {
      const { url, fields } = await presign('uploads/late.png', { Expires: -1 });

      const reply = await postForm(url, fields, png);

      expect(reply).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(reply.body).toContain('Policy expired');
      expect(await stored('uploads/late.png')).toBe(false);
    });

    it('refuses a policy changed after signing, and a changed signature, with 403 SignatureDoesNotMatch', async () => {
      const { url, fields } = await presign('uploads/signed.png');
      const widened = withPolicy(fields, (policy) => {
        policy.conditions = policy.conditions.map((condition) =>
          Array.isArray(condition) && condition[0] === 'content-length-range' ? [condition[0], 1, 1e9] : condition,
        );
      });
      const signature = fields['X-Amz-Signature'] ?? '';
      const forged = {
        ...fields,
        'X-Amz-Signature': `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
      };

      const tampered = await postForm(url, widened, Buffer.alloc(2048, 1));
      const resigned = await postForm(url, forged, png);

      expect(tampered).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      expect(resigned).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      expect(await stored('uploads/signed.png')).toBe(false);
    });

    it('refuses a policy signed with a key it does not know', async () => {
      const stranger = new S3Client({
        endpoint: s3.url,
        region: 'eu-west-2',
        credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'guessed' },
      });
      const { url, fields } = await createPresignedPost(stranger, { Bucket: BUCKET, Key: 'uploads/stranger.png' });

      const reply = await postForm(url, fields, png);

      expect(reply).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
      expect(await stored('uploads/stranger.png')).toBe(false);
    });

    it('refuses an upload with no policy, the bucket being private', async () => {
      const reply = await postForm(`${s3.url}/${BUCKET}`, { key: 'uploads/anonymous.png' }, png);

      expect(reply).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(await stored('uploads/anonymous.png')).toBe(false);
    });

    it('refuses a policy made for another bucket', async () => {
      const { fields } = await presign('uploads/elsewhere.png');

      const reply = await postForm(`${s3.url}/${OTHER_BUCKET}`, fields, png);

      expect(reply).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(reply.body).toContain('$bucket');
    });

    it('refuses a field no condition names, and an x-amz-meta field against its condition', async () => {
      const { url, fields } = await presign('uploads/meta.png', {
        Fields: { 'Content-Type': 'image/png', 'x-amz-meta-job': 'wo_1' },
      });

      const extra = await postForm(url, { ...fields, 'x-amz-meta-owner': 'mallory' }, png);
      const changed = await postForm(url, { ...fields, 'x-amz-meta-job': 'wo_2' }, png);
      const ignored = await postForm(url, { ...fields, 'x-ignore-note': 'anything' }, png);

      expect(extra).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(extra.body).toContain('Extra input fields: x-amz-meta-owner');
      expect(changed).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(ignored.status).toBe(204);
    });

    it('answers with the success_action_status the policy allows, and refuses another', async () => {
      const { url, fields } = await presign('uploads/status.png', {
        Fields: { 'Content-Type': 'image/png', success_action_status: '201' },
      });

      const allowed = await postForm(url, fields, png);
      const other = await postForm(url, { ...fields, success_action_status: '200' }, png);

      expect(allowed.status).toBe(201);
      expect(allowed.body).toContain('<Key>uploads/status.png</Key>');
      expect(other).toMatchObject({ status: 403, code: 'AccessDenied' });
    });

    it('refuses a form that repeats a field, whatever its case', async () => {
      const { url, fields } = await presign('uploads/twice.png');

      const reply = await postForm(url, { ...fields, KEY: 'uploads/other.png' }, png);

      expect(reply).toMatchObject({ status: 400, code: 'InvalidArgument' });
      expect(await stored('uploads/other.png')).toBe(false);
    });
  });

  describe('holds a presigned URL to its signature, as S3 does', () => {
    it('serves a presigned download as signed, and refuses one changed after signing', async () => {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'signed/photo.png', Body: png }));
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'signed/other.png', Body: 'another job' }));
      const url = await getSignedUrl(
        client,
        new GetObjectCommand({ Bucket: BUCKET, Key: 'signed/photo.png', ResponseContentType: 'image/png' }),
        { expiresIn: 300 },
      );

      const signed = await fetch(url);
      const otherKey = await fetch(url.replace('/signed/photo.png', '/signed/other.png'));
      const asHtml = await fetch(url.replace('response-content-type=image%2Fpng', 'response-content-type=text%2Fhtml'));
      const longer = await fetch(url.replace('X-Amz-Expires=300', 'X-Amz-Expires=604800'));

      expect(signed.status).toBe(200);
      expect(Buffer.from(await signed.arrayBuffer())).toEqual(png);
      for (const refused of [otherKey, asHtml, longer]) {
        expect(refused.status).toBe(403);
        expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
      }
    });

    it('takes a presigned PUT to its key, and refuses one sent to another', async () => {
      const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: 'signed/put.png' }), {
        expiresIn: 300,
      });

      const signed = await fetch(url, { method: 'PUT', body: png });
      const moved = await fetch(url.replace('/signed/put.png', '/signed/moved.png'), { method: 'PUT', body: png });

      expect(signed.status).toBe(200);
      expect(moved.status).toBe(403);
      expect(await stored('signed/put.png')).toBe(true);
      expect(await stored('signed/moved.png')).toBe(false);
    });
  });
});
