import { describe, expect, it } from 'vitest';
import type { TimedStop } from '#shared/scheduling/day-timing.ts';
import { breakWindowOn, shiftWindowOn } from '#shared/scheduling/match.ts';
import { estimatedTravel } from '#shared/scheduling/travel.ts';
import {
  type DayReader,
  longerThanAShift,
  planVisits,
  shiftWorkMinutes,
  type VisitJob,
} from '#shared/scheduling/visits.ts';
import { atLocal } from '#shared/time/zone.ts';
import type { Engineer } from '#shared/work-order/model.ts';

const zone = 'Europe/London';
const minute = 60_000;
const lunch = { from: '12:00', to: '14:00', minutes: 30 };

const engineer = (overrides: Partial<Engineer> = {}): Engineer => ({
  id: 'eng_lucy',
  name: 'Lucy',
  skills: ['drainage'],
  certifications: [],
  homeBase: { lat: 53.4163, lng: -2.2311 },
  // Monday to Friday, 08:00 to 17:00 with half an hour's lunch: 510 minutes of work a day.
  shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00', break: lunch },
  hourlyRateMinor: 4500,
  active: true,
  ...overrides,
});

const site = { lat: 53.4808, lng: -2.2426 };
const driveMs = Math.ceil(estimatedTravel.minutes(engineer().homeBase, site)) * minute;

/** A 14-hour job, wanted from Monday 2 March 2026 (the week the clocks go forward is later in the month). */
const job = (minutes = 14 * 60): VisitJob => ({ workOrderId: 'wo_long', location: site, minutes, earliest: 0 });

/** Days with the given stops (none by default), travel by the estimate. */
const days = (stops: Record<string, TimedStop[]> = {}): DayReader => ({
  stopsOn: async (day) => stops[day] ?? [],
  travelOn: async () => estimatedTravel,
});

const plan = (opts: {
  engineer?: Engineer;
  firstDays?: string[];
  stops?: Record<string, TimedStop[]>;
  minutes?: number;
}) =>
  planVisits({
    job: job(opts.minutes),
    engineer: opts.engineer ?? engineer(),
    firstDays: opts.firstDays ?? ['2026-03-02'],
    firstVisit: 'after_the_day',
    days: days(opts.stops),
    now: 0,
    timeZone: zone,
  });

const total = (visits: Array<{ minutes: number }>) => visits.reduce((sum, visit) => sum + visit.minutes, 0);

describe('a job longer than a shift, planned as visits', () => {
  it('knows a 14-hour job is longer than every qualified engineer’s shift, and an 8-hour one is not', () => {
    expect(shiftWorkMinutes(engineer().shift)).toBe(510);
    const needs = (minutes: number) =>
      longerThanAShift({
        job: { minutes, requiredSkills: ['drainage'], requiredCertifications: [] },
        engineers: [
          engineer(),
          engineer({ id: 'eng_dan', skills: ['electrical'], shift: { ...engineer().shift, end: '23:59' } }),
        ],
        now: new Date('2026-03-02T08:00:00Z'),
      });
    expect(needs(14 * 60)).toBe(true);
    expect(needs(8 * 60)).toBe(false);
    // Dan's longer shift does not count: he cannot do drainage.
    expect(needs(600)).toBe(true);
  });

  it('splits a 14-hour job into two visits on consecutive days, each within the shift, the break taken on site', async () => {
    const visits = await plan({});
    expect(visits?.map((visit) => visit.day)).toEqual(['2026-03-02', '2026-03-03']);
    expect(total(visits ?? [])).toBe(14 * 60);
    const [first, second] = visits ?? [];
    // Monday: from home at 08:00, the whole shift less the drive and lunch.
    const monday = shiftWindowOn(engineer().shift, '2026-03-02', zone) as { start: number; end: number };
    expect(Date.parse(first?.from ?? '')).toBe(monday.start);
    expect(Date.parse(first?.start ?? '')).toBe(monday.start + driveMs);
    expect(Date.parse(first?.end ?? '')).toBe(monday.end);
    expect(first?.minutes).toBe((monday.end - monday.start - driveMs) / minute - 30);
    // Tuesday: what is left, from the morning; it runs past lunch, which it then includes.
    const tuesday = shiftWindowOn(engineer().shift, '2026-03-03', zone) as { start: number; end: number };
    expect(Date.parse(second?.start ?? '')).toBe(tuesday.start + driveMs);
    const rest = breakWindowOn(lunch, '2026-03-03', zone);
    const workEnd = tuesday.start + driveMs + (second?.minutes ?? 0) * minute;
    expect(Date.parse(second?.end ?? '')).toBe(workEnd > (rest?.latestStart ?? 0) ? workEnd + 30 * minute : workEnd);
    expect(Date.parse(second?.end ?? '')).toBeLessThanOrEqual(tuesday.end);
  });

  it('carries on after the weekend, and past a day of leave', async () => {
    // Friday 6 March: the second visit is on Monday 9 March.
    expect((await plan({ firstDays: ['2026-03-06'] }))?.map((visit) => visit.day)).toEqual([
      '2026-03-06',
      '2026-03-09',
    ]);
    const leave = { from: atLocal('2026-03-03', 0, zone), to: atLocal('2026-03-04', 0, zone) };
    expect((await plan({ engineer: engineer({ away: [leave] }) }))?.map((visit) => visit.day)).toEqual([
      '2026-03-02',
      '2026-03-04',
    ]);
  });

  it('keeps clear of the engineer’s day: the first visit after their work, a later one only on a free morning', async () => {
    const stop = (day: string, hour: number): TimedStop => ({
      workOrderId: `wo_${day}_${hour}`,
      start: atLocal(day, hour * 60, zone),
      location: site,
      serviceMinutes: 60,
      window: { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY },
      priority: 'P3',
    });
    // A job at 09:00 on Monday: the first visit starts when it is done (same site: no drive).
    const afterWork = await plan({ stops: { '2026-03-02': [stop('2026-03-02', 9)] } });
    expect(afterWork?.[0]?.start).toBe(new Date(atLocal('2026-03-02', 10 * 60, zone)).toISOString());
    expect(total(afterWork ?? [])).toBe(14 * 60);
    // A job at 10:00 on Tuesday, in the morning the second visit needs whole: Monday-Tuesday is ruled out, and the
    // job starts on Tuesday instead, after that job, and runs on over Wednesday into Thursday.
    const blocked = await plan({
      firstDays: ['2026-03-02', '2026-03-03'],
      stops: { '2026-03-03': [stop('2026-03-03', 10)] },
    });
    expect(blocked?.map((visit) => visit.day)).toEqual(['2026-03-03', '2026-03-04', '2026-03-05']);
    expect(blocked?.[0]?.start).toBe(new Date(atLocal('2026-03-03', 11 * 60, zone)).toISOString());
    expect(total(blocked ?? [])).toBe(14 * 60);
    // A short last visit that ends before the job: kept.
    const shortLast = await plan({ minutes: 600, stops: { '2026-03-03': [stop('2026-03-03', 14)] } });
    expect(shortLast?.map((visit) => visit.day)).toEqual(['2026-03-02', '2026-03-03']);
  });

  it('books a return first thing on a morning that holds it whole, past one another job cuts short', async () => {
    const tenOClock: TimedStop = {
      workOrderId: 'wo_other',
      start: atLocal('2026-03-03', 10 * 60, zone),
      location: site,
      serviceMinutes: 60,
      window: { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY },
      priority: 'P3',
    };
    const visits = await planVisits({
      job: job(120),
      engineer: engineer(),
      firstDays: ['2026-03-03', '2026-03-04'],
      firstVisit: 'first_thing',
      days: days({ '2026-03-03': [tenOClock] }),
      now: 0,
      timeZone: zone,
    });
    // Tuesday's morning ends at 10:00, under two hours after the drive: the return goes on Wednesday, whole.
    expect(visits?.map((visit) => [visit.day, visit.minutes])).toEqual([['2026-03-04', 120]]);
  });

  it('never plans on a day another long job holds, but plans again over its own', async () => {
    const held = (holder: string) => engineer({ heldDays: new Map([['2026-03-03', holder]]) });
    expect((await plan({ engineer: held('wo_other') }))?.map((visit) => visit.day)).toBeUndefined();
    expect(
      (await plan({ engineer: held('wo_other'), firstDays: ['2026-03-02', '2026-03-03', '2026-03-04'] }))?.map(
        (visit) => visit.day,
      ),
    ).toEqual(['2026-03-04', '2026-03-05']);
    expect((await plan({ engineer: held('wo_long') }))?.map((visit) => visit.day)).toEqual([
      '2026-03-02',
      '2026-03-03',
    ]);
  });

  it('keeps a shift across the clock change: the visits are 08:00 London time on either side of it', async () => {
    // Friday 27 March (GMT) and Monday 30 March 2026 (BST): 08:00 is 08:00Z, then 07:00Z.
    const visits = await plan({ firstDays: ['2026-03-27'] });
    expect(visits?.map((visit) => visit.from)).toEqual(['2026-03-27T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });
});
