import { describe, expect, it } from 'vitest';
import type { EngineerRecord } from '#shared/db/reference.ts';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { buildDispatchBoard, engineerLocation, engineerStatus } from '#shared/scheduling/dispatch-board.ts';

/** Monday 2 March 2026 and Saturday 7 March 2026. */
const monday = '2026-03-02';
const saturday = '2026-03-07';

const home = { lat: 53.4794, lng: -2.2453 };
const salford = { lat: 53.4875, lng: -2.2901 };
const stockport = { lat: 53.4106, lng: -2.1575 };

const engineer = (overrides: Partial<EngineerRecord> = {}): EngineerRecord => ({
  engineerId: 'eng_sam',
  name: 'Sam Fitter',
  skills: ['boiler'],
  certifications: [],
  homeBase: home,
  shift: { days: [1, 2, 3, 4, 5], start: '07:00', end: '19:00' },
  hourlyRateMinor: 6000,
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const workOrder = (overrides: Partial<WorkOrderRecord> & Pick<WorkOrderRecord, 'workOrderId'>): WorkOrderRecord => ({
  ref: `WO-${overrides.workOrderId}`,
  version: 1,
  status: 'logged',
  board: 'open',
  priority: 'P3',
  slaDueAt: '2026-03-04T09:00:00.000Z',
  loggedAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
  source: 'api',
  owner: 'dispatch',
  description: 'A job',
  ...overrides,
});

describe('engineerStatus', () => {
  it('is the status of the job the engineer is at, over one merely planned', () => {
    // Arrange
    const jobs = [{ status: 'dispatched' as const }, { status: 'on_site' as const }];

    // Act
    const status = engineerStatus(engineer(), jobs, monday);

    // Assert
    expect(status).toBe('on_site');
  });

  it('prefers the job being worked to one being driven to', () => {
    expect(engineerStatus(engineer(), [{ status: 'en_route' }, { status: 'in_progress' }], monday)).toBe('in_progress');
    expect(engineerStatus(engineer(), [{ status: 'en_route' }, { status: 'closed' }], monday)).toBe('en_route');
  });

  it('is available on a shift day when nothing is under way, a paused job included', () => {
    expect(engineerStatus(engineer(), [], monday)).toBe('available');
    expect(engineerStatus(engineer(), [{ status: 'paused' }, { status: 'acknowledged' }], monday)).toBe('available');
  });

  it('is off shift on a day the shift does not work, unless a job there is under way', () => {
    expect(engineerStatus(engineer(), [{ status: 'scheduled' }], saturday)).toBe('off_shift');
    expect(engineerStatus(engineer(), [{ status: 'on_site' }], saturday)).toBe('on_site');
  });

  it('is inactive for an engineer no longer active, before the shift is looked at', () => {
    expect(engineerStatus(engineer({ active: false }), [{ status: 'scheduled' }], saturday)).toBe('inactive');
  });
});

describe('engineerLocation', () => {
  it('is the site of the job the engineer reached last that day', () => {
    // Arrange
    const jobs = [
      { status: 'closed' as const, location: stockport, stageTimes: { on_site: '2026-03-02T08:10:00.000Z' } },
      { status: 'in_progress' as const, location: salford, stageTimes: { in_progress: '2026-03-02T11:00:00.000Z' } },
      { status: 'dispatched' as const, location: home, stageTimes: { dispatched: '2026-03-02T12:00:00.000Z' } },
    ];

    // Act
    const located = engineerLocation(engineer(), jobs);

    // Assert
    expect(located).toEqual({ location: salford, locationSource: 'job_site' });
  });

  it('is the home base until the engineer has reached a job', () => {
    const jobs = [{ status: 'en_route' as const, location: salford, stageTimes: { en_route: '2026-03-02T08:00:00Z' } }];

    expect(engineerLocation(engineer(), jobs)).toEqual({ location: home, locationSource: 'home_base' });
  });
});

describe('buildDispatchBoard', () => {
  it("puts each engineer's jobs of the day under them in start order, leaving cancelled ones off", () => {
    // Arrange
    const planned = [
      workOrder({
        workOrderId: 'late',
        engineerId: 'eng_sam',
        status: 'dispatched',
        scheduledStart: '2026-03-02T14:00:00.000Z',
      }),
      workOrder({
        workOrderId: 'early',
        engineerId: 'eng_sam',
        status: 'on_site',
        scheduledStart: '2026-03-02T08:00:00.000Z',
        location: salford,
        stageTimes: { on_site: '2026-03-02T08:05:00.000Z' },
        estimatedMinutes: 90,
      }),
      workOrder({
        workOrderId: 'dropped',
        engineerId: 'eng_sam',
        status: 'cancelled',
        scheduledStart: '2026-03-02T10:00:00.000Z',
      }),
    ];

    // Act
    const board = buildDispatchBoard({ date: monday, engineers: [engineer()], planned, open: [] });

    // Assert
    expect(board.engineers).toHaveLength(1);
    expect(board.engineers[0]).toMatchObject({
      id: 'eng_sam',
      name: 'Sam Fitter',
      status: 'on_site',
      location: salford,
      locationSource: 'job_site',
    });
    expect(board.engineers[0]?.jobs.map((job) => job.id)).toEqual(['early', 'late']);
    expect(board.engineers[0]?.jobs[0]).toMatchObject({
      ref: 'WO-early',
      status: 'on_site',
      priority: 'P3',
      scheduledStart: '2026-03-02T08:00:00.000Z',
      location: salford,
      estimatedMinutes: 90,
    });
  });

  it('lists active engineers by name, and an inactive one only while they still hold jobs that day', () => {
    // Arrange
    const engineers = [
      engineer({ engineerId: 'eng_zoe', name: 'Zoe Young' }),
      engineer({ engineerId: 'eng_ann', name: 'Ann Able' }),
      engineer({ engineerId: 'eng_old', name: 'Old Hand', active: false }),
      engineer({ engineerId: 'eng_gone', name: 'Gone Away', active: false }),
    ];
    const planned = [
      workOrder({
        workOrderId: 'kept',
        engineerId: 'eng_old',
        status: 'scheduled',
        scheduledStart: `${monday}T09:00Z`,
      }),
    ];

    // Act
    const board = buildDispatchBoard({ date: monday, engineers, planned, open: [] });

    // Assert
    expect(board.engineers.map((e) => [e.id, e.status])).toEqual([
      ['eng_ann', 'available'],
      ['eng_old', 'inactive'],
      ['eng_zoe', 'available'],
    ]);
  });

  it('shows the work no engineer holds in job list order, leaving out services planned for a later day', () => {
    // Arrange
    const open = [
      workOrder({ workOrderId: 'p3-soon', priority: 'P3', slaDueAt: '2026-03-02T10:00:00.000Z' }),
      workOrder({ workOrderId: 'p1', priority: 'P1', slaDueAt: '2026-03-02T16:00:00.000Z' }),
      workOrder({ workOrderId: 'p3-later', priority: 'P3', slaDueAt: '2026-03-03T10:00:00.000Z' }),
      workOrder({ workOrderId: 'approval', priority: 'P2', status: 'pending_approval' }),
      workOrder({ workOrderId: 'waiting', priority: 'P4', status: 'ready_to_schedule' }),
      workOrder({ workOrderId: 'due-today', priority: 'P4', plannedFor: monday, slaDueAt: `${monday}T23:59:59.000Z` }),
      workOrder({
        workOrderId: 'overdue-service',
        priority: 'P4',
        plannedFor: '2026-02-20',
        slaDueAt: '2026-02-20T23:59:59.000Z',
      }),
      workOrder({ workOrderId: 'next-month', priority: 'P4', plannedFor: '2026-04-02' }),
      workOrder({ workOrderId: 'assigned', engineerId: 'eng_sam', status: 'scheduled' }),
    ];

    // Act
    const board = buildDispatchBoard({ date: monday, engineers: [], planned: [], open });

    // Assert
    expect(board.unassigned.map((job) => job.id)).toEqual([
      'p1',
      'approval',
      'p3-soon',
      'p3-later',
      'overdue-service',
      'due-today',
      'waiting',
    ]);
  });
});
