import { endNode, type Model, startNode } from './model.ts';

/**
 * A plan under search: routes as doubly linked chains of nodes, with per node the earliest start of service
 * (forward pass) and the latest start that keeps the rest of its route on time (backward pass), so an insertion's
 * time-window feasibility is checked in O(1). Typed arrays throughout, so copying a whole solution is a few memcpys.
 */
export class Solution {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Route (vehicle) of each node, -1 for a job not in any route. */
  readonly routeOf: Int32Array;
  readonly earliest: Float64Array;
  readonly latest: Float64Array;
  /** Per vehicle: total demand and number of jobs on its route. */
  readonly load: Float64Array;
  readonly count: Int32Array;
  /** Movable jobs currently left out. */
  readonly unassigned: Int32Array;
  unassignedCount = 0;
  distance = 0;
  penalty = 0;

  constructor(readonly model: Model) {
    const { nodeCount, vehicleCount, jobCount } = model;
    this.next = new Int32Array(nodeCount);
    this.prev = new Int32Array(nodeCount);
    this.routeOf = new Int32Array(nodeCount).fill(-1);
    this.earliest = new Float64Array(nodeCount);
    this.latest = new Float64Array(nodeCount);
    this.load = new Float64Array(vehicleCount);
    this.count = new Int32Array(vehicleCount);
    this.unassigned = new Int32Array(jobCount);
  }

  /** Objective: route distance plus the penalties of the jobs left out. */
  get cost(): number {
    return this.distance + this.penalty;
  }

  /** Routes holding only their pinned jobs, every movable job left out. */
  reset(): void {
    const model = this.model;
    this.routeOf.fill(-1);
    this.distance = 0;
    this.penalty = 0;
    for (let r = 0; r < model.vehicleCount; r++) {
      let prev = startNode(model, r);
      this.routeOf[prev] = r;
      this.load[r] = 0;
      for (const j of model.pinned[r] as number[]) {
        this.link(prev, j);
        this.routeOf[j] = r;
        this.load[r] = (this.load[r] as number) + (model.demand[j] as number);
        this.distance += this.dist(prev, j);
        prev = j;
      }
      const end = endNode(model, r);
      this.link(prev, end);
      this.routeOf[end] = r;
      this.count[r] = model.pinnedCount[r] as number;
      if (prev !== startNode(model, r)) this.distance += this.dist(prev, end);
      this.updateTimes(r);
    }
    this.unassignedCount = 0;
    for (const j of model.movable) this.unassigned[this.unassignedCount++] = j;
    for (const j of model.movable) this.penalty += model.penalty[j] as number;
  }

  /** Makes this solution an exact copy of `other` (same model). */
  copyFrom(other: Solution): void {
    this.next.set(other.next);
    this.prev.set(other.prev);
    this.routeOf.set(other.routeOf);
    this.earliest.set(other.earliest);
    this.latest.set(other.latest);
    this.load.set(other.load);
    this.count.set(other.count);
    this.unassigned.set(other.unassigned);
    this.unassignedCount = other.unassignedCount;
    this.distance = other.distance;
    this.penalty = other.penalty;
  }

  /** Distance from node `a` to node `b`. */
  dist(a: number, b: number): number {
    const model = this.model;
    return model.distance[(model.row[a] as number) + (model.loc[b] as number)] as number;
  }

  private link(a: number, b: number): void {
    this.next[a] = b;
    this.prev[b] = a;
  }

  /** Puts job `j` right after node `after` (in the route of `after`) and refreshes that route's times. */
  insert(j: number, after: number): void {
    const r = this.routeOf[after] as number;
    const before = this.next[after] as number;
    const model = this.model;
    const wasEmpty = this.count[r] === 0;
    // An unused vehicle does not drive, even when its start and end differ: an empty route costs nothing.
    this.distance += this.dist(after, j) + this.dist(j, before) - (wasEmpty ? 0 : this.dist(after, before));
    this.link(after, j);
    this.link(j, before);
    this.routeOf[j] = r;
    this.load[r] = (this.load[r] as number) + (model.demand[j] as number);
    this.count[r] = (this.count[r] as number) + 1;
    this.updateTimes(r);
  }

  /** Takes job `j` out of its route without refreshing the route's times (callers batch that, see `updateTimes`). */
  unlink(j: number): void {
    const r = this.routeOf[j] as number;
    const a = this.prev[j] as number;
    const b = this.next[j] as number;
    const model = this.model;
    this.count[r] = (this.count[r] as number) - 1;
    const nowEmpty = this.count[r] === 0;
    this.distance += (nowEmpty ? 0 : this.dist(a, b)) - this.dist(a, j) - this.dist(j, b);
    this.link(a, b);
    this.routeOf[j] = -1;
    this.load[r] = (this.load[r] as number) - (model.demand[j] as number);
  }

  /** Recomputes the earliest and latest service starts along route `r`. */
  updateTimes(r: number): void {
    const model = this.model;
    const { duration, row, loc, ready, due, service } = model;
    const start = startNode(model, r);
    const end = endNode(model, r);
    const earliest = this.earliest;
    const latest = this.latest;
    const next = this.next;
    const prev = this.prev;
    let a = start;
    let t = ready[start] as number;
    earliest[start] = t;
    while (a !== end) {
      const b = next[a] as number;
      // Same order of operations as a forward simulation, so the plan is on time to the last bit.
      t = t + (service[a] as number) + (duration[(row[a] as number) + (loc[b] as number)] as number);
      const rb = ready[b] as number;
      if (t < rb) t = rb;
      earliest[b] = t;
      a = b;
    }
    let l = due[end] as number;
    latest[end] = l;
    let b = end;
    while (b !== start) {
      const x = prev[b] as number;
      l -= (service[x] as number) + (duration[(row[x] as number) + (loc[b] as number)] as number);
      const dx = due[x] as number;
      if (l > dx) l = dx;
      latest[x] = l;
      b = x;
    }
  }
}
