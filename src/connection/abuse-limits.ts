// Limits against peers that use the protocol to exhaust us (the HTTP/2
// denial-of-service classes: CVE-2019-9512/9514/9515/9518, CVE-2023-44487
// "Rapid Reset", CVE-2025-8671 "MadeYouReset"). Each is a token bucket
// refilled with the time passed into the engine; an empty bucket ends the
// connection with GOAWAY ENHANCE_YOUR_CALM.

import type { Frame } from '../frames/frame.js';
import { ConnectionError } from '../protocol-errors.js';

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

/**
 * The three guards of one connection: frames that do no work, streams
 * reset (by the peer, or by us because of it), and control frames piling up
 * for a peer that does not read. Each throws the ConnectionError that ends
 * the connection.
 */
export class AbuseGuard {
  readonly #limits: AbuseLimits;
  readonly #resets: TokenBucket;
  readonly #useless: TokenBucket;

  constructor(limits: AbuseLimits, now: number) {
    this.#limits = limits;
    this.#resets = new TokenBucket(limits.resetBurst, limits.resetsPerSecond, now);
    this.#useless = new TokenBucket(limits.uselessFrameBurst, limits.uselessFramesPerSecond, now);
  }

  /** A frame that makes us work without moving any request forward (CVE-2019-9512/9515/9518). */
  uselessFrame(frame: Frame, now: number): void {
    if (!this.#useless.take(now))
      throw new ConnectionError(
        'ENHANCE_YOUR_CALM',
        'flood_useless_frames',
        `too many ${frame.type} frames that do no work (more than ${this.#limits.uselessFrameBurst}, then ${this.#limits.uselessFramesPerSecond}/s)`,
      );
  }

  /**
   * A stream reset by the peer (Rapid Reset, CVE-2023-44487), or by us for a
   * stream error the peer caused (MadeYouReset, CVE-2025-8671): one budget
   * for both, as either makes us set up and tear down streams for nothing;
   * the label says which came last.
   */
  reset(now: number, cause: { streamError: string } | 'peer_reset'): void {
    if (this.#resets.take(now)) return;
    const limit = `(more than ${this.#limits.resetBurst}, then ${this.#limits.resetsPerSecond}/s)`;
    if (cause === 'peer_reset') throw new ConnectionError('ENHANCE_YOUR_CALM', 'flood_resets', `too many streams reset by the peer ${limit}`);
    throw new ConnectionError('ENHANCE_YOUR_CALM', 'flood_stream_errors', `too many streams reset for errors ${limit}; the last: ${cause.streamError}`);
  }

  /** Before we queue a control frame in answer: a peer that does not read cannot make them pile up. */
  controlQueue(queued: number): void {
    if (queued >= this.#limits.maxQueuedControlFrames)
      throw new ConnectionError('ENHANCE_YOUR_CALM', 'control_frames_piling_up', `more than ${this.#limits.maxQueuedControlFrames} frames queued for a peer that does not read`);
  }
}
