import { endNode, type Model } from './model.ts';
import { Random } from './random.ts';
import { Solution } from './solution.ts';

/**
 * Parameters of Slack Induction by String Removals (Christiaens & Vanden Berghe 2020), the values the paper
 * recommends: about ten jobs removed per iteration in strings of at most ten, half of them split strings, and one
 * insertion position in a hundred skipped ("blinks") so the greedy recreate is not always the same.
 */
const averageRemoved = 10;
const maxStringLength = 10;
const splitRate = 0.5;
const subsplitRate = 0.01;
const blinkRate = 0.01;
/** Annealing temperatures as fractions of the initial plan's mean edge length, so the schedule is scale-free. */
const startTemperature = 2;
const finalTemperature = 0.01;

/** How the search stops. */
export interface SearchLimits {
  /** Wall-clock budget from `startedAt`. */
  timeLimitMs: number;
  /** Iteration budget; when set, the annealing schedule follows it instead of the clock. */
  maxIterations?: number;
  seed: number;
  /** `performance.now()` when solving began, so building the model counts against the time limit. */
  startedAt: number;
}

/**
 * Ruin and recreate with simulated annealing: each iteration removes a few strings of jobs from routes near a
 * random job, reinserts them (and any job left out) greedily, and keeps the result if the annealing criterion
 * accepts it. The best plan seen is returned.
 */
export function search(model: Model, limits: SearchLimits): Solution {
  return new Search(model, limits.seed).run(limits);
}

class Search {
  private readonly rng: Random;
  private readonly removed: Int32Array;
  private removedCount = 0;
  private readonly route: Int32Array;
  private readonly keys: Float64Array;
  private readonly ruined: Int32Array;
  private readonly classStamp: Int32Array;
  private stamp = 0;
  private blinkCountdown = 0;
  private readonly blinkLog = Math.log(1 - blinkRate);
  private bestAfter = -1;
  private bestDelta = 0;

  constructor(
    private readonly model: Model,
    seed: number,
  ) {
    this.rng = new Random(seed);
    this.removed = new Int32Array(model.jobCount);
    this.route = new Int32Array(model.jobCount);
    this.keys = new Float64Array(model.jobCount);
    this.ruined = new Int32Array(model.vehicleCount);
    this.classStamp = new Int32Array(model.classCount);
    this.blinkCountdown = this.blinkGap();
  }

  run(limits: SearchLimits): Solution {
    const model = this.model;
    const started = limits.startedAt;
    const work = new Solution(model);
    work.reset();
    this.removedCount = 0;
    this.recreate(work);
    const current = new Solution(model);
    const best = new Solution(model);
    current.copyFrom(work);
    best.copyFrom(work);
    if (model.movable.length === 0) return best;

    let edges = model.movable.length - work.unassignedCount;
    for (let r = 0; r < model.vehicleCount; r++) if (work.count[r] !== 0) edges++;
    const meanEdge = edges > 0 && work.distance > 0 ? work.distance / edges : 1;
    const t0 = startTemperature * meanEdge;
    const ratio = finalTemperature / startTemperature;
    const maxIterations = limits.maxIterations ?? Number.POSITIVE_INFINITY;
    const deadline = limits.timeLimitMs;

    for (let iteration = 0; iteration < maxIterations; iteration++) {
      const elapsed = performance.now() - started;
      if (elapsed >= deadline) break;
      // With an iteration budget the schedule follows iterations, so a seed reproduces the same plan on any machine.
      const progress = limits.maxIterations === undefined ? elapsed / deadline : iteration / limits.maxIterations;
      const temperature = t0 * ratio ** progress;
      this.ruin(work);
      this.recreate(work);
      if (work.cost < current.cost - temperature * Math.log(1 - this.rng.next())) {
        current.copyFrom(work);
        if (work.cost < best.cost) best.copyFrom(work);
      } else {
        work.copyFrom(current);
      }
    }
    return best;
  }

  private blinkGap(): number {
    return Math.floor(Math.log(1 - this.rng.next()) / this.blinkLog);
  }

  /** Removes strings of consecutive jobs from a few routes near a random seed job. */
  private ruin(sol: Solution): void {
    const model = this.model;
    const rng = this.rng;
    let assigned = 0;
    let used = 0;
    for (let r = 0; r < model.vehicleCount; r++) {
      const free = (sol.count[r] as number) - (model.pinnedCount[r] as number);
      if (free > 0) {
        assigned += free;
        used++;
      }
    }
    this.removedCount = 0;
    if (used === 0) return;
    const maxLength = Math.min(maxStringLength, assigned / used);
    const maxStrings = (4 * averageRemoved) / (1 + maxLength) - 1;
    const strings = Math.floor(rng.next() * maxStrings) + 1;
    const seed = model.movable[rng.int(model.movable.length)] as number;
    const k = model.neighbourCount;
    let ruinedCount = 0;
    for (let i = -1; i < k && ruinedCount < strings; i++) {
      const c = i < 0 ? seed : (model.neighbours[seed * k + i] as number);
      const r = sol.routeOf[c] as number;
      if (r < 0) continue;
      let seen = false;
      for (let q = 0; q < ruinedCount; q++) if (this.ruined[q] === r) seen = true;
      if (seen) continue;
      this.ruined[ruinedCount++] = r;
      this.removeString(sol, r, c, maxLength);
    }
    for (let q = 0; q < ruinedCount; q++) sol.updateTimes(this.ruined[q] as number);
  }

  private removeString(sol: Solution, r: number, c: number, maxLength: number): void {
    const rng = this.rng;
    const route = this.route;
    const end = endNode(this.model, r);
    let size = 0;
    let at = 0;
    for (let a = sol.next[this.model.anchor[r] as number] as number; a !== end; a = sol.next[a] as number) {
      if (a === c) at = size;
      route[size++] = a;
    }
    const length = Math.floor(rng.next() * Math.min(size, maxLength)) + 1;
    if (length === size || rng.next() >= splitRate) {
      const first = this.stringStart(at, length, size);
      for (let i = first; i < first + length; i++) this.take(sol, route[i] as number);
      return;
    }
    // Split string: a longer string around c of which a middle block of `kept` jobs stays in the route.
    let kept = 1;
    while (length + kept < size && rng.next() >= subsplitRate) kept++;
    const span = length + kept;
    const first = this.stringStart(at, span, size);
    const keepFrom = first + rng.int(length + 1);
    for (let i = first; i < first + span; i++) {
      if (i < keepFrom || i >= keepFrom + kept) this.take(sol, route[i] as number);
    }
  }

  /** A random start for a string of `length` among `size` jobs that covers position `at`. */
  private stringStart(at: number, length: number, size: number): number {
    const low = Math.max(0, at - length + 1);
    const high = Math.min(at, size - length);
    return low + this.rng.int(high - low + 1);
  }

  private take(sol: Solution, j: number): void {
    sol.unlink(j);
    this.removed[this.removedCount++] = j;
  }

  /** Reinserts the removed jobs and those left out, one by one, each at its cheapest feasible position. */
  private recreate(sol: Solution): void {
    const model = this.model;
    const removed = this.removed;
    let count = this.removedCount;
    for (let i = 0; i < sol.unassignedCount; i++) removed[count++] = sol.unassigned[i] as number;
    this.order(count);
    sol.unassignedCount = 0;
    sol.penalty = 0;
    for (let i = 0; i < count; i++) {
      const j = removed[i] as number;
      this.findInsertion(sol, j);
      const penalty = model.penalty[j] as number;
      if (this.bestAfter >= 0 && this.bestDelta < penalty) {
        sol.insert(j, this.bestAfter);
      } else {
        sol.unassigned[sol.unassignedCount++] = j;
        sol.penalty += penalty;
      }
    }
    this.removedCount = 0;
  }

  /** Orders the jobs to reinsert: random, largest demand, farthest or closest first (weights 4, 4, 2, 1). */
  private order(count: number): void {
    const model = this.model;
    const removed = this.removed;
    const keys = this.keys;
    const pick = this.rng.int(11);
    for (let i = 0; i < count; i++) {
      const j = removed[i] as number;
      keys[i] =
        pick < 4
          ? this.rng.next()
          : pick < 8
            ? -(model.demand[j] as number)
            : pick < 10
              ? -(model.depotDistance[j] as number)
              : (model.depotDistance[j] as number);
    }
    // Insertion sort: only a handful of jobs, and it is stable, so ties keep a reproducible order.
    for (let i = 1; i < count; i++) {
      const key = keys[i] as number;
      const j = removed[i] as number;
      let p = i - 1;
      while (p >= 0 && (keys[p] as number) > key) {
        keys[p + 1] = keys[p] as number;
        removed[p + 1] = removed[p] as number;
        p--;
      }
      keys[p + 1] = key;
      removed[p + 1] = j;
    }
  }

  /**
   * The cheapest feasible position for job `j` over all routes, skipping each position with the blink rate. Leaves
   * the node to insert after in `bestAfter` (-1 if none) and the added distance in `bestDelta`.
   */
  private findInsertion(sol: Solution, j: number): void {
    const model = this.model;
    const { distance, duration, row, loc, service, capacity, eligible, anchor, emptyClass } = model;
    const classStamp = this.classStamp;
    const m = model.vehicleCount;
    const n = model.jobCount;
    const next = sol.next;
    const earliest = sol.earliest;
    const latest = sol.latest;
    const load = sol.load;
    const count = sol.count;
    const lj = loc[j] as number;
    const rowJ = row[j] as number;
    const readyJ = model.ready[j] as number;
    const dueJ = model.due[j] as number;
    const serviceJ = service[j] as number;
    const demandJ = model.demand[j] as number;
    const epsilon = model.epsilon;
    const stamp = ++this.stamp;
    let countdown = this.blinkCountdown;
    let bestDelta = Number.POSITIVE_INFINITY;
    let bestAfter = -1;
    for (let r = 0; r < m; r++) {
      if (eligible[j * m + r] === 0) continue;
      if ((load[r] as number) + demandJ > (capacity[r] as number)) continue;
      const empty = count[r] === 0;
      if (empty) {
        const c = emptyClass[r] as number;
        if (classStamp[c] === stamp) continue;
        classStamp[c] = stamp;
      }
      const end = n + 2 * r + 1;
      let a = anchor[r] as number;
      while (a !== end) {
        const b = next[a] as number;
        const ea = earliest[a] as number;
        // Service at j cannot start before service at a did: no later position can be on time either.
        if (ea > dueJ) break;
        // An empty route is tried once for its whole class, so blinking it would hide every vehicle of the class.
        if (!empty && --countdown < 0) {
          countdown = this.blinkGap();
          a = b;
          continue;
        }
        const ra = row[a] as number;
        const lb = loc[b] as number;
        const delta =
          (distance[ra + lj] as number) + (distance[rowJ + lb] as number) - (empty ? 0 : (distance[ra + lb] as number));
        if (delta < bestDelta) {
          const arrive = ea + (service[a] as number) + (duration[ra + lj] as number);
          if (arrive <= dueJ) {
            const begin = Math.max(arrive, readyJ);
            if (begin + serviceJ + (duration[rowJ + lb] as number) <= (latest[b] as number) - epsilon) {
              bestDelta = delta;
              bestAfter = a;
            }
          }
        }
        a = b;
      }
    }
    this.blinkCountdown = countdown;
    this.bestAfter = bestAfter;
    this.bestDelta = bestDelta;
  }
}
