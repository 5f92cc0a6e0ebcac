import * as z from 'zod';
import { businessTimeZone } from '../db/business.ts';
import { listAllEngineers } from '../db/reference.ts';
import type { WorkOrderRecord } from '../db/work-orders.ts';
import { Conflict, ValidationFailed } from '../errors.ts';
import { rotaBetween } from '../rota/rota.ts';
import { addDays, atLocal, localDay, minuteOfDay } from '../time/zone.ts';
import { underWayStatuses } from '../work-order/lifecycle.ts';
import type { Status } from '../work-order/model.ts';
import { change, get } from '../work-order/work-order.ts';
import { assign, reassign } from './assignment.ts';
import { dayPlans, findCandidates, newJobOf, vansFor } from './candidates.ts';
import { matchJob } from './insertion.ts';

/** The windows a customer may book, in the business's wall-clock hours: half days, or two hours each. */
export const windowKinds = {
  half_day: [
    { from: '08:00', to: '12:00', label: 'Morning' },
    { from: '12:00', to: '17:00', label: 'Afternoon' },
  ],
  two_hour: ['08', '10', '12', '14', '16'].map((hour) => {
    const end = String(Number(hour) + 2).padStart(2, '0');
    return { from: `${hour}:00`, to: `${end}:00`, label: `${hour}:00 to ${end}:00` };
  }),
} as const;
export type WindowKind = keyof typeof windowKinds;

export const SlotsQuery = z.strictObject({
  from: z.iso.date().optional().meta({ description: 'The first day offered (the business’s): today by default.' }),
  days: z.coerce.number().int().min(1).max(14).default(7),
  kind: z.enum(['half_day', 'two_hour']).default('half_day'),
});

export const BookSlot = z.strictObject({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
});

/** One window the schedule can keep for the job, and how well it suits the business (rank 1 suits it best). */
export interface Slot {
  day: string;
  from: string;
  to: string;
  label: string;
  rank: number;
  /** The matcher's score for the best engineer in it (added travel, less SLA slack, overtime): lower is better. */
  score: number;
}

/** Booked with an engineer, not yet under way: the job may move to another place in the plan. */
const movable: readonly Status[] = ['ready_to_schedule', 'scheduled', 'dispatched', 'acknowledged'];

/** Statuses in which a window may still be booked: before anyone is on the way. */
const bookable: readonly Status[] = ['logged', 'pending_approval', ...movable];

/**
 * The windows of the coming days an engineer could keep for this job, ranked for the business: the best engineer's
 * insertion in each (the matcher's exact check and score), without displacing anyone's booked work. Windows already
 * begun are not offered. The job's own place in an engineer's day, if it has one, is left out (`dayPlans`), so
 * moving it is judged as if it were not there.
 */
export async function offeredSlots(
  record: WorkOrderRecord,
  options: { from?: string; days: number; kind: WindowKind; now?: Date },
): Promise<{ timeZone: string; items: Slot[] }> {
  const now = (options.now ?? new Date()).getTime();
  const timeZone = await businessTimeZone();
  // The windows are the site's hours (its own zone, when it has one): the customer's morning is their morning.
  const siteZone = record.timeZone ?? timeZone;
  const firstDay = options.from ?? localDay(now, siteZone);
  const lastDay = addDays(firstDay, options.days);
  const job = newJobOf({ ...record, preferredWindow: undefined, windowBooked: undefined }, now, false);
  if (!job) return { timeZone: siteZone, items: [] };
  const [team, rota, vans] = await Promise.all([
    listAllEngineers(),
    rotaBetween(atLocal(firstDay, 0, timeZone), atLocal(lastDay, 0, timeZone)),
    vansFor(record.parts),
  ]);
  const refused = new Set(record.refusedBy ?? []);
  const engineers = team
    .filter((engineer) => !refused.has(engineer.engineerId))
    .map((engineer) => ({ ...engineer, ...rota(engineer.engineerId), van: vans(engineer.engineerId) }));
  const found: Array<Omit<Slot, 'rank'>> = [];
  for (let day = firstDay; day < lastDay; day = addDays(day, 1)) {
    const windows = windowsOn(day, options.kind, siteZone).filter((w) => w.start > now);
    if (windows.length === 0) continue;
    const at = new Date(Math.max(now, atLocal(day, 0, timeZone)));
    const plans = await dayPlans({ day, engineers, job, at, now, timeZone });
    for (const w of windows) {
      const match = matchJob({ job: { ...job, window: { from: w.start, to: w.end } }, plans, now: at, timeZone });
      const best = match.candidates.find((candidate) => candidate.displaced === undefined);
      if (!best) continue;
      const iso = (ms: number) => new Date(ms).toISOString();
      found.push({ day, from: iso(w.start), to: iso(w.end), label: w.label, score: best.score });
    }
  }
  const ranked = [...found].sort((a, b) => a.score - b.score || a.from.localeCompare(b.from));
  const rankOf = new Map(ranked.map((slot, index) => [slot.from + slot.to, index + 1]));
  return {
    timeZone: siteZone,
    items: found.map((slot) => ({ ...slot, rank: rankOf.get(slot.from + slot.to) as number })),
  };
}

/**
 * The customer (or the office for them) books one of the offered windows: it becomes the job's window, binding every
 * planner from then on (before the SLA: the business offered it), and the job moves into it: to the best engineer's
 * place in it, which may be another engineer's day. A window not offered is 409 `booking.unavailable` (taken since,
 * or never free); a job already under way is 409 `booking.too_late`. Booking the window the job has is a replay.
 */
export async function bookSlot(options: { workOrderId: string; from: string; to: string; actor: string }) {
  const record = await get(options.workOrderId);
  if (!bookable.includes(record.status)) {
    throw new Conflict(
      'booking.too_late',
      underWayStatuses.includes(record.status)
        ? 'The engineer is already on the way: the visit can no longer be moved.'
        : `A ${record.status} job has no visit to book.`,
    );
  }
  const from = Date.parse(options.from);
  const to = Date.parse(options.to);
  const timeZone = record.timeZone ?? (await businessTimeZone());
  const day = localDay(from, timeZone);
  const kind = (Object.keys(windowKinds) as WindowKind[]).find((k) =>
    windowsOn(day, k, timeZone).some((w) => w.start === from && w.end === to),
  );
  const booked = kind && windowsOn(day, kind, timeZone).find((w) => w.start === from);
  if (!kind || !booked) {
    const message = 'Book one of the windows offered (GET /v1/requests/{id}/slots).';
    throw new ValidationFailed(message, [{ path: 'body.from', message }]);
  }
  const window = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  const already =
    record.windowBooked && record.preferredWindow?.from === window.from && record.preferredWindow?.to === window.to;
  if (already) return record;
  const offered = await offeredSlots(record, { from: day, days: 1, kind });
  if (!offered.items.some((slot) => slot.from === window.from)) {
    throw new Conflict('booking.unavailable', 'That window is no longer free: choose another.');
  }
  await change({
    workOrderId: options.workOrderId,
    decide: (current) => {
      if (!bookable.includes(current.status))
        throw new Conflict('booking.too_late', 'The visit can no longer be moved.');
      const at = new Date().toISOString();
      return {
        set: { preferredWindow: window, windowBooked: true, windowAtRiskAt: undefined },
        entries: [
          {
            at,
            actor: options.actor,
            type: 'window_booked',
            reason: `Booked ${booked.label} on ${day}`,
            data: window,
          },
        ],
      };
    },
  });
  return moveIntoWindow(options.workOrderId, options.actor);
}

/** Puts a job whose window was just booked into it: at the best engineer's place in it, by the office's own moves. */
async function moveIntoWindow(workOrderId: string, actor: string): Promise<WorkOrderRecord> {
  const record = await get(workOrderId);
  const starts = record.scheduledStart ? Date.parse(record.scheduledStart) : undefined;
  const window = record.preferredWindow as { from: string; to: string };
  const inside = starts !== undefined && starts >= Date.parse(window.from) && starts <= Date.parse(window.to);
  if (inside || !movable.includes(record.status)) return record;
  const best = (await findCandidates(record)).candidates.find((candidate) => candidate.displaced === undefined);
  if (!best) return record;
  const reason = 'The customer booked a window';
  if (record.status === 'ready_to_schedule') {
    await assign({ workOrderId, engineerId: best.engineerId, start: best.start, actor });
  } else if (best.engineerId !== record.engineerId) {
    await reassign({ workOrderId, engineerId: best.engineerId, start: best.start, reason, actor });
  } else {
    await change({
      workOrderId,
      decide: (current) =>
        current.engineerId !== best.engineerId
          ? null
          : {
              set: { scheduledStart: best.start },
              entries: [
                {
                  at: new Date().toISOString(),
                  actor,
                  type: 'replanned',
                  reason,
                  data: {
                    engineerId: best.engineerId,
                    scheduledStart: best.start,
                    previousStart: current.scheduledStart,
                  },
                },
              ],
            },
    });
  }
  return get(workOrderId);
}

/** The windows of one kind on a day of the business, as instants. */
function windowsOn(day: string, kind: WindowKind, timeZone: string) {
  return windowKinds[kind].map((w) => ({
    label: w.label,
    start: atLocal(day, minuteOfDay(w.from) as number, timeZone),
    end: atLocal(day, minuteOfDay(w.to) as number, timeZone),
  }));
}
