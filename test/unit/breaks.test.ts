import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineerRecord } from '#shared/db/reference.ts';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { type BreakWindow, breakAt, retimeDay, type TimedStop } from '#shared/scheduling/day-timing.ts';
import { type DayPlan, matchJob, type NewJob, type PlannedStop } from '#shared/scheduling/insertion.ts';
import { buildDayProblem, describePlan } from '#shared/scheduling/optimise.ts';
import { solve } from '#shared/scheduling/solver/index.ts';
import type { TravelTimes } from '#shared/scheduling/travel.ts';
import { engineer, manchester } from '../fixtures/engineers.ts';

const at = (time: string): number => Date.parse(`2026-12-07T${time}:00.000Z`);
const clock = (ms: number | undefined): string => new Date(ms ?? Number.NaN).toISOString().slice(11, 16);
const minuteMs = 60_000;
const london = 'Europe/London';
/** Lunch: half an hour, starting between 12:00 and 13:30 (the window closes at 14:00). */
const lunch = { from: '12:00', to: '14:00', minutes: 30 };
const lunchWindow: BreakWindow = { earliest: at('12:00'), latestStart: at('13:30'), length: 30 * minuteMs };

/** Every drive between two places takes half an hour; staying put takes none. */
const halfHourAway: TravelTimes = {
  minutes: (from, to) => (from.lat === to.lat && from.lng === to.lng ? 0 : 30),
  km: () => 20,
};
const open = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };

describe('where the break falls', () => {
  /** The next job is half an hour away, and starts on arrival. */
  const halfHour = 30 * minuteMs;
  const startsAfterHalfHour = (setOut: number) => setOut + halfHour;

  it('is taken at once when the engineer is free within its window', () => {
    expect(breakAt(lunchWindow, at('12:20'), startsAfterHalfHour(at('12:20')), 60 * minuteMs, halfHour)).toEqual({
      setOut: at('12:50'),
      onSite: 0,
      taken: true,
    });
  });

  it('waits for the next job when that job ends before the latest start', () => {
    expect(breakAt(lunchWindow, at('10:00'), startsAfterHalfHour(at('10:00')), 60 * minuteMs, halfHour)).toEqual({
      setOut: at('10:00'),
      onSite: 0,
      taken: false,
    });
  });

  it('is taken on arrival when the next job starts within it and runs past it: the job starts its length later', () => {
    // Free at 11:50, there at 12:20: lunch until 12:50, then the job, as if setting out at 12:20.
    expect(breakAt(lunchWindow, at('11:50'), startsAfterHalfHour(at('11:50')), 120 * minuteMs, halfHour)).toEqual({
      setOut: at('12:20'),
      onSite: 0,
      taken: true,
    });
    // Free at 11:00, a job whose window opens at 12:10: lunch from 12:00 (not before), the job at 12:30.
    expect(breakAt(lunchWindow, at('11:00'), at('12:10'), 120 * minuteMs, halfHour)).toEqual({
      setOut: at('12:00'),
      onSite: 0,
      taken: true,
    });
  });

  it('is taken on site when the next job runs across the whole window', () => {
    expect(breakAt(lunchWindow, at('10:00'), startsAfterHalfHour(at('10:00')), 300 * minuteMs, halfHour)).toEqual({
      setOut: at('10:00'),
      onSite: 30 * minuteMs,
      taken: true,
    });
  });

  it('is not planned once its window has passed', () => {
    expect(breakAt(lunchWindow, at('14:10'), startsAfterHalfHour(at('14:10')), 60 * minuteMs, halfHour)).toEqual({
      setOut: at('14:10'),
      onSite: 0,
      taken: true,
    });
  });
});

describe('breaks in the plan', () => {
  it('times the afternoon after lunch, and the matcher plans a job with the break in the day', () => {
    const stockport = { lat: 53.4106, lng: -2.1575 };
    const morning: TimedStop = {
      workOrderId: 'morning',
      start: at('08:30'),
      location: stockport,
      serviceMinutes: 225,
      window: open,
      priority: 'P3',
    };
    const afternoon: TimedStop = { ...morning, workOrderId: 'afternoon', start: at('12:45'), serviceMinutes: 60 };
    const timed = retimeDay({
      stops: [morning, afternoon],
      home: manchester,
      shiftStart: at('08:00'),
      now: at('07:00'),
      travel: halfHourAway,
      breakWindow: lunchWindow,
    });
    // The morning job ends at 12:15: lunch until 12:45, and the afternoon job at the same site starts then.
    expect(timed.map((t) => [t.workOrderId, clock(t.start)])).toEqual([
      ['morning', '08:30'],
      ['afternoon', '12:45'],
    ]);

    const sam = engineer({
      certifications: [],
      shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00', break: lunch },
    });
    const job: NewJob = {
      workOrderId: 'new',
      requiredSkills: ['boiler'],
      requiredCertifications: [],
      location: manchester,
      serviceMinutes: 60,
      window: open,
      priority: 'P3',
    };
    // The morning job is booked for 08:30 sharp, so the new one goes after it.
    const plans: DayPlan[] = [
      { engineer: sam, stops: [{ ...morning, window: { from: at('08:30'), to: at('08:30') } }] },
    ];
    const matched = matchJob({ job, plans, travel: halfHourAway, now: new Date(at('07:00')), timeZone: london });
    // After the morning job (12:15) and lunch (to 12:45), half an hour's drive: 13:15, not 12:45.
    expect(matched.candidates[0]).toMatchObject({ position: 1, start: new Date(at('13:15')).toISOString() });
  });

  it('keeps a break in every route the matcher builds, however the jobs arrive', () => {
    const places = [manchester, { lat: 53.4106, lng: -2.1575 }, { lat: 53.5769, lng: -2.4282 }];
    const arrival = fc.record({
      place: fc.integer({ min: 0, max: places.length - 1 }),
      minutes: fc.integer({ min: 20, max: 240 }),
      from: fc.integer({ min: 8 * 60, max: 15 * 60 }),
      width: fc.option(fc.integer({ min: 60, max: 240 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(arrival, { minLength: 1, maxLength: 10 }), (arrivals) => {
        const sam = engineer({
          certifications: [],
          shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00', break: lunch },
        });
        const stops: PlannedStop[] = [];
        arrivals.forEach((a, index) => {
          const from = at('00:00') + a.from * minuteMs;
          const job: NewJob = {
            workOrderId: `job-${index}`,
            requiredSkills: ['boiler'],
            requiredCertifications: [],
            location: places[a.place] ?? manchester,
            serviceMinutes: a.minutes,
            window: a.width === undefined ? open : { from, to: from + a.width * minuteMs },
            priority: 'P3',
          };
          const best = matchJob({
            job,
            plans: [{ engineer: sam, stops }],
            travel: halfHourAway,
            now: new Date(at('07:00')),
            timeZone: london,
          }).candidates[0];
          if (best) stops.splice(best.position, 0, { ...job });
        });
        const timed = retimeDay({
          stops: stops.map((s, i) => ({ ...s, start: at('08:00') + i })),
          home: manchester,
          shiftStart: at('08:00'),
          now: at('07:00'),
          travel: halfHourAway,
          breakWindow: lunchWindow,
        });
        // Every job keeps its window, and the day has half an hour free within lunch's window, or ends before it.
        const byId = new Map(stops.map((s) => [s.workOrderId, s]));
        for (const t of timed) expect(t.start).toBeLessThanOrEqual(byId.get(t.workOrderId)?.window.to ?? 0);
        expect(hasBreak(timed, byId)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

/** Whether a timed day leaves the break's length free in its window: between two jobs, less the drive, or after the last. */
function hasBreak(timed: Array<{ workOrderId: string; start: number }>, stops: Map<string, PlannedStop>): boolean {
  const lastEnd = Math.max(...timed.map((t) => t.start + (stops.get(t.workOrderId)?.serviceMinutes ?? 0) * minuteMs));
  if (timed.length === 0 || lastEnd <= lunchWindow.latestStart) return true;
  let free = at('08:00');
  let place = manchester;
  for (const t of timed) {
    const stop = stops.get(t.workOrderId) as PlannedStop;
    const drive = halfHourAway.minutes(place, stop.location) * minuteMs;
    const from = Math.max(free, lunchWindow.earliest);
    // Free from `free` until setting out for this job; the job itself may hold the break if it spans the window.
    if (Math.min(t.start - drive, lunchWindow.latestStart + lunchWindow.length) - from >= lunchWindow.length)
      return true;
    // Or on site, within a job that runs through part of the window long enough.
    const end = t.start + stop.serviceMinutes * minuteMs;
    const onSite =
      Math.min(end, lunchWindow.latestStart + lunchWindow.length) - Math.max(t.start, lunchWindow.earliest);
    if (onSite >= lunchWindow.length) return true;
    free = end;
    place = stop.location;
  }
  return lastEnd <= lunchWindow.latestStart;
}

describe('a day plan applied with lunch', () => {
  /** Monday 7 December 2026 (GMT): two-hour windows the customers booked, at sites round Manchester. */
  const day = '2026-12-07';
  const sites = [
    { lat: 53.4875, lng: -2.2901 },
    { lat: 53.4106, lng: -2.1575 },
    { lat: 53.5769, lng: -2.4282 },
    { lat: 53.4163, lng: -2.2311 },
    { lat: 53.5409, lng: -2.1114 },
  ];
  const booking = fc.record({
    site: fc.integer({ min: 0, max: sites.length - 1 }),
    fromHour: fc.integer({ min: 8, max: 15 }),
    minutes: fc.constantFrom(30, 45, 60, 90, 120),
  });

  it('keeps every booked window the optimiser planned once lunch is placed in each route', () => {
    fc.assert(
      fc.property(
        fc.array(booking, { minLength: 4, maxLength: 24 }),
        fc.integer({ min: 1, max: 1000 }),
        (jobs, seed) => {
          const records = jobs.map(
            (job, i) =>
              ({
                workOrderId: `wo-${i}`,
                ref: `wo-${i}`,
                status: 'ready_to_schedule',
                location: sites[job.site],
                estimatedMinutes: job.minutes,
                priority: 'P3',
                slaDueAt: '2026-12-01T00:00:00.000Z',
                requiredSkills: [],
                requiredCertifications: [],
                windowBooked: true,
                preferredWindow: {
                  from: `${day}T${String(job.fromHour).padStart(2, '0')}:00:00.000Z`,
                  to: `${day}T${String(job.fromHour + 2).padStart(2, '0')}:00:00.000Z`,
                },
              }) as unknown as WorkOrderRecord,
          );
          const team = [
            engineer({ id: 'eng-a', shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00', break: lunch } }),
            engineer({
              id: 'eng-b',
              homeBase: sites[4] as typeof manchester,
              shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00', break: lunch },
            }),
          ].map((e) => ({ ...e, engineerId: e.id }) as unknown as EngineerRecord);
          const problem = buildDayProblem({
            date: day,
            now: new Date(at('06:00')),
            engineers: team,
            workOrders: records,
          });
          const plan = describePlan(problem, solve(problem.problem, { timeLimitMs: 50, maxIterations: 40, seed }), day);
          for (const route of plan.routes) {
            const home = (team.find((e) => e.engineerId === route.engineerId) as EngineerRecord).homeBase;
            const stops: TimedStop[] = route.jobs.map((planned) => {
              const record = records.find((r) => r.workOrderId === planned.workOrderId) as WorkOrderRecord;
              const window = record.preferredWindow as { from: string; to: string };
              return {
                workOrderId: record.workOrderId,
                start: Date.parse(planned.start),
                location: record.location as typeof manchester,
                serviceMinutes: record.estimatedMinutes as number,
                window: { from: Date.parse(window.from), to: Date.parse(window.to) },
                priority: 'P3',
              };
            });
            const timed = retimeDay({
              stops,
              home,
              shiftStart: at('08:00'),
              now: at('06:00'),
              breakWindow: lunchWindow,
            });
            for (const { workOrderId, start } of timed) {
              const window = (stops.find((s) => s.workOrderId === workOrderId) as TimedStop).window;
              expect(start, `${workOrderId} starts after its window once lunch is placed`).toBeLessThanOrEqual(
                window.to,
              );
            }
          }
        },
      ),
      {
        numRuns: 60,
        // A job due exactly when lunch may start: the break can fall just before it.
        examples: [
          [
            [
              { site: 0, fromHour: 10, minutes: 120 },
              { site: 0, fromHour: 8, minutes: 30 },
              { site: 0, fromHour: 10, minutes: 120 },
              { site: 0, fromHour: 8, minutes: 30 },
              { site: 0, fromHour: 8, minutes: 30 },
            ],
            1,
          ],
        ],
      },
    );
  });
});
