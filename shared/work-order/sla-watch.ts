import { listWholeBoard, type WorkOrderRecord } from '../db/work-orders.ts';
import { logger } from '../observability.ts';
import { beforeArrivalStatuses } from './lifecycle.ts';
import { change } from './work-order.ts';

const minuteMs = 60_000;

/**
 * Whether a job is at risk of missing its SLA: no one is on site yet, and either its planned start is after the SLA
 * falls due, or less than a quarter of the time it was given (at least 30 minutes) is left.
 */
export function atRisk(record: WorkOrderRecord, now: number): boolean {
  if (!beforeArrivalStatuses.includes(record.status) || record.slaAtRiskAt) return false;
  const due = Date.parse(record.slaDueAt);
  if (record.scheduledStart && Date.parse(record.scheduledStart) > due) return true;
  const given = due - Date.parse(record.loggedAt);
  return now >= due - Math.max(30 * minuteMs, given / 4);
}

/**
 * Whether a job will miss the window its customer booked: no one is on site yet, and either its planned start is
 * after the window closes, or the window closes within the half hour with no one on the way.
 */
export function windowAtRisk(record: WorkOrderRecord, now: number): boolean {
  if (!record.windowBooked || !record.preferredWindow || record.windowAtRiskAt) return false;
  if (!beforeArrivalStatuses.includes(record.status)) return false;
  const closes = Date.parse(record.preferredWindow.to);
  if (record.scheduledStart && Date.parse(record.scheduledStart) > closes) return true;
  return record.status !== 'en_route' && now >= closes - 30 * minuteMs;
}

/**
 * The SLA watch, run with the reconciler every minute: each open job newly at risk gets an `sla_at_risk` entry on
 * its timeline, once (the office is told of it from the feed: shared/notify); and each job that will miss the window
 * its customer booked is flagged for the office's attention, once a booking. Answers how many it flagged.
 */
export async function watchSlas(now = Date.now()): Promise<number> {
  const at = new Date(now).toISOString();
  const windowReason = 'It will miss the window the customer booked: move it, or call them.';
  const watches: Watch[] = [
    {
      holds: (record) => windowAtRisk(record, now),
      flag: (current) => ({
        set: { windowAtRiskAt: at, attention: { reason: windowReason, at } },
        type: 'window_at_risk',
        reason: windowReason,
        data: { window: current.preferredWindow, scheduledStart: current.scheduledStart },
      }),
    },
    {
      holds: (record) => atRisk(record, now),
      flag: (current) => ({
        set: { slaAtRiskAt: at },
        type: 'sla_at_risk',
        reason: `Due by ${current.slaDueAt} and no engineer on site yet.`,
        data: { slaDueAt: current.slaDueAt, status: current.status },
      }),
    },
  ];
  const open = await listWholeBoard('open');
  let flagged = 0;
  for (const watch of watches) {
    for (const record of open.filter(watch.holds)) {
      const { changed } = await change({
        workOrderId: record.workOrderId,
        // Decided again on the record as it is now: a job flagged meanwhile, or no longer at risk, is left alone.
        decide: (current) => {
          if (!watch.holds(current)) return null;
          const { set, ...entry } = watch.flag(current);
          return { set, entries: [{ at, actor: 'sla-watch', ...entry }] };
        },
      });
      if (changed) flagged++;
    }
  }
  if (flagged > 0) logger.info('jobs at risk of missing their SLA', { flagged });
  return flagged;
}

/** One thing the watch looks for, and how a job it finds is flagged: what is set, and the timeline entry. */
interface Watch {
  holds: (record: WorkOrderRecord) => boolean;
  flag: (record: WorkOrderRecord) => {
    set: Partial<WorkOrderRecord>;
    type: string;
    reason: string;
    data: Record<string, unknown>;
  };
}
