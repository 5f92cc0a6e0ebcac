import { S3Refusal, type SecretKeyOf, verifySignature } from './s3-sigv4.ts';

/** The form of a POST upload as far as it was read: the fields sent before the file. */
export interface PostForm {
  /** The bucket named by the URL (the `bucket` condition is matched against it, not against a field). */
  bucket: string;
  /** Field names lower-cased: S3 matches field names and the policy's `$names` without regard to case. */
  fields: ReadonlyMap<string, string>;
}

/** How large the file may be, in bytes, both ends included: the policy's `content-length-range`. */
export interface SizeRange {
  min: number;
  max: number;
}

/** Fields that are part of the signature rather than of the upload, so no condition has to name them. */
const unconditioned = new Set(['policy', 'x-amz-signature']);
const signatureFields = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature'] as const;
const conditionFailed = 'Invalid according to Policy';

/**
 * Checks a POST upload's policy as S3 does before it takes the file: the SigV4 signature of the base64 policy with
 * the secret of the access key the credential names, the policy's expiration, every condition against the fields
 * (exact or `starts-with`; `bucket` against the URL's bucket), and that no field is left unnamed by a condition.
 * Answers the size range the file must then fall in (`fallback` when the policy sets none); throws S3Refusal.
 */
export function checkPostPolicy(
  form: PostForm,
  options: { secretKeyOf: SecretKeyOf; fallback: SizeRange; now?: Date },
): SizeRange {
  const encoded = form.fields.get('policy');
  // The bucket is private: an upload without a policy is anonymous, and refused.
  if (encoded === undefined) throw new S3Refusal('AccessDenied', 'Access Denied');
  verifyPolicySignature(encoded, form.fields, options.secretKeyOf);
  const policy = decodePolicy(encoded);
  if (policy.expiresAt <= (options.now ?? new Date()).getTime()) {
    throw new S3Refusal('AccessDenied', `${conditionFailed}: Policy expired.`);
  }
  let range = options.fallback;
  const named = new Set<string>();
  for (const condition of policy.conditions) {
    if (condition.kind === 'range') {
      range = condition.range;
      continue;
    }
    named.add(condition.field);
    const value = condition.field === 'bucket' ? form.bucket : (form.fields.get(condition.field) ?? '');
    const holds = condition.kind === 'eq' ? value === condition.value : value.startsWith(condition.value);
    if (!holds) {
      throw new S3Refusal('AccessDenied', `${conditionFailed}: Policy Condition failed: ${condition.text}`);
    }
  }
  const extra = [...form.fields.keys()].filter(
    (name) => !unconditioned.has(name) && !name.startsWith('x-ignore-') && !named.has(name),
  );
  if (extra.length > 0)
    throw new S3Refusal('AccessDenied', `${conditionFailed}: Extra input fields: ${extra.join(', ')}`);
  return range;
}

/**
 * The signature S3 expects of a form: the SigV4 signature of the base64 policy itself. Only SigV4 is taken, as in
 * every region opened since 2014.
 */
function verifyPolicySignature(encoded: string, fields: ReadonlyMap<string, string>, secretKeyOf: SecretKeyOf): void {
  if (fields.has('awsaccesskeyid') || fields.has('signature')) {
    throw new S3Refusal(
      'InvalidRequest',
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    );
  }
  const [algorithm, credential, , signature] = signatureFields.map((name) => {
    const value = fields.get(name);
    if (value === undefined) {
      throw new S3Refusal(
        'InvalidArgument',
        `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
        { ArgumentName: name, ArgumentValue: '' },
      );
    }
    return value;
  }) as [string, string, string, string];
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    throw new S3Refusal('InvalidArgument', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', {
      ArgumentName: 'x-amz-algorithm',
      ArgumentValue: algorithm,
    });
  }
  verifySignature({ stringToSign: encoded, signature, credential }, secretKeyOf);
}

type Condition =
  | { kind: 'eq' | 'starts-with'; field: string; value: string; text: string }
  | { kind: 'range'; range: SizeRange };

/** The policy document, read strictly: an expiration S3 can parse and conditions of the three forms it knows. */
function decodePolicy(encoded: string): { expiresAt: number; conditions: Condition[] } {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  const { expiration, conditions } = (document ?? {}) as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== 'string') throw invalidPolicy('Policy missing expiration.');
  const expiresAt = Date.parse(expiration);
  if (Number.isNaN(expiresAt)) throw invalidPolicy(`Invalid 'expiration' value: '${expiration}'`);
  if (!Array.isArray(conditions)) throw invalidPolicy('Policy missing conditions.');
  return { expiresAt, conditions: conditions.map(readCondition) };
}

/** `{"key": "a"}` and `["eq", "$key", "a"]` (exact), `["starts-with", "$key", "a/"]`, `["content-length-range", 1, 9]`. */
function readCondition(condition: unknown): Condition {
  if (Array.isArray(condition) && condition.length === 3) {
    const [operator, subject, value] = condition as [unknown, unknown, unknown];
    const op = typeof operator === 'string' ? operator.toLowerCase() : undefined;
    if (op === 'content-length-range') {
      const [min, max] = [Number(subject), Number(value)];
      if (Number.isSafeInteger(min) && Number.isSafeInteger(max) && min >= 0 && min <= max) {
        return { kind: 'range', range: { min, max } };
      }
    } else if ((op === 'eq' || op === 'starts-with') && typeof subject === 'string' && typeof value === 'string') {
      if (subject.startsWith('$')) return fieldCondition(op, subject.slice(1), value);
    }
  } else if (condition && typeof condition === 'object' && !Array.isArray(condition)) {
    const entries = Object.entries(condition);
    const [field, value] = entries[0] ?? [];
    if (entries.length === 1 && field !== undefined && typeof value === 'string') {
      return fieldCondition('eq', field, value);
    }
  }
  throw invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
}

function fieldCondition(kind: 'eq' | 'starts-with', field: string, value: string): Condition {
  return { kind, field: field.toLowerCase(), value, text: `["${kind}", "$${field}", "${value}"]` };
}

const invalidPolicy = (reason: string) => new S3Refusal('InvalidPolicyDocument', `Invalid Policy: ${reason}`);
