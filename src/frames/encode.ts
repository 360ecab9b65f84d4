// Frame -> octets (RFC 9113 §4.1, §6): a plain framer. By default it
// refuses any frame the RFC forbids a sender to write, by the same rules the
// decoder enforces (frame-rules.ts); `allowIllegal` lifts them for tests and
// teaching, and encodeRawFrame writes any 9-octet header at all.
//
// encodeFrame() and encodeFrameParts() make new buffers; checkFrame() and
// writeFrame() let a caller lay frames out in a buffer of its own (the
// connection's output queue does, outbound.ts).

import { FRAME_HEADER_LENGTH, Flag, FrameType, MAX_MAX_FRAME_SIZE, MAX_STREAM_ID, MAX_UINT32, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE } from './constants.js';
import type { Frame, PriorityFields } from './frame.js';
import {
  fixedLengthProblem,
  frameSizeProblem,
  promisedIdProblem,
  type RuleProblem,
  selfDependencyProblem,
  settingsLengthProblem,
  settingValueProblem,
  streamUseProblem,
  windowIncrementProblem,
} from './frame-rules.js';

/** Misuse of the encoder: the frame given cannot or must not be written. `label` names a broken RFC rule. */
export class FrameEncodeError extends Error {
  override readonly name = 'FrameEncodeError';
  constructor(
    message: string,
    readonly label: string = 'unrepresentable',
  ) {
    super(message);
  }
}

export interface EncodeOptions {
  /** The peer's SETTINGS_MAX_FRAME_SIZE; payloads above it are refused. Default 16,384 (§4.2). */
  maxFrameSize?: number;
  /**
   * Write frames the RFC forbids (stream 0 on DATA, bad SETTINGS values, a
   * zero WINDOW_UPDATE...). Only what the wire format cannot hold is still
   * refused. For tests and demonstrations; never use it to talk to a peer.
   */
  allowIllegal?: boolean;
}

/** A frame header with any bits at all, for writing malformed frames on purpose. */
export interface RawFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
  /** Set the reserved bit before the stream id (§4.1 says senders leave it 0). */
  reservedBit?: boolean;
  /** Claim this length in the header instead of payload.length. */
  length?: number;
}

const PRIORITY_LENGTH = 5;

/** Octets the frame's payload will take on the wire (padding included). */
export function payloadLength(frame: Frame): number {
  const pad = 'padLength' in frame && frame.padLength !== undefined ? 1 + frame.padLength : 0;
  switch (frame.type) {
    case 'DATA':
      return pad + frame.data.length;
    case 'HEADERS':
      return pad + (frame.priority ? PRIORITY_LENGTH : 0) + frame.headerBlock.length;
    case 'PRIORITY':
      return PRIORITY_LENGTH;
    case 'RST_STREAM':
      return 4;
    case 'SETTINGS':
      return 6 * frame.settings.length;
    case 'PUSH_PROMISE':
      return pad + 4 + frame.headerBlock.length;
    case 'PING':
      return frame.data.length;
    case 'GOAWAY':
      return 8 + frame.debugData.length;
    case 'WINDOW_UPDATE':
      return 4;
    case 'CONTINUATION':
      return frame.headerBlock.length;
    case 'UNKNOWN':
      return frame.payload.length;
  }
}

/** The flags octet the frame's fields imply. */
export function frameFlags(frame: Frame): number {
  switch (frame.type) {
    case 'DATA':
      return (frame.endStream ? Flag.END_STREAM : 0) | (frame.padLength !== undefined ? Flag.PADDED : 0);
    case 'HEADERS':
      return (
        (frame.endStream ? Flag.END_STREAM : 0) |
        (frame.endHeaders ? Flag.END_HEADERS : 0) |
        (frame.padLength !== undefined ? Flag.PADDED : 0) |
        (frame.priority ? Flag.PRIORITY : 0)
      );
    case 'SETTINGS':
    case 'PING':
      return frame.ack ? Flag.ACK : 0;
    case 'PUSH_PROMISE':
      return (frame.endHeaders ? Flag.END_HEADERS : 0) | (frame.padLength !== undefined ? Flag.PADDED : 0);
    case 'CONTINUATION':
      return frame.endHeaders ? Flag.END_HEADERS : 0;
    case 'UNKNOWN':
      return frame.flags;
    default:
      return 0;
  }
}

export function frameTypeCode(frame: Frame): number {
  return frame.type === 'UNKNOWN' ? frame.frameType : FrameType[frame.type];
}

function fail(frame: Frame, why: string, label?: string): never {
  throw new FrameEncodeError(`cannot encode ${frame.type} frame: ${why}`, label);
}

function refuse(frame: Frame, problem: RuleProblem | undefined): void {
  if (problem) fail(frame, problem.message, problem.label);
}

const isUint = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** The field holding each frame type's octets, where it has one. */
const OCTETS_FIELD: Readonly<Record<Frame['type'], string | undefined>> = {
  DATA: 'data',
  HEADERS: 'headerBlock',
  PRIORITY: undefined,
  RST_STREAM: undefined,
  SETTINGS: undefined,
  PUSH_PROMISE: 'headerBlock',
  PING: 'data',
  GOAWAY: 'debugData',
  WINDOW_UPDATE: undefined,
  CONTINUATION: 'headerBlock',
  UNKNOWN: 'payload',
};

/** A frame object of the wrong shape (a misspelt field, a string for octets) is the caller's mistake: say which. */
function checkShape(frame: Frame): void {
  if (!Object.hasOwn(OCTETS_FIELD, frame.type)) throw new FrameEncodeError(`cannot encode a frame of type ${JSON.stringify(frame.type)}: not a frame type`);
  const field = OCTETS_FIELD[frame.type];
  if (field && !((frame as unknown as Record<string, unknown>)[field] instanceof Uint8Array)) fail(frame, `its ${field} must be a Uint8Array`);
  if (frame.type === 'SETTINGS' && !Array.isArray(frame.settings)) fail(frame, 'its settings must be an array of { id, value }');
}

/** What the wire format itself cannot carry: checked even with allowIllegal. */
function checkRepresentable(frame: Frame, length: number): void {
  if (!isUint(frame.streamId, MAX_STREAM_ID)) fail(frame, `stream id ${frame.streamId} is not an integer in 0..2^31-1`);
  if (length > MAX_MAX_FRAME_SIZE) fail(frame, `payload of ${length} octets exceeds the 24-bit length field`);
  if ('padLength' in frame && frame.padLength !== undefined && !isUint(frame.padLength, 255))
    fail(frame, `padLength ${frame.padLength} is not an integer in 0..255`);
  switch (frame.type) {
    case 'HEADERS':
    case 'PRIORITY':
      if (frame.priority) checkPriorityRepresentable(frame, frame.priority);
      break;
    case 'RST_STREAM':
    case 'GOAWAY':
      if (!isUint(frame.errorCode, MAX_UINT32)) fail(frame, `error code ${frame.errorCode} is not a 32-bit unsigned integer`);
      if (frame.type === 'GOAWAY' && !isUint(frame.lastStreamId, MAX_STREAM_ID))
        fail(frame, `last stream id ${frame.lastStreamId} is not an integer in 0..2^31-1`);
      break;
    case 'SETTINGS':
      for (const s of frame.settings) {
        if (!isUint(s.id, 0xffff)) fail(frame, `setting id ${s.id} is not a 16-bit unsigned integer`);
        if (!isUint(s.value, MAX_UINT32)) fail(frame, `setting 0x${s.id.toString(16)} value ${s.value} is not a 32-bit unsigned integer`);
      }
      break;
    case 'PUSH_PROMISE':
      if (!isUint(frame.promisedStreamId, MAX_STREAM_ID))
        fail(frame, `promised stream id ${frame.promisedStreamId} is not an integer in 0..2^31-1`);
      break;
    case 'WINDOW_UPDATE':
      if (!isUint(frame.windowSizeIncrement, MAX_WINDOW_SIZE))
        fail(frame, `window size increment ${frame.windowSizeIncrement} is not an integer in 0..2^31-1`);
      break;
    case 'UNKNOWN':
      if (!isUint(frame.frameType, 0xff)) fail(frame, `frame type ${frame.frameType} is not an octet`);
      if (!isUint(frame.flags, 0xff)) fail(frame, `flags ${frame.flags} is not an octet`);
      break;
  }
}

function checkPriorityRepresentable(frame: Frame, p: PriorityFields): void {
  if (!isUint(p.dependsOn, MAX_STREAM_ID)) fail(frame, `stream dependency ${p.dependsOn} is not an integer in 0..2^31-1`);
  if (!Number.isInteger(p.weight) || p.weight < 1 || p.weight > 256) fail(frame, `weight ${p.weight} is not an integer in 1..256`);
}

/** The rules of RFC 9113 a sender must follow that one frame can break. */
/** The rules of RFC 9113 a sender must keep (frame-rules.ts): checked unless allowIllegal. */
function checkLegal(frame: Frame, length: number, maxFrameSize: number): void {
  refuse(frame, frameSizeProblem(length, maxFrameSize));
  refuse(frame, streamUseProblem(frame.type, frame.streamId));
  switch (frame.type) {
    case 'SETTINGS':
      refuse(frame, settingsLengthProblem(frame.ack, length));
      for (const s of frame.settings) refuse(frame, settingValueProblem(s.id, s.value));
      break;
    case 'PUSH_PROMISE':
      refuse(frame, promisedIdProblem(frame.promisedStreamId));
      break;
    case 'PING':
      refuse(frame, fixedLengthProblem('PING', frame.data.length));
      break;
    case 'WINDOW_UPDATE':
      refuse(frame, windowIncrementProblem(frame.streamId, frame.windowSizeIncrement));
      break;
    case 'HEADERS':
    case 'PRIORITY':
      refuse(frame, selfDependencyProblem(frame.streamId, frame.priority));
      break;
    case 'UNKNOWN':
      if (frame.frameType <= FrameType.CONTINUATION) fail(frame, `type 0x${frame.frameType.toString(16)} is a defined frame type; use its own variant`);
      break;
  }
}

/**
 * Check a frame as encodeFrame() does (throwing FrameEncodeError) and
 * return its payload length, for writeFrame().
 */
export function checkFrame(frame: Frame, options?: EncodeOptions): number {
  checkShape(frame);
  const length = payloadLength(frame);
  checkRepresentable(frame, length);
  if (!options?.allowIllegal) checkLegal(frame, length, options?.maxFrameSize ?? MIN_MAX_FRAME_SIZE);
  return length;
}

/** The 9-octet frame header of §4.1 at `at` (the reserved bit clear). */
export function writeFrameHeader(buf: Uint8Array, at: number, length: number, type: number, flags: number, streamId: number): void {
  writeHeader(buf, at, length, type, flags, streamId, false);
}

/** The octets before a frame's body: the header and the fixed fields (pad length, priority, ids, codes). */
export function headLength(frame: Frame): number {
  return FRAME_HEADER_LENGTH + prefixLength(frame);
}

/**
 * Write a checked frame (its payload `length` from checkFrame()) at `at`:
 * its head, then, unless `bodyApart`, its body and zeroed padding. Returns
 * the offset after what was written.
 */
export function writeFrame(frame: Frame, length: number, buf: Uint8Array, at: number, bodyApart = false): number {
  writeHeader(buf, at, length, frameTypeCode(frame), frameFlags(frame), frame.streamId, false);
  writePrefix(frame, buf, at + FRAME_HEADER_LENGTH);
  let p = at + headLength(frame);
  if (bodyApart) return p;
  const end = at + FRAME_HEADER_LENGTH + length;
  const body = frameBody(frame);
  if (body) {
    buf.set(body, p);
    p += body.length;
  }
  if (p < end) buf.fill(0, p, end); // padding octets are zero (§6.1)
  return end;
}

/** Encode a frame into one new buffer (header, payload and zeroed padding). */
export function encodeFrame(frame: Frame, options?: EncodeOptions): Buffer {
  const length = checkFrame(frame, options);
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length);
  writeFrame(frame, length, out, 0);
  return out;
}

/**
 * Encode a frame as the list of buffers to write, in order: its head, then
 * the body (the caller's own bytes, not copied), then padding. Suited to
 * socket.cork()/writev.
 */
export function encodeFrameParts(frame: Frame, options?: EncodeOptions): Uint8Array[] {
  const length = checkFrame(frame, options);
  const head = Buffer.allocUnsafe(headLength(frame));
  writeFrame(frame, length, head, 0, true);
  const parts: Uint8Array[] = [head];
  const body = frameBody(frame);
  if (body && body.length > 0) parts.push(body);
  const pad = 'padLength' in frame ? frame.padLength : undefined;
  if (pad) parts.push(Buffer.alloc(pad));
  return parts;
}

/** Encode several frames back to back into one buffer. */
export function encodeFrames(frames: Iterable<Frame>, options?: EncodeOptions): Buffer {
  return Buffer.concat([...frames].map((f) => encodeFrame(f, options)));
}

function writeHeader(buf: Uint8Array, at: number, length: number, type: number, flags: number, streamId: number, reserved: boolean): void {
  buf[at] = length >>> 16;
  buf[at + 1] = (length >>> 8) & 0xff;
  buf[at + 2] = length & 0xff;
  buf[at + 3] = type;
  buf[at + 4] = flags;
  writeUint32(buf, at + 5, (streamId & MAX_STREAM_ID) | (reserved ? 0x80000000 : 0));
}

function writeUint32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

function writePriority(buf: Uint8Array, at: number, p: PriorityFields): void {
  writeUint32(buf, at, (p.dependsOn & MAX_STREAM_ID) | (p.exclusive ? 0x80000000 : 0));
  buf[at + 4] = p.weight - 1;
}

/** The octets between the header and the body: pad length, priority, ids, codes. */
function prefixLength(frame: Frame): number {
  const pad = 'padLength' in frame && frame.padLength !== undefined ? 1 : 0;
  switch (frame.type) {
    case 'HEADERS':
      return pad + (frame.priority ? PRIORITY_LENGTH : 0);
    case 'PUSH_PROMISE':
      return pad + 4;
    case 'DATA':
      return pad;
    case 'GOAWAY':
      return 8;
    case 'CONTINUATION':
    case 'PING':
    case 'UNKNOWN':
      return 0;
    default:
      return payloadLength(frame); // fixed-size control frames are all prefix
  }
}

/** The frame's variable-length part (DATA data, a header block fragment, opaque data), if any: written as is, not copied, by encodeFrameParts. */
export function frameBody(frame: Frame): Uint8Array | undefined {
  switch (frame.type) {
    case 'DATA':
      return frame.data;
    case 'HEADERS':
    case 'PUSH_PROMISE':
    case 'CONTINUATION':
      return frame.headerBlock;
    case 'GOAWAY':
      return frame.debugData;
    case 'PING':
      return frame.data;
    case 'UNKNOWN':
      return frame.payload;
    default:
      return undefined;
  }
}

function writePrefix(frame: Frame, buf: Uint8Array, at: number): void {
  if ('padLength' in frame && frame.padLength !== undefined) buf[at++] = frame.padLength;
  switch (frame.type) {
    case 'HEADERS':
      if (frame.priority) writePriority(buf, at, frame.priority);
      break;
    case 'PRIORITY':
      writePriority(buf, at, frame.priority);
      break;
    case 'RST_STREAM':
      writeUint32(buf, at, frame.errorCode);
      break;
    case 'SETTINGS':
      for (const s of frame.settings) {
        buf[at] = s.id >>> 8;
        buf[at + 1] = s.id & 0xff;
        writeUint32(buf, at + 2, s.value);
        at += 6;
      }
      break;
    case 'PUSH_PROMISE':
      writeUint32(buf, at, frame.promisedStreamId & MAX_STREAM_ID);
      break;
    case 'GOAWAY':
      writeUint32(buf, at, frame.lastStreamId & MAX_STREAM_ID);
      writeUint32(buf, at + 4, frame.errorCode);
      break;
    case 'WINDOW_UPDATE':
      writeUint32(buf, at, frame.windowSizeIncrement & MAX_WINDOW_SIZE);
      break;
    default:
      break;
  }
}

/**
 * Write a frame header exactly as given, then the payload: any type, any
 * flags, the reserved bit, even a length that lies. The tool for sending
 * malformed frames on purpose, like Go's Framer.WriteRawFrame.
 */
export function encodeRawFrame(raw: RawFrame): Buffer {
  const length = raw.length ?? raw.payload.length;
  const bad = (why: string): never => {
    throw new FrameEncodeError(`cannot encode raw frame: ${why}`);
  };
  if (!isUint(length, MAX_MAX_FRAME_SIZE)) bad(`length ${length} does not fit the 24-bit length field`);
  if (!isUint(raw.type, 0xff)) bad(`type ${raw.type} is not an octet`);
  if (!isUint(raw.flags, 0xff)) bad(`flags ${raw.flags} is not an octet`);
  if (!isUint(raw.streamId, MAX_STREAM_ID)) bad(`stream id ${raw.streamId} is not an integer in 0..2^31-1`);
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + raw.payload.length);
  writeHeader(out, 0, length, raw.type, raw.flags, raw.streamId, raw.reservedBit ?? false);
  out.set(raw.payload, FRAME_HEADER_LENGTH);
  return out;
}
