/**
 * Wall-clock time in a business's time zone (IANA, e.g. `Europe/London`): the day an instant falls on there, and the
 * instant a local "HH:MM" on a local day names, correct across the clock changes. Days are `YYYY-MM-DD` strings,
 * which order correctly and are what the API speaks.
 *
 * Offsets come from `Intl.DateTimeFormat` (every Node has the zone data), memoised per quarter hour: every
 * zone's offset changes only on a quarter hour, so the matcher's thousands of shift lookups a second cost a map
 * read each, not a format.
 */

/** Where a business is unless it says otherwise: a UK field service business. */
export const defaultTimeZone = 'Europe/London';

const minuteMs = 60_000;
const quarterMs = 15 * minuteMs;
const dayMs = 86_400_000;

/** True when the runtime knows the zone (`Europe/London`, `UTC`, `America/New_York`, ...). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();
/** Bounds the memo: a long-running process sees a few zones over a few weeks, far below this. */
const offsetsKept = 50_000;

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms (+3,600,000 for London in summer). */
export function offsetAt(ms: number, timeZone: string): number {
  const quarter = Math.floor(ms / quarterMs);
  const key = `${timeZone}|${quarter}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  const parts: Record<string, number> = {};
  for (const part of formatFor(timeZone).formatToParts(quarter * quarterMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year as number,
    (parts.month as number) - 1,
    parts.day as number,
    parts.hour as number,
    parts.minute as number,
  );
  const offset = wall - quarter * quarterMs;
  if (offsets.size >= offsetsKept) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

/** The local day (`YYYY-MM-DD`) an instant falls on in the zone. */
export function localDay(ms: number, timeZone: string): string {
  return new Date(ms + offsetAt(ms, timeZone)).toISOString().slice(0, 10);
}

/** The local time of day of an instant in the zone, in minutes since its midnight. */
export function localMinuteOfDay(ms: number, timeZone: string): number {
  const wall = ms + offsetAt(ms, timeZone);
  return Math.floor((((wall % dayMs) + dayMs) % dayMs) / minuteMs);
}

/**
 * The instant the zone's clock shows `minute` minutes past midnight on `day` (1440 is the next midnight). A time
 * the clocks skip (01:30 in London on the March change) is read as the same time after the change (02:30 BST); a
 * time they show twice (01:30 on the October change) is its first showing.
 */
export function atLocal(day: string, minute: number, timeZone: string): number {
  const wall = Date.parse(`${day}T00:00:00.000Z`) + minute * minuteMs;
  // The instant is the wall time less the offset then: one of the offsets either side of any change that day.
  const before = offsetAt(wall - dayMs, timeZone);
  const after = offsetAt(wall + dayMs, timeZone);
  const shows = (ms: number) => ms + offsetAt(ms, timeZone) === wall;
  const early = wall - Math.max(before, after);
  const late = wall - Math.min(before, after);
  if (shows(early)) return early;
  if (shows(late)) return late;
  // Skipped: the clock jumped over it. The offset before the jump lands as far past the jump as the time was.
  return wall - before;
}

/** The day `count` days after `day` (before, when negative). */
export function addDays(day: string, count: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + count * dayMs).toISOString().slice(0, 10);
}

/**
 * A whole day of the zone (`2026-12-24`) or an instant with its offset, as epoch ms: a day is its first moment, or,
 * as the `end` of a range, the next day's (the day is included).
 */
export function dayOrInstant(value: string, edge: 'start' | 'end', timeZone: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(value);
  return atLocal(edge === 'start' ? value : addDays(value, 1), 0, timeZone);
}

/** 1 = Monday ... 7 = Sunday, of a calendar day. */
export function isoWeekday(day: string): number {
  return new Date(`${day}T00:00:00.000Z`).getUTCDay() || 7;
}

/** Minutes since midnight for "HH:MM" ("24:00" allowed as an end), or undefined when malformed. */
export function minuteOfDay(time: string): number | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return Number(match[2]) < 60 && minutes <= 1440 ? minutes : undefined;
}
