import { lastValidDay } from '../scheduling/match.ts';
import { defaultTimeZone, localDay } from '../time/zone.ts';
import type { Certification } from './model.ts';

/** How far ahead an engineer is warned: a certificate whose last valid day is within this many days is `expiring`. */
export const expiryWarningDays = 30;

export type Standing = 'valid' | 'expiring' | 'expired';

const dayMs = 86_400_000;

/**
 * Where a certificate stands on a day, by the matcher's reading of expiry (its `expiresAt` day is its last valid
 * day): `daysLeft` counts the days from `on` to that day, 0 when it is that day (still valid, and `expiring`), below 0
 * once it has passed. An unreadable expiry counts as expired, as the matcher counts it, a day ago. Days are the
 * business's (Europe/London).
 */
export function standingOf(expiresAt: string, on: Date): { status: Standing; daysLeft: number } {
  const last = lastValidDay(expiresAt, defaultTimeZone);
  const today = Date.parse(localDay(on.getTime(), defaultTimeZone));
  const daysLeft = last ? Math.round((Date.parse(last) - today) / dayMs) : -1;
  const status = daysLeft < 0 ? 'expired' : daysLeft <= expiryWarningDays ? 'expiring' : 'valid';
  return { status, daysLeft };
}

/**
 * The certifications a job needs, each judged against the engineer's own (`missing` when they hold none of that code;
 * of several, the one that runs latest counts, as in matching), and all the engineer's own, each with its standing.
 * Both soonest expiry first; a missing one, which never expires, before them all.
 */
export function certificatesFor(options: { required: string[]; held: Certification[]; on: Date }) {
  const mine = options.held
    .map((certificate) => ({
      code: certificate.code,
      number: certificate.number,
      expiresAt: certificate.expiresAt,
      ...standingOf(certificate.expiresAt, options.on),
    }))
    .sort((a, b) => a.daysLeft - b.daysLeft || a.code.localeCompare(b.code));
  const required = [...new Set(options.required)]
    .map((code) => {
      const latest = mine.filter((certificate) => certificate.code === code).at(-1);
      return latest
        ? { code, status: latest.status, expiresAt: latest.expiresAt, daysLeft: latest.daysLeft }
        : { code, status: 'missing' as const, expiresAt: null, daysLeft: Number.NEGATIVE_INFINITY };
    })
    .sort((a, b) => a.daysLeft - b.daysLeft || a.code.localeCompare(b.code))
    .map(({ daysLeft: _daysLeft, ...certificate }) => certificate);
  return { required, mine };
}
