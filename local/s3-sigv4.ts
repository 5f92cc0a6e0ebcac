import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A request refused as S3 refuses it: S3's error code, its message and the elements its XML answer carries beside
 * them. The stand-in renders it with s3rver's own error, so the status follows the code.
 */
export class S3Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** The secret of an access key the stand-in knows; `undefined` for any other. */
export type SecretKeyOf = (accessKeyId: string) => string | undefined;

/**
 * Checks a SigV4 signature: `signature` (hex) must be HMAC-SHA256 of `stringToSign` under the signing key of the
 * credential (`<access key>/<yyyymmdd>/<region>/s3/aws4_request`) made from the access key's secret. The same
 * check serves a POST policy (whose string to sign is the policy) and a presigned URL.
 */
export function verifySignature(
  signed: { stringToSign: string; signature: string; credential: string },
  secretKeyOf: SecretKeyOf,
  detail: Record<string, string> = {},
): void {
  const { credential } = signed;
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = credential.split('/');
  if (!/^\d{8}$/.test(date) || !region || service !== 's3' || terminator !== 'aws4_request') {
    throw new S3Refusal('InvalidArgument', `Invalid X-Amz-Credential: ${credential}`, {
      ArgumentName: 'X-Amz-Credential',
      ArgumentValue: credential,
    });
  }
  const secret = secretKeyOf(accessKeyId);
  if (secret === undefined) {
    throw new S3Refusal('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      AWSAccessKeyId: accessKeyId,
    });
  }
  const signingKey = [date, region, service, terminator].reduce<Buffer | string>(
    (key, part) => createHmac('sha256', key).update(part).digest(),
    `AWS4${secret}`,
  );
  const expected = createHmac('sha256', signingKey).update(signed.stringToSign).digest();
  const given = Buffer.from(signed.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new S3Refusal(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { AWSAccessKeyId: accessKeyId, StringToSign: signed.stringToSign, ...detail },
    );
  }
}
