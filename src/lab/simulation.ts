// A virtual clock and what is due on it: the push lab's whole world runs
// here, so a page load is exactly reproducible. Events due at the same time
// run in the order they were scheduled.

export class Simulation {
  /** Milliseconds since the load began. */
  now = 0;
  #seq = 0;
  /** Pending events, kept sorted by (at, seq); a load has a few thousand at most. */
  readonly #queue: Array<{ at: number; seq: number; run: () => void }> = [];

  /** Run `fn` at time `at` (not before now). */
  at(at: number, run: () => void): void {
    const event = { at: Math.max(at, this.now), seq: this.#seq++, run };
    let i = this.#queue.length;
    while (i > 0 && this.#queue[i - 1]!.at > event.at) i--;
    this.#queue.splice(i, 0, event);
  }

  after(ms: number, run: () => void): void {
    this.at(this.now + ms, run);
  }

  /** Run events in order until none is left (or `limit` ms pass: a load that never ends is a bug, not a result). */
  run(limit = 10 * 60 * 1000): void {
    while (this.#queue.length > 0) {
      const event = this.#queue.shift()!;
      if (event.at > limit) throw new Error(`the simulated load was still running after ${limit} ms`);
      this.now = event.at;
      event.run();
    }
  }
}
