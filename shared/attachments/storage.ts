import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Presigned uploads and downloads are short-lived: long enough for a phone on a poor signal, no longer. */
export const presignedSeconds = 5 * 60;

let client: S3Client | undefined;

/**
 * The S3 client, built on first use and reused by a warm Lambda. No endpoint option: locally the standard
 * `AWS_ENDPOINT_URL_S3` points it (and so every presigned URL) at the embedded s3rver.
 */
export function s3(): S3Client {
  client ??= new S3Client({});
  return client;
}

/**
 * A presigned POST whose policy allows exactly one object: this key, this Content-Type, between 1 byte and
 * `maxBytes`. The form sends `fields` first and the file last.
 */
export async function presignUpload(
  s3Client: S3Client,
  options: { bucket: string; key: string; contentType: string; maxBytes: number },
): Promise<{ url: string; fields: Record<string, string> }> {
  return createPresignedPost(s3Client, {
    Bucket: options.bucket,
    Key: options.key,
    Fields: { 'Content-Type': options.contentType },
    Conditions: [
      ['eq', '$Content-Type', options.contentType],
      ['content-length-range', 1, options.maxBytes],
    ],
    Expires: presignedSeconds,
  });
}

/**
 * A presigned GET that makes the browser save the file under a fixed name with the checked type, whatever
 * metadata the object carries, so an image can never be rendered as another kind of document.
 */
export async function presignDownload(
  s3Client: S3Client,
  options: { bucket: string; key: string; versionId?: string; contentType: string; filename: string },
): Promise<string> {
  return getSignedUrl(
    s3Client,
    new GetObjectCommand({
      Bucket: options.bucket,
      Key: options.key,
      VersionId: options.versionId,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: `attachment; filename="${options.filename}"`,
    }),
    { expiresIn: presignedSeconds },
  );
}
