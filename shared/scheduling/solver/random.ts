/**
 * Seeded pseudo-random numbers (mulberry32): the same seed must give the same plan, which `Math.random` cannot.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** The same generator as a plain function of [0, 1), for code that only draws numbers (tests, benchmarks). */
export function seededRandom(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}
