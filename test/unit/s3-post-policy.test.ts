import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { describe, expect, it } from 'vitest';
import { checkPostPolicy } from '#local/s3-post-policy.ts';
import { S3Refusal } from '#local/s3-sigv4.ts';

const client = new S3Client({
  region: 'eu-west-2',
  endpoint: 'http://127.0.0.1:4568',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
});
const secretKeyOf = (accessKeyId: string) => (accessKeyId === 'AKIDLOCAL' ? 'local-secret' : undefined);
const fallback = { min: 0, max: 64 };

/** The fields of a presigned POST for `uploads/a.png` in `photos`, as the stand-in reads them (names lower-cased). */
async function formOf(options: Partial<PresignedPostOptions> = {}, change: Record<string, string> = {}) {
  const { fields } = await createPresignedPost(client, { Bucket: 'photos', Key: 'uploads/a.png', ...options });
  const all = { ...fields, ...change };
  return new Map(Object.entries(all).map(([name, value]) => [name.toLowerCase(), value]));
}

function refusalOf(act: () => unknown): string | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof S3Refusal) return `${error.code}: ${error.message}`;
    throw error;
  }
  return undefined;
}

describe('a POST upload policy, checked as S3 checks it', () => {
  it("answers the policy's content-length-range, or the stand-in's own bound when it sets none", async () => {
    const ranged = await formOf({ Conditions: [['content-length-range', 1, 1024]] });
    const unranged = await formOf();

    expect(checkPostPolicy({ bucket: 'photos', fields: ranged }, { secretKeyOf, fallback })).toEqual({
      min: 1,
      max: 1024,
    });
    expect(checkPostPolicy({ bucket: 'photos', fields: unranged }, { secretKeyOf, fallback })).toEqual(fallback);
  });

  it('matches a starts-with condition on the prefix, and field names without regard to case', async () => {
    const options: Partial<PresignedPostOptions> = { Conditions: [['starts-with', '$Content-Type', 'image/']] };
    const jpeg = await formOf(options, { 'content-type': 'image/jpeg' });
    const html = await formOf(options, { 'content-type': 'text/html' });

    expect(
      refusalOf(() => checkPostPolicy({ bucket: 'photos', fields: jpeg }, { secretKeyOf, fallback })),
    ).toBeUndefined();
    expect(refusalOf(() => checkPostPolicy({ bucket: 'photos', fields: html }, { secretKeyOf, fallback }))).toMatch(
      /^AccessDenied: .*starts-with.*\$Content-Type/,
    );
  });

  it('refuses a form without its signature field, and one signed the SigV2 way', async () => {
    const unsigned = await formOf();
    unsigned.delete('x-amz-signature');
    const v2 = await formOf({}, { AWSAccessKeyId: 'AKIDLOCAL', signature: 'c2lnbmF0dXJl' });

    expect(refusalOf(() => checkPostPolicy({ bucket: 'photos', fields: unsigned }, { secretKeyOf, fallback }))).toMatch(
      /^InvalidArgument: Bucket POST must contain a field named 'x-amz-signature'/,
    );
    expect(refusalOf(() => checkPostPolicy({ bucket: 'photos', fields: v2 }, { secretKeyOf, fallback }))).toMatch(
      /^InvalidRequest: .*AWS4-HMAC-SHA256/,
    );
  });

  it('refuses a policy that expires at the moment it is checked', async () => {
    const fields = await formOf({ Expires: 60 });
    const expiration = JSON.parse(Buffer.from(fields.get('policy') ?? '', 'base64').toString('utf8')).expiration;

    const at = (now: Date) =>
      refusalOf(() => checkPostPolicy({ bucket: 'photos', fields }, { secretKeyOf, fallback, now }));

    expect(at(new Date(Date.parse(expiration) - 1))).toBeUndefined();
    expect(at(new Date(expiration))).toBe('AccessDenied: Invalid according to Policy: Policy expired.');
  });
});
