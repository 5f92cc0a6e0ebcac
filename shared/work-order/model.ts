import * as z from 'zod';
import { roles } from '../auth/roles.ts';
import { isTimeZone } from '../time/zone.ts';

/** Work order statuses, in lifecycle order. The names are part of the HTTP API. */
export const Status = z.enum([
  'logged',
  'pending_approval',
  'rejected',
  'ready_to_schedule',
  'scheduled',
  'dispatched',
  'acknowledged',
  'en_route',
  'on_site',
  'in_progress',
  'paused',
  'completed',
  'closed',
  'cancelled',
]);
export type Status = z.infer<typeof Status>;

/** P1 emergency ... P4 routine. */
export const Priority = z.enum(['P1', 'P2', 'P3', 'P4']);
export type Priority = z.infer<typeof Priority>;

export const Source = z.enum(['api', 'web', 'email', 'office', 'planned', 'quote', 'follow_up']);
export type Source = z.infer<typeof Source>;

export const Outcome = z.enum(['fixed', 'follow_up_required', 'could_not_complete']);
export type Outcome = z.infer<typeof Outcome>;

export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

/** An IANA time zone the runtime knows: `Europe/London`, `Europe/Dublin`, `America/New_York`. */
export const TimeZoneName = z.string().max(64).refine(isTimeZone, 'An IANA time zone, such as Europe/London.');

export const LatLng = z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) });
export type LatLng = z.infer<typeof LatLng>;

export const PartLine = z.strictObject({
  sku: z.string().min(1).max(64),
  qty: z.number().int().positive().max(10_000),
});
export type PartLine = z.infer<typeof PartLine>;

/** A reading, a job sheet's range or an answer: no meter or analyser on a job reads past a billion either way. */
export const Reading = z.number().min(-1e9).max(1e9);

/**
 * An answer to a job sheet item as the phone sends it: true or false, a reading, or text (a photo item's answer
 * is its attachment id). Which of them an item takes is checked against the sheet (job-sheet.ts).
 */
export const ChecklistAnswer = z.strictObject({
  itemId: z.string().min(1).max(100),
  value: z.union([z.boolean(), Reading, z.string().max(2000)]),
});

/** A customer's contract: how fast each priority must be attended, and what is billed. */
export interface Contract {
  /** Hours from logging to attendance, per priority. Absent tiers use the standard SLA. */
  slaHours?: Partial<Record<Priority, number>>;
  callOutFeeMinor?: number;
  /** Labour rate override, minor units per hour. */
  labourRateMinor?: number;
}

export interface Certification {
  /** e.g. `gas_safe`, `niceic`, `f_gas`. */
  code: string;
  number: string;
  /** ISO date (inclusive last valid day) or timestamp. */
  expiresAt: string;
}

/**
 * A weekly working pattern: the days worked (1 = Monday ... 7 = Sunday) and the hours, local time "HH:MM", with
 * other hours on some of those days (`hours`, by weekday: a short Friday, a late Wednesday).
 */
export interface Shift {
  days: number[];
  start: string;
  end: string;
  /** Hours that differ on a weekday, keyed by its number ("5": Friday); the other days work `start` to `end`. */
  hours?: Partial<Record<string, { start: string; end: string }>>;
  /** A break of `minutes`, taken between `from` and `to` (local "HH:MM"), where the day's work lets it fall. */
  break?: { from: string; to: string; minutes: number };
}

export interface Engineer {
  id: string;
  name: string;
  email?: string;
  phone?: string;
  skills: string[];
  certifications: Certification[];
  homeBase: LatLng;
  shift: Shift;
  /** Labour rate, minor units per hour. */
  hourlyRateMinor: number;
  active: boolean;
  /** Time off from the rota (leave, sickness) and the visits of long jobs, epoch ms: no other work is planned in it. */
  away?: ReadonlyArray<{ from: number; to: number; workOrderId?: string }>;
  /** The business's days (`YYYY-MM-DD`) a visit holds, each to its work order: one such job per engineer and day. */
  heldDays?: ReadonlyMap<string, string>;
  /** On-call periods from the rota, epoch ms: an emergency (P1) may go to them then, within their call-out range. */
  onCall?: ReadonlyArray<{ from: number; to: number; maxTravelMinutes?: number }>;
  /** What their van holds of the parts a job needs, by SKU: a match prefers the engineer who carries them. */
  van?: Readonly<Record<string, number>>;
}

/**
 * One visit of a job planned over several (longer than a shift, or a return with parts), as ISO instants: the
 * engineer's time is held `from` (the drive from home, on a day after the first) until `end`; work starts on site at
 * `start` and takes `minutes`, the rest being a break taken on site.
 */
export interface Visit {
  /** The business's day of the visit, `YYYY-MM-DD`. */
  day: string;
  from: string;
  start: string;
  end: string;
  minutes: number;
}

/** One item of a job sheet: what the engineer must record on site. */
export interface ChecklistItem {
  id: string;
  label: string;
  kind: 'boolean' | 'number' | 'text' | 'photo';
  required: boolean;
  /** For `number` items: the accepted range, e.g. a flue gas analyser's CO/CO2 ratio. */
  min?: number;
  max?: number;
  unit?: string;
}

export interface JobTemplate {
  jobType: string;
  name: string;
  requiredSkills: string[];
  requiredCertifications: string[];
  defaultParts: PartLine[];
  estimatedMinutes: number;
  /** Always needs an approver, whatever the cost. */
  requiresApproval: boolean;
  /** Needs an approver when the estimated cost is above this (minor units). */
  approvalThresholdMinor?: number;
  /** Fixed labour price (minor units) instead of time at the engineer's rate. */
  fixedPriceMinor?: number;
  safetyNotes?: string;
  /** The job sheet filled in on site; required items are enforced at completion. */
  checklist?: ChecklistItem[];
  /** Completion needs the customer's signature (a verified signature attachment). */
  requiresSignature?: boolean;
}

/** A job category customers choose from; it maps to a job template and a base priority. */
export interface Category {
  id: string;
  name: string;
  jobType: string;
  basePriority: Priority;
}
