import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { checkPostPolicy, type SizeRange } from './s3-post-policy.ts';
import { S3Refusal, type SecretKeyOf } from './s3-sigv4.ts';

/** The part of s3rver's Koa context the check reads and the body it replaces. */
export interface UploadContext {
  method: string;
  path: string;
  querystring: string;
  req: IncomingMessage | Readable;
  is(type: string): string | false | null;
}

/** busboy 0.3, the multipart parser s3rver itself reads forms with (it ships no types). */
interface Busboy extends NodeJS.WritableStream {
  on(event: 'field', listener: (name: string, value: string, nameTruncated: boolean, truncated: boolean) => void): this;
  on(event: 'file', listener: (name: string, file: Readable) => void): this;
  on(event: 'finish', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}
const requireFromS3rver = createRequire(createRequire(import.meta.url).resolve('s3rver'));
const Busboy = requireFromS3rver('busboy') as new (options: {
  headers: IncomingHttpHeaders;
  limits: { fieldSize: number };
}) => Busboy;
/**
 * What the form may hold besides the file. S3 refuses large fields before the file too
 * (`MaxPostPreDataLengthExceededError`); a policy with its signature fields is a few kilobytes.
 */
const maxPreDataBytes = 1024 * 1024;
/** The largest file taken when a policy sets no range: the stand-in holds the form in memory while it checks it. */
const maxUnrangedFileBytes = 64 * 1024 * 1024;

/**
 * A Koa middleware for s3rver that checks each browser-based upload (a multipart POST to a bucket) as S3 does,
 * before s3rver stores anything: the policy and its signature once the fields before the file are read, then the
 * file's size against the policy's range as its bytes arrive. A refusal drains the request and throws S3Refusal;
 * an upload that passes is handed on to s3rver as the very bytes that were checked.
 */
export function postPolicyCheck(secretKeyOf: SecretKeyOf) {
  return async (ctx: UploadContext, next: () => Promise<unknown>) => {
    const bucket = uploadBucket(ctx);
    if (bucket !== undefined) {
      const body = await readCheckedForm(ctx.req as IncomingMessage, (fields) =>
        checkPostPolicy({ bucket, fields }, { secretKeyOf, fallback: { min: 0, max: maxUnrangedFileBytes } }),
      );
      ctx.req = Readable.from([body]);
    }
    return next();
  };
}

/** The bucket of a POST Object request (path-style, as the stand-in is addressed by IP); else `undefined`. */
function uploadBucket(ctx: UploadContext): string | undefined {
  if (ctx.method !== 'POST' || ctx.querystring !== '' || !ctx.is('multipart/form-data')) return undefined;
  return /^\/([^/]+)\/?$/.exec(ctx.path)?.[1];
}

/**
 * Reads a POST form, checking it as it streams: `check` runs on the fields sent before the file and answers the
 * size range of the file, which is counted as it arrives.
 * Resolves with the whole body as received; rejects with S3Refusal once the request has been read to its end.
 */
function readCheckedForm(
  req: IncomingMessage,
  check: (fields: ReadonlyMap<string, string>) => SizeRange,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const fields = new Map<string, string>();
    let received = 0;
    let allowed = maxPreDataBytes;
    let range: SizeRange | undefined;
    let fileBytes = 0;
    let parsed = false;
    let failure: Error | undefined;

    // Settles once the request has been read to its end, so a client still sending hears the answer.
    const settle = () => {
      if (!req.readableEnded) return;
      if (failure) reject(failure);
      else if (parsed) resolve(Buffer.concat(chunks));
    };
    const refuse = (error: Error) => {
      if (failure) return;
      failure = error;
      settle();
    };
    const guard = (step: () => void) => {
      try {
        step();
      } catch (error) {
        refuse(error as Error);
      }
    };
    const startFile = () => {
      range = check(fields);
      // What follows the file is its closing boundary and any fields S3 ignores.
      allowed = received + range.max + maxPreDataBytes;
    };
    const countFile = (bytes: number) => {
      fileBytes += bytes;
      if (range && fileBytes > range.max) throw tooLarge(fileBytes, range.max);
    };
    const endFile = () => {
      if (range && fileBytes < range.min) {
        throw new S3Refusal('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
          ProposedSize: fileBytes,
          MinSizeAllowed: range.min,
        });
      }
    };
    const addField = (name: string, value: string, truncated: boolean) => {
      if (truncated) throw preDataTooLarge();
      const field = name.toLowerCase();
      if (field === 'file') {
        // A file part sent without a filename and with a text type arrives as a field (bounded like one).
        startFile();
        countFile(Buffer.byteLength(value));
        return endFile();
      }
      if (fields.has(field)) {
        throw new S3Refusal('InvalidArgument', `POST form fields must not repeat: ${name}`, {
          ArgumentName: name,
          ArgumentValue: value,
        });
      }
      fields.set(field, value);
    };

    const parser = new Busboy({ headers: req.headers, limits: { fieldSize: maxPreDataBytes } });
    // Whatever follows the file is ignored, as S3 ignores it (and s3rver stores only the first file).
    parser.on('field', (name, value, _nameTruncated, truncated) => {
      if (!range) guard(() => addField(name, value, truncated));
    });
    parser.on('file', (name, file) => {
      if (range || name.toLowerCase() !== 'file') return file.resume();
      guard(startFile);
      file.on('data', (bytes: Buffer) => guard(() => countFile(bytes.length)));
      file.on('end', () => guard(endFile));
    });
    parser.on('error', () => refuse(malformed()));
    parser.on('finish', () => {
      if (!range) {
        return refuse(
          new S3Refusal('IncorrectNumberOfFilesInPostRequest', 'POST requires exactly one file upload per request.'),
        );
      }
      parsed = true;
      settle();
    });
    req.on('data', (chunk: Buffer) => {
      if (failure) return;
      // Parsed first, so a file that starts in this chunk is known before the chunk is counted.
      parser.write(chunk);
      received += chunk.length;
      if (received > allowed) return refuse(range ? malformed() : preDataTooLarge());
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failure) parser.end();
      settle();
    });
    req.on('error', (error) => {
      failure ??= error;
      reject(failure);
    });
  });
}

const tooLarge = (size: number, max: number) =>
  new S3Refusal('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
    ProposedSize: size,
    MaxSizeAllowed: max,
  });
const preDataTooLarge = () =>
  new S3Refusal(
    'MaxPostPreDataLengthExceededError',
    'Your POST request fields preceding the upload file was too large.',
  );
const malformed = () =>
  new S3Refusal('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
