import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { config } from '../config.ts';
import { ValidationFailed } from '../errors.ts';

/**
 * Opaque list cursors. The store's own cursor (the table's last evaluated key, which shows its key layout) never
 * reaches a caller: it leaves sealed with AES-256-GCM under the deployment's cursor key, bound to the list it
 * continues (its caller, route and filters) as additional data. A cursor that was made up, altered, or taken from
 * another list or another caller does not open, and is 400.
 */

const ivBytes = 12;
const tagBytes = 16;

/** Seals a store cursor for one list; see {@link openCursor}. */
export async function sealCursor(storeCursor: string, list: string): Promise<string> {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', await cursorKey(), iv).setAAD(Buffer.from(list));
  const sealed = Buffer.concat([iv, cipher.update(storeCursor, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return sealed.toString('base64url');
}

/** The store cursor a sealed cursor holds, when it was sealed for this very list; otherwise 400. */
export async function openCursor(cursor: string, list: string): Promise<string> {
  const sealed = Buffer.from(cursor, 'base64url');
  if (sealed.length <= ivBytes + tagBytes || sealed.toString('base64url') !== cursor) throw notOurs();
  const decipher = createDecipheriv('aes-256-gcm', await cursorKey(), sealed.subarray(0, ivBytes))
    .setAAD(Buffer.from(list))
    .setAuthTag(sealed.subarray(sealed.length - tagBytes));
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(ivBytes, sealed.length - tagBytes)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw notOurs();
  }
}

const notOurs = () =>
  new ValidationFailed('The cursor is not one this list gave.', [
    { path: 'query.cursor', message: 'Not a cursor of this list.' },
  ]);

let key: Promise<Buffer> | undefined;

/**
 * The 256-bit cursor key: deployed, a Secrets Manager secret the stack generates (`CURSOR_KEY_SECRET_ARN`), read
 * once per container; locally, derived from the local signing key, so cursors survive a restart as the data does.
 */
function cursorKey(): Promise<Buffer> {
  key ??= (config.isLocal ? Promise.resolve(localKey()) : deployedKey()).catch((error: unknown) => {
    key = undefined;
    throw error;
  });
  return key;
}

const localKey = () => keyFrom(config.localJwtSecret);

async function deployedKey(): Promise<Buffer> {
  const secret = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: config.cursorKeySecretArn }),
  );
  const material = secret.SecretString ?? '';
  if (material.length < 32) throw new Error('Configuration: the cursor key secret holds under 32 characters');
  return keyFrom(material);
}

/** A key for cursors alone, so the material it comes from is never used for two purposes. */
const keyFrom = (material: string) => Buffer.from(hkdfSync('sha256', material, '', 'fieldops list cursor', 32));
