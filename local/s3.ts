import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { postPolicyCheck, type UploadContext } from './s3-post-upload.ts';
import { checkPresignedUrl, type SignedRequest } from './s3-presigned-url.ts';
import { S3Refusal } from './s3-sigv4.ts';

interface S3rverOptions {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string; configs?: string[] }>;
}

/** The part of the S3 notification s3rver emits that the callback needs. */
interface S3rverEvent {
  Records: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string; size?: number } } }>;
}

/** A Koa middleware, as far as the checks in front of s3rver read its context. */
type Middleware = (ctx: UploadContext & SignedRequest, next: () => Promise<unknown>) => Promise<unknown>;

interface S3rver extends EventEmitter {
  /** Koa's middleware list, composed when the server starts. */
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

// s3rver ships CommonJS without type declarations.
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (options: S3rverOptions) => S3rver;
/** s3rver's error, which it renders as S3's XML answer with the status of the code. */
const S3Error = require('s3rver/lib/models/error') as new (
  code: string,
  message: string,
  detail: Record<string, string | number>,
) => Error;
/** s3rver's key pairs: the one it knows (`S3RVER`), which the local runtime signs with. */
const accounts = require('s3rver/lib/models/account') as {
  registry: Map<string, { accessKeys: Map<string, string> }>;
};
const secretKeyOf = (accessKeyId: string) => accounts.registry.get(accessKeyId)?.accessKeys.get(accessKeyId);

/**
 * The attachments bucket's CORS rule as the stack sets it (infra/storage.ts): presigned POSTs come straight from
 * engineers' phones, whatever their origin; the signed policy, not the origin, authorises an upload. Without it the
 * browser sends the app's photo and never learns that it arrived.
 */
const postFromAnyOrigin = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** An object that landed in a bucket, by any route (PUT, presigned POST, copy, multipart completion). */
export interface ObjectCreated {
  bucket: string;
  /** The key as stored, not URL-encoded (S3's own notifications encode it). */
  key: string;
  size: number;
}

/** The embedded S3 endpoint. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: an IP, so SDK clients address buckets path-style without being told. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts s3rver in process on 127.0.0.1, keeping objects under `directory` and creating `buckets` if missing, each
 * taking POSTs from browsers of any origin (CORS) as the deployed bucket does.
 * Browser-based uploads (presigned POST) are checked against their policy and signature, and presigned URLs against
 * their signature, as S3 checks them and s3rver alone does not: an upload outside its policy, or a download link
 * changed after signing, is refused here as it is deployed (`s3-post-upload.ts`, `s3-presigned-url.ts`).
 * Clients should set `requestChecksumCalculation: 'WHEN_REQUIRED'` (or `AWS_REQUEST_CHECKSUM_CALCULATION`), or
 * s3rver stores streamed uploads with their aws-chunked framing.
 * @param options.onObjectCreated called after each `s3:ObjectCreated:*`, the local stand-in for an S3 trigger. It
 *   runs outside the upload's request, as S3 notifications do; a throw or rejection is logged, never propagated.
 */
export async function startLocalS3(options: {
  port?: number;
  directory: string;
  buckets: string[];
  onObjectCreated?: (event: ObjectCreated) => void | Promise<void>;
}): Promise<LocalS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [postFromAnyOrigin] })),
  });
  // First in line, so s3rver reads nothing that has not been checked.
  server.middleware.unshift(answerRefusals, presignedUrlCheck, postPolicyCheck(secretKeyOf));
  const { onObjectCreated } = options;
  if (onObjectCreated) {
    server.on('event', (event: S3rverEvent) => {
      for (const record of event.Records) {
        if (!record.eventName.startsWith('ObjectCreated:')) continue;
        const created = { bucket: record.s3.bucket.name, key: record.s3.object.key, size: record.s3.object.size ?? 0 };
        Promise.resolve()
          .then(() => onObjectCreated(created))
          .catch((error: unknown) => console.error('[local s3] onObjectCreated failed', error));
      }
    });
  }
  const { port } = await server.run();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => server.close(),
  };
}

/** Answers a refusal of the checks below as S3 does, with s3rver's own XML error. */
const answerRefusals: Middleware = async (_ctx, next) => {
  try {
    return await next();
  } catch (error) {
    if (error instanceof S3Refusal) throw new S3Error(error.code, error.message, error.detail);
    throw error;
  }
};

const presignedUrlCheck: Middleware = (ctx, next) => {
  checkPresignedUrl(ctx, secretKeyOf);
  return next();
};
