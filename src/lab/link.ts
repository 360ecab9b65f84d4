// The simulated network: one direction of a TCP connection, as simple as a
// lesson can use. Octets are cut into segments of `mss`; a segment leaves
// when the link is free (serialisation at `bandwidth`) and when the
// congestion window lets it (at most `cwnd` segments unacknowledged), and
// arrives a one-way delay (RTT / 2) later. Its acknowledgement comes back
// one more one-way delay later and, as in slow start (RFC 5681 §3.1), grows
// the window by one segment: the window doubles every round trip. No loss,
// no reordering, no handshake (the lab measures from the first request;
// TCP's and TLS's handshakes are the same for every mode and left out).

import type { Simulation } from './simulation.js';

export interface LinkConditions {
  /** Round-trip time, ms. */
  rttMs: number;
  /** Octets per millisecond (1 Mbit/s = 125); Infinity: no serialisation delay. */
  bytesPerMs: number;
  /** Initial congestion window in segments (Infinity: no slow start). Default 10 (RFC 6928). */
  initialCwnd: number;
  /** Segment size. Default 1,460. */
  mss: number;
}

export class Pipe {
  /** Octets handed to the link so far. */
  sent = 0;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #inFlight = 0;
  #cwnd: number;
  #linkFreeAt = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly conditions: LinkConditions,
    private readonly deliver: (octets: Uint8Array) => void,
  ) {
    this.#cwnd = conditions.initialCwnd;
  }

  send(octets: Uint8Array): void {
    if (octets.length === 0) return;
    this.#queue.push(octets);
    this.#queued += octets.length;
    this.sent += octets.length;
    this.#pump();
  }

  /** Send segments while the window allows. */
  #pump(): void {
    const { mss, bytesPerMs, rttMs } = this.conditions;
    while (this.#queued > 0 && this.#inFlight < this.#cwnd * mss) {
      const segment = this.#take(Math.min(mss, this.#cwnd * mss - this.#inFlight));
      const leaves = Math.max(this.sim.now, this.#linkFreeAt) + segment.length / bytesPerMs;
      this.#linkFreeAt = leaves;
      const arrives = leaves + rttMs / 2;
      this.#inFlight += segment.length;
      this.sim.at(arrives, () => this.deliver(segment));
      this.sim.at(arrives + rttMs / 2, () => {
        this.#inFlight -= segment.length;
        this.#cwnd += 1; // slow start: one more segment per segment acknowledged
        this.#pump();
      });
    }
  }

  #take(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.#queued));
    let filled = 0;
    while (filled < out.length) {
      const first = this.#queue[0]!;
      const k = Math.min(first.length, out.length - filled);
      out.set(first.subarray(0, k), filled);
      filled += k;
      if (k === first.length) this.#queue.shift();
      else this.#queue[0] = first.subarray(k);
    }
    this.#queued -= out.length;
    return out;
  }
}
