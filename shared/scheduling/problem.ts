/**
 * The routing problem the day optimiser solves: vehicle routing with time windows, capacities, eligibility
 * (skills and certifications, precomputed per job), pinned jobs and unassignment penalties. Pure data: the
 * Solomon/Homberger benchmarks and a field service day both become one of these.
 *
 * Locations are indexes into dense matrices (row-major, `size * size`), so the solver's inner loops read numbers,
 * not objects. Times and durations share one unit (minutes for a field service day, the instance's own for
 * benchmarks); coordinates never reach the solver, only the matrices built from them.
 */
export interface Problem {
  /** Number of locations. */
  size: number;
  /** What the plan minimises: `distance[from * size + to]`. */
  distance: Float64Array;
  /** Travel time used for time windows; may be the same array as `distance`. */
  duration: Float64Array;
  jobs: Job[];
  vehicles: Vehicle[];
}

export interface Job {
  /** The caller's id, carried through to the plan. */
  id: string;
  location: number;
  /** Time on site. */
  service: number;
  /** Earliest and latest start of service (waiting before `ready` is allowed and free). */
  ready: number;
  due: number;
  /** Load it takes from the vehicle's capacity (0 for most field service jobs). */
  demand: number;
  /** Indexes of the vehicles allowed to do it (skills, certifications); absent means any vehicle. */
  vehicles?: number[];
  /**
   * Cost added to the objective when the job is left unassigned, in distance units. Higher priorities carry
   * higher penalties, so a P1 displaces a P4 when both cannot fit. Absent: a penalty far above any route cost.
   */
  unassignedPenalty?: number;
}

export interface Vehicle {
  id: string;
  /** Where the route starts and ends (a depot, or an engineer's home base). */
  start: number;
  end: number;
  /** The route leaves `start` no earlier than `shiftStart` and must be back at `end` by `shiftEnd`. */
  shiftStart: number;
  shiftEnd: number;
  capacity: number;
  /** Jobs already in progress or committed, in this order at the start of the route; the solver never moves them. */
  pinned?: number[];
}

export interface Plan {
  /** One route per vehicle that has jobs: job indexes in visit order (pinned ones first). */
  routes: Array<{ vehicle: number; jobs: number[] }>;
  /** Jobs no vehicle can take, each with why (e.g. `no_eligible_vehicle`, `time_window`, `capacity`). */
  unassigned: Array<{ job: number; reason: string }>;
  /** Total `distance` of the routes. */
  distance: number;
}

export interface SolveOptions {
  /** Wall-clock budget; the solver returns its best plan when it runs out. */
  timeLimitMs: number;
  /** Same seed, same problem, same iteration count: same plan. */
  seed?: number;
  /** Stop after this many improvement iterations (for deterministic tests independent of machine speed). */
  maxIterations?: number;
}
