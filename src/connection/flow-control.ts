// Flow control, RFC 9113 §5.2 and §6.9: the arithmetic of the windows in
// both directions, for the connection and for each stream. A window that
// would overflow or be overrun is reported (false); the caller knows the
// scope and raises the error the RFC names (receiver.ts).

import { MAX_WINDOW_SIZE } from '../frames/constants.js';

/** Our permission to send: what the peer granted minus what we sent. May go negative (§6.9.2). */
export class SendWindow {
  #size: number;

  constructor(initial: number) {
    this.#size = initial;
  }

  get size(): number {
    return this.#size;
  }

  /** Octets that may be sent now. */
  get available(): number {
    return Math.max(0, this.#size);
  }

  /** Account for a sent flow-controlled frame (its whole payload, padding included, §6.1). */
  consume(n: number): void {
    if (n > this.#size) throw new RangeError(`flow control: sending ${n} octets with a window of ${this.#size}`);
    this.#size -= n;
  }

  /** Apply a WINDOW_UPDATE. Returns false if the window would pass 2^31-1 (§6.9.1), leaving it unchanged. */
  increase(increment: number): boolean {
    return this.adjust(increment);
  }

  /** Apply a change of the peer's SETTINGS_INITIAL_WINDOW_SIZE, up or down (§6.9.2). Returns false on overflow, leaving it unchanged. */
  adjust(delta: number): boolean {
    if (this.#size + delta > MAX_WINDOW_SIZE) return false;
    this.#size += delta;
    return true;
  }
}

/**
 * The peer's permission to send to us. Received octets shrink it; octets the
 * application has consumed are credited back with WINDOW_UPDATE once enough
 * accumulate, so a slow consumer holds the peer back (§5.2.2).
 */
export class ReceiveWindow {
  #size: number; // what the peer may still send
  #target: number; // the window we want the peer to have
  #unacked = 0; // consumed but not yet credited

  constructor(initial: number) {
    this.#size = initial;
    this.#target = initial;
  }

  get size(): number {
    return this.#size;
  }

  /** Account for a received flow-controlled frame. Returns false if the peer overran the window. */
  receive(n: number): boolean {
    if (n > this.#size) return false;
    this.#size -= n;
    return true;
  }

  /**
   * The application consumed n octets (or they were discarded). Returns the
   * WINDOW_UPDATE increment to send now, or 0 to wait for more: updates are
   * batched until half the target window is owed, to keep them few.
   */
  consume(n: number): number {
    this.#unacked += n;
    return this.#due();
  }

  /** The increment owed now: when half the target is owed, or the peer is blocked. */
  #due(): number {
    if (this.#unacked === 0 || (this.#unacked < this.#target / 2 && this.#size > 0)) return 0;
    return this.#flush();
  }

  /** Credit everything consumed so far, whatever the amount. */
  #flush(): number {
    const increment = Math.min(this.#unacked, MAX_WINDOW_SIZE - this.#size);
    this.#unacked -= increment;
    this.#size += increment;
    return increment;
  }

  /**
   * Our SETTINGS_INITIAL_WINDOW_SIZE changed and was acknowledged (§6.9.2).
   * Returns the WINDOW_UPDATE increment now owed: a smaller target may make
   * octets consumed earlier due at once, else the peer could wait forever.
   */
  adjust(delta: number): number {
    this.#size += delta;
    this.#target += delta;
    return this.#due();
  }

  /**
   * Raise the target window (e.g. the connection window, which SETTINGS
   * cannot change, §6.9.2). Returns the WINDOW_UPDATE increment to send.
   */
  grow(to: number): number {
    if (to <= this.#target) return 0;
    const increment = Math.min(to - this.#target, MAX_WINDOW_SIZE - this.#size);
    this.#target = to;
    this.#size += increment;
    return increment;
  }
}
