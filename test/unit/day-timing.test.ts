import { describe, expect, it } from 'vitest';
import { retimeDay, type TimedStop, visitOrder } from '#shared/scheduling/day-timing.ts';
import type { TravelTimes } from '#shared/scheduling/travel.ts';
import { manchester } from '../fixtures/engineers.ts';

const stockport = { lat: 53.4106, lng: -2.1575 };
const at = (time: string): number => Date.parse(`2025-01-06T${time}:00.000Z`);
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

/** Every drive between two places takes half an hour; staying put takes none. */
const halfHourAway: TravelTimes = {
  minutes: (from, to) => (from.lat === to.lat && from.lng === to.lng ? 0 : 30),
  km: () => 20,
};

const stop = (overrides: Partial<TimedStop> & Pick<TimedStop, 'workOrderId' | 'start'>): TimedStop => ({
  location: stockport,
  serviceMinutes: 60,
  window: { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY },
  priority: 'P3',
  ...overrides,
});

const day = { home: manchester, shiftStart: at('07:00'), now: at('06:00'), travel: halfHourAway };

describe('retimeDay', () => {
  it('moves a routine job booked at the same minute as an urgent one to after it, and the drive between', () => {
    // Arrange: the reported case, a 90-minute P2 and a 120-minute P4 both at 07:30 at the same site.
    const stops = [
      stop({ workOrderId: 'p4', start: at('07:30'), serviceMinutes: 120, priority: 'P4' }),
      stop({ workOrderId: 'p2', start: at('07:30'), serviceMinutes: 90, priority: 'P2' }),
    ];

    // Act
    const timed = retimeDay({ ...day, stops });

    // Assert
    expect(timed.map((t) => [t.workOrderId, clock(t.start)])).toEqual([
      ['p2', '07:30'],
      ['p4', '09:00'],
    ]);
  });

  it('leaves a stop under way where it is and starts the rest after it, overrunning or not', () => {
    // Arrange
    const stops = [
      stop({ workOrderId: 'next', start: at('08:00'), location: manchester }),
      stop({ workOrderId: 'working', start: at('09:00'), pinned: true }),
    ];

    // Act
    const onTime = retimeDay({ ...day, stops, now: at('09:15') });
    const overrunning = retimeDay({ ...day, stops, now: at('10:40') });

    // Assert
    expect(onTime.map((t) => [t.workOrderId, clock(t.start)])).toEqual([
      ['working', '09:00'],
      ['next', '10:30'],
    ]);
    expect(overrunning.map((t) => clock(t.start))).toEqual(['09:00', '11:10']);
  });

  it('brings the rest of the day forward when a job finishes early, but never before its window opens', () => {
    // Arrange
    const stops = [
      stop({ workOrderId: 'second', start: at('10:30') }),
      stop({ workOrderId: 'windowed', start: at('11:30'), window: { from: at('12:00'), to: at('16:00') } }),
    ];

    // Act
    const timed = retimeDay({ ...day, stops, now: at('08:40'), origin: { location: manchester, at: at('08:40') } });

    // Assert
    expect(timed.map((t) => clock(t.start))).toEqual(['09:10', '12:00']);
  });

  it('never starts a stop before the shift, or before the engineer can get there from now', () => {
    // Arrange
    const stops = [stop({ workOrderId: 'first', start: at('05:00') })];

    // Act
    const beforeShift = retimeDay({ ...day, stops });
    const lateInDay = retimeDay({ ...day, stops, now: at('13:20') });

    // Assert: starts are whole minutes.
    expect(clock(beforeShift[0]?.start ?? 0)).toBe('07:30');
    expect(clock(lateInDay[0]?.start ?? 0)).toBe('13:50');
  });
});

describe('visitOrder', () => {
  it('puts stops under way first, then by start, urgent first at the same minute', () => {
    // Arrange
    const stops = [
      stop({ workOrderId: 'a', start: at('08:00'), priority: 'P4' }),
      stop({ workOrderId: 'b', start: at('08:00'), priority: 'P1' }),
      stop({ workOrderId: 'c', start: at('12:00'), pinned: true }),
      stop({ workOrderId: 'd', start: at('07:00') }),
    ];

    // Act
    const order = visitOrder(stops).map((s) => s.workOrderId);

    // Assert
    expect(order).toEqual(['c', 'd', 'b', 'a']);
  });
});
