/**
 * Lets `inFlight` pieces of work run at once and up to `queued` more wait their turn, in arrival order, and refuses
 * the rest at once: a bounded queue, so an overloaded local server says so instead of answering ever later.
 */
export class Admission {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limits: { inFlight: number; queued: number }) {}

  /** Resolves true when the work may start (it must then `leave()` when done), or false at once when it is refused. */
  enter(): Promise<boolean> {
    if (this.running < this.limits.inFlight) {
      this.running++;
      return Promise.resolve(true);
    }
    if (this.waiting.length >= this.limits.queued) return Promise.resolve(false);
    return new Promise((admit) => this.waiting.push(() => admit(true)));
  }

  /** Ends a piece of work that entered, handing its place to the first one waiting. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
