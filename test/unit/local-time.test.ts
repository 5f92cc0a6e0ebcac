import { describe, expect, it } from 'vitest';
import type { EngineerRecord } from '#shared/db/reference.ts';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { createSchema } from '#shared/reference/schemas.ts';
import { matchJob, type NewJob } from '#shared/scheduling/insertion.ts';
import { checkEngineer, shiftWindowOn } from '#shared/scheduling/match.ts';
import { buildDayProblem } from '#shared/scheduling/optimise.ts';
import type { TravelTimes } from '#shared/scheduling/travel.ts';
import { addDays, atLocal, isTimeZone, localDay, localMinuteOfDay, offsetAt } from '#shared/time/zone.ts';
import { engineer, manchester } from '../fixtures/engineers.ts';

const london = 'Europe/London';
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const window = (day: string, timeZone = london) => {
  const shift = shiftWindowOn({ days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '17:00' }, day, timeZone);
  return shift && { start: iso(shift.start), end: iso(shift.end) };
};
/** Every drive takes half an hour, so starts are easy to read. */
const halfHourAway: TravelTimes = { minutes: () => 30, km: () => 20 };

describe('the wall clock of a time zone', () => {
  it('reads London as GMT in winter and BST in summer, changing at 01:00 UTC on the last Sundays of March and October', () => {
    expect(offsetAt(Date.parse('2026-03-29T00:59:00Z'), london)).toBe(0);
    expect(offsetAt(Date.parse('2026-03-29T01:00:00Z'), london)).toBe(3_600_000);
    expect(offsetAt(Date.parse('2026-10-25T00:59:00Z'), london)).toBe(3_600_000);
    expect(offsetAt(Date.parse('2026-10-25T01:00:00Z'), london)).toBe(0);
    expect(localDay(Date.parse('2026-07-01T23:30:00Z'), london)).toBe('2026-07-02');
    expect(localMinuteOfDay(Date.parse('2026-07-01T23:30:00Z'), london)).toBe(30);
    expect(localDay(Date.parse('2026-12-01T23:30:00Z'), london)).toBe('2026-12-01');
  });

  it('finds the instant of a local time, the skipped hour read past the change and the repeated one at its first', () => {
    expect(iso(atLocal('2026-12-01', 8 * 60, london))).toBe('2026-12-01T08:00:00.000Z');
    expect(iso(atLocal('2026-07-01', 8 * 60, london))).toBe('2026-07-01T07:00:00.000Z');
    expect(iso(atLocal('2026-07-01', 0, london))).toBe('2026-06-30T23:00:00.000Z');
    expect(iso(atLocal('2026-07-01', 1440, london))).toBe('2026-07-01T23:00:00.000Z');
    // 29 March: 01:00 GMT becomes 02:00 BST, so 01:30 never shows; 03:00 is BST.
    expect(iso(atLocal('2026-03-29', 30, london))).toBe('2026-03-29T00:30:00.000Z');
    expect(iso(atLocal('2026-03-29', 90, london))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(atLocal('2026-03-29', 180, london))).toBe('2026-03-29T02:00:00.000Z');
    // 25 October: 02:00 BST becomes 01:00 GMT, so 01:30 shows twice; 03:00 is GMT.
    expect(iso(atLocal('2026-10-25', 90, london))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(atLocal('2026-10-25', 180, london))).toBe('2026-10-25T03:00:00.000Z');
    // Another zone, another rule: New York moves on the second Sunday of March.
    expect(iso(atLocal('2026-03-08', 150, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(atLocal('2026-11-01', 90, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe('shifts in local time', () => {
  it('keeps an 08:00 to 17:00 shift at 08:00 to 17:00 on the clocks either side of both changes', () => {
    expect(window('2026-03-27')).toEqual({ start: '2026-03-27T08:00:00.000Z', end: '2026-03-27T17:00:00.000Z' });
    expect(window('2026-03-30')).toEqual({ start: '2026-03-30T07:00:00.000Z', end: '2026-03-30T16:00:00.000Z' });
    expect(window('2026-10-23')).toEqual({ start: '2026-10-23T07:00:00.000Z', end: '2026-10-23T16:00:00.000Z' });
    expect(window('2026-10-26')).toEqual({ start: '2026-10-26T08:00:00.000Z', end: '2026-10-26T17:00:00.000Z' });
    expect(window('2026-07-01', 'America/New_York')).toEqual({
      start: '2026-07-01T12:00:00.000Z',
      end: '2026-07-01T21:00:00.000Z',
    });
  });

  it('works a night across the change as the clock runs: 22:00 to 06:00 is seven hours in March and nine in October', () => {
    const nights = { days: [6], start: '22:00', end: '06:00' };
    const march = shiftWindowOn(nights, '2026-03-28', london);
    const october = shiftWindowOn(nights, '2026-10-24', london);
    expect([iso(march?.start), iso(march?.end)]).toEqual(['2026-03-28T22:00:00.000Z', '2026-03-29T05:00:00.000Z']);
    expect([iso(october?.start), iso(october?.end)]).toEqual(['2026-10-24T21:00:00.000Z', '2026-10-25T06:00:00.000Z']);
  });

  it('keeps a weekday’s own hours: a short Friday, the rest of the week as the pattern says', () => {
    const pattern = {
      days: [1, 2, 3, 4, 5],
      start: '08:00',
      end: '17:00',
      hours: { '5': { start: '07:00', end: '13:00' } },
    };
    const thursday = shiftWindowOn(pattern, '2026-07-02', london);
    const friday = shiftWindowOn(pattern, '2026-07-03', london);
    expect([iso(thursday?.start), iso(thursday?.end)]).toEqual([
      '2026-07-02T07:00:00.000Z',
      '2026-07-02T16:00:00.000Z',
    ]);
    expect([iso(friday?.start), iso(friday?.end)]).toEqual(['2026-07-03T06:00:00.000Z', '2026-07-03T12:00:00.000Z']);
    expect(shiftWindowOn(pattern, '2026-07-04', london)).toBeUndefined();

    // A four-hour job asked for at 10:00 BST on Friday cannot end by 13:00: it goes to Monday, at 08:00 plus the drive.
    const job = { requiredSkills: [], requiredCertifications: [], location: manchester, estimatedMinutes: 240 };
    const check = checkEngineer({
      job,
      engineer: engineer({ certifications: [], shift: pattern }),
      at: new Date('2026-07-03T09:00:00.000Z'),
      travel: halfHourAway,
      timeZone: london,
    });
    expect(check).toEqual({ ok: true, start: '2026-07-06T07:00:00.000Z', travelMinutes: 30 });

    // An office cannot give a day not worked hours of its own, or a day that ends before it starts.
    const schema = createSchema('engineers');
    const base = {
      id: 'eng_new',
      name: 'New Starter',
      skills: [],
      certifications: [],
      homeBase: manchester,
      hourlyRateMinor: 5000,
      active: true,
    };
    expect(schema.safeParse({ ...base, shift: pattern }).success).toBe(true);
    expect(
      schema.safeParse({ ...base, shift: { ...pattern, hours: { '6': { start: '08:00', end: '12:00' } } } }).success,
    ).toBe(false);
    expect(
      schema.safeParse({ ...base, shift: { ...pattern, hours: { '5': { start: '13:00', end: '07:00' } } } }).success,
    ).toBe(false);
  });

  it('starts a London job at 08:00 London time in summer, which is 07:00 UTC, by every planner', () => {
    const job = { requiredSkills: ['boiler'], requiredCertifications: [], location: manchester, estimatedMinutes: 60 };
    const sam = engineer({ certifications: [] });
    // Monday 29 June 2026, 05:00 UTC (06:00 BST): the shift has not begun.
    const early = new Date('2026-06-29T05:00:00.000Z');

    const checked = checkEngineer({ job, engineer: sam, at: early, travel: halfHourAway, timeZone: london });
    expect(checked).toMatchObject({ ok: true, start: '2026-06-29T07:00:00.000Z' });

    const newJob: NewJob = {
      workOrderId: 'wo-1',
      ...job,
      serviceMinutes: 60,
      window: { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY },
      priority: 'P3',
    };
    const matched = matchJob({
      job: newJob,
      plans: [{ engineer: sam, stops: [] }],
      travel: halfHourAway,
      now: early,
      timeZone: london,
    });
    // The route leaves home at the shift start (07:00 UTC) and drives half an hour.
    expect(matched.candidates[0]).toMatchObject({ start: '2026-06-29T07:30:00.000Z' });
    // Read as UTC, the shift would have begun an hour later.
    const asUtc = matchJob({
      job: newJob,
      plans: [{ engineer: sam, stops: [] }],
      travel: halfHourAway,
      now: early,
      timeZone: 'UTC',
    });
    expect(asUtc.candidates[0]).toMatchObject({ start: '2026-06-29T08:30:00.000Z' });

    const { id, ...fields } = sam;
    const record: EngineerRecord = { ...fields, engineerId: id, version: 1, createdAt: '2026-01-01T00:00:00.000Z' };
    const day = buildDayProblem({
      date: '2026-06-29',
      now: early,
      engineers: [record],
      workOrders: [] as WorkOrderRecord[],
      timeZone: london,
    });
    // Minutes from the local midnight (23:00 UTC the day before): 08:00 to 17:00.
    expect(iso(day.dayStart)).toBe('2026-06-28T23:00:00.000Z');
    expect(day.problem.vehicles[0]).toMatchObject({ shiftStart: 480, shiftEnd: 1020 });
  });
});
