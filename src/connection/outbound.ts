// The outbound side: frames become bytes in wire order. Control frames and
// header blocks go out first, in the order they were made (HPACK state
// depends on it, RFC 9113 §4.3); then DATA of the streams that have window,
// one frame per stream per round so no stream starves the others.

import { encodeFrameParts } from '../frames/encode.js';
import type { Frame } from '../frames/frame.js';

export type FrameHook = (direction: 'in' | 'out', frame: Frame) => void;

export class OutboundQueue {
  #parts: Uint8Array[] = [];
  #bytes = 0;
  #frames = 0;

  constructor(
    private readonly maxFrameSize: () => number,
    private readonly hook: FrameHook | undefined,
  ) {}

  /** Octets waiting to be taken. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Frames waiting to be taken. */
  get frames(): number {
    return this.#frames;
  }

  /** Raw octets that are not a frame (the client preface, §3.4). */
  pushBytes(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#bytes += bytes.length;
  }

  push(frame: Frame): void {
    this.hook?.('out', frame);
    for (const part of encodeFrameParts(frame, { maxFrameSize: this.maxFrameSize() })) {
      this.#parts.push(part);
      this.#bytes += part.length;
    }
    this.#frames++;
  }

  /** Everything queued, in order; the queue is then empty. */
  take(): Uint8Array[] {
    const parts = this.#parts;
    this.#parts = [];
    this.#bytes = 0;
    this.#frames = 0;
    return parts;
  }
}
