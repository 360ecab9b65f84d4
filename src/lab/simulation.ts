// A virtual clock and what is due on it: the push lab's whole world runs
// here, so a page load is exactly reproducible. Events due at the same time
// run in the order they were scheduled.

interface Due {
  at: number;
  seq: number;
  run: () => void;
}

const before = (a: Due, b: Due) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class Simulation {
  /** Milliseconds since the load began. */
  now = 0;
  #seq = 0;
  /** Pending events, a binary heap ordered by (at, seq): a large page is tens of thousands of segments. */
  readonly #heap: Due[] = [];

  /** Run `fn` at time `at` (not before now). */
  at(at: number, run: () => void): void {
    const heap = this.#heap;
    heap.push({ at: Math.max(at, this.now), seq: this.#seq++, run });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  after(ms: number, run: () => void): void {
    this.at(this.now + ms, run);
  }

  #next(): Due | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }

  /** Run events in order until none is left (or `limit` ms pass: a load that never ends is a bug, not a result). */
  run(limit = 60 * 60 * 1000): void {
    for (let event = this.#next(); event; event = this.#next()) {
      if (event.at > limit) throw new Error(`the simulated load was still running after ${limit / 1000} s of simulated time: a slower link than that, or pages that large, are beyond the lab`);
      this.now = event.at;
      event.run();
    }
  }
}
