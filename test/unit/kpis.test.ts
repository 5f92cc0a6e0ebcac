import { describe, expect, it } from 'vitest';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { ValidationFailed } from '#shared/errors.ts';
import { computeKpis, reportWindow } from '#shared/reports/kpis.ts';

const march = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z' };

const workOrder = (overrides: Partial<WorkOrderRecord> & Pick<WorkOrderRecord, 'workOrderId'>): WorkOrderRecord => ({
  ref: `WO-${overrides.workOrderId}`,
  version: 1,
  status: 'logged',
  board: 'open',
  priority: 'P2',
  slaDueAt: '2026-03-10T12:00:00.000Z',
  loggedAt: '2026-03-10T08:00:00.000Z',
  updatedAt: '2026-03-10T08:00:00.000Z',
  source: 'api',
  owner: 'dispatch',
  description: 'A job',
  ...overrides,
});

const completion = (overrides: Partial<NonNullable<WorkOrderRecord['completion']>> = {}) => ({
  outcome: 'fixed' as const,
  findings: 'Found it',
  workDone: 'Fixed it',
  partsUsed: [],
  completedBy: 'eng_sam',
  at: '2026-03-10T13:00:00.000Z',
  ...overrides,
});

/** Attended in time, 90 minutes of logged work, closed 30 minutes after completion, fixed first time. */
const inTime = workOrder({
  workOrderId: 'in-time',
  status: 'closed',
  loggedAt: '2026-03-02T08:00:00.000Z',
  slaDueAt: '2026-03-02T12:00:00.000Z',
  stageTimes: {
    logged: '2026-03-02T08:00:00.000Z',
    on_site: '2026-03-02T11:00:00.000Z',
    completed: '2026-03-02T13:00:00.000Z',
    closed: '2026-03-02T13:30:00.000Z',
  },
  timeLogs: [
    {
      eventId: 'drive',
      kind: 'travel',
      startedAt: '2026-03-02T10:00:00Z',
      endedAt: '2026-03-02T11:00:00Z',
      engineerId: 'e',
    },
    {
      eventId: 'work',
      kind: 'work',
      startedAt: '2026-03-02T11:00:00Z',
      endedAt: '2026-03-02T12:30:00Z',
      engineerId: 'e',
    },
  ],
  materials: [{ eventId: 'm1', at: '2026-03-02T11:30:00Z', engineerId: 'e', sku: 'VALVE', qty: 2 }],
  completion: completion({
    at: '2026-03-02T13:00:00.000Z',
    firstTimeFix: true,
    partsUsed: [
      { sku: 'VALVE', qty: 1 },
      { sku: 'PIPE', qty: 3 },
    ],
  }),
});

/** Went straight to work after the SLA was due, 120 minutes from starting to completion, needs a return visit. */
const late = workOrder({
  workOrderId: 'late',
  status: 'closed',
  loggedAt: '2026-03-05T09:00:00.000Z',
  slaDueAt: '2026-03-05T13:00:00.000Z',
  stageTimes: {
    logged: '2026-03-05T09:00:00.000Z',
    in_progress: '2026-03-05T14:00:00.000Z',
    completed: '2026-03-05T16:00:00.000Z',
    closed: '2026-03-05T17:00:00.000Z',
  },
  completion: completion({
    outcome: 'follow_up_required',
    at: '2026-03-05T16:00:00.000Z',
    firstTimeFix: false,
    partsUsed: [{ sku: 'PIPE', qty: 1 }],
  }),
});

/** Logged and attended in February, completed on 1 March (120 minutes on site), not yet closed. */
const carriedOver = workOrder({
  workOrderId: 'carried-over',
  status: 'completed',
  loggedAt: '2026-02-20T09:00:00.000Z',
  slaDueAt: '2026-02-21T09:00:00.000Z',
  stageTimes: {
    logged: '2026-02-20T09:00:00.000Z',
    on_site: '2026-02-28T23:00:00.000Z',
    completed: '2026-03-01T01:00:00.000Z',
  },
  completion: completion({ at: '2026-03-01T01:00:00.000Z' }),
});

const waiting = workOrder({ workOrderId: 'waiting', loggedAt: '2026-03-10T08:00:00.000Z' });
const cancelled = workOrder({ workOrderId: 'cancelled', status: 'cancelled', loggedAt: '2026-03-12T08:00:00.000Z' });
/** Logged at the very end of the window, which is not in it. */
const tooLate = workOrder({ workOrderId: 'too-late', loggedAt: '2026-03-31T00:00:00.000Z' });

describe('computeKpis', () => {
  it('computes every figure over what happened in the window', () => {
    // Act
    const kpis = computeKpis([inTime, late, carriedOver, waiting, cancelled, tooLate], march);

    // Assert
    expect(kpis).toMatchObject({
      from: march.from,
      to: march.to,
      // in-time and carried-over (fixed, no follow-up, flag absent) of three completed
      firstTimeFixRate: 0.6667,
      // 90 logged, 120 and 120 from arrival to completion; the travel log is not work
      meanJobMinutes: 110,
      // in-time attended by its SLA, late not; carried-over was attended in February
      slaCompliance: 0.5,
      // 30 and 60; carried-over is not closed
      meanCloseoutLagMinutes: 45,
      partsUsage: [
        { sku: 'PIPE', qty: 4 },
        { sku: 'VALVE', qty: 3 },
      ],
      basis: { logged: 4, completed: 3, firstTimeFixes: 2, timedJobs: 3, attended: 2, attendedWithinSla: 1, closed: 2 },
    });
    expect(kpis.countsByStatus).toEqual({
      logged: 1,
      pending_approval: 0,
      rejected: 0,
      ready_to_schedule: 0,
      scheduled: 0,
      dispatched: 0,
      acknowledged: 0,
      en_route: 0,
      on_site: 0,
      in_progress: 0,
      paused: 0,
      completed: 0,
      closed: 2,
      cancelled: 1,
    });
  });

  it('answers null, not NaN, for figures with nothing to count', () => {
    // Act
    const kpis = computeKpis([waiting], march);

    // Assert
    expect(kpis).toMatchObject({
      firstTimeFixRate: null,
      meanJobMinutes: null,
      slaCompliance: null,
      meanCloseoutLagMinutes: null,
      partsUsage: [],
      basis: { logged: 1, completed: 0, firstTimeFixes: 0, timedJobs: 0, attended: 0, attendedWithinSla: 0, closed: 0 },
    });
    expect(computeKpis([], march).countsByStatus.logged).toBe(0);
  });

  it('never counts a follow-up visit as a first-time fix, even where the completion does not say', () => {
    // Arrange
    const followUp = workOrder({ ...carriedOver, workOrderId: 'follow-up', followUpOf: 'wo_first' });

    // Act
    const kpis = computeKpis([followUp], march);

    // Assert
    expect(kpis.firstTimeFixRate).toBe(0);
  });

  it('leaves a job with no record of its work out of the mean job time, never using its estimate', () => {
    // Arrange
    const unrecorded = workOrder({
      workOrderId: 'unrecorded',
      estimatedMinutes: 60,
      stageTimes: { completed: '2026-03-03T10:00:00.000Z' },
      completion: completion({ at: '2026-03-03T10:00:00.000Z' }),
    });

    // Act
    const kpis = computeKpis([unrecorded], march);

    // Assert
    expect(kpis.meanJobMinutes).toBeNull();
    expect(kpis.basis).toMatchObject({ completed: 1, timedJobs: 0 });
  });
});

describe('reportWindow', () => {
  const now = new Date('2026-03-31T12:00:00.000Z');

  it('covers the last 30 days by default', () => {
    expect(reportWindow({}, now)).toEqual({ from: '2026-03-01T12:00:00.000Z', to: '2026-03-31T12:00:00.000Z' });
  });

  it('reads dates as the business’s whole days, the last one included, and timestamps with their offset', () => {
    expect(reportWindow({ from: '2026-03-01', to: '2026-03-01' }, now)).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
    });
    expect(reportWindow({ from: '2026-03-01T09:00:00+01:00' }, now)).toEqual({
      from: '2026-03-01T08:00:00.000Z',
      to: '2026-03-31T12:00:00.000Z',
    });
    // July in London (BST) starts at 23:00 UTC the day before; in New York, at 04:00 UTC.
    expect(reportWindow({ from: '2026-07-01', to: '2026-07-31' }, now)).toEqual({
      from: '2026-06-30T23:00:00.000Z',
      to: '2026-07-31T23:00:00.000Z',
    });
    expect(reportWindow({ from: '2026-07-01', to: '2026-07-01' }, now, 'America/New_York')).toEqual({
      from: '2026-07-01T04:00:00.000Z',
      to: '2026-07-02T04:00:00.000Z',
    });
  });

  it('refuses a window that ends before it starts, or where it starts', () => {
    expect(() => reportWindow({ from: '2026-03-02', to: '2026-03-01T23:00:00Z' }, now)).toThrow(ValidationFailed);
    expect(() => reportWindow({ from: '2026-03-02', to: '2026-03-01' }, now)).toThrow(ValidationFailed);
    expect(() => reportWindow({ from: '2026-03-02T10:00:00Z', to: '2026-03-02T10:00:00Z' }, now)).toThrow(
      ValidationFailed,
    );
    expect(reportWindow({ from: '2026-03-02', to: '2026-03-02' }, now).to).toBe('2026-03-03T00:00:00.000Z');
  });

  it('refuses a window of more than a year, which would read every job ever logged', () => {
    expect(() => reportWindow({ from: '1970-01-01', to: '2026-03-01' }, now)).toThrow(/at most 366 days/);
    expect(reportWindow({ from: '2025-03-01', to: '2026-03-01' }, now).from).toBe('2025-03-01T00:00:00.000Z');
  });
});
