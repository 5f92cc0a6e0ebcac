import { ValidationFailed } from '#shared/errors.ts';
import type { Problem } from '#shared/scheduling/problem.ts';

/**
 * The problem flattened into typed arrays indexed by node, so the inner loops read numbers, not objects.
 * Node `j < jobCount` is job `j`; vehicle `r` has a start node `jobCount + 2r` and an end node `jobCount + 2r + 1`,
 * so every route is a chain of nodes from its start node to its end node.
 */
export interface Model {
  jobCount: number;
  vehicleCount: number;
  nodeCount: number;
  size: number;
  distance: Float64Array;
  duration: Float64Array;
  /** Node to location, and to the first index of that location's matrix row. */
  loc: Int32Array;
  row: Int32Array;
  ready: Float64Array;
  due: Float64Array;
  service: Float64Array;
  demand: Float64Array;
  /** Per job: cost of leaving it out. */
  penalty: Float64Array;
  /** Per vehicle. */
  capacity: Float64Array;
  /** `eligible[job * vehicleCount + vehicle]` is 1 when the vehicle may do the job. */
  eligible: Uint8Array;
  /** The jobs the search may move (neither pinned nor hopeless). */
  movable: Int32Array;
  /** Per job: why it can never be served, fixed before the search; `undefined` when it can be. */
  hopeless: Array<string | undefined>;
  /** Per vehicle: the node after which the solver may insert (its last pinned job, else its start node). */
  anchor: Int32Array;
  pinnedCount: Int32Array;
  pinned: number[][];
  /**
   * Per vehicle: vehicles with the same start, end, shift and capacity share a class, so a job is tried in only one
   * empty route of each class (identical empty routes give identical insertions).
   */
  emptyClass: Int32Array;
  classCount: number;
  /** `neighbours[job * neighbourCount + k]`: the k-th nearest movable job, the seed of string removals. */
  neighbours: Int32Array;
  neighbourCount: number;
  /** Per job: distance from the first vehicle's start, to order reinsertion far-first or close-first. */
  depotDistance: Float64Array;
  /** Slack kept on time checks so rounding in the backward pass never admits a late arrival. */
  epsilon: number;
}

const neighbourLimit = 100;

/** Start node of vehicle `r`. */
export const startNode = (model: Model, r: number): number => model.jobCount + 2 * r;

/** End node of vehicle `r`. */
export const endNode = (model: Model, r: number): number => model.jobCount + 2 * r + 1;

function check(condition: boolean, detail: string): void {
  if (!condition) throw new ValidationFailed(`Invalid routing problem: ${detail}`);
}

/** Validates the problem and builds the model the search works on. */
export function buildModel(problem: Problem): Model {
  const { size, jobs, vehicles } = problem;
  const n = jobs.length;
  const m = vehicles.length;
  const nodeCount = n + 2 * m;
  check(Number.isInteger(size) && size > 0, 'size must be a positive integer');
  check(problem.distance.length === size * size, 'distance must be size * size');
  check(problem.duration.length === size * size, 'duration must be size * size');
  const validLocation = (l: number) => Number.isInteger(l) && l >= 0 && l < size;

  const loc = new Int32Array(nodeCount);
  const ready = new Float64Array(nodeCount);
  const due = new Float64Array(nodeCount);
  const service = new Float64Array(nodeCount);
  const demand = new Float64Array(nodeCount);
  const penalty = new Float64Array(n);
  const capacity = new Float64Array(m);
  const eligible = new Uint8Array(n * m);
  const anchor = new Int32Array(m);
  const pinnedCount = new Int32Array(m);
  const pinned: number[][] = [];

  let maxEntry = 0;
  for (let i = 0; i < size * size; i++) {
    const d = problem.distance[i] ?? 0;
    check(d >= 0 && Number.isFinite(d), 'distances must be finite and non-negative');
    check((problem.duration[i] ?? 0) >= 0, 'durations must be non-negative');
    if (d > maxEntry) maxEntry = d;
  }
  // Leaving a job out must cost more than any set of routes could (every route edge at most maxEntry).
  const defaultPenalty = (maxEntry + 1) * (n + 2 * m + 1) * 10;

  let horizon = 1;
  jobs.forEach((job, j) => {
    check(validLocation(job.location), `job ${job.id} has an unknown location`);
    loc[j] = job.location;
    ready[j] = job.ready;
    due[j] = job.due;
    service[j] = job.service;
    demand[j] = job.demand;
    penalty[j] = job.unassignedPenalty ?? defaultPenalty;
    // An open window (a pinned job's due is Infinity) must not widen the tolerance: it would refuse every insertion.
    if (Number.isFinite(job.due)) horizon = Math.max(horizon, Math.abs(job.due));
    if (job.vehicles === undefined) eligible.fill(1, j * m, (j + 1) * m);
    else for (const v of job.vehicles) if (Number.isInteger(v) && v >= 0 && v < m) eligible[j * m + v] = 1;
  });

  const classKeys = new Map<string, number>();
  const emptyClass = new Int32Array(m);
  const pinnedBy = new Int32Array(n).fill(-1);
  vehicles.forEach((vehicle, r) => {
    check(validLocation(vehicle.start) && validLocation(vehicle.end), `vehicle ${vehicle.id} has an unknown location`);
    const s = n + 2 * r;
    loc[s] = vehicle.start;
    loc[s + 1] = vehicle.end;
    ready[s] = vehicle.shiftStart;
    ready[s + 1] = vehicle.shiftStart;
    due[s] = vehicle.shiftEnd;
    due[s + 1] = vehicle.shiftEnd;
    capacity[r] = vehicle.capacity;
    if (Number.isFinite(vehicle.shiftEnd)) horizon = Math.max(horizon, Math.abs(vehicle.shiftEnd));
    const own = vehicle.pinned ?? [];
    for (const j of own) {
      check(Number.isInteger(j) && j >= 0 && j < n, `vehicle ${vehicle.id} pins an unknown job`);
      check(pinnedBy[j] === -1, `job ${jobs[j]?.id} is pinned twice`);
      pinnedBy[j] = r;
    }
    pinned.push([...own]);
    pinnedCount[r] = own.length;
    anchor[r] = own.length > 0 ? (own[own.length - 1] as number) : s;
    // A vehicle with pinned jobs never has an empty route, so it gets a class of its own.
    const key =
      own.length > 0
        ? `pinned|${r}`
        : `${vehicle.start}|${vehicle.end}|${vehicle.shiftStart}|${vehicle.shiftEnd}|${vehicle.capacity}`;
    let c = classKeys.get(key);
    if (c === undefined) {
      c = classKeys.size;
      classKeys.set(key, c);
    }
    emptyClass[r] = c;
  });

  const row = new Int32Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) row[i] = (loc[i] as number) * size;
  const model: Model = {
    jobCount: n,
    vehicleCount: m,
    nodeCount,
    size,
    distance: problem.distance,
    duration: problem.duration,
    loc,
    row,
    ready,
    due,
    service,
    demand,
    penalty,
    capacity,
    eligible,
    movable: new Int32Array(0),
    hopeless: new Array<string | undefined>(n).fill(undefined),
    anchor,
    pinnedCount,
    pinned,
    emptyClass,
    classCount: classKeys.size,
    neighbours: new Int32Array(0),
    neighbourCount: 0,
    depotDistance: new Float64Array(n),
    epsilon: horizon * 1e-12,
  };
  classifyHopeless(model, pinnedBy);
  buildNeighbours(model);
  return model;
}

/**
 * Marks the jobs no vehicle could serve even with nothing else on its route (after its pinned jobs), with why,
 * so the search never spends time on them.
 */
function classifyHopeless(model: Model, pinnedBy: Int32Array): void {
  const { jobCount: n, vehicleCount: m, distance, duration, size } = model;
  const travel = (a: number, b: number) => duration[(model.row[a] as number) + (model.loc[b] as number)] as number;
  const afterPinned = new Float64Array(m);
  const pinnedLoad = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let prev = startNode(model, r);
    let time = model.ready[prev] as number;
    for (const j of model.pinned[r] as number[]) {
      time = Math.max(time + (model.service[prev] as number) + travel(prev, j), model.ready[j] as number);
      pinnedLoad[r] = (pinnedLoad[r] as number) + (model.demand[j] as number);
      prev = j;
    }
    afterPinned[r] = time + (model.service[prev] as number);
  }
  const movable: number[] = [];
  const firstStart = m > 0 ? (model.loc[startNode(model, 0)] as number) : 0;
  for (let j = 0; j < n; j++) {
    model.depotDistance[j] = distance[firstStart * size + (model.loc[j] as number)] as number;
    if (pinnedBy[j] !== -1) continue;
    let anyEligible = false;
    let fitsLoad = false;
    let reachable = false;
    for (let r = 0; r < m && !reachable; r++) {
      if (model.eligible[j * m + r] === 0) continue;
      anyEligible = true;
      if ((pinnedLoad[r] as number) + (model.demand[j] as number) > (model.capacity[r] as number)) continue;
      fitsLoad = true;
      const anchor = model.anchor[r] as number;
      const end = endNode(model, r);
      const arrive = (afterPinned[r] as number) + travel(anchor, j);
      const begin = Math.max(arrive, model.ready[j] as number);
      const back = begin + (model.service[j] as number) + travel(j, end);
      // A window closing before it opens is never reachable: begin, not arrive, must be within it.
      reachable = begin <= (model.due[j] as number) && back <= (model.due[end] as number);
    }
    if (reachable) {
      movable.push(j);
      continue;
    }
    model.hopeless[j] = !anyEligible ? 'no_eligible_vehicle' : !fitsLoad ? 'capacity' : 'time_window';
  }
  model.movable = Int32Array.from(movable);
}

/** For each movable job, its nearest movable jobs (by the round trip, so asymmetric matrices work too). */
function buildNeighbours(model: Model): void {
  const { movable, distance, size, jobCount } = model;
  const k = Math.max(0, Math.min(neighbourLimit, movable.length - 1));
  const neighbours = new Int32Array(jobCount * k);
  const keys = new Float64Array(movable.length);
  const sorted = new Float64Array(movable.length);
  const near: number[] = [];
  for (const a of movable) {
    if (k === 0) break;
    const la = model.loc[a] as number;
    for (let i = 0; i < movable.length; i++) {
      const lb = model.loc[movable[i] as number] as number;
      keys[i] =
        movable[i] === a
          ? Number.POSITIVE_INFINITY
          : (distance[la * size + lb] as number) + (distance[lb * size + la] as number);
    }
    // A native numeric sort finds the k-th smallest key; only the few jobs within it need the slower index sort.
    sorted.set(keys);
    sorted.sort();
    const threshold = sorted[k - 1] as number;
    near.length = 0;
    for (let i = 0; i < movable.length; i++) if ((keys[i] as number) <= threshold) near.push(i);
    near.sort((x, y) => (keys[x] as number) - (keys[y] as number) || x - y);
    for (let i = 0; i < k; i++) neighbours[a * k + i] = movable[near[i] as number] as number;
  }
  model.neighbours = neighbours;
  model.neighbourCount = k;
}
