import { addDays, atLocal, defaultTimeZone, isoWeekday, localDay, minuteOfDay } from '../time/zone.ts';
import type { Engineer, LatLng, Shift } from '../work-order/model.ts';
import type { BreakWindow } from './day-timing.ts';
import { estimatedTravel, type TravelTimes } from './travel.ts';

/** Why an engineer cannot take a job. */
export type ExclusionReason =
  | 'inactive'
  | 'refused'
  | 'missing_skill'
  | 'missing_certification'
  | 'expired_certification'
  | 'off_shift'
  | 'on_leave';

/** What the matcher needs to know about a job. */
export interface JobRequirements {
  requiredSkills: string[];
  requiredCertifications: string[];
  location: LatLng;
  estimatedMinutes: number;
}

/** Whether one engineer can take a job and, if so, when they can start it. */
export type EngineerCheck =
  | { ok: true; start: string; travelMinutes: number }
  | { ok: false; reasons: ExclusionReason[] };

/**
 * Whether an engineer can take a job wanted from `at`, by the same rules the automatic matcher applies, so an
 * office override cannot assign someone the matcher would reject:
 *
 * - the engineer is active and has every required skill;
 * - they hold every required certification, unexpired on the day the job starts (a certificate's `expiresAt` day is
 *   its last valid day, so one expiring on the job day still counts; an unreadable expiry counts as expired);
 * - the job fits in a shift: travel from the home base, then `estimatedMinutes` of work, starting and finishing
 *   within the shift window on the day of `at` or one of the seven days after it. The start is the later of
 *   `at` + travel and the shift start, rounded up to the minute, so travel to a first job happens before the shift.
 *
 * Shift times and days are the business's local time (`timeZone`, Europe/London unless given), so an 08:00 start
 * is 08:00 GMT in winter and 07:00 UTC in summer. A shift whose end is not after its start runs past midnight.
 * Travel minutes are rounded up to whole minutes so an ETA is never optimistic.
 */
export function checkEngineer(opts: {
  job: JobRequirements;
  engineer: Engineer;
  at: Date;
  travel?: TravelTimes;
  timeZone?: string;
}): EngineerCheck {
  const { job, engineer, at } = opts;
  const timeZone = opts.timeZone ?? defaultTimeZone;
  const reasons = qualificationReasons({ job, engineer, on: at, timeZone });
  const certificates = certificatesValidThrough({ job, engineer, timeZone });
  const expiredAlready = reasons.includes('expired_certification');

  const travelMinutes = Math.ceil((opts.travel ?? estimatedTravel).minutes(engineer.homeBase, job.location));
  const { starts, away } = feasibleStarts({ engineer, job, at, travelMinutes, timeZone });
  if (starts.length === 0) return { ok: false, reasons: [...reasons, away ? 'on_leave' : 'off_shift'] };

  // A certificate valid today may lapse before the first shift the job fits in: it must hold on the job day itself.
  const start = starts.find(
    (ms) => certificates.validThrough === undefined || localDay(ms, timeZone) <= certificates.validThrough,
  );
  if (start === undefined && !expiredAlready) reasons.push('expired_certification');
  if (reasons.length > 0 || start === undefined) return { ok: false, reasons };
  return { ok: true, start: new Date(start).toISOString(), travelMinutes };
}

/**
 * The qualification filters of {@link checkEngineer}, without the shift: `inactive`, `missing_skill`,
 * `missing_certification`, and `expired_certification` when a required certificate has lapsed before the (local)
 * day of `on`. Shared so that every matcher applies the same rules.
 */
export function qualificationReasons(opts: {
  job: Pick<JobRequirements, 'requiredSkills' | 'requiredCertifications'>;
  engineer: Engineer;
  on: Date;
  timeZone?: string;
  /** The business's day of `on`, when the caller has it already. */
  day?: string;
}): ExclusionReason[] {
  const { job, engineer } = opts;
  const reasons: ExclusionReason[] = [];
  if (!engineer.active) reasons.push('inactive');
  if (!job.requiredSkills.every((skill) => engineer.skills.includes(skill))) reasons.push('missing_skill');
  const certificates = certificatesValidThrough({ job, engineer, timeZone: opts.timeZone });
  if (certificates.missing) reasons.push('missing_certification');
  const day = opts.day ?? localDay(opts.on.getTime(), opts.timeZone ?? defaultTimeZone);
  if (certificates.validThrough !== undefined && certificates.validThrough < day) {
    reasons.push('expired_certification');
  }
  return reasons;
}

const minuteMs = 60_000;

/**
 * The last day ("YYYY-MM-DD", the business's) on which the engineer holds every required certification (the earliest of the
 * latest expiry per code), and whether any is missing altogether. `validThrough` is undefined when nothing is
 * required or held, and '' when an expiry is unreadable (so it is before every day).
 */
export function certificatesValidThrough(opts: {
  job: Pick<JobRequirements, 'requiredCertifications'>;
  engineer: Engineer;
  timeZone?: string;
}): {
  missing: boolean;
  validThrough: string | undefined;
} {
  let missing = false;
  let validThrough: string | undefined;
  for (const code of opts.job.requiredCertifications) {
    const held = opts.engineer.certifications.filter((c) => c.code === code);
    // Several certificates for one code (a renewal alongside the old one): the latest expiry counts.
    const latest = held
      .map((c) => lastValidDay(c.expiresAt, opts.timeZone))
      .sort()
      .at(-1);
    if (latest === undefined) {
      missing = true;
      continue;
    }
    if (validThrough === undefined || latest < validThrough) validThrough = latest;
  }
  return { missing, validThrough };
}

/**
 * The required certification codes an engineer does not hold valid on the day of `on`: missing, or expired
 * before that day, by the same reading of expiry dates as {@link checkEngineer}. Completion checks them again,
 * since a certificate may lapse between assignment and the end of the job.
 */
export function lapsedCertifications(opts: {
  required: string[];
  certifications: Engineer['certifications'];
  on: Date;
  timeZone?: string;
}): string[] {
  const timeZone = opts.timeZone ?? defaultTimeZone;
  const day = localDay(opts.on.getTime(), timeZone);
  return opts.required.filter(
    (code) => !opts.certifications.some((c) => c.code === code && lastValidDay(c.expiresAt, timeZone) >= day),
  );
}

/**
 * A certificate's last valid day ("YYYY-MM-DD", the business's): its `expiresAt` day, which still counts. An
 * unreadable expiry is '', which sorts before every real day, so the certificate counts as expired rather than valid.
 */
export function lastValidDay(expiresAt: string, timeZone: string = defaultTimeZone): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(expiresAt)) return expiresAt;
  const ms = Date.parse(expiresAt);
  return Number.isNaN(ms) ? '' : localDay(ms, timeZone);
}

/**
 * The earliest start in each shift, in time order, where the job fits before the shift ends, less the time the
 * engineer is away; `away` when time off took a shift it would have fitted. Starts from the shift that began the day
 * before `at`, which may still be running if it crosses midnight.
 */
function feasibleStarts(opts: {
  engineer: Engineer;
  job: JobRequirements;
  at: Date;
  travelMinutes: number;
  timeZone: string;
}): { starts: number[]; away: boolean } {
  const earliest = opts.at.getTime() + opts.travelMinutes * minuteMs;
  const atDay = localDay(opts.at.getTime(), opts.timeZone);
  const starts: number[] = [];
  let away = false;
  for (let offset = -1; offset <= 7; offset++) {
    const shift = shiftWindowOn(opts.engineer.shift, addDays(atDay, offset), opts.timeZone);
    if (shift === undefined) continue;
    const fits = (window: { start: number; end: number }) => {
      const start = Math.ceil(Math.max(earliest, window.start) / minuteMs) * minuteMs;
      return start + opts.job.estimatedMinutes * minuteMs <= window.end ? start : undefined;
    };
    const window = workable(shift, opts.engineer.away);
    const start = window && fits(window);
    if (start !== undefined) starts.push(start);
    else if (fits(shift) !== undefined) away = true;
  }
  return { starts, away };
}

/** An engineer's break on a local day, as epoch ms: taken starting between its `from` and `to` less its length. */
export function breakWindowOn(
  rest: NonNullable<Shift['break']>,
  day: string,
  timeZone: string,
): BreakWindow | undefined {
  const from = minuteOfDay(rest.from);
  const to = minuteOfDay(rest.to);
  if (from === undefined || to === undefined) return undefined;
  const length = rest.minutes * minuteMs;
  return { earliest: atLocal(day, from, timeZone), latestStart: atLocal(day, to, timeZone) - length, length };
}

/**
 * The part of a shift the engineer is not away for: cut by each stretch of time off that overlaps it (where one falls
 * inside the shift, the longer part is kept: a morning at the dentist leaves the afternoon). Undefined when nothing
 * is left.
 */
export function workable(
  shift: { start: number; end: number },
  away: Engineer['away'] = [],
): { start: number; end: number } | undefined {
  let { start, end } = shift;
  for (const off of away) {
    if (off.to <= start || off.from >= end) continue;
    if (off.from <= start) start = off.to;
    else if (off.to >= end) end = off.from;
    else if (off.from - start >= end - off.to) end = off.from;
    else start = off.to;
    if (start >= end) return undefined;
  }
  return start === shift.start && end === shift.end ? shift : { start, end };
}

/**
 * The shift an engineer works that starts on a local `day` (`YYYY-MM-DD`) in the business's time zone, as epoch
 * ms (that weekday's own hours when the pattern has them), or undefined when they do not work that day or the shift
 * times are malformed. The times are the zone's wall
 * clock on that day, so a shift keeps its hours across the clock changes; one whose end is not after its start ends
 * the next day.
 */
export function shiftWindowOn(
  shift: Shift,
  day: string,
  timeZone: string = defaultTimeZone,
): { start: number; end: number } | undefined {
  // The matcher asks this of every engineer at every match: a team's few shift patterns are worked out once a day.
  const hours = shift.hours?.[isoWeekday(day)] ?? shift;
  const key = `${timeZone}|${day}|${hours.start}|${hours.end}|${shift.days.join()}`;
  if (shiftWindows.has(key)) return shiftWindows.get(key);
  const window = shiftWindowOf(shift.days, hours, day, timeZone);
  if (shiftWindows.size >= shiftWindowsKept) shiftWindows.clear();
  shiftWindows.set(key, window);
  return window;
}

const shiftWindows = new Map<string, { start: number; end: number } | undefined>();
const shiftWindowsKept = 10_000;

function shiftWindowOf(
  days: readonly number[],
  hours: { start: string; end: string },
  day: string,
  timeZone: string,
): { start: number; end: number } | undefined {
  const startMinute = minuteOfDay(hours.start);
  const endMinute = minuteOfDay(hours.end);
  if (startMinute === undefined || endMinute === undefined || !days.includes(isoWeekday(day))) {
    return undefined;
  }
  const start = atLocal(day, startMinute, timeZone);
  const end =
    endMinute > startMinute ? atLocal(day, endMinute, timeZone) : atLocal(addDays(day, 1), endMinute, timeZone);
  return { start, end };
}
