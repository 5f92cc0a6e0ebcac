import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { S3Refusal, type SecretKeyOf, verifySignature } from './s3-sigv4.ts';

/** A request as it arrived: the method, the URL as sent (path and query, still encoded) and the headers. */
export interface SignedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * Checks the signature of a presigned URL (SigV4 in the query, as `getSignedUrl` makes for a download or a PUT),
 * which s3rver takes unchecked: the canonical request is rebuilt from what arrived, so a URL whose key, response
 * overrides or expiry were changed after signing is refused with SignatureDoesNotMatch. Requests signed in their
 * headers (the SDK's own calls) and CORS preflights, which S3 answers unsigned, are left alone.
 */
export function checkPresignedUrl(request: SignedRequest, secretKeyOf: SecretKeyOf): void {
  const at = request.url.indexOf('?');
  if (at < 0 || request.method === 'OPTIONS') return;
  const path = request.url.slice(0, at);
  const query = request.url
    .slice(at + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      return [decode(name), decode(value)] as const;
    });
  const param = (name: string) => query.find(([key]) => key === name)?.[1];
  const signature = param('X-Amz-Signature');
  if (param('X-Amz-Algorithm') === undefined || signature === undefined) return;
  const credential = param('X-Amz-Credential') ?? '';
  const signedHeaders = param('X-Amz-SignedHeaders') ?? '';
  const canonicalRequest = [
    request.method,
    path,
    query
      .filter(([key]) => key !== 'X-Amz-Signature')
      .map(([key, value]) => `${encode(key)}=${encode(value)}`)
      .sort()
      .join('&'),
    signedHeaders
      .split(';')
      .map(
        (name) =>
          `${name}:${String(request.headers[name] ?? '')
            .trim()
            .replace(/\s+/g, ' ')}\n`,
      )
      .join(''),
    signedHeaders,
    param('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    param('X-Amz-Date') ?? '',
    credential.split('/').slice(1).join('/'),
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  verifySignature({ stringToSign, signature, credential }, secretKeyOf, { CanonicalRequest: canonicalRequest });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Refusal('AuthorizationQueryParametersError', 'The query string is not well-formed.');
  }
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises names and values. */
const encode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
