/**
 * The benchmark's referee: checks a plan against the instance itself, recomputing every distance from the
 * coordinates, so a bug in `toProblem` or in the solver cannot vouch for its own output. Rules as in the data's
 * README: leave the depot at time 0, `t += service(prev) + d(prev, c)`, late if `t > due(c)`, wait until
 * `ready(c)`, load within Q, back at the depot by its due, every customer exactly once, at most K routes.
 */
import type { Instance, Node } from './instance.ts';

/** What the referee found: `feasible` exactly when `violations` is empty. */
export interface Evaluation {
  feasible: boolean;
  /** Total Euclidean length of the routes, depot to depot, unrounded. */
  distance: number;
  /** Routes with at least one customer. */
  vehicles: number;
  /** One human-readable line per broken rule. */
  violations: string[];
}

const euclidean = (a: Node, b: Node) => {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return Math.sqrt(dx * dx + dy * dy);
};

/** Evaluates routes given as customer numbers in visit order, depot implicit at both ends. */
export function evaluate(instance: Instance, routes: number[][]): Evaluation {
  const { nodes } = instance;
  const depot = nodes[0] as Node;
  const violations: string[] = [];
  const visitedOn = new Map<number, number>();
  let distance = 0;
  let vehicles = 0;

  routes.forEach((route, index) => {
    if (route.length === 0) return;
    vehicles++;
    const label = `route ${index + 1}`;
    let previous = depot;
    let time = 0;
    let load = 0;
    let length = 0;
    for (const customer of route) {
      const node = customer === 0 ? undefined : nodes[customer];
      if (node === undefined) {
        violations.push(`${label}: ${customer} is not a customer of ${instance.name}`);
        continue;
      }
      const before = visitedOn.get(customer);
      if (before !== undefined)
        violations.push(`customer ${customer} visited more than once (route ${before} and ${label})`);
      else visitedOn.set(customer, index + 1);

      const leg = euclidean(previous, node);
      length += leg;
      time += previous.service + leg;
      if (time > node.due)
        violations.push(`${label}: customer ${customer} late, arrives at ${time} after due ${node.due}`);
      time = Math.max(time, node.ready);
      load += node.demand;
      previous = node;
    }
    const home = euclidean(previous, depot);
    length += home;
    time += previous.service + home;
    if (time > depot.due) violations.push(`${label}: back at the depot at ${time}, after its due ${depot.due}`);
    if (load > instance.capacity) violations.push(`${label}: load ${load} over capacity ${instance.capacity}`);
    distance += length;
  });

  for (let customer = 1; customer < nodes.length; customer++) {
    if (!visitedOn.has(customer)) violations.push(`customer ${customer} not visited`);
  }
  if (vehicles > instance.vehicles) violations.push(`${vehicles} routes, more than the fleet of ${instance.vehicles}`);
  return { feasible: violations.length === 0, distance, vehicles, violations };
}
