import { randomUUID } from 'node:crypto';
import { DomainError, InFlight } from '../errors.ts';
import { db, writeIf } from './service.ts';

export interface StoredResponse {
  statusCode: number;
  body: string;
}

/** What a reservation found: the key is this request's to answer, or it was answered already. */
export type Reservation = { kind: 'reserved'; leaseId: string } | { kind: 'replay'; response: StoredResponse };

const retentionSeconds = 24 * 3600;
/** How long a request may hold its key before a retry may take it over (API Gateway gives up after 30 s). */
export const leaseMs = 30_000;

/**
 * Reserves a caller's key for this request before anything is done, with one conditional create. Answers a replay
 * of the recorded response when the key was answered with the same request, and refuses a different request under
 * the key (422 `idempotency.key_reused`) or a second request while the first still runs (409
 * `idempotency.in_flight`, with `Retry-After`). A holder whose lease lapsed died mid-way: the key is taken over,
 * conditional on that holder, so of two retries only one runs.
 */
export async function reserve(scope: string, key: string, requestHash: string): Promise<Reservation> {
  const records = db().entities.idempotencyRecord;
  for (;;) {
    const now = Date.now();
    const leaseId = randomUUID();
    const created = await writeIf(() =>
      records
        .create({
          scope,
          key,
          requestHash,
          state: 'in_flight',
          leaseId,
          leaseUntil: now + leaseMs,
          createdAt: new Date(now).toISOString(),
          expiresAt: Math.floor(now / 1000) + retentionSeconds,
        })
        .go(),
    );
    if (created) return { kind: 'reserved', leaseId };
    const { data: held } = await records.get({ scope, key }).go({ consistent: true });
    // Let go of between the create and the read (the holder failed): try again.
    if (!held) continue;
    if (held.requestHash !== requestHash) {
      throw new DomainError('idempotency.key_reused', 422, `The key ${key} was already used with a different body.`);
    }
    if (held.state === 'done' && held.statusCode !== undefined && held.body !== undefined) {
      return { kind: 'replay', response: { statusCode: held.statusCode, body: held.body } };
    }
    if (held.leaseUntil > now) throw new InFlight(1);
    const takenOver = await writeIf(() =>
      records
        .patch({ scope, key })
        .set({ leaseId, leaseUntil: now + leaseMs })
        .where((attr, op) => `${op.eq(attr.leaseId, held.leaseId)} AND ${op.eq(attr.state, 'in_flight')}`)
        .go(),
    );
    if (takenOver) return { kind: 'reserved', leaseId };
  }
}

/**
 * Records the answer under the key, if this request still holds it. `false` when it does not (its lease lapsed
 * and a retry took the key over): the retry's answer is the one kept.
 */
export async function recordResponse(scope: string, key: string, leaseId: string, response: StoredResponse) {
  return writeIf(() =>
    db()
      .entities.idempotencyRecord.patch({ scope, key })
      .set({ state: 'done', statusCode: response.statusCode, body: response.body })
      .where((attr, op) => `${op.eq(attr.leaseId, leaseId)} AND ${op.eq(attr.state, 'in_flight')}`)
      .go(),
  );
}

/** Lets the key go after a request that failed: it changed nothing, so the same key may be sent again. */
export async function releaseKey(scope: string, key: string, leaseId: string): Promise<void> {
  await writeIf(() =>
    db()
      .entities.idempotencyRecord.delete({ scope, key })
      .where((attr, op) => `${op.eq(attr.leaseId, leaseId)} AND ${op.eq(attr.state, 'in_flight')}`)
      .go(),
  );
}
