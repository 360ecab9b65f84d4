// Fluent builders for HTTP/2 frames (RFC 9113 §6), for tests that write
// frames by hand. A test then reads like the RFC's own prose:
//
//   frames.headers(1).request('GET', '/').endStream()   HEADERS, END_STREAM|END_HEADERS
//   frames.data(1, 'hello').padded(4)                    DATA with PADDED, 4 octets of padding
//   frames.goaway(0).protocolError()                     GOAWAY PROTOCOL_ERROR, last stream 0
//   frames.settings().initialWindowSize(2 ** 31)         a SETTINGS value §6.5.2 forbids
//   frames.raw('PING').payload(new Uint8Array(7))        a PING of 7 octets (§6.7 says 8)
//
// Builders make illegal frames as readily as legal ones: that is what a
// conformance test needs (DATA on stream 0, a zero WINDOW_UPDATE, a frame
// whose length lies). Every builder has encode(), which writes exactly what
// was built (encodeFrame with allowIllegal); the typed ones also give the
// Frame object (frame()), and raw() hands over their octets to tamper with.
//
// HEADERS, PUSH_PROMISE and CONTINUATION carry a field block (§4.3): HPACK
// octets made by an encoder whose dynamic table the receiver's decoder
// mirrors. A FrameBuilders bound to a connection's encoder
// (`new FrameBuilders({ encoder })`) encodes each block when its frame is
// first taken (frame(), encode(), or a peer's write()), so blocks reach the
// wire in the order the frames are written, as the decoder needs. The
// default `frames` needs no encoder: it writes every field as a literal
// never indexed (RFC 7541 §6.2.3), which touches no dynamic table, so its
// blocks decode the same wherever they are sent.

import { ErrorCode, Flag, FrameType, MAX_MAX_FRAME_SIZE, SettingId, type ErrorCodeName, type FrameTypeName, type SettingName } from '../frames/constants.js';
import { encodeFrame, encodeRawFrame, type EncodeOptions, type RawFrame } from '../frames/encode.js';
import type {
  ContinuationFrame,
  DataFrame,
  Frame,
  GoawayFrame,
  HeadersFrame,
  PingFrame,
  PriorityFields,
  PriorityFrame,
  PushPromiseFrame,
  RstStreamFrame,
  Setting,
  SettingsFrame,
  UnknownFrame,
  WindowUpdateFrame,
} from '../frames/frame.js';
import { HpackEncoder } from '../hpack/encoder.js';
import type { HeaderField, HeaderList } from '../hpack/header-list.js';

/** Anything that can be written as one frame's octets: every builder here. */
export interface EncodableFrame {
  /** The frame's octets, header and payload (RFC 9113 §4.1), exactly as built, legal or not. */
  encode(options?: EncodeOptions): Buffer;
}

/** What a raw peer may be handed to write: a Frame object, or a builder. */
export type FrameOrBuilder = Frame | EncodableFrame;

/** What encodes field blocks: HpackEncoder, or anything with its encode(). */
export interface FieldBlockEncoder {
  encode(fields: HeaderList): Uint8Array;
}

/** Field lines as a list of fields, [name, value] pairs, or an object (in its key order). */
export type FieldsInput = HeaderList | ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

/** The names of the flag bits (RFC 9113 §6); the same bit means different things per frame type. */
export type FlagName = keyof typeof Flag;

const EMPTY = new Uint8Array(0);
const UTF8 = new TextEncoder();
const octets = (v: Uint8Array | string | readonly number[]): Uint8Array =>
  typeof v === 'string' ? UTF8.encode(v) : v instanceof Uint8Array ? v : Uint8Array.from(v);

/** Octets of frames and builders, back to back; illegal frames are written as given. */
export function frameBytes(...items: FrameOrBuilder[]): Buffer {
  return Buffer.concat(items.map((item) => (isEncodable(item) ? item.encode() : encodeFrame(item, ILLEGAL_OK))));
}

/** Is this a builder (rather than a Frame object)? */
export function isEncodable(item: FrameOrBuilder): item is EncodableFrame {
  return typeof (item as Partial<EncodableFrame>).encode === 'function';
}

/** encodeFrame's options for builders: anything the wire format can hold, up to the largest frame (§4.2). */
const ILLEGAL_OK: EncodeOptions = { allowIllegal: true, maxFrameSize: MAX_MAX_FRAME_SIZE };

function toFields(input: FieldsInput): HeaderField[] {
  if (!Array.isArray(input)) return Object.entries(input as Record<string, string>).map(([name, value]) => ({ name, value }));
  return (input as ReadonlyArray<HeaderField | readonly [string, string]>).map((f) => (Array.isArray(f) ? { name: f[0], value: f[1] } : { ...(f as HeaderField) }));
}

// ---- the builders -----------------------------------------------------------

/** What every typed builder has: the stream id, the Frame object, its octets. */
export abstract class FrameBuilder<F extends Frame> implements EncodableFrame {
  protected readonly draft: F;

  protected constructor(draft: F) {
    this.draft = draft;
  }

  /**
   * RFC 9113 §4.1: the Stream Identifier, any 31-bit value, legal or not
   * (DATA on stream 0 breaks §6.1; PING on stream 1 breaks §6.7).
   */
  streamId(id: number): this {
    this.draft.streamId = id;
    return this;
  }

  /** The Frame object (RFC 9113 §6), a copy: later calls on the builder do not change it. Octets are not copied. */
  frame(): F {
    return { ...this.draft };
  }

  /**
   * RFC 9113 §4.1: the frame's octets as built, legal or not (encodeFrame
   * with allowIllegal, frames up to 2^24-1 octets). `{ allowIllegal: false }`
   * has the encoder refuse what the RFC forbids a sender, instead.
   */
  encode(options?: EncodeOptions): Buffer {
    return encodeFrame(this.frame(), { ...ILLEGAL_OK, ...options });
  }

  /**
   * RFC 9113 §4.1: this frame as a raw header and payload, to tamper with
   * what the typed fields cannot express: unused flags, the reserved bit, a
   * Length that lies.
   */
  raw(): RawFrameBuilder {
    const bytes = this.encode();
    return new RawFrameBuilder(bytes[3]!, bytes.readUInt32BE(5) & 0x7fffffff).flags(bytes[4]!).payload(bytes.subarray(9));
  }
}

/** RFC 9113 §6.1 DATA: octets of a stream's message content. */
export class DataFrameBuilder extends FrameBuilder<DataFrame> {
  constructor(streamId: number, data: Uint8Array | string = EMPTY) {
    super({ type: 'DATA', streamId, endStream: false, data: octets(data) });
  }

  /** RFC 9113 §6.1: the Data field; a string is sent as UTF-8. */
  data(data: Uint8Array | string): this {
    this.draft.data = octets(data);
    return this;
  }

  /** RFC 9113 §6.1: the END_STREAM flag (0x01), the sender's last frame on the stream (§5.1: half-closed). */
  endStream(on = true): this {
    this.draft.endStream = on;
    return this;
  }

  /**
   * RFC 9113 §6.1: the PADDED flag (0x08): a Pad Length octet, then
   * `padLength` octets of zero padding. Padding counts for flow control (§6.9).
   */
  padded(padLength = 0): this {
    this.draft.padLength = padLength;
    return this;
  }
}

/** How a builder of field blocks encodes fields, and fills in request(). */
interface FieldEncoding {
  encoder: FieldBlockEncoder;
  scheme: string;
  authority: string;
}

/**
 * The frames that carry a field block fragment (RFC 9113 §4.3): HEADERS,
 * PUSH_PROMISE, CONTINUATION. Fields given by request(), response() and
 * fields() add up, and are encoded once, when the frame is first taken;
 * block() gives the octets instead. A builder written twice writes the same
 * block twice: with a connection's encoder, whose blocks refer to the
 * dynamic table as it stood, build a new frame for a new request instead.
 */
export abstract class FieldBlockBuilder<F extends HeadersFrame | PushPromiseFrame | ContinuationFrame> extends FrameBuilder<F> {
  readonly #encoding: FieldEncoding;
  #fields: HeaderField[] = [];
  /** The block: given by block(), or encoded from #fields when first needed. */
  #block: Uint8Array | undefined;
  #handMade = false;

  protected constructor(draft: F, encoding: FieldEncoding) {
    super(draft);
    this.#encoding = encoding;
  }

  protected get encoding(): FieldEncoding {
    return this.#encoding;
  }

  /**
   * RFC 9113 §8.3.1: the request pseudo-header fields :method, :scheme,
   * :authority and :path, then `extra` fields. An `extra` pseudo-header
   * (":scheme", say) replaces the default in place.
   */
  request(method: string, path: string, extra: Readonly<Record<string, string>> = {}): this {
    const { scheme, authority } = this.#encoding;
    return this.fields({ ':method': method, ':scheme': scheme, ':authority': authority, ':path': path, ...extra });
  }

  /** RFC 9113 §8.3.2: the :status pseudo-header field, then `extra` fields. */
  response(status: number | string, extra: Readonly<Record<string, string>> = {}): this {
    return this.fields({ ':status': String(status), ...extra });
  }

  /**
   * RFC 9113 §8.2: field lines, added after those already given, in order.
   * Nothing is checked: uppercase names, connection-specific fields and
   * misplaced pseudo-headers (§8.2.2, §8.3) are written as given.
   */
  fields(input: FieldsInput): this {
    if (this.#handMade) throw new Error(`${this.draft.type} builder: block() was given; fields() cannot be added to hand-made octets`);
    this.#fields.push(...toFields(input));
    this.#block = undefined;
    return this;
  }

  /**
   * RFC 9113 §4.3: the field block fragment as given: hand-made HPACK
   * (RFC 7541), part of another block, or octets that do not decode.
   */
  block(fragment: Uint8Array | readonly number[]): this {
    if (this.#fields.length > 0) throw new Error(`${this.draft.type} builder: fields were given; block() would drop them`);
    return this.setBlock(octets(fragment));
  }

  /** The block is these octets from now on (splitBlock() cuts an encoded one). */
  protected setBlock(fragment: Uint8Array): this {
    this.#block = fragment;
    this.#fields = [];
    this.#handMade = true;
    return this;
  }

  /**
   * RFC 9113 §6.2, §6.6, §6.10: the END_HEADERS flag (0x04): this frame
   * ends the field block. Set by default; without it, CONTINUATION frames
   * on the same stream must follow, and nothing else (§4.3).
   */
  endHeaders(on = true): this {
    this.draft.endHeaders = on;
    return this;
  }

  /** RFC 9113 §6.10: END_HEADERS clear: the field block goes on in CONTINUATION frames. */
  noEndHeaders(): this {
    return this.endHeaders(false);
  }

  /** The field block fragment, encoded now if it has not been yet (RFC 9113 §4.3: blocks in wire order). */
  protected headerBlock(): Uint8Array {
    this.#block ??= this.#encoding.encoder.encode(this.#fields);
    return this.#block;
  }

  override frame(): F {
    return { ...this.draft, headerBlock: this.headerBlock() };
  }
}

/**
 * The frames that open a field block (HEADERS, PUSH_PROMISE): padding, and
 * splitting the block into CONTINUATION frames.
 */
export abstract class BlockStartBuilder<F extends HeadersFrame | PushPromiseFrame> extends FieldBlockBuilder<F> {
  /**
   * RFC 9113 §6.2, §6.6: the PADDED flag (0x08): a Pad Length octet, then
   * `padLength` octets of zero padding.
   */
  padded(padLength = 0): this {
    this.draft.padLength = padLength;
    return this;
  }

  /**
   * RFC 9113 §4.3, §6.10: the field block cut at the offsets given: this
   * frame, without END_HEADERS, carries the first part, then one
   * CONTINUATION per further part, END_HEADERS on the last. Encodes the
   * block now. `const [headers, continuation] = ....splitBlock(3)`.
   */
  splitBlock(...offsets: number[]): [this, ...ContinuationFrameBuilder[]] {
    const block = this.headerBlock();
    const cuts = [0, ...offsets, block.length];
    for (let i = 1; i < cuts.length; i++) {
      if (!Number.isInteger(cuts[i]) || cuts[i]! < cuts[i - 1]! || cuts[i]! > block.length)
        throw new RangeError(`splitBlock: offsets must be integers in order within the ${block.length}-octet block, got ${offsets.join(', ')}`);
    }
    const parts = cuts.slice(1).map((end, i) => block.subarray(cuts[i], end));
    const streamId = this.draft.streamId;
    const continuations = parts.slice(1).map((part, i) => new ContinuationFrameBuilder(streamId, this.encoding).block(part).endHeaders(i === parts.length - 2));
    this.setBlock(parts[0]!);
    this.endHeaders(continuations.length === 0);
    return [this, ...continuations];
  }
}

/** RFC 9113 §6.2 HEADERS: opens a stream and carries a field block (a request, response or trailers). */
export class HeadersFrameBuilder extends BlockStartBuilder<HeadersFrame> {
  constructor(streamId: number, encoding: FieldEncoding) {
    super({ type: 'HEADERS', streamId, endStream: false, endHeaders: true, headerBlock: EMPTY }, encoding);
  }

  /**
   * RFC 9113 §6.2: the END_STREAM flag (0x01): the field block is the last
   * the sender sends on the stream (§5.1: half-closed); its CONTINUATION
   * frames may still follow.
   */
  endStream(on = true): this {
    this.draft.endStream = on;
    return this;
  }

  /**
   * RFC 9113 §6.2: the PRIORITY flag (0x20) and its fields (RFC 7540 §5.3,
   * deprecated by RFC 9113 §5.3.2). Defaults: depends on 0, weight 16, not
   * exclusive. A stream may be made to depend on itself (RFC 7540 §5.3.1 forbids it).
   */
  priority(fields: Partial<PriorityFields> = {}): this {
    this.draft.priority = { ...DEFAULT_PRIORITY, ...this.draft.priority, ...fields };
    return this;
  }

  override frame(): HeadersFrame {
    const frame = super.frame();
    return frame.priority ? { ...frame, priority: { ...frame.priority } } : frame;
  }
}

/** RFC 9113 §6.6 PUSH_PROMISE: the server reserves a stream and sends the request it will answer on it (§8.4). */
export class PushPromiseFrameBuilder extends BlockStartBuilder<PushPromiseFrame> {
  constructor(streamId: number, promisedStreamId: number, encoding: FieldEncoding) {
    super({ type: 'PUSH_PROMISE', streamId, endHeaders: true, promisedStreamId, headerBlock: EMPTY }, encoding);
  }

  /** RFC 9113 §6.6: the Promised Stream ID, any 31-bit value (§5.1.1 wants a new even one). */
  promisedStreamId(id: number): this {
    this.draft.promisedStreamId = id;
    return this;
  }
}

/** RFC 9113 §6.10 CONTINUATION: the rest of a field block begun by HEADERS or PUSH_PROMISE. */
export class ContinuationFrameBuilder extends FieldBlockBuilder<ContinuationFrame> {
  constructor(streamId: number, encoding: FieldEncoding) {
    super({ type: 'CONTINUATION', streamId, endHeaders: true, headerBlock: EMPTY }, encoding);
  }
}

const DEFAULT_PRIORITY: PriorityFields = { exclusive: false, dependsOn: 0, weight: 16 };

/** RFC 9113 §6.3 PRIORITY: a stream's place in the RFC 7540 priority tree (deprecated, §5.3.2, but still parsed). */
export class PriorityFrameBuilder extends FrameBuilder<PriorityFrame> {
  constructor(streamId: number) {
    super({ type: 'PRIORITY', streamId, priority: { ...DEFAULT_PRIORITY } });
  }

  /** RFC 9113 §6.3: any of the fields at once (Exclusive, Stream Dependency, Weight). */
  priority(fields: Partial<PriorityFields>): this {
    this.draft.priority = { ...this.draft.priority, ...fields };
    return this;
  }

  /** RFC 9113 §6.3: the Stream Dependency, any 31-bit value (its own stream too, RFC 7540 §5.3.1). */
  dependsOn(streamId: number): this {
    return this.priority({ dependsOn: streamId });
  }

  /** RFC 9113 §6.3: the Weight, 1..256 (the wire carries weight - 1). */
  weight(weight: number): this {
    return this.priority({ weight });
  }

  /** RFC 9113 §6.3: the E flag, an exclusive dependency. */
  exclusive(on = true): this {
    return this.priority({ exclusive: on });
  }

  override frame(): PriorityFrame {
    return { ...this.draft, priority: { ...this.draft.priority } };
  }
}

/**
 * The frames that carry an error code (RFC 9113 §7): RST_STREAM and GOAWAY,
 * with one method per code, named as the RFC names it.
 */
export abstract class ErrorCodeBuilder<F extends RstStreamFrame | GoawayFrame> extends FrameBuilder<F> {
  /** RFC 9113 §7: an error code by its RFC name, or any 32-bit number (unknown codes are legal, §7). */
  code(code: ErrorCodeName | number): this {
    this.draft.errorCode = typeof code === 'number' ? code : ErrorCode[code];
    return this;
  }

  /** RFC 9113 §7 NO_ERROR (0x0): not the result of an error; a graceful shutdown, say. */
  noError(): this {
    return this.code('NO_ERROR');
  }

  /** RFC 9113 §7 PROTOCOL_ERROR (0x1): an unspecific protocol error. */
  protocolError(): this {
    return this.code('PROTOCOL_ERROR');
  }

  /** RFC 9113 §7 INTERNAL_ERROR (0x2): an unexpected internal error. */
  internalError(): this {
    return this.code('INTERNAL_ERROR');
  }

  /** RFC 9113 §7 FLOW_CONTROL_ERROR (0x3): the flow-control protocol was broken (§6.9). */
  flowControlError(): this {
    return this.code('FLOW_CONTROL_ERROR');
  }

  /** RFC 9113 §7 SETTINGS_TIMEOUT (0x4): SETTINGS not acknowledged in time (§6.5.3). */
  settingsTimeout(): this {
    return this.code('SETTINGS_TIMEOUT');
  }

  /** RFC 9113 §7 STREAM_CLOSED (0x5): a frame arrived after the stream was half-closed. */
  streamClosed(): this {
    return this.code('STREAM_CLOSED');
  }

  /** RFC 9113 §7 FRAME_SIZE_ERROR (0x6): a frame of an invalid size. */
  frameSizeError(): this {
    return this.code('FRAME_SIZE_ERROR');
  }

  /** RFC 9113 §7 REFUSED_STREAM (0x7): the stream was refused before any processing; safe to retry (§8.7). */
  refusedStream(): this {
    return this.code('REFUSED_STREAM');
  }

  /** RFC 9113 §7 CANCEL (0x8): the stream is no longer needed. */
  cancel(): this {
    return this.code('CANCEL');
  }

  /** RFC 9113 §7 COMPRESSION_ERROR (0x9): the field-compression context cannot be maintained (§4.3). */
  compressionError(): this {
    return this.code('COMPRESSION_ERROR');
  }

  /** RFC 9113 §7 CONNECT_ERROR (0xa): the connection of a CONNECT request was reset or closed (§8.5). */
  connectError(): this {
    return this.code('CONNECT_ERROR');
  }

  /** RFC 9113 §7 ENHANCE_YOUR_CALM (0xb): the peer behaves in a way that might generate excessive load. */
  enhanceYourCalm(): this {
    return this.code('ENHANCE_YOUR_CALM');
  }

  /** RFC 9113 §7 INADEQUATE_SECURITY (0xc): the transport lacks the required security (§9.2). */
  inadequateSecurity(): this {
    return this.code('INADEQUATE_SECURITY');
  }

  /** RFC 9113 §7 HTTP_1_1_REQUIRED (0xd): use HTTP/1.1 for this request. */
  http11Required(): this {
    return this.code('HTTP_1_1_REQUIRED');
  }
}

/** RFC 9113 §6.4 RST_STREAM: ends one stream at once. The code defaults to NO_ERROR. */
export class RstStreamFrameBuilder extends ErrorCodeBuilder<RstStreamFrame> {
  constructor(streamId: number) {
    super({ type: 'RST_STREAM', streamId, errorCode: ErrorCode.NO_ERROR });
  }
}

/** RFC 9113 §6.8 GOAWAY: the connection is ending; streams up to lastStreamId may have been processed. The code defaults to NO_ERROR. */
export class GoawayFrameBuilder extends ErrorCodeBuilder<GoawayFrame> {
  constructor(lastStreamId: number) {
    super({ type: 'GOAWAY', streamId: 0, lastStreamId, errorCode: ErrorCode.NO_ERROR, debugData: EMPTY });
  }

  /** RFC 9113 §6.8: the Last-Stream-ID, the highest peer stream that was or may be processed. */
  lastStreamId(id: number): this {
    this.draft.lastStreamId = id;
    return this;
  }

  /** RFC 9113 §6.8: the Additional Debug Data; a string is sent as UTF-8. */
  debugData(data: Uint8Array | string): this {
    this.draft.debugData = octets(data);
    return this;
  }
}

/** RFC 9113 §6.5 SETTINGS: the sender's configuration, or (ACK) the acknowledgement of the peer's. */
export class SettingsFrameBuilder extends FrameBuilder<SettingsFrame> {
  constructor(settings: readonly Setting[] = []) {
    super({ type: 'SETTINGS', streamId: 0, ack: false, settings: settings.map((s) => ({ ...s })) });
  }

  /** RFC 9113 §6.5: the ACK flag (0x01): acknowledges the peer's SETTINGS; must then be empty. */
  ack(on = true): this {
    this.draft.ack = on;
    return this;
  }

  /**
   * RFC 9113 §6.5.1: one setting, by its §6.5.2 name or any 16-bit
   * identifier (unknown ones are ignored, §6.5.2), with any 32-bit value.
   * Added in wire order; one may repeat, the last value wins (§6.5.3).
   */
  setting(id: SettingName | number, value: number): this {
    this.draft.settings.push({ id: typeof id === 'number' ? id : SettingId[id], value });
    return this;
  }

  /** RFC 9113 §6.5.2 SETTINGS_HEADER_TABLE_SIZE (0x1): the HPACK dynamic table size the sender's decoder allows. */
  headerTableSize(n: number): this {
    return this.setting('HEADER_TABLE_SIZE', n);
  }

  /** RFC 9113 §6.5.2 SETTINGS_ENABLE_PUSH (0x2): 0 or 1; a server must not send 1. */
  enablePush(n: number | boolean): this {
    return this.setting('ENABLE_PUSH', Number(n));
  }

  /** RFC 9113 §6.5.2 SETTINGS_MAX_CONCURRENT_STREAMS (0x3): streams the sender lets its peer open at once. */
  maxConcurrentStreams(n: number): this {
    return this.setting('MAX_CONCURRENT_STREAMS', n);
  }

  /** RFC 9113 §6.5.2 SETTINGS_INITIAL_WINDOW_SIZE (0x4): each stream's initial flow-control window, at most 2^31-1. */
  initialWindowSize(n: number): this {
    return this.setting('INITIAL_WINDOW_SIZE', n);
  }

  /** RFC 9113 §6.5.2 SETTINGS_MAX_FRAME_SIZE (0x5): the largest payload the sender accepts, 2^14..2^24-1. */
  maxFrameSize(n: number): this {
    return this.setting('MAX_FRAME_SIZE', n);
  }

  /** RFC 9113 §6.5.2 SETTINGS_MAX_HEADER_LIST_SIZE (0x6): advisory largest field section the sender accepts. */
  maxHeaderListSize(n: number): this {
    return this.setting('MAX_HEADER_LIST_SIZE', n);
  }

  override frame(): SettingsFrame {
    return { ...this.draft, settings: this.draft.settings.map((s) => ({ ...s })) };
  }
}

/** RFC 9113 §6.7 PING: measures a round trip; the receiver answers with an ACK carrying the same 8 octets. */
export class PingFrameBuilder extends FrameBuilder<PingFrame> {
  constructor(data: Uint8Array | string = new Uint8Array(8)) {
    super({ type: 'PING', streamId: 0, ack: false, data: octets(data) });
  }

  /** RFC 9113 §6.7: the ACK flag (0x01): this PING answers one. */
  ack(on = true): this {
    this.draft.ack = on;
    return this;
  }

  /** RFC 9113 §6.7: the Opaque Data, 8 octets on a legal frame; a string is sent as UTF-8. */
  data(data: Uint8Array | string): this {
    this.draft.data = octets(data);
    return this;
  }
}

/** RFC 9113 §6.9 WINDOW_UPDATE: grants more flow-control window, on a stream or (stream 0) the connection. */
export class WindowUpdateFrameBuilder extends FrameBuilder<WindowUpdateFrame> {
  constructor(streamId: number, increment: number) {
    super({ type: 'WINDOW_UPDATE', streamId, windowSizeIncrement: increment });
  }

  /** RFC 9113 §6.9: the Window Size Increment, 1..2^31-1 on a legal frame (0 is an error, §6.9). */
  increment(n: number): this {
    this.draft.windowSizeIncrement = n;
    return this;
  }
}

/** RFC 9113 §4.1, §5.5: a frame of a type the RFC does not define, which a receiver must ignore. */
export class UnknownFrameBuilder extends FrameBuilder<UnknownFrame> {
  constructor(frameType: number) {
    super({ type: 'UNKNOWN', frameType, flags: 0, streamId: 0, payload: EMPTY });
  }

  /** RFC 9113 §4.1: the Flags octet, all 8 bits as given. */
  flags(flags: number): this {
    this.draft.flags = flags;
    return this;
  }

  /** RFC 9113 §4.1: the Frame Payload, opaque. */
  payload(payload: Uint8Array | readonly number[]): this {
    this.draft.payload = octets(payload);
    return this;
  }
}

/**
 * RFC 9113 §4.1: a frame header with any bits at all, and any payload: for
 * frames no Frame object can describe (a PING of 7 octets, a Pad Length
 * larger than the payload, a Length that lies). It has no frame(): the
 * octets may not even decode.
 */
export class RawFrameBuilder implements EncodableFrame {
  readonly #raw: RawFrame;

  constructor(type: FrameTypeName | number, streamId = 0) {
    this.#raw = { type: typeof type === 'number' ? type : FrameType[type], flags: 0, streamId, payload: EMPTY };
  }

  /** RFC 9113 §4.1: the Type octet. */
  type(type: FrameTypeName | number): this {
    this.#raw.type = typeof type === 'number' ? type : FrameType[type];
    return this;
  }

  /** RFC 9113 §4.1: the Flags octet, all 8 bits as given (unused ones included). */
  flags(flags: number): this {
    this.#raw.flags = flags;
    return this;
  }

  /** RFC 9113 §6: set flag bits by name (END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY), whatever the type. */
  flag(...names: FlagName[]): this {
    for (const name of names) this.#raw.flags |= Flag[name];
    return this;
  }

  /** RFC 9113 §4.1: the Stream Identifier, any 31-bit value. */
  streamId(id: number): this {
    this.#raw.streamId = id;
    return this;
  }

  /** RFC 9113 §4.1: the Frame Payload, octets as given. */
  payload(payload: Uint8Array | readonly number[]): this {
    this.#raw.payload = octets(payload);
    return this;
  }

  /** RFC 9113 §4.1: a Length field that claims `length` octets, whatever the payload's size. */
  length(length: number): this {
    this.#raw.length = length;
    return this;
  }

  /** RFC 9113 §4.1: the reserved bit R before the stream id, which senders must leave unset. */
  reservedBit(on = true): this {
    this.#raw.reservedBit = on;
    return this;
  }

  /** RFC 9113 §4.1: the header fields and payload, as encodeRawFrame takes them (a copy). */
  rawFrame(): RawFrame {
    return { ...this.#raw };
  }

  /** RFC 9113 §4.1: the 9-octet header exactly as given, then the payload. */
  encode(): Buffer {
    return encodeRawFrame(this.#raw);
  }
}

// ---- the factory ------------------------------------------------------------

export interface FrameBuildersOptions {
  /**
   * The HPACK encoder for field blocks (RFC 7541): the one whose dynamic
   * table the receiving connection's decoder mirrors. Default: a stateless
   * one (every field a literal never indexed, RFC 7541 §6.2.3).
   */
  encoder?: FieldBlockEncoder;
  /** The :scheme of request() (RFC 9113 §8.3.1). Default "https". */
  scheme?: string;
  /** The :authority of request() (RFC 9113 §8.3.1). Default "example.com". */
  authority?: string;
}

/**
 * Encodes every field as a literal never indexed (RFC 7541 §6.2.3), without
 * Huffman coding: no dynamic table is read or changed, so a block decodes
 * the same whatever was sent before it, and the same fields always give the
 * same octets.
 */
const statelessEncoder = new HpackEncoder({ huffman: false, isSensitive: () => true });

/** One builder per frame type of RFC 9113 §6, sharing one HPACK encoder for field blocks. */
export class FrameBuilders {
  readonly #encoding: FieldEncoding;

  constructor(options: FrameBuildersOptions = {}) {
    this.#encoding = {
      encoder: options.encoder ?? statelessEncoder,
      scheme: options.scheme ?? 'https',
      authority: options.authority ?? 'example.com',
    };
  }

  /** RFC 9113 §6.1: DATA on `streamId`, without END_STREAM; a string is sent as UTF-8. */
  data(streamId: number, data: Uint8Array | string = EMPTY): DataFrameBuilder {
    return new DataFrameBuilder(streamId, data);
  }

  /** RFC 9113 §6.2: HEADERS on `streamId`, with END_HEADERS and without END_STREAM; give it fields or a block. */
  headers(streamId: number): HeadersFrameBuilder {
    return new HeadersFrameBuilder(streamId, this.#encoding);
  }

  /** RFC 9113 §6.3: PRIORITY on `streamId`: depends on 0, weight 16, not exclusive, until told otherwise. */
  priority(streamId: number): PriorityFrameBuilder {
    return new PriorityFrameBuilder(streamId);
  }

  /** RFC 9113 §6.4: RST_STREAM on `streamId`, NO_ERROR until an error code is chosen. */
  rstStream(streamId: number): RstStreamFrameBuilder {
    return new RstStreamFrameBuilder(streamId);
  }

  /** RFC 9113 §6.5: SETTINGS on stream 0, with these settings (more may be added). */
  settings(settings: readonly Setting[] = []): SettingsFrameBuilder {
    return new SettingsFrameBuilder(settings);
  }

  /** RFC 9113 §6.6: PUSH_PROMISE on `streamId` reserving `promisedStreamId`, with END_HEADERS; give it the promised request. */
  pushPromise(streamId: number, promisedStreamId: number): PushPromiseFrameBuilder {
    return new PushPromiseFrameBuilder(streamId, promisedStreamId, this.#encoding);
  }

  /** RFC 9113 §6.7: PING on stream 0 with these 8 octets (default zeros). */
  ping(data?: Uint8Array | string): PingFrameBuilder {
    return new PingFrameBuilder(data);
  }

  /** RFC 9113 §6.8: GOAWAY on stream 0 naming `lastStreamId`, NO_ERROR until an error code is chosen. */
  goaway(lastStreamId = 0): GoawayFrameBuilder {
    return new GoawayFrameBuilder(lastStreamId);
  }

  /** RFC 9113 §6.9: WINDOW_UPDATE of `increment` on `streamId` (0: the connection). */
  windowUpdate(streamId: number, increment: number): WindowUpdateFrameBuilder {
    return new WindowUpdateFrameBuilder(streamId, increment);
  }

  /** RFC 9113 §6.10: CONTINUATION on `streamId`, with END_HEADERS; give it fields or a block. */
  continuation(streamId: number): ContinuationFrameBuilder {
    return new ContinuationFrameBuilder(streamId, this.#encoding);
  }

  /** RFC 9113 §5.5: a frame of extension type `frameType` (0x0a..0xff), on stream 0, no flags, empty. */
  unknown(frameType: number): UnknownFrameBuilder {
    return new UnknownFrameBuilder(frameType);
  }

  /** RFC 9113 §4.1: a raw frame header of `type` on `streamId`, no flags, empty payload, to fill in bit by bit. */
  raw(type: FrameTypeName | number, streamId = 0): RawFrameBuilder {
    return new RawFrameBuilder(type, streamId);
  }
}

/** Builders needing no connection: field blocks are encoded without a dynamic table (see FrameBuildersOptions.encoder). */
export const frames: FrameBuilders = new FrameBuilders();
