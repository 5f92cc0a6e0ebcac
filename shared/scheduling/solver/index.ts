import type { Plan, Problem, SolveOptions } from '#shared/scheduling/problem.ts';
import { buildModel, endNode, startNode } from './model.ts';
import { search } from './sisr.ts';

/**
 * Plans the day: assigns jobs to vehicles and orders each route to minimise total distance, within time windows,
 * shifts, capacities, eligibility and pinned jobs, leaving out (with a reason) only jobs that cannot or should not
 * fit. Pure and deterministic for a given seed and `maxIterations`; otherwise it stops at `timeLimitMs`.
 */
export function solve(problem: Problem, options: SolveOptions): Plan {
  const startedAt = performance.now();
  const model = buildModel(problem);
  const best = search(model, {
    timeLimitMs: options.timeLimitMs,
    maxIterations: options.maxIterations,
    seed: options.seed ?? 1,
    startedAt,
  });

  const routes: Plan['routes'] = [];
  let distance = 0;
  for (let r = 0; r < model.vehicleCount; r++) {
    if (best.count[r] === 0) continue;
    const jobs: number[] = [];
    const end = endNode(model, r);
    let prev = startNode(model, r);
    for (let a = best.next[prev] as number; a !== end; a = best.next[a] as number) {
      jobs.push(a);
      distance += best.dist(prev, a);
      prev = a;
    }
    distance += best.dist(prev, end);
    routes.push({ vehicle: r, jobs });
  }

  const unassigned: Plan['unassigned'] = [];
  for (let j = 0; j < model.jobCount; j++) {
    const reason = model.hopeless[j];
    if (reason !== undefined) unassigned.push({ job: j, reason });
    else if (best.routeOf[j] === -1) unassigned.push({ job: j, reason: 'no_room' });
  }
  return { routes, unassigned, distance };
}
