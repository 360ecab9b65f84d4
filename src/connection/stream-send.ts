// What we send on one stream (RFC 9113 §8.1, §5.2): where our message
// stands, the window the peer granted us, and what waits for it.
//
// A message is HEADERS (any number of informational ones, then the final
// one), DATA, then optionally trailers; END_STREAM ends it. The phase says
// where we are: 'head' until the final HEADERS, 'body' after it, 'ended'
// once END_STREAM is queued (the §5.1 state changes when it is sent).

import type { HeaderList } from '../hpack/header-list.js';
import { SendWindow } from './flow-control.js';

export type SendPhase = 'head' | 'body' | 'ended';

/** Something queued for the wire on one stream, in order. */
export type QueuedItem =
  | { kind: 'data'; data: Uint8Array; offset: number; endStream: boolean }
  | { kind: 'trailers'; fields: HeaderList };

/** What next() gives: a DATA frame's body, a trailer section, nothing to send, or DATA the windows hold back. */
export type NextItem = { data: Uint8Array; endStream: boolean } | { trailers: HeaderList } | 'empty' | 'blocked';

export class SendHalf {
  phase: SendPhase = 'head';
  /** Our permission to send DATA on the stream (§6.9). */
  readonly window: SendWindow;
  /** Made with the first item: most responses are a HEADERS frame and one DATA. */
  #queue: QueuedItem[] | undefined;
  /** Octets of DATA queued and not yet sent. */
  queuedBytes = 0;
  /** DATA octets sent (reported when a push is cancelled). */
  sentBytes = 0;

  constructor(window: number) {
    this.window = new SendWindow(window);
  }

  get ended(): boolean {
    return this.phase === 'ended';
  }

  /** HEADERS went out (or were queued to): a final one opens the body, END_STREAM ends the message. */
  headSent(final: boolean, endStream: boolean): void {
    if (endStream) this.phase = 'ended';
    else if (final) this.phase = 'body';
  }

  /** Queue DATA (uncopied); true if anything was queued. */
  queueData(data: Uint8Array, endStream: boolean): boolean {
    if (endStream) this.phase = 'ended';
    if (data.length === 0 && !endStream) return false;
    (this.#queue ??= []).push({ kind: 'data', data, offset: 0, endStream });
    this.queuedBytes += data.length;
    return true;
  }

  /** Queue a trailer section: it ends the message after the DATA before it (§8.1). */
  queueTrailers(fields: HeaderList): void {
    this.phase = 'ended';
    (this.#queue ??= []).push({ kind: 'trailers', fields });
  }

  /**
   * The next thing to send: at most `max` octets of DATA (the peer's frame
   * size, the connection's window) within the stream's own window, or the
   * trailers once the DATA before them is out.
   */
  next(max: number): NextItem {
    const queue = this.#queue;
    const item = queue?.[0];
    if (!item) return 'empty';
    if (item.kind === 'trailers') {
      queue!.shift();
      return { trailers: item.fields };
    }
    const remaining = item.data.length - item.offset;
    const n = Math.min(remaining, max, this.window.available);
    if (n === 0 && remaining > 0) return 'blocked';
    const last = n === remaining;
    const data = n === item.data.length ? item.data : item.data.subarray(item.offset, item.offset + n);
    item.offset += n;
    this.queuedBytes -= n;
    this.sentBytes += n;
    this.window.consume(n);
    if (last) queue!.shift();
    return { data, endStream: last && item.endStream };
  }

  get hasQueued(): boolean {
    return this.#queue !== undefined && this.#queue.length > 0;
  }

  /** Forget everything queued (the stream was reset); returns the DATA octets dropped. */
  drop(): number {
    const dropped = this.queuedBytes;
    this.#queue = undefined;
    this.queuedBytes = 0;
    return dropped;
  }
}
