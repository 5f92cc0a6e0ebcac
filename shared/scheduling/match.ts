import type { Engineer, LatLng } from '../work-order/model.ts';
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

/** Engineers who can take a job, best first, and why each of the others cannot. */
export interface EngineerRanking {
  candidates: Array<{ engineerId: string; travelMinutes: number; start: string }>;
  excluded: Array<{ engineerId: string; reasons: ExclusionReason[] }>;
}

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
  const reasons: ExclusionReason[] = [];
  if (!engineer.active) reasons.push('inactive');
  if (!job.requiredSkills.every((skill) => engineer.skills.includes(skill))) reasons.push('missing_skill');

  const certificates = certificatesValidThrough({ job, engineer });
  if (certificates.missing) reasons.push('missing_certification');
  const atDay = utcDay(at.getTime());
  const expiredAlready = certificates.validThrough !== undefined && certificates.validThrough < atDay;
  if (expiredAlready) reasons.push('expired_certification');

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
 * Ranks engineers for a job: the hard filters of {@link checkEngineer}, plus engineers in `exclude` (those who
 * refused the job) left out as `refused`. Candidates come earliest start first, then shortest travel, then by
 * engineer id, so the same input always gives the same order. This is the walking skeleton: it ignores the jobs
 * already on an engineer's route, which a later routing engine accounts for.
 */
export function rankEngineers(opts: {
  job: JobRequirements;
  engineers: Engineer[];
  at: Date;
  exclude?: string[];
  travel?: TravelTimes;
}): EngineerRanking {
  const ranking: EngineerRanking = { candidates: [], excluded: [] };
  for (const engineer of opts.engineers) {
    const refused = opts.exclude?.includes(engineer.id) ?? false;
    const check = checkEngineer({ job: opts.job, engineer, at: opts.at, travel: opts.travel });
    if (check.ok && !refused) {
      ranking.candidates.push({ engineerId: engineer.id, travelMinutes: check.travelMinutes, start: check.start });
    } else {
      const reasons: ExclusionReason[] = refused ? ['refused'] : [];
      ranking.excluded.push({ engineerId: engineer.id, reasons: check.ok ? reasons : [...reasons, ...check.reasons] });
    }
  }
  ranking.candidates.sort(
    (a, b) => compare(a.start, b.start) || a.travelMinutes - b.travelMinutes || compare(a.engineerId, b.engineerId),
  );
  return ranking;
}

const minuteMs = 60_000;
const dayMs = 86_400_000;

/** Code-unit comparison rather than localeCompare, whose order depends on the runtime's locale data. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The UTC calendar day of an instant, "YYYY-MM-DD", which orders correctly as a string. */
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The last day on which the engineer holds every required certification (the earliest of the latest expiry per
 * code), and whether any is missing altogether. `validThrough` is undefined when nothing is required or held.
 */
function certificatesValidThrough(opts: { job: JobRequirements; engineer: Engineer }): {
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

/** An unreadable expiry sorts before every real day, so the certificate counts as expired rather than valid. */
function lastValidDay(expiresAt: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(expiresAt)) return expiresAt;
  const ms = Date.parse(expiresAt);
  return Number.isNaN(ms) ? '' : utcDay(ms);
}

/**
 * The earliest start in each shift, in time order, where the job fits before the shift ends. Starts from the shift
 * that began the day before `at`, which may still be running if it crosses midnight.
 */
function feasibleStarts(opts: { engineer: Engineer; job: JobRequirements; at: Date; travelMinutes: number }): number[] {
  const { shift } = opts.engineer;
  const startMinute = minuteOfDay(shift.start);
  const endMinute = minuteOfDay(shift.end);
  if (startMinute === undefined || endMinute === undefined) return [];
  const lengthMinutes = endMinute > startMinute ? endMinute - startMinute : endMinute + 1440 - startMinute;

  const earliest = opts.at.getTime() + opts.travelMinutes * minuteMs;
  const atDay = Math.floor(opts.at.getTime() / dayMs) * dayMs;
  const starts: number[] = [];
  for (let offset = -1; offset <= 7; offset++) {
    const day = atDay + offset * dayMs;
    if (!shift.days.includes(isoWeekday(day))) continue;
    const windowStart = day + startMinute * minuteMs;
    const windowEnd = windowStart + lengthMinutes * minuteMs;
    const start = Math.ceil(Math.max(earliest, windowStart) / minuteMs) * minuteMs;
    if (start + opts.job.estimatedMinutes * minuteMs <= windowEnd) starts.push(start);
  }
  return starts;
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
