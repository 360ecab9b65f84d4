// Bytes -> frames, incrementally (RFC 9113 §4.1, §6). Input may arrive in
// any chunking; a frame whose payload sits inside one chunk is returned as a
// view of that chunk, one split across chunks is copied once, into a block of
// its own as its octets arrive: a partial frame waiting for the rest never
// keeps the (larger) read buffers it came in. Every rule that
// one frame can break is checked here and thrown as a ConnectionError or a
// StreamError carrying the RFC's error code.

import { Flag, FRAME_HEADER_LENGTH, frameTypeName, MAX_MAX_FRAME_SIZE, MAX_STREAM_ID, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE } from './constants.js';
import { writeFrameHeader } from './encode.js';
import type { Frame, PriorityFields, Setting } from './frame.js';
import {
  fixedLengthProblem,
  frameSizeProblem,
  goawayLengthProblem,
  paddingProblem,
  promisedIdProblem,
  type RuleProblem,
  ruleError,
  settingsLengthProblem,
  settingValueProblem,
  streamUseProblem,
  windowIncrementProblem,
} from './frame-rules.js';
import { ConnectionError } from '../protocol-errors.js';

export interface DecoderOptions {
  /** Our SETTINGS_MAX_FRAME_SIZE; larger frames are a FRAME_SIZE_ERROR (§4.2). Default 16,384. */
  maxFrameSize?: number;
}

/** The 9-octet frame header (§4.1), reserved bit dropped. */
export interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

const EMPTY = new Uint8Array(0);

const readUint32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

export function parseFrameHeader(b: Uint8Array, at = 0): FrameHeader {
  return {
    length: (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!,
    type: b[at + 3]!,
    flags: b[at + 4]!,
    streamId: readUint32(b, at + 5) & MAX_STREAM_ID, // reserved bit ignored (§4.1)
  };
}

function checkMaxFrameSize(n: number): number {
  if (!Number.isInteger(n) || n < MIN_MAX_FRAME_SIZE || n > MAX_MAX_FRAME_SIZE)
    throw new RangeError(`maxFrameSize must be an integer in 2^14..2^24-1, got ${n}`);
  return n;
}

/**
 * Incremental frame decoder. push() bytes as they arrive, then call next()
 * until it returns null. A ConnectionError leaves the decoder failed: it
 * throws the same error again and drops further input. A StreamError is
 * thrown after its frame is consumed, so decoding can go on.
 */
export class FrameDecoder {
  #maxFrameSize: number;
  #chunks: Uint8Array[] = [];
  #head = 0; // index of the first live chunk
  #offset = 0; // read position within #chunks[#head]
  #buffered = 0;
  #header: FrameHeader | undefined;
  /** The payload of #header, being copied in as it arrives (it did not all come in the chunks it started in). */
  #partial: Uint8Array | undefined;
  #partialFilled = 0;
  #last: FrameHeader | undefined;
  /** The payload of the frame next() last returned, until next() is called again (for lastFrameOctets). */
  #lastPayload: Uint8Array | undefined;
  #failed: ConnectionError | undefined;

  constructor(options: DecoderOptions = {}) {
    this.#maxFrameSize = checkMaxFrameSize(options.maxFrameSize ?? MIN_MAX_FRAME_SIZE);
  }

  get maxFrameSize(): number {
    return this.#maxFrameSize;
  }

  /** Change our limit, e.g. once the peer ACKs a SETTINGS that raised it (§6.5.3). */
  set maxFrameSize(n: number) {
    this.#maxFrameSize = checkMaxFrameSize(n);
  }

  /** Octets held: bytes received and not yet returned as frames, and the whole of a payload being assembled. */
  get bufferedBytes(): number {
    return this.#buffered + (this.#header ? FRAME_HEADER_LENGTH : 0) + (this.#partial?.length ?? 0);
  }

  /** Drop every buffered octet (the connection is over); the decoder is then empty. */
  discard(): void {
    this.#chunks = [];
    this.#head = this.#offset = this.#buffered = 0;
    this.#header = undefined;
    this.#partial = undefined;
    this.#lastPayload = undefined;
  }

  /** The header of the last frame taken whole: returned by next(), or rejected by it with a StreamError. */
  get lastHeader(): FrameHeader | undefined {
    return this.#last;
  }

  /**
   * The octets of the frame next() last returned, header and payload, as
   * they arrived (the reserved bit of the stream id aside, §4.1): a copy,
   * for tracers. Undefined once next() is called again.
   */
  lastFrameOctets(): Uint8Array | undefined {
    const header = this.#last;
    const payload = this.#lastPayload;
    if (!header || !payload) return undefined;
    const octets = new Uint8Array(FRAME_HEADER_LENGTH + payload.length);
    writeFrameHeader(octets, 0, header.length, header.type, header.flags, header.streamId);
    octets.set(payload, FRAME_HEADER_LENGTH);
    return octets;
  }

  /** The error that stopped this decoder, if any. */
  get error(): ConnectionError | undefined {
    return this.#failed;
  }

  /** Add received bytes. The decoder keeps a reference: do not reuse the chunk's memory. */
  push(chunk: Uint8Array): void {
    if (this.#failed || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The next complete frame, or null if more bytes are needed. */
  next(): Frame | null {
    if (this.#failed) throw this.#failed;
    this.#lastPayload = undefined;
    if (!this.#header) {
      if (this.#buffered < FRAME_HEADER_LENGTH) return this.#keepRest();
      const header = parseFrameHeader(this.#take(FRAME_HEADER_LENGTH));
      // §4.2: checked before the payload arrives, so nothing is buffered for it.
      const tooLarge = frameSizeProblem(header.length, this.#maxFrameSize);
      if (tooLarge) return this.#fail(ruleError(tooLarge, header.streamId) as ConnectionError);
      this.#header = header;
    }
    const header = this.#header;
    let payload: Uint8Array;
    if (this.#partial) {
      if (!this.#fillPartial()) return null;
      payload = this.#partial;
      this.#partial = undefined;
    } else if (this.#buffered >= header.length) {
      payload = this.#take(header.length);
    } else {
      // Not all here yet: copy what came into a block of its own now, so
      // that waiting for the rest pins none of the read buffers it came in.
      this.#partial = new Uint8Array(header.length);
      this.#partialFilled = 0;
      this.#fillPartial();
      return null;
    }
    this.#header = undefined;
    this.#last = header;
    this.#lastPayload = payload;
    try {
      return parseFramePayload(header, payload);
    } catch (e) {
      if (e instanceof ConnectionError) return this.#fail(e);
      throw e;
    }
  }

  /** Drain every complete frame. */
  *frames(): IterableIterator<Frame> {
    for (let f = this.next(); f; f = this.next()) yield f;
  }

  #fail(e: ConnectionError): never {
    this.#failed = e;
    this.discard();
    throw e;
  }

  /** Move buffered bytes into #partial; true when it is full. */
  #fillPartial(): boolean {
    const partial = this.#partial!;
    while (this.#partialFilled < partial.length && this.#buffered > 0) {
      const chunk = this.#chunks[this.#head]!;
      const k = Math.min(partial.length - this.#partialFilled, chunk.length - this.#offset);
      partial.set(chunk.subarray(this.#offset, this.#offset + k), this.#partialFilled);
      this.#partialFilled += k;
      this.#offset += k;
      this.#buffered -= k;
      if (this.#offset === chunk.length) this.#dropFirst();
    }
    return this.#partialFilled === partial.length;
  }

  /** Fewer octets than a frame header are left: keep a copy of them rather than the read buffer they sit in. */
  #keepRest(): null {
    const n = this.#buffered;
    if (n > 0 && this.#chunks[this.#head]!.buffer.byteLength > n) {
      const rest = new Uint8Array(n);
      rest.set(this.#take(n));
      this.push(rest);
    }
    return null;
  }

  /** Remove n buffered bytes: a view when they lie in one chunk, else one copy. */
  #take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    this.#buffered -= n;
    const first = this.#chunks[this.#head]!;
    if (first.length - this.#offset >= n) {
      const view = first.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      if (this.#offset === first.length) this.#dropFirst();
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#head]!;
      const k = Math.min(n - filled, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + k), filled);
      filled += k;
      this.#offset += k;
      if (this.#offset === chunk.length) this.#dropFirst();
    }
    return out;
  }

  #dropFirst(): void {
    this.#chunks[this.#head++] = undefined as unknown as Uint8Array;
    this.#offset = 0;
    if (this.#head === this.#chunks.length) {
      this.#chunks.length = 0;
      this.#head = 0;
    } else if (this.#head >= 64 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}

function readPriority(p: Uint8Array, at: number): PriorityFields {
  const word = readUint32(p, at);
  return { exclusive: (word & 0x80000000) !== 0, dependsOn: word & MAX_STREAM_ID, weight: p[at + 4]! + 1 };
}

/** A view of p[start, end): p itself when that is all of it (no new view object per frame). */
const slice = (p: Uint8Array, start: number, end: number): Uint8Array => (start === 0 && end === p.length ? p : p.subarray(start, end));

/** Throw the error a broken rule costs. */
function check(problem: RuleProblem | undefined, streamId: number): void {
  if (problem) throw ruleError(problem, streamId);
}

/**
 * Strip the Pad Length field and padding (§6.1, §6.2, §6.6). `fixed` is the
 * number of mandatory octets after Pad Length. Returns [padLength, start, end]
 * of the rest within the payload.
 */
function unpad(type: string, flags: number, p: Uint8Array, fixed: number, streamId: number): [number | undefined, number, number] {
  const padded = (flags & Flag.PADDED) !== 0;
  const padLength = padded && p.length > 0 ? p[0]! : padded ? 0 : undefined;
  check(paddingProblem(type, p.length, fixed, padLength), streamId);
  return padLength === undefined ? [undefined, 0, p.length] : [padLength, 1, p.length - padLength];
}

function parseSettings(p: Uint8Array): Setting[] {
  const settings: Setting[] = [];
  for (let at = 0; at < p.length; at += 6) {
    const id = (p[at]! << 8) | p[at + 1]!;
    const value = readUint32(p, at + 2);
    check(settingValueProblem(id, value), 0);
    settings.push({ id, value });
  }
  return settings;
}

/** Interpret one frame's payload; throws ConnectionError or StreamError for what the RFC forbids. */
export function parseFramePayload(h: FrameHeader, p: Uint8Array): Frame {
  const { flags, streamId } = h;
  const type = frameTypeName(h.type);
  if (type === undefined) return { type: 'UNKNOWN', frameType: h.type, flags, streamId, payload: p }; // §4.1, §5.5: ignored, never rejected
  check(streamUseProblem(type, streamId), streamId);
  switch (type) {
    case 'DATA': {
      const [padLength, start, end] = unpad(type, flags, p, 0, streamId);
      const frame: Frame = { type, streamId, endStream: (flags & Flag.END_STREAM) !== 0, data: slice(p, start, end) };
      if (padLength !== undefined) frame.padLength = padLength;
      return frame;
    }
    case 'HEADERS': {
      const hasPriority = (flags & Flag.PRIORITY) !== 0;
      const [padLength, start, end] = unpad(type, flags, p, hasPriority ? 5 : 0, streamId);
      const frame: Frame = {
        type,
        streamId,
        endStream: (flags & Flag.END_STREAM) !== 0,
        endHeaders: (flags & Flag.END_HEADERS) !== 0,
        headerBlock: slice(p, start + (hasPriority ? 5 : 0), end),
      };
      if (padLength !== undefined) frame.padLength = padLength;
      if (hasPriority) frame.priority = readPriority(p, start);
      return frame;
    }
    case 'PRIORITY':
      check(fixedLengthProblem(type, p.length), streamId);
      return { type, streamId, priority: readPriority(p, 0) };
    case 'RST_STREAM':
      check(fixedLengthProblem(type, p.length), streamId);
      return { type, streamId, errorCode: readUint32(p, 0) };
    case 'SETTINGS': {
      const ack = (flags & Flag.ACK) !== 0;
      check(settingsLengthProblem(ack, p.length), streamId);
      return { type, streamId: 0, ack, settings: parseSettings(p) };
    }
    case 'PUSH_PROMISE': {
      const [padLength, start, end] = unpad(type, flags, p, 4, streamId);
      const promisedStreamId = readUint32(p, start) & MAX_STREAM_ID;
      check(promisedIdProblem(promisedStreamId), streamId);
      const frame: Frame = { type, streamId, endHeaders: (flags & Flag.END_HEADERS) !== 0, promisedStreamId, headerBlock: p.subarray(start + 4, end) };
      if (padLength !== undefined) frame.padLength = padLength;
      return frame;
    }
    case 'PING':
      check(fixedLengthProblem(type, p.length), streamId);
      return { type, streamId: 0, ack: (flags & Flag.ACK) !== 0, data: p };
    case 'GOAWAY':
      check(goawayLengthProblem(p.length), streamId);
      return { type, streamId: 0, lastStreamId: readUint32(p, 0) & MAX_STREAM_ID, errorCode: readUint32(p, 4), debugData: p.subarray(8) };
    case 'WINDOW_UPDATE': {
      check(fixedLengthProblem(type, p.length), streamId);
      const windowSizeIncrement = readUint32(p, 0) & MAX_WINDOW_SIZE;
      check(windowIncrementProblem(streamId, windowSizeIncrement), streamId);
      return { type, streamId, windowSizeIncrement };
    }
    case 'CONTINUATION':
      return { type, streamId, endHeaders: (flags & Flag.END_HEADERS) !== 0, headerBlock: p };
  }
}


/**
 * Decode a byte string that holds only whole frames. Throws on the first
 * error, and a ConnectionError if the bytes end inside a frame.
 */
export function decodeFrames(bytes: Uint8Array, options?: DecoderOptions): Frame[] {
  const decoder = new FrameDecoder(options);
  decoder.push(bytes);
  const frames = [...decoder.frames()];
  if (decoder.bufferedBytes > 0)
    throw new ConnectionError('FRAME_SIZE_ERROR', 'truncated_input', `input ends inside a frame: ${decoder.bufferedBytes} octets left over`);
  return frames;
}

/** Decode exactly one frame from a byte string holding exactly one. */
export function decodeFrame(bytes: Uint8Array, options?: DecoderOptions): Frame {
  const frames = decodeFrames(bytes, options);
  if (frames.length !== 1) throw new RangeError(`expected exactly one frame, got ${frames.length}`);
  return frames[0]!;
}
