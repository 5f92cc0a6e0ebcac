import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Job, Plan, Problem, Vehicle } from '#shared/scheduling/problem.ts';
import { solve } from '#shared/scheduling/solver/index.ts';
import { seededRandom } from '#shared/scheduling/solver/random.ts';

type Point = [number, number];

/** Euclidean matrices over points, used as both distance and travel time, as in the benchmarks. */
function matrix(points: Point[]): Float64Array {
  const size = points.length;
  const result = new Float64Array(size * size);
  points.forEach(([ax, ay], i) => {
    points.forEach(([bx, by], j) => {
      result[i * size + j] = Math.sqrt((ax - bx) ** 2 + (ay - by) ** 2);
    });
  });
  return result;
}

function problemOver(points: Point[], jobs: Job[], vehicles: Vehicle[]): Problem {
  const distance = matrix(points);
  return { size: points.length, distance, duration: distance, jobs, vehicles };
}

/**
 * A small field service day: two bases, three vehicles with different shifts and capacities, jobs with windows,
 * some restricted to certain vehicles, two pinned to the first vehicle.
 */
function generatedDay(seed: number, jobCount = 40): { points: Point[]; jobs: Job[]; vehicles: Vehicle[] } {
  const random = seededRandom(seed);
  const points: Point[] = [
    [50, 50],
    [10, 90],
  ];
  const jobs: Job[] = [];
  for (let j = 0; j < jobCount; j++) {
    points.push([random() * 100, random() * 100]);
    const ready = j < 2 ? 0 : random() * 400;
    jobs.push({
      id: `job-${j}`,
      location: j + 2,
      service: 5 + random() * 20,
      ready,
      due: j < 2 ? 600 : ready + 30 + random() * 150,
      demand: 1 + Math.floor(random() * 4),
      ...(j % 7 === 3 && { vehicles: [1, 2] }),
      ...(j % 11 === 5 && { vehicles: [0] }),
    });
  }
  const vehicles: Vehicle[] = [
    { id: 'ann', start: 0, end: 0, shiftStart: 0, shiftEnd: 480, capacity: 30, pinned: [0, 1] },
    { id: 'bob', start: 1, end: 0, shiftStart: 60, shiftEnd: 540, capacity: 25 },
    { id: 'cat', start: 1, end: 1, shiftStart: 0, shiftEnd: 600, capacity: 40 },
  ];
  return { points, jobs, vehicles };
}

/** Replays a plan on its own, from the problem's data only, and lists every rule it breaks. */
function replay(problem: Problem, plan: Plan): { violations: string[]; distance: number } {
  const { size, distance, duration, jobs, vehicles } = problem;
  const violations: string[] = [];
  const seen = new Map<number, number>();
  const note = (j: number) => seen.set(j, (seen.get(j) ?? 0) + 1);
  let total = 0;
  if (plan.routes.length > vehicles.length) violations.push('more routes than vehicles');
  if (new Set(plan.routes.map((route) => route.vehicle)).size !== plan.routes.length) violations.push('vehicle twice');
  for (const [v, vehicle] of vehicles.entries()) {
    if ((vehicle.pinned?.length ?? 0) > 0 && !plan.routes.some((route) => route.vehicle === v)) {
      violations.push(`vehicle ${v} lost its pinned jobs`);
    }
  }
  for (const route of plan.routes) {
    const vehicle = vehicles[route.vehicle];
    if (vehicle === undefined) {
      violations.push(`unknown vehicle ${route.vehicle}`);
      continue;
    }
    const pinned = vehicle.pinned ?? [];
    if (pinned.some((j, i) => route.jobs[i] !== j)) violations.push(`vehicle ${route.vehicle} moved a pinned job`);
    let at = vehicle.start;
    let time = vehicle.shiftStart;
    let service = 0;
    let load = 0;
    for (const j of route.jobs) {
      note(j);
      const job = jobs[j];
      if (job === undefined) {
        violations.push(`unknown job ${j}`);
        continue;
      }
      if (job.vehicles !== undefined && !job.vehicles.includes(route.vehicle)) violations.push(`${job.id} ineligible`);
      total += distance[at * size + job.location] ?? Number.NaN;
      time = time + service + (duration[at * size + job.location] ?? Number.NaN);
      if (time > job.due) violations.push(`${job.id} late`);
      time = Math.max(time, job.ready);
      service = job.service;
      load += job.demand;
      at = job.location;
    }
    total += distance[at * size + vehicle.end] ?? Number.NaN;
    if (time + service + (duration[at * size + vehicle.end] ?? Number.NaN) > vehicle.shiftEnd) {
      violations.push(`vehicle ${route.vehicle} back after its shift`);
    }
    if (load > vehicle.capacity) violations.push(`vehicle ${route.vehicle} over capacity`);
  }
  for (const { job } of plan.unassigned) note(job);
  for (let j = 0; j < jobs.length; j++)
    if (seen.get(j) !== 1) violations.push(`job ${j} seen ${seen.get(j) ?? 0} times`);
  return { violations, distance: total };
}

const options = { timeLimitMs: 60_000, maxIterations: 1500, seed: 7 };

describe('the day optimiser', () => {
  it('keeps windows, shifts, capacities, eligibility and pinned jobs on generated days', () => {
    for (const seed of [1, 2, 3]) {
      // Arrange
      const { points, jobs, vehicles } = generatedDay(seed);
      const problem = problemOver(points, jobs, vehicles);

      // Act
      const plan = solve(problem, options);

      // Assert
      const { violations, distance } = replay(problem, plan);
      expect(violations).toEqual([]);
      expect(plan.distance).toBeCloseTo(distance, 6);
      expect(plan.routes.find((route) => route.vehicle === 0)?.jobs.slice(0, 2)).toEqual([0, 1]);
      expect(plan.routes.reduce((served, route) => served + route.jobs.length, 0)).toBeGreaterThan(jobs.length / 2);
    }
  });

  it('serves every Solomon R201 customer with its fleet, close to the best known distance', () => {
    // Arrange
    const path = fileURLToPath(new URL('../../bench/vrptw/data/solomon/R201.txt', import.meta.url));
    const problem = solomon(readFileSync(path, 'utf8'));

    // Act
    const plan = solve(problem, { timeLimitMs: 60_000, maxIterations: 3000, seed: 1 });

    // Assert
    const { violations, distance } = replay(problem, plan);
    expect(violations).toEqual([]);
    expect(plan.unassigned).toEqual([]);
    expect(plan.distance).toBeCloseTo(distance, 6);
    // Best known distance 1147.82; a few thousand iterations come within a few per cent.
    expect(plan.distance).toBeLessThan(1147.82 * 1.05);
  });

  it('leaves out what cannot be served, each with its reason, instead of forcing it in', () => {
    // Arrange: one vehicle from (0, 0), 08:00-12:00 in minutes, capacity 10.
    const points: Point[] = [
      [0, 0],
      [10, 0],
      [0, 10],
      [200, 0],
      [-10, 0],
      [0, -10],
    ];
    const job = (id: string, location: number, extra: Partial<Job> = {}): Job => ({
      id,
      location,
      service: 30,
      ready: 480,
      due: 720,
      demand: 1,
      ...extra,
    });
    const jobs = [
      job('fits', 1),
      job('too-heavy', 2, { demand: 11 }),
      job('too-far', 3),
      job('nobody-certified', 4, { vehicles: [] }),
      job('same-slot-a', 5, { ready: 600, due: 600, service: 60 }),
      job('same-slot-b', 2, { ready: 600, due: 600, service: 60 }),
    ];
    const vehicles: Vehicle[] = [{ id: 'van', start: 0, end: 0, shiftStart: 480, shiftEnd: 720, capacity: 10 }];
    const problem = problemOver(points, jobs, vehicles);

    // Act
    const plan = solve(problem, options);

    // Assert
    expect(replay(problem, plan).violations).toEqual([]);
    const reasons = Object.fromEntries(plan.unassigned.map(({ job: j, reason }) => [jobs[j]?.id, reason]));
    expect(reasons).toMatchObject({
      'too-heavy': 'capacity',
      'too-far': 'time_window',
      'nobody-certified': 'no_eligible_vehicle',
    });
    expect(Object.values(reasons).filter((reason) => reason === 'no_room')).toHaveLength(1);
    expect(plan.routes[0]?.jobs).toContain(0);
  });

  it('gives the same plan for the same seed', () => {
    // Arrange
    const { points, jobs, vehicles } = generatedDay(4);
    const problem = problemOver(points, jobs, vehicles);

    // Act
    const first = solve(problem, options);
    const second = solve(problem, options);

    // Assert
    expect(second).toEqual(first);
  });

  it('gives the slot to a P1 over a P4 when only one fits', () => {
    // Arrange: both jobs must start at 10:00 and take an hour; the P4 comes first in the list.
    const points: Point[] = [
      [0, 0],
      [5, 0],
      [0, 5],
    ];
    const slot = { service: 60, ready: 600, due: 600, demand: 0 };
    const jobs: Job[] = [
      { id: 'p4', location: 1, ...slot, unassignedPenalty: 100 },
      { id: 'p1', location: 2, ...slot, unassignedPenalty: 10_000 },
    ];
    const vehicles: Vehicle[] = [{ id: 'van', start: 0, end: 0, shiftStart: 480, shiftEnd: 1020, capacity: 0 }];

    // Act
    const plan = solve(problemOver(points, jobs, vehicles), options);

    // Assert
    expect(plan.routes).toEqual([{ vehicle: 0, jobs: [1] }]);
    expect(plan.unassigned).toEqual([{ job: 0, reason: 'no_room' }]);
  });

  it('still places work when a job under way has no end to its window', () => {
    // Arrange: the engineer is on the way to a job (pinned, due whenever); a job for later that day is waiting.
    const points: Point[] = [
      [0, 0],
      [3, 0],
      [0, 4],
    ];
    const jobs: Job[] = [
      { id: 'under-way', location: 1, service: 60, ready: 0, due: Number.POSITIVE_INFINITY, demand: 0, vehicles: [0] },
      { id: 'waiting', location: 2, service: 60, ready: 480, due: 1020, demand: 0 },
    ];
    const vehicles: Vehicle[] = [
      { id: 'amira', start: 0, end: 0, shiftStart: 420, shiftEnd: 1140, capacity: 0, pinned: [0] },
      { id: 'priya', start: 0, end: 0, shiftStart: 420, shiftEnd: 1140, capacity: 0 },
    ];

    // Act
    const plan = solve(problemOver(points, jobs, vehicles), options);

    // Assert
    expect(plan.unassigned).toEqual([]);
    expect(plan.routes.flatMap((route) => route.jobs).sort()).toEqual([0, 1]);
  });

  it('finds a plan of the same cost when every coordinate is translated and rotated', () => {
    // Arrange
    const { points, jobs, vehicles } = generatedDay(5);
    const angle = 0.7;
    const moved = points.map(
      ([x, y]): Point => [
        1234.5 + x * Math.cos(angle) - y * Math.sin(angle),
        -987.25 + x * Math.sin(angle) + y * Math.cos(angle),
      ],
    );

    // Act
    const original = solve(problemOver(points, jobs, vehicles), options);
    const transformed = solve(problemOver(moved, jobs, vehicles), options);

    // Assert
    expect(Math.abs(transformed.distance - original.distance)).toBeLessThanOrEqual(1e-6 * original.distance);
    expect(transformed.unassigned).toEqual(original.unassigned);
  });
});

/** A Solomon instance as a problem: node 0 the depot, K identical vehicles of capacity Q over the depot's horizon. */
function solomon(text: string): Problem {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const row = (line: string) => line.split(/\s+/).map(Number);
  const [fleet = 0, capacity = 0] = row(lines[lines.indexOf('VEHICLE') + 2] ?? '');
  const nodes = lines
    .slice(lines.indexOf('CUSTOMER') + 2)
    .filter((line) => line !== '')
    .map(row);
  const depot = nodes[0] ?? [];
  const jobs = nodes.slice(1).map(([id = 0, , , demand = 0, ready = 0, due = 0, service = 0]) => ({
    id: String(id),
    location: id,
    service,
    ready,
    due,
    demand,
  }));
  const vehicles = Array.from({ length: fleet }, (_, k) => ({
    id: `vehicle-${k}`,
    start: 0,
    end: 0,
    shiftStart: depot[4] ?? 0,
    shiftEnd: depot[5] ?? 0,
    capacity,
  }));
  return problemOver(
    nodes.map(([, x = 0, y = 0]): Point => [x, y]),
    jobs,
    vehicles,
  );
}
