import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  allowed,
  assertAllowed,
  judge,
  matchesMagicBytes,
  objectKey,
  parseObjectKey,
  type RequestUpload,
} from '#shared/attachments/rules.ts';
import { presignDownload, presignUpload } from '#shared/attachments/storage.ts';
import { DomainError } from '#shared/errors.ts';

const client = new S3Client({
  region: 'eu-west-2',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});
const bucket = 'fieldops-attachments';
const key = 'work-orders/wo_abc123/photo/01JZ8Q7W3X4Y5Z6A7B8C9D0E1F';

const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
const heic = (brand: string) =>
  Uint8Array.from(Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}`)]));
const text = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');

/** The policy document a presigned POST carries, decoded. */
function policyOf(fields: Record<string, string>): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8'));
}

function codeOf(act: () => void): string | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof DomainError) return `${error.status} ${error.code}`;
    throw error;
  }
  return undefined;
}

describe('the presigned upload policy', () => {
  it('fixes the key, the Content-Type, the bucket and a size range of 1 byte to the declared size', async () => {
    const upload = await presignUpload(client, { bucket, key, contentType: 'image/png', maxBytes: 123_456 });

    const { conditions } = policyOf(upload.fields);

    expect(conditions).toContainEqual({ key });
    expect(conditions).toContainEqual(['eq', '$Content-Type', 'image/png']);
    expect(conditions).toContainEqual(['content-length-range', 1, 123_456]);
    expect(conditions).toContainEqual({ bucket });
    expect(conditions.some((c) => Array.isArray(c) && c[0] === 'starts-with')).toBe(false);
    expect(upload.fields).toMatchObject({ key, 'Content-Type': 'image/png' });
  });

  it('expires five minutes after it is made', async () => {
    const before = Date.now();

    const { expiration } = policyOf(
      (await presignUpload(client, { bucket, key, contentType: 'image/png', maxBytes: 1 })).fields,
    );

    const minutes = (Date.parse(expiration) - before) / 60_000;
    expect(minutes).toBeGreaterThan(4.9);
    expect(minutes).toBeLessThanOrEqual(5.05);
  });

  it('posts to the bucket', async () => {
    const upload = await presignUpload(client, { bucket, key, contentType: 'image/jpeg', maxBytes: 10 });

    expect(upload.url).toContain(bucket);
  });
});

describe('the presigned download', () => {
  it('forces the checked type and a download under the attachment id', async () => {
    const url = new URL(
      await presignDownload(client, {
        bucket,
        key,
        contentType: 'image/png',
        filename: '01JZ8Q7W3X4Y5Z6A7B8C9D0E1F.png',
      }),
    );

    expect(url.searchParams.get('response-content-type')).toBe('image/png');
    expect(url.searchParams.get('response-content-disposition')).toBe(
      'attachment; filename="01JZ8Q7W3X4Y5Z6A7B8C9D0E1F.png"',
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
  });
});

describe('the upload allowlist', () => {
  const request = (overrides: Partial<RequestUpload>): RequestUpload => ({
    kind: 'photo',
    contentType: 'image/jpeg',
    sizeBytes: 1000,
    ...overrides,
  });

  it.each([
    ['photo', 'image/jpeg'],
    ['photo', 'image/png'],
    ['photo', 'image/heic'],
    ['signature', 'image/png'],
  ] as const)('accepts a %s as %s', (kind, contentType) => {
    expect(codeOf(() => assertAllowed(request({ kind, contentType })))).toBeUndefined();
  });

  it.each([
    ['photo', 'image/svg+xml'],
    ['signature', 'image/svg+xml'],
    ['signature', 'image/jpeg'],
    ['photo', 'application/pdf'],
    ['photo', 'text/html'],
  ] as const)('refuses a %s as %s with attachment.unsupported_type', (kind, contentType) => {
    expect(codeOf(() => assertAllowed(request({ kind, contentType })))).toBe('400 attachment.unsupported_type');
  });

  it('takes photos up to 15 MB and signatures up to 1 MB, and refuses a byte more with attachment.too_large', () => {
    const at = (kind: 'photo' | 'signature', sizeBytes: number) =>
      codeOf(() => assertAllowed(request({ kind, contentType: 'image/png', sizeBytes })));

    expect(at('photo', 15 * 1024 * 1024)).toBeUndefined();
    expect(at('photo', 15 * 1024 * 1024 + 1)).toBe('400 attachment.too_large');
    expect(at('signature', 1024 * 1024)).toBeUndefined();
    expect(at('signature', 1024 * 1024 + 1)).toBe('400 attachment.too_large');
    expect(allowed.photo.maxBytes).toBe(15 * 1024 * 1024);
  });
});

describe('attachment keys', () => {
  it('round-trips a key the API makes', () => {
    const parts = {
      workOrderId: 'wo_abc-123_X',
      kind: 'signature' as const,
      attachmentId: '01JZ8Q7W3X4Y5Z6A7B8C9D0E1F',
    };

    expect(parseObjectKey(objectKey(parts))).toEqual(parts);
  });

  it.each([
    'quarantine/work-orders/wo_1/photo/01JZ8Q7W3X4Y5Z6A7B8C9D0E1F',
    'work-orders/wo_1/video/01JZ8Q7W3X4Y5Z6A7B8C9D0E1F',
    'work-orders/wo_1/photo/not-a-ulid',
    'work-orders/wo_1/photo/01JZ8Q7W3X4Y5Z6A7B8C9D0E1F/extra',
    'work-orders/../photo/01JZ8Q7W3X4Y5Z6A7B8C9D0E1F',
  ])('ignores %s', (other) => {
    expect(parseObjectKey(other)).toBeUndefined();
  });
});

describe('magic bytes', () => {
  it('recognise a JPEG', () => {
    expect(matchesMagicBytes(jpeg, 'image/jpeg')).toBe(true);
  });

  it('recognise a PNG', () => {
    expect(matchesMagicBytes(png, 'image/png')).toBe(true);
  });

  it.each(['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'])('recognise a HEIC of brand %s', (brand) => {
    expect(matchesMagicBytes(heic(brand), 'image/heic')).toBe(true);
  });

  it('refuse an ISO media file of another brand as HEIC', () => {
    expect(matchesMagicBytes(heic('isom'), 'image/heic')).toBe(false);
  });

  it('refuse a PNG declared as a JPEG, a JPEG declared as a PNG, and text as either', () => {
    expect(matchesMagicBytes(png, 'image/jpeg')).toBe(false);
    expect(matchesMagicBytes(jpeg, 'image/png')).toBe(false);
    expect(matchesMagicBytes(text, 'image/png')).toBe(false);
    expect(matchesMagicBytes(text, 'image/jpeg')).toBe(false);
  });

  it('refuse a file shorter than the signature', () => {
    expect(matchesMagicBytes(png.subarray(0, 4), 'image/png')).toBe(false);
  });
});

describe('judging a stored object', () => {
  const declared = { contentType: 'image/png', sizeBytes: 100 };

  it('passes an object of the declared type, size and signature', () => {
    expect(judge(declared, { sizeBytes: 100, contentType: 'image/png', head: png })).toBeUndefined();
  });

  it('quarantines an empty object or one larger than declared as size_mismatch', () => {
    expect(judge(declared, { sizeBytes: 0, contentType: 'image/png' })).toBe('size_mismatch');
    expect(judge(declared, { sizeBytes: 101, contentType: 'image/png', head: png })).toBe('size_mismatch');
  });

  it('quarantines an object stored with another Content-Type as content_type_mismatch', () => {
    expect(judge(declared, { sizeBytes: 50, contentType: 'image/svg+xml', head: png })).toBe('content_type_mismatch');
  });

  it('quarantines an object whose bytes are not the declared type as magic_bytes_mismatch', () => {
    expect(judge(declared, { sizeBytes: 50, contentType: 'image/png', head: jpeg })).toBe('magic_bytes_mismatch');
  });
});
