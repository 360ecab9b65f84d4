// Limits against peers that use the protocol to exhaust us (the HTTP/2
// denial-of-service classes: CVE-2019-9512/9514/9515/9518, CVE-2023-44487
// "Rapid Reset", CVE-2025-8671 "MadeYouReset"). Each is a token bucket
// refilled with the time passed into the engine; an empty bucket ends the
// connection with GOAWAY ENHANCE_YOUR_CALM.

export interface AbuseLimits {
  /**
   * Streams reset by the peer (RST_STREAM) plus stream errors we had to send
   * (which a peer can provoke on purpose): burst allowed, then per second.
   * Default 200, then 100/s.
   */
  resetBurst: number;
  resetsPerSecond: number;
  /**
   * Frames that cost us work and carry no request progress: PING, SETTINGS,
   * PRIORITY, unknown types, empty DATA without END_STREAM, WINDOW_UPDATE on
   * closed streams. Default 1,000, then 500/s.
   */
  uselessFrameBurst: number;
  uselessFramesPerSecond: number;
  /**
   * Frames we have queued but not written (ACKs, RST_STREAM, WINDOW_UPDATE):
   * a peer that sends PINGs or SETTINGS and never reads makes them pile up.
   * Default 10,000 (as Go's maxQueuedControlFrames).
   */
  maxQueuedControlFrames: number;
}

export const DEFAULT_ABUSE_LIMITS: AbuseLimits = {
  resetBurst: 200,
  resetsPerSecond: 100,
  uselessFrameBurst: 1000,
  uselessFramesPerSecond: 500,
  maxQueuedControlFrames: 10_000,
};

/** A token bucket: `burst` tokens, refilled at `perSecond`, with time in milliseconds. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#last = now;
  }

  /** Take one token; false when the bucket is empty. */
  take(now: number): boolean {
    if (now > this.#last) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
      this.#last = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
