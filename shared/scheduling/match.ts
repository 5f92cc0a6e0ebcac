import type { Engineer, LatLng, Shift } from '../work-order/model.ts';
import { estimatedTravel, type TravelTimes } from './travel.ts';

/** Why an engineer cannot take a job. */
export type ExclusionReason =
  | 'inactive'
  | 'refused'
  | 'missing_skill'
  | 'missing_certification'
  | 'expired_certification'
  | 'off_shift';

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
 * Shift times are read as UTC "HH:MM" for now (the model calls them local time; UK sites are an hour out in
 * summer until engineers carry a time zone). A shift whose end is not after its start runs past midnight.
 * Travel minutes are rounded up to whole minutes so an ETA is never optimistic.
 */
export function checkEngineer(opts: {
  job: JobRequirements;
  engineer: Engineer;
  at: Date;
  travel?: TravelTimes;
}): EngineerCheck {
  const { job, engineer, at } = opts;
  const reasons = qualificationReasons({ job, engineer, on: at });
  const certificates = certificatesValidThrough({ job, engineer });
  const expiredAlready = reasons.includes('expired_certification');

  const travelMinutes = Math.ceil((opts.travel ?? estimatedTravel).minutes(engineer.homeBase, job.location));
  const starts = feasibleStarts({ engineer, job, at, travelMinutes });
  if (starts.length === 0) return { ok: false, reasons: [...reasons, 'off_shift'] };

  // A certificate valid today may lapse before the first shift the job fits in: it must hold on the job day itself.
  const start = starts.find((ms) => certificates.validThrough === undefined || utcDay(ms) <= certificates.validThrough);
  if (start === undefined && !expiredAlready) reasons.push('expired_certification');
  if (reasons.length > 0 || start === undefined) return { ok: false, reasons };
  return { ok: true, start: new Date(start).toISOString(), travelMinutes };
}

/**
 * The qualification filters of {@link checkEngineer}, without the shift: `inactive`, `missing_skill`,
 * `missing_certification`, and `expired_certification` when a required certificate has lapsed before the day of `on`.
 * Shared so that every matcher applies the same rules.
 */
export function qualificationReasons(opts: {
  job: Pick<JobRequirements, 'requiredSkills' | 'requiredCertifications'>;
  engineer: Engineer;
  on: Date;
}): ExclusionReason[] {
  const { job, engineer } = opts;
  const reasons: ExclusionReason[] = [];
  if (!engineer.active) reasons.push('inactive');
  if (!job.requiredSkills.every((skill) => engineer.skills.includes(skill))) reasons.push('missing_skill');
  const certificates = certificatesValidThrough({ job, engineer });
  if (certificates.missing) reasons.push('missing_certification');
  if (certificates.validThrough !== undefined && certificates.validThrough < utcDay(opts.on.getTime())) {
    reasons.push('expired_certification');
  }
  return reasons;
}

const minuteMs = 60_000;
const dayMs = 86_400_000;

/** The UTC calendar day of an instant, "YYYY-MM-DD", which orders correctly as a string. */
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The last day ("YYYY-MM-DD", UTC) on which the engineer holds every required certification (the earliest of the
 * latest expiry per code), and whether any is missing altogether. `validThrough` is undefined when nothing is
 * required or held, and '' when an expiry is unreadable (so it is before every day).
 */
export function certificatesValidThrough(opts: {
  job: Pick<JobRequirements, 'requiredCertifications'>;
  engineer: Engineer;
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
      .map((c) => lastValidDay(c.expiresAt))
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
}): string[] {
  const day = utcDay(opts.on.getTime());
  return opts.required.filter(
    (code) => !opts.certifications.some((c) => c.code === code && lastValidDay(c.expiresAt) >= day),
  );
}

/**
 * A certificate's last valid day ("YYYY-MM-DD", UTC): its `expiresAt` day, which still counts. An unreadable expiry
 * is '', which sorts before every real day, so the certificate counts as expired rather than valid.
 */
export function lastValidDay(expiresAt: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(expiresAt)) return expiresAt;
  const ms = Date.parse(expiresAt);
  return Number.isNaN(ms) ? '' : utcDay(ms);
}

/**
 * The earliest start in each shift, in time order, where the job fits before the shift ends. Starts from the shift
 * that began the day before `at`, which may still be running if it crosses midnight.
 */
function feasibleStarts(opts: { engineer: Engineer; job: JobRequirements; at: Date; travelMinutes: number }): number[] {
  const earliest = opts.at.getTime() + opts.travelMinutes * minuteMs;
  const atDay = Math.floor(opts.at.getTime() / dayMs) * dayMs;
  const starts: number[] = [];
  for (let offset = -1; offset <= 7; offset++) {
    const window = shiftWindowOn(opts.engineer.shift, atDay + offset * dayMs);
    if (window === undefined) continue;
    const start = Math.ceil(Math.max(earliest, window.start) / minuteMs) * minuteMs;
    if (start + opts.job.estimatedMinutes * minuteMs <= window.end) starts.push(start);
  }
  return starts;
}

/**
 * The shift an engineer works that starts on the UTC day beginning at `dayStart` (epoch ms of a UTC midnight), as
 * epoch ms, or undefined when they do not work that day or the shift times are malformed. Times are read as UTC
 * "HH:MM", as in {@link checkEngineer}; a shift whose end is not after its start ends the next day.
 */
export function shiftWindowOn(shift: Shift, dayStart: number): { start: number; end: number } | undefined {
  const startMinute = minuteOfDay(shift.start);
  const endMinute = minuteOfDay(shift.end);
  if (startMinute === undefined || endMinute === undefined || !shift.days.includes(isoWeekday(dayStart))) {
    return undefined;
  }
  const lengthMinutes = endMinute > startMinute ? endMinute - startMinute : endMinute + 1440 - startMinute;
  const start = dayStart + startMinute * minuteMs;
  return { start, end: start + lengthMinutes * minuteMs };
}

/** Minutes since midnight for "HH:MM" ("24:00" allowed as an end), or undefined when malformed. */
function minuteOfDay(time: string): number | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return Number(match[2]) < 60 && minutes <= 1440 ? minutes : undefined;
}

/** 1 = Monday ... 7 = Sunday, as in {@link Engineer.shift}. */
function isoWeekday(ms: number): number {
  return new Date(ms).getUTCDay() || 7;
}
