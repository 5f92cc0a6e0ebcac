/**
 * When a failed delivery is tried again: the Standard Webhooks specification's example schedule, each delay counted
 * from the attempt before (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: the last attempt some
 * 75 hours after the first), with ±10 % jitter so that the retries of many deliveries failing together spread out
 * rather than strike the receiver again in step. After the last, the delivery is dead (replayable by hand).
 */
export const retrySchedule: readonly number[] = [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400].map(
  (seconds) => seconds * 1000,
);

/** A subscription whose deliveries have failed, none succeeding, for this long is disabled and the office told. */
export const disableAfterMs = 5 * 86_400_000;

/** How long a sender holds a claimed attempt: beyond an attempt's timeout, after which another may take it over. */
export const claimLeaseMs = 60_000;

/**
 * The schedule's scale: 1 but where `FIELDOPS_WEBHOOKS_RETRY_SCALE` says otherwise (the tests run it at a thousandth,
 * so a delivery's first retries come within a second or two). Read at each call, as the tests set it at run time.
 */
export function retryScale(): number {
  const scale = Number(process.env.FIELDOPS_WEBHOOKS_RETRY_SCALE ?? '1');
  return Number.isFinite(scale) && scale > 0 && scale <= 1 ? scale : 1;
}

/** The longest a receiver's `Retry-After` may hold a delivery back: the schedule's own longest step. */
export const maxRetryAfterMs = 86_400_000;

/**
 * The pause before the next attempt of a delivery that has failed `failures` times in a row, jittered; `undefined`
 * when the schedule is spent and the delivery is dead. A receiver that asked for a longer wait (`Retry-After` on a
 * 429 or 503) gets it, up to {@link maxRetryAfterMs}: it is not struck again while it said it cannot cope.
 */
export function nextDelayMs(
  failures: number,
  options: { retryAfterMs?: number; random?: () => number } = {},
): number | undefined {
  const base = retrySchedule[failures];
  if (base === undefined) return undefined;
  const scheduled = Math.round(base * (0.9 + 0.2 * (options.random ?? Math.random)()) * retryScale());
  return Math.max(scheduled, Math.min(options.retryAfterMs ?? 0, maxRetryAfterMs));
}
