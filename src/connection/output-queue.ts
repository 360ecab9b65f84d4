// The output queue: frames become octets in the order they were queued,
// which is wire order (header blocks must leave in the order they were
// encoded, RFC 9113 §4.3). Frames are checked when queued and laid out when
// taken, in batches: every frame header, control frame and small body in
// one new buffer, and each large body as a part of its own, uncopied. A
// batch of small responses leaves as one buffer made by one allocation, and
// a large body is never copied on its way to the socket.

import { Buffer } from 'node:buffer';
import { FRAME_HEADER_LENGTH, Flag, FrameType, MAX_STREAM_ID } from '../frames/constants.js';
import { checkFrame, frameBody, headLength, writeFrame, writeFrameHeader } from '../frames/encode.js';
import type { DataFrame, Frame } from '../frames/frame.js';

export type FrameHook = (direction: 'in' | 'out', frame: Frame) => void;

/** Bodies up to this size are copied into the batch; larger ones are written as they are. */
export const COPY_LIMIT = 4096;

export class OutputQueue {
  // Fresh arrays for each batch: kept ones would end up in V8's old
  // generation, and every young frame stored into them would then cost the
  // garbage collector a remembered-set entry (bench/README.md).
  #frames: Frame[] = [];
  /** Payload length of each frame in #frames (checked). */
  #lengths: number[] = [];
  /** Frames whose body take() writes as a part of its own. */
  #apart = 0;
  /** Raw octets to send before any frame (the client preface, §3.4). */
  #preface: Uint8Array | undefined;
  #bytes = 0;
  /** Octets of those that carry messages (HEADERS, PUSH_PROMISE, CONTINUATION, DATA): what the application sends. */
  #messageBytes = 0;
  /** Octets of the batch buffer take() will fill: all of each frame but the bodies that go apart. */
  #batchBytes = 0;

  /** How frames are checked: against the peer's SETTINGS_MAX_FRAME_SIZE (§4.2). */
  readonly #encodeOptions: { maxFrameSize: number };

  constructor(
    maxFrameSize: number,
    private readonly hook: FrameHook | undefined,
  ) {
    this.#encodeOptions = { maxFrameSize };
  }

  /** The peer's SETTINGS_MAX_FRAME_SIZE changed. */
  set maxFrameSize(n: number) {
    this.#encodeOptions.maxFrameSize = n;
  }

  /** Octets waiting to be taken. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Octets of control frames waiting: SETTINGS, PING, RST_STREAM, WINDOW_UPDATE, GOAWAY (and a client's preface). */
  get controlBytes(): number {
    return this.#bytes - this.#messageBytes;
  }

  /** Frames waiting to be taken. */
  get frames(): number {
    return this.#frames.length;
  }

  /** Raw octets that are not a frame: the client preface (§3.4), sent before every frame queued. */
  pushBytes(bytes: Uint8Array): void {
    if (this.#preface || this.#frames.length > 0) throw new Error('raw octets only before any frame');
    this.#preface = bytes;
    this.#bytes += bytes.length;
  }

  /** Queue a frame; throws FrameEncodeError (nothing queued) if it cannot be encoded. */
  push(frame: Frame): void {
    const length = checkFrame(frame, this.#encodeOptions);
    this.hook?.('out', frame);
    const isApart = apart(frame, length);
    this.#add(frame, length, isApart ? headLength(frame) : FRAME_HEADER_LENGTH + length, isApart);
  }

  /**
   * Queue a DATA frame the scheduler cut from a stream's queue: 64 of them
   * to a MiB of body. One with no padding, on a stream id, within the
   * peer's frame size, has nothing checkFrame() would refuse, and goes the
   * short way; any other goes through push() and its precise refusal.
   */
  pushData(frame: DataFrame): void {
    const plain = frame.padLength === undefined && frame.data.length <= this.#encodeOptions.maxFrameSize && frame.streamId > 0 && frame.streamId <= MAX_STREAM_ID;
    if (!plain) return this.push(frame);
    this.hook?.('out', frame);
    const length = frame.data.length;
    const isApart = length > COPY_LIMIT;
    this.#add(frame, length, isApart ? FRAME_HEADER_LENGTH : FRAME_HEADER_LENGTH + length, isApart);
  }

  #add(frame: Frame, length: number, batchBytes: number, isApart: boolean): void {
    this.#frames.push(frame);
    this.#lengths.push(length);
    this.#bytes += FRAME_HEADER_LENGTH + length;
    if (carriesMessage(frame)) this.#messageBytes += FRAME_HEADER_LENGTH + length;
    this.#batchBytes += batchBytes;
    if (isApart) this.#apart++;
  }

  /** Everything queued, in wire order, as few buffers as the rule on large bodies allows; the queue is then empty. */
  take(): Uint8Array[] {
    const frames = this.#frames;
    const lengths = this.#lengths;
    const count = frames.length;
    // At most: the preface, a header part and a body part per body apart, the rest of the batch.
    const parts: Uint8Array[] = new Array<Uint8Array>(2 * this.#apart + 2);
    let k = 0;
    if (this.#preface) parts[k++] = this.#preface;
    if (count > 0) {
      const batch = Buffer.allocUnsafe(this.#batchBytes);
      let start = 0;
      let at = 0;
      for (let i = 0; i < count; i++) {
        const frame = frames[i]!;
        const length = lengths[i]!;
        const head = at;
        let body: Uint8Array | undefined;
        if (length > COPY_LIMIT) {
          if (frame.type === 'DATA' && frame.padLength === undefined) {
            writeFrameHeader(batch, at, length, FrameType.DATA, frame.endStream ? Flag.END_STREAM : 0, frame.streamId);
            at += FRAME_HEADER_LENGTH;
            body = frame.data;
          } else if (apart(frame, length)) {
            at = writeFrame(frame, length, batch, at, true);
            body = frameBody(frame)!;
          }
        }
        if (!body) {
          at = writeFrame(frame, length, batch, at);
          continue;
        }
        parts[k++] = batch.subarray(start, at);
        start = at;
        parts[k++] = body;
        const padding = FRAME_HEADER_LENGTH + length - (at - head) - body.length;
        if (padding > 0) parts[k++] = Buffer.alloc(padding);
      }
      if (at > start) parts[k++] = start === 0 ? batch : batch.subarray(start, at);
    }
    parts.length = k;
    if (count > 0) {
      this.#frames = [];
      this.#lengths = [];
    }
    this.#apart = 0;
    this.#preface = undefined;
    this.#bytes = this.#batchBytes = this.#messageBytes = 0;
    return parts;
  }
}

const carriesMessage = (frame: Frame): boolean =>
  frame.type === 'DATA' || frame.type === 'HEADERS' || frame.type === 'PUSH_PROMISE' || frame.type === 'CONTINUATION';

/** A body written as its own part rather than copied into the batch. */
function apart(frame: Frame, length: number): boolean {
  return length > COPY_LIMIT && (frameBody(frame)?.length ?? 0) > COPY_LIMIT;
}
