import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, type ObjectCreated, startLocalS3 } from '#local/s3.ts';

const BUCKET = 'fieldops-uploads';

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
      buckets: [BUCKET],
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
});
