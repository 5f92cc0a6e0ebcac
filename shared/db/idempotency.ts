import { DomainError } from '../errors.ts';
import { db, isConditionFailure } from './service.ts';

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  body: string;
}

const retentionSeconds = 24 * 3600;

/**
 * The first response recorded under a key, to replay, or undefined when the key is new. The same key with another
 * request is refused (422 `idempotency.key_reused`), never answered with the first request's response.
 */
export async function findReplay(scope: string, key: string, requestHash: string): Promise<StoredResponse | undefined> {
  const stored = await findResponse(scope, key);
  if (stored && stored.requestHash !== requestHash) {
    throw new DomainError('idempotency.key_reused', 422, `The key ${key} was already used with a different body.`);
  }
  return stored;
}

/** The first response recorded under a caller's key, if any. */
async function findResponse(scope: string, key: string): Promise<StoredResponse | undefined> {
  const { data } = await db().entities.idempotencyRecord.get({ scope, key }).go();
  return data ?? undefined;
}

/**
 * Records the first response under a key. Two concurrent first requests race: the loser's response is dropped,
 * and it returns the winner's, so every replay answers the same.
 */
export async function saveResponse(scope: string, key: string, response: StoredResponse): Promise<StoredResponse> {
  const now = new Date();
  try {
    await db()
      .entities.idempotencyRecord.create({
        scope,
        key,
        ...response,
        createdAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + retentionSeconds,
      })
      .go();
    return response;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return (await findResponse(scope, key)) ?? response;
  }
}
