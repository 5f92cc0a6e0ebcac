import { describe, expect, it } from 'vitest';
import {
  type DayPlan,
  displacementPenalty,
  excludedWhateverTheDay,
  type InsertionCandidate,
  matchJob,
  type NewJob,
  overtimeCapMinutes,
  overtimeWeight,
  type PlannedStop,
  slackBonusCapMinutes,
  slackBonusPerMinute,
} from '#shared/scheduling/insertion.ts';
import { seededRandom } from '#shared/scheduling/solver/random.ts';
import { estimatedTravel, type TravelTimes } from '#shared/scheduling/travel.ts';
import type { LatLng, Priority } from '#shared/work-order/model.ts';
import { engineer, manchester } from '../fixtures/engineers.ts';

const minuteMs = 60_000;
const salford = { lat: 53.4875, lng: -2.2901 };
const stockport = { lat: 53.4106, lng: -2.1575 };
const bolton = { lat: 53.5769, lng: -2.4282 };
const wigan = { lat: 53.545, lng: -2.6325 };

/** Monday 6 January 2025, midnight UTC; shifts run 08:00-17:00. */
const monday = Date.parse('2025-01-06T00:00:00.000Z');
const at = (time: string): number => Date.parse(`2025-01-06T${time}:00.000Z`);

const stop = (overrides: Partial<PlannedStop> & Pick<PlannedStop, 'workOrderId'>): PlannedStop => ({
  location: manchester,
  serviceMinutes: 60,
  window: { from: at('08:00'), to: at('17:00') },
  priority: 'P3',
  ...overrides,
});

const boilerJob = (overrides: Partial<NewJob> = {}): NewJob => ({
  workOrderId: 'wo-new',
  requiredSkills: ['boiler'],
  requiredCertifications: ['gas_safe'],
  location: manchester,
  serviceMinutes: 60,
  window: { from: at('09:00'), to: at('17:00') },
  priority: 'P2',
  ...overrides,
});

/** Every drive takes half an hour, so times are easy to read. */
const halfHourAway: TravelTimes = { minutes: () => 30, km: () => 20 };

/** A day of one-hour jobs at 08:30, 10:00, 11:30 ... each due to start on the dot, with half-hour drives. */
const fullDay = (priorities: Priority[], pinned: number[] = []): PlannedStop[] =>
  priorities.map((priority, index) => {
    const from = at('08:30') + index * 90 * minuteMs;
    return stop({ workOrderId: `wo-${index}`, priority, window: { from, to: from }, pinned: pinned.includes(index) });
  });

describe('matchJob', () => {
  it('never gives the job to an engineer with an expired certificate or a missing skill', () => {
    // Arrange
    const plans: DayPlan[] = [
      { engineer: engineer({ id: 'qualified' }), stops: [] },
      {
        engineer: engineer({
          id: 'expired',
          certifications: [{ code: 'gas_safe', number: '1', expiresAt: '2025-01-05' }],
        }),
        stops: [],
      },
      { engineer: engineer({ id: 'sparky', skills: ['electrical'] }), stops: [] },
    ];

    // Act
    const result = matchJob({ job: boilerJob(), plans, travel: halfHourAway, now: new Date(at('09:00')) });

    // Assert
    expect(result.candidates.map((c) => c.engineerId)).toEqual(['qualified']);
    expect(result.excluded).toEqual([
      { engineerId: 'expired', reasons: ['expired_certification'] },
      { engineerId: 'sparky', reasons: ['missing_skill'] },
    ]);
  });

  it('tells beforehand whom it excludes whatever their day holds, so the matcher need not read their day', () => {
    // Arrange
    const engineers = [
      engineer({ id: 'qualified' }),
      engineer({ id: 'expired', certifications: [{ code: 'gas_safe', number: '1', expiresAt: '2025-01-05' }] }),
      engineer({ id: 'sparky', skills: ['electrical'] }),
      engineer({ id: 'retired', active: false }),
      engineer({ id: 'weekends', shift: { days: [6, 7], start: '08:00', end: '17:00' } }),
    ];
    const job = boilerJob();
    const now = new Date(at('09:00'));
    const busyDay = fullDay(['P3', 'P4', 'P3']);

    // Act
    const unread = engineers.filter((e) => excludedWhateverTheDay({ job, engineer: e, now }));
    const withTheirDays = matchJob({
      job,
      plans: engineers.map((e) => ({ engineer: e, stops: busyDay })),
      travel: halfHourAway,
      now,
    });
    const withoutReadingThem = matchJob({
      job,
      plans: engineers.map((e) => ({ engineer: e, stops: unread.includes(e) ? [] : busyDay })),
      travel: halfHourAway,
      now,
    });

    // Assert
    expect(unread.map((e) => e.id)).toEqual(['expired', 'sparky', 'retired', 'weekends']);
    expect(withoutReadingThem).toEqual(withTheirDays);
  });

  it('reports a job whose window no one can meet as no_feasible_slot for everyone rather than forcing it', () => {
    // Arrange: due to start within ten minutes, but every drive is half an hour
    const job = boilerJob({ priority: 'P1', window: { from: at('09:00'), to: at('09:10') } });
    const plans = [engineer({ id: 'a' }), engineer({ id: 'b' })].map((e) => ({ engineer: e, stops: [] }));

    // Act
    const result = matchJob({ job, plans, travel: halfHourAway, now: new Date(at('09:00')) });

    // Assert
    expect(result.candidates).toEqual([]);
    expect(result.excluded).toEqual([
      { engineerId: 'a', reasons: ['no_feasible_slot'] },
      { engineerId: 'b', reasons: ['no_feasible_slot'] },
    ]);
  });

  it('gives no slack, not an infinite one, for a job whose window has no end (no one can meet its SLA)', () => {
    // Arrange: the second pass of matching, once the SLA is out of reach, plans to an open-ended window.
    const job = boilerJob({ window: { from: at('09:00'), to: Number.POSITIVE_INFINITY } });

    // Act
    const result = matchJob({
      job,
      plans: [{ engineer: engineer({ id: 'qualified' }), stops: [] }],
      travel: halfHourAway,
      now: new Date(at('09:00')),
    });

    // Assert: what is stored and answered is plain JSON (DynamoDB and JSON have no Infinity).
    expect(result.candidates.map((candidate) => candidate.slaSlackMinutes)).toEqual([null]);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('excludes an engineer who does not work that day as off_shift', () => {
    // Arrange: Saturday
    const saturday = new Date('2025-01-11T09:00:00.000Z');

    // Act
    const result = matchJob({ job: boilerJob(), plans: [{ engineer: engineer(), stops: [] }], now: saturday });

    // Assert
    expect(result.excluded).toEqual([{ engineerId: 'eng-1', reasons: ['off_shift'] }]);
  });

  it('plans into a night shift that began the evening before', () => {
    // Arrange: Tuesday 02:00, on the Monday 22:00-06:00 shift
    const nightOwl = engineer({ shift: { days: [1], start: '22:00', end: '06:00' } });
    const job = boilerJob({
      window: { from: Date.parse('2025-01-07T02:00:00.000Z'), to: Date.parse('2025-01-07T04:00:00.000Z') },
    });

    // Act
    const result = matchJob({
      job,
      plans: [{ engineer: nightOwl, stops: [] }],
      travel: halfHourAway,
      now: new Date('2025-01-07T02:00:00.000Z'),
    });

    // Assert
    expect(result.candidates).toEqual([
      expect.objectContaining({ start: '2025-01-07T02:30:00.000Z', overtimeMinutes: 0 }),
    ]);
  });

  it('gives a P1 arriving into a full day a slot and names the displaced lower-priority job', () => {
    // Arrange: five back-to-back jobs until 16:00; the emergency must start by 12:00
    const stops = fullDay(['P2', 'P2', 'P4', 'P2', 'P2']);
    const job = boilerJob({ priority: 'P1', window: { from: at('08:00'), to: at('12:00') } });

    // Act
    const result = matchJob({
      job,
      plans: [{ engineer: engineer(), stops }],
      travel: halfHourAway,
      now: new Date(at('08:00')),
    });

    // Assert: it takes the 11:30 P4's place
    expect(result.candidates).toEqual([
      expect.objectContaining({
        engineerId: 'eng-1',
        displaced: 'wo-2',
        position: 2,
        start: '2025-01-06T11:30:00.000Z',
      }),
    ]);
  });

  it('never displaces a pinned stop', () => {
    // Arrange: the only routine job of the day is already under way
    const stops = fullDay(['P4', 'P2', 'P2', 'P2', 'P2'], [0]);
    const job = boilerJob({ priority: 'P1', window: { from: at('08:00'), to: at('12:00') } });

    // Act
    const result = matchJob({
      job,
      plans: [{ engineer: engineer(), stops }],
      travel: halfHourAway,
      now: new Date(at('08:45')),
    });

    // Assert
    expect(result.candidates).toEqual([]);
    expect(result.excluded).toEqual([{ engineerId: 'eng-1', reasons: ['no_feasible_slot'] }]);
  });

  it('prefers a clean slot with another engineer to displacing a job', () => {
    // Arrange
    const job = boilerJob({ priority: 'P1', window: { from: at('08:00'), to: at('12:00') } });
    const plans: DayPlan[] = [
      { engineer: engineer({ id: 'busy' }), stops: fullDay(['P2', 'P2', 'P4', 'P2', 'P2']) },
      { engineer: engineer({ id: 'free' }), stops: [] },
    ];

    // Act
    const result = matchJob({ job, plans, travel: halfHourAway, now: new Date(at('08:00')) });

    // Assert
    expect(result.candidates.map((c) => [c.engineerId, c.displaced])).toEqual([
      ['free', undefined],
      ['busy', 'wo-2'],
    ]);
  });

  it('matches a 9 am emergency in Manchester to the engineer finishing nearby at 10:00, not the idle one far away', () => {
    // Arrange: one engineer is on a job in Salford until 10:00, the other idle at home in Wigan
    const job = boilerJob({ priority: 'P1', window: { from: at('09:00'), to: at('10:45') } });
    const plans: DayPlan[] = [
      { engineer: engineer({ id: 'wigan', homeBase: wigan }), stops: [] },
      {
        engineer: engineer({ id: 'salford', homeBase: stockport }),
        stops: [
          stop({
            workOrderId: 'wo-salford',
            location: salford,
            window: { from: at('09:00'), to: at('09:00') },
            pinned: true,
          }),
          stop({ workOrderId: 'wo-bolton', location: bolton, window: { from: at('14:00'), to: at('15:00') } }),
        ],
      },
    ];

    // Act
    const result = matchJob({ job, plans, now: new Date(at('09:00')) });

    // Assert
    expect(result.candidates.map((c) => c.engineerId)).toEqual(['salford', 'wigan']);
    expect(result.candidates[0]).toMatchObject({ position: 1, start: '2025-01-06T10:07:00.000Z' });
  });

  it('orders the same input the same way, ties by engineer id', () => {
    // Arrange: identical engineers, listed in different orders
    const plans = ['c', 'a', 'b', 'x'].map((id) => ({
      engineer: id === 'x' ? engineer({ id, skills: [] }) : engineer({ id }),
      stops: [stop({ workOrderId: `wo-${id}`, location: stockport })],
    }));

    // Act
    const first = matchJob({ job: boilerJob(), plans, now: new Date(at('08:00')) });
    const second = matchJob({ job: boilerJob(), plans: [...plans].reverse(), now: new Date(at('08:00')) });

    // Assert
    expect(first.candidates.map((c) => c.engineerId)).toEqual(['a', 'b', 'c']);
    expect(second).toEqual(first);
  });

  it('finds exactly the best insertion a brute-force simulation of every position finds', () => {
    // Arrange
    const random = seededRandom(20250106);
    const tally = { clean: 0, displaced: 0, none: 0 };

    for (let trial = 0; trial < 300; trial++) {
      const travel = trial % 2 === 0 ? estimatedTravel : scrambledTravel(Math.floor(random() * 1e9));
      const now = monday + (6 * 60 + Math.floor(random() * 7 * 60)) * minuteMs;
      const plans = Array.from({ length: 6 }, (_, index) => randomPlan(random, `eng-${trial}-${index}`, travel));
      const job = randomJob(random);

      // Act
      const result = matchJob({ job, plans, travel, now: new Date(now) });

      // Assert
      for (const plan of plans) {
        const expected = bruteForce({ job, plan, travel, now });
        const actual = result.candidates.find((c) => c.engineerId === plan.engineer.id);
        expect(actual && pick(actual)).toEqual(expected);
        if (expected === undefined) tally.none++;
        else if (expected.displaced === undefined) tally.clean++;
        else tally.displaced++;
      }
    }

    // The generator exercises every outcome, so the comparison means something.
    expect(Math.min(tally.clean, tally.displaced, tally.none)).toBeGreaterThan(20);
  });
});

type Expected = Pick<InsertionCandidate, 'position' | 'start' | 'eta' | 'score' | 'displaced'>;

const pick = (c: InsertionCandidate): Expected => ({
  position: c.position,
  start: c.start,
  eta: c.eta,
  score: c.score,
  ...(c.displaced !== undefined && { displaced: c.displaced }),
});

interface Visit {
  location: LatLng;
  serviceMs: number;
  from: number;
  deadline: number;
  isJob: boolean;
}

/** Drives a route from scratch: undefined when a start misses its deadline or the return is too late. */
function simulate(opts: {
  home: LatLng;
  route: Visit[];
  leaveHome: number;
  returnBy: number;
  now: number;
  drive: (from: LatLng, to: LatLng) => number;
}): { starts: number[]; arrivals: number[]; travel: number; returnHome: number } | undefined {
  let time = opts.leaveHome;
  let place = opts.home;
  let travel = 0;
  const starts: number[] = [];
  const arrivals: number[] = [];
  for (const visit of opts.route) {
    const leg = opts.drive(place, visit.location);
    const arrival = (visit.isJob ? Math.max(time, opts.now) : time) + leg;
    const start = Math.max(arrival, visit.from);
    if (start > visit.deadline) return undefined;
    travel += leg;
    starts.push(start);
    arrivals.push(arrival);
    time = start + visit.serviceMs;
    place = visit.location;
  }
  const leg = opts.drive(place, opts.home);
  if (time + leg > opts.returnBy) return undefined;
  return { starts, arrivals, travel: travel + leg, returnHome: time + leg };
}

/** Tries every position (and, for P1/P2 with no slot, every removable stop) by simulating the whole day. */
function bruteForce(opts: { job: NewJob; plan: DayPlan; travel: TravelTimes; now: number }): Expected | undefined {
  const { job, plan, now } = opts;
  const drive = (from: LatLng, to: LatLng) => Math.ceil(opts.travel.minutes(from, to)) * minuteMs;
  const shiftStart = monday + 8 * 60 * minuteMs;
  const shiftEnd = monday + 17 * 60 * minuteMs;
  const home = plan.engineer.homeBase;
  const visits: Visit[] = plan.stops.map((s) => ({
    location: s.location,
    serviceMs: s.serviceMinutes * minuteMs,
    from: s.window.from,
    deadline: Number.POSITIVE_INFINITY,
    isJob: false,
  }));
  const planned = simulate({ home, route: visits, leaveHome: shiftStart, returnBy: Infinity, now, drive });
  if (planned === undefined) throw new Error('an unconstrained plan is always feasible');
  // A stop already late may stay as late as it is, no later; likewise the return home.
  visits.forEach((visit, index) => {
    visit.deadline = Math.max(plan.stops[index]?.window.to ?? 0, planned.starts[index] ?? 0);
  });
  const returnBy = Math.max(shiftEnd + overtimeCapMinutes * minuteMs, planned.returnHome);
  const plannedOvertime = Math.max(0, planned.returnHome - shiftEnd);
  const firstFree = plan.stops.findLastIndex((s) => s.pinned) + 1;
  const jobVisit: Visit = {
    location: job.location,
    serviceMs: job.serviceMinutes * minuteMs,
    from: job.window.from,
    deadline: job.window.to,
    isJob: true,
  };

  const best = (removed: number): Expected | undefined => {
    const kept = visits.filter((_, index) => index !== removed);
    const displacedStop = plan.stops[removed];
    let found: Expected | undefined;
    for (let position = firstFree; position <= kept.length; position++) {
      const route = [...kept.slice(0, position), jobVisit, ...kept.slice(position)];
      const day = simulate({ home, route, leaveHome: shiftStart, returnBy, now, drive });
      if (day === undefined) continue;
      const start = day.starts[position] as number;
      const addedTravel = (day.travel - planned.travel) / minuteMs;
      const slack = (job.window.to - start) / minuteMs;
      const overtime = Math.max(0, Math.max(0, day.returnHome - shiftEnd) - plannedOvertime) / minuteMs;
      const penalty = displacedStop ? displacementPenalty[displacedStop.priority as 'P3' | 'P4'] : 0;
      const score =
        addedTravel -
        slackBonusPerMinute[job.priority] * Math.min(slack, slackBonusCapMinutes) +
        overtimeWeight * overtime +
        penalty;
      if (found !== undefined && score >= found.score) continue;
      found = {
        position,
        start: new Date(start).toISOString(),
        eta: new Date(day.arrivals[position] as number).toISOString(),
        score,
        ...(displacedStop && { displaced: displacedStop.workOrderId }),
      };
    }
    return found;
  };

  const clean = best(-1);
  if (clean !== undefined || (job.priority !== 'P1' && job.priority !== 'P2')) return clean;
  let displaced: Expected | undefined;
  for (let removed = firstFree; removed < plan.stops.length; removed++) {
    const priority = plan.stops[removed]?.priority;
    if (priority !== 'P3' && priority !== 'P4') continue;
    const found = best(removed);
    if (found !== undefined && (displaced === undefined || found.score < displaced.score)) displaced = found;
  }
  return displaced;
}

/** Drives of 0-120 minutes that are asymmetric and ignore the triangle rule, to test exactness without geometry. */
function scrambledTravel(seed: number): TravelTimes {
  const minutes = (from: LatLng, to: LatLng): number => {
    let h = seed ^ Math.round(from.lat * 1e6) ^ Math.imul(Math.round(from.lng * 1e6), 31);
    h = Math.imul(h ^ Math.round(to.lat * 1e6), 0x85ebca6b) ^ Math.imul(Math.round(to.lng * 1e6), 0xc2b2ae35);
    h = (h ^ (h >>> 13)) >>> 0;
    // Mostly short hops with some long ones, so removing a stop can make the rest of the route later.
    return h % 5 === 0 ? 60 + (h % 6000) / 100 : (h % 1500) / 100;
  };
  return { minutes, km: minutes };
}

const priorities: Priority[] = ['P1', 'P2', 'P3', 'P4'];
const randomPlace = (random: () => number): LatLng => ({
  lat: 53.35 + random() * 0.3,
  lng: -2.6 + random() * 0.6,
});
const choose = <T>(random: () => number, items: T[]): T => items[Math.floor(random() * items.length)] as T;

/** A day of 0-12 stops with windows around a rough schedule: mostly feasible, some tight, a few already late. */
function randomPlan(random: () => number, id: string, travel: TravelTimes): DayPlan {
  const home = randomPlace(random);
  const stops: PlannedStop[] = [];
  const count = Math.floor(random() * 13);
  let time = monday + 8 * 60 * minuteMs;
  let place = home;
  const pinnedCount = random() < 0.3 ? 1 + Math.floor(random() * 2) : 0;
  for (let index = 0; index < count; index++) {
    const location = randomPlace(random);
    time += Math.ceil(travel.minutes(place, location)) * minuteMs;
    const from = time + Math.floor((random() * 120 - 40) * minuteMs);
    const to = from + Math.floor(random() * 180 * minuteMs);
    const serviceMinutes = 15 + Math.floor(random() * 90);
    stops.push({
      workOrderId: `${id}-wo-${index}`,
      location,
      serviceMinutes,
      window: { from, to },
      priority: choose(random, priorities),
      ...(index < pinnedCount && { pinned: true }),
    });
    time = Math.max(time, from) + serviceMinutes * minuteMs;
    place = location;
  }
  return { engineer: engineer({ id, homeBase: home }), stops };
}

function randomJob(random: () => number): NewJob {
  const from = monday + Math.floor((7 * 60 + random() * 10 * 60) * minuteMs);
  return boilerJob({
    location: randomPlace(random),
    serviceMinutes: 15 + Math.floor(random() * 120),
    window: { from, to: from + Math.floor(random() * 300 * minuteMs) },
    priority: random() < 0.6 ? choose(random, ['P1', 'P2']) : choose(random, ['P3', 'P4']),
  });
}
