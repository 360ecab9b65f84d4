// The HTTP/2 endpoint: pure protocol logic, no I/O. Bytes go in through
// receive(), events come out of it; the application acts through methods
// (respond, sendData, push, request, ...) and takes the bytes to write with
// takeOutput(). Time, where it matters, is passed in.
//
// Where each rule lives: frame syntax in src/frames/decode.ts, stream states
// in stream-states.ts, windows in flow-control.ts, push permission in
// push-rules.ts, field blocks in header-block-assembly.ts, HTTP message rules
// in message-rules.ts. This file routes frames between them and turns
// protocol errors into GOAWAY / RST_STREAM, in #fail().

import { CLIENT_PREFACE, DEFAULT_SETTINGS, ErrorCode, frameTypeName, MAX_STREAM_ID, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE, SettingId } from '../frames/constants.js';
import { FrameDecoder } from '../frames/decode.js';
import { payloadLength } from '../frames/encode.js';
import type {
  ContinuationFrame,
  DataFrame,
  Frame,
  GoawayFrame,
  HeadersFrame,
  PingFrame,
  PriorityFrame,
  PushPromiseFrame,
  RstStreamFrame,
  SettingsFrame,
  WindowUpdateFrame,
} from '../frames/frame.js';
import { ConnectionError, StreamError } from '../protocol-errors.js';
import { HpackDecodeError } from '../hpack/errors.js';
import { DEFAULT_MAX_FIELD_COUNT, DEFAULT_MAX_HEADER_LIST_SIZE, HpackDecoder } from '../hpack/decoder.js';
import { HpackEncoder } from '../hpack/encoder.js';
import { type HeaderField, type HeaderList, headerListSize, isOctetString } from '../hpack/header-list.js';
import type { EndpointEvent } from './events.js';
import { type AbuseLimits, DEFAULT_ABUSE_LIMITS, TokenBucket } from './abuse-limits.js';
import { OctetBuffer } from './octet-buffer.js';
import { ReceiveWindow, SendWindow } from './flow-control.js';
import { HeaderBlockAssembly } from './header-block-assembly.js';
import { checkPushedRequest, checkReceivedFields, contentLength } from './message-rules.js';
import { type FrameHook, OutboundQueue } from './outbound.js';
import { PushError, pushRefusal } from './push-rules.js';
import { applySettings, INITIAL_SETTINGS, type Settings, settingsDiff } from './settings.js';
import { Stream } from './stream.js';
import { isActive, isClosed, isViolation, onReceive, onSend, type StreamEvent, type StreamState } from './stream-states.js';

export type Role = 'server' | 'client';

export interface EndpointLimits extends AbuseLimits {
  /** Octets of one field block, over all its frames (RFC 9113 §6.10). Default 65,536 + 16,384. */
  maxHeaderBlockBytes: number;
  /** CONTINUATION frames in one field block. Default 32. */
  maxContinuations: number;
  /** Closed streams remembered, to tell "recently closed" from "never opened" (§5.1). Default 256. */
  closedStreamsRemembered: number;
  /** Our dynamic table size for encoding, capped by the peer's SETTINGS_HEADER_TABLE_SIZE. Default 4,096. */
  encoderTableSize: number;
  /** Fields in one received header list (an HPACK bomb bound). Default 128. */
  maxFieldCount: number;
  /**
   * Octets this connection may hold for the peer (heldBytes(): undecoded
   * input, an open field block, the field sections of open streams, unread
   * body, queued frames); past it, GOAWAY ENHANCE_YOUR_CALM. Default 10 MiB,
   * as node:http2's maxSessionMemory.
   */
  maxHeldBytes: number;
}

/**
 * What a connection holds, in octets, by kind. All but `outgoing` are held
 * for the peer and count against limits.maxHeldBytes. `outgoing` is what
 * the application sends (its header blocks, and DATA in its own buffers,
 * uncopied), waiting for the peer's flow-control windows or for the output
 * to be taken: the application's back-pressure bounds it, and
 * timeouts.sendStallMs (and the server's writeStallMs) how long a peer can
 * keep it waiting.
 */
export interface Holdings {
  /** Received octets not yet decoded: at most one partial frame between receive() calls. */
  input: number;
  /** Fragments of a field block still open (HEADERS or PUSH_PROMISE and CONTINUATIONs, §6.10). */
  fieldBlock: number;
  /** Decoded field sections of streams not yet closed, counted as name + value + 32 per field (§6.5.2). */
  fields: number;
  /** DATA received and not yet read with readBody(): at most the receive windows granted (§6.9). */
  body: number;
  /** Control frames queued and not yet taken with takeOutput(): the ACKs, resets and window updates we owe the peer, GOAWAY. */
  control: number;
  /** What the application sends, queued: not counted against maxHeldBytes. */
  outgoing: number;
}

export interface EndpointOptions {
  role: Role;
  /** Settings we advertise (RFC 9113 §6.5.2). Defaults: MAX_CONCURRENT_STREAMS 100, MAX_HEADER_LIST_SIZE 65,536. */
  settings?: Partial<Settings>;
  /** The connection-level receive window we keep open (§6.9.2: only WINDOW_UPDATE can set it). Default 1 MiB. */
  connectionWindowSize?: number;
  limits?: Partial<EndpointLimits>;
  /** Sees every frame received (before it takes effect) and sent (as it is queued), in order. */
  onFrame?: FrameHook;
  /** Sees every field list decoded (in) or encoded (out), right after its frames; for tracing. */
  onFields?: (direction: 'in' | 'out', streamId: number, fields: HeaderList) => void;
  /** Sees every stream state change (§5.1), right after the frame that caused it. */
  onStreamState?: (streamId: number, from: StreamState, to: StreamState) => void;
  /** Deadlines, in the same unit as the `now` values passed in (milliseconds by convention). */
  timeouts?: Partial<EndpointTimeouts>;
  /** The time at creation; later times come with receive() and tick(). Default 0. */
  now?: number;
}

export interface EndpointTimeouts {
  /** From creation to the peer's preface and first SETTINGS (§3.4). Default 10,000. */
  prefaceMs: number;
  /** From sending SETTINGS to its ACK; then GOAWAY SETTINGS_TIMEOUT (§6.5.3). Default 10,000. */
  settingsAckMs: number;
  /**
   * No stream open this long (since the last one closed, or since the
   * start): the connection is shut down gracefully. Frames that open no
   * stream (PING, SETTINGS, ...) do not keep it alive. Default 120,000.
   */
  idleMs: number;
  /** A field block left open (HEADERS without END_HEADERS) this long ends the connection (slowloris). Default 10,000. */
  headerBlockMs: number;
  /**
   * After a graceful GOAWAY, the PING sent with it must come back within
   * this; if not, the final GOAWAY goes out anyway (§6.8). Default 10,000.
   */
  shutdownPingMs: number;
  /**
   * DATA waiting and none sent for this long, because the peer keeps its
   * flow-control windows shut (§6.9): GOAWAY ENHANCE_YOUR_CALM. Default
   * 60,000, as nginx's send_timeout.
   */
  sendStallMs: number;
}

const DEFAULT_TIMEOUTS: EndpointTimeouts = {
  prefaceMs: 10_000,
  settingsAckMs: 10_000,
  idleMs: 120_000,
  headerBlockMs: 10_000,
  shutdownPingMs: 10_000,
  sendStallMs: 60_000,
};

/** Misuse of the endpoint's API by the application (never caused by the peer). */
export class EndpointUsageError extends Error {
  override readonly name = 'EndpointUsageError';
}

export const DEFAULT_LOCAL_SETTINGS: Readonly<Settings> = {
  ...INITIAL_SETTINGS,
  maxConcurrentStreams: 100,
  maxHeaderListSize: DEFAULT_MAX_HEADER_LIST_SIZE,
};

const DEFAULT_LIMITS: EndpointLimits = {
  maxHeaderBlockBytes: DEFAULT_MAX_HEADER_LIST_SIZE + MIN_MAX_FRAME_SIZE, // the list limit plus one frame, compressed
  maxContinuations: 32,
  closedStreamsRemembered: 256,
  encoderTableSize: DEFAULT_SETTINGS.HEADER_TABLE_SIZE,
  maxFieldCount: DEFAULT_MAX_FIELD_COUNT,
  maxHeldBytes: 10 * 1024 * 1024,
  ...DEFAULT_ABUSE_LIMITS,
};

const NO_EVENTS: EndpointEvent[] = [];
const NO_OCTETS = new Uint8Array(0);
Object.freeze(NO_EVENTS);

const SHUTDOWN_PING = new Uint8Array([0x68, 0x32, 0x77, 0x2d, 0x62, 0x79, 0x65, 0x21]); // "h2w-bye!"

// Endpoints made with the same options object (a server's connections)
// share one merged copy: read-only, and a copy per connection was memory
// for nothing. Cached per defaults object, then per options object.
const merged = new WeakMap<object, WeakMap<object, object>>();

/** defaults, then options, then `pinned` (what options cannot change); shared, never to be modified. */
function withDefaults<T extends object>(defaults: T, options: Partial<T> | undefined, pinned?: Partial<T>): T {
  if (!options) return defaults;
  let byOptions = merged.get(defaults);
  if (!byOptions) merged.set(defaults, (byOptions = new WeakMap()));
  let m = byOptions.get(options) as T | undefined;
  if (!m) byOptions.set(options, (m = { ...defaults, ...options, ...pinned }));
  return m;
}

// §6.5.2: a server never sends SETTINGS_ENABLE_PUSH=1, whatever it is given.
const SERVER_PINNED: Partial<Settings> = { enablePush: INITIAL_SETTINGS.enablePush };
const SERVER_WANTED: Settings = { ...DEFAULT_LOCAL_SETTINGS, ...SERVER_PINNED };

/** The settings an endpoint asks for. */
function wantedSettings(role: Role, options: Partial<Settings> | undefined): Readonly<Settings> {
  return role === 'server' ? withDefaults(SERVER_WANTED, options, SERVER_PINNED) : withDefaults(DEFAULT_LOCAL_SETTINGS, options);
}

/** Shared empty collections, replaced by an endpoint's own on first insertion (never added to). */
const NO_STREAMS = new Map<number, Stream>();
const NONE_READY = new Set<Stream>();

export class Http2Endpoint {
  readonly role: Role;
  readonly #limits: EndpointLimits;
  readonly #decoder = new FrameDecoder();
  readonly #out: OutboundQueue;
  readonly #blocks: HeaderBlockAssembly;
  readonly #encoder: HpackEncoder;
  readonly #fieldDecoder: HpackDecoder;
  readonly #hook: FrameHook | undefined;
  readonly #stateHook: EndpointOptions['onStreamState'];
  readonly #fieldsHook: EndpointOptions['onFields'];

  #prefaceSeen = 0; // server: octets of the client preface matched so far
  #peerSettingsSeen = false;
  // Settings objects are replaced, never changed: the initial ones are shared by every endpoint.
  readonly #initialLocal: Readonly<Settings> = INITIAL_SETTINGS;
  #local: Readonly<Settings> = this.#initialLocal; // ours, in force (acknowledged)
  readonly #localPending: Settings[] = []; // ours, sent and not yet acknowledged
  #localWanted: Readonly<Settings>;
  #peer: Readonly<Settings> = INITIAL_SETTINGS;

  // The stream collections are made with the first stream: an empty Map or
  // Set is ~200 octets, and an idle connection needs none (heap snapshots).
  #streams: Map<number, Stream> = NO_STREAMS;
  readonly #closedOrder: number[] = []; // a ring of the last closed ids
  #closedNext = 0;
  #ready: Set<Stream> = NONE_READY; // streams with queued output
  #lastPeerStreamId = 0; // highest stream id the peer opened or promised
  #nextLocalStreamId: number;
  #activeLocal = 0; // our streams counting against the peer's MAX_CONCURRENT_STREAMS
  #activePeer = 0; // the peer's streams counting against ours

  readonly #connSend = new SendWindow(INITIAL_SETTINGS.initialWindowSize);
  readonly #connRecv = new ReceiveWindow(INITIAL_SETTINGS.initialWindowSize);

  #events: EndpointEvent[] = [];
  #goawaySent: { lastStreamId: number; final: boolean } | undefined;
  #goawayReceived: GoawayFrame | undefined;
  #closedBy: ConnectionError | undefined;
  readonly #timeouts: EndpointTimeouts;
  readonly #createdAt: number;
  #now: number;
  /** Since when no stream has been open (undefined while one is): the idle deadline counts from it. */
  #idleSince: number | undefined;
  /** While DATA waits on the peer's windows: when the last DATA went (or the wait began). */
  #stalledSince: number | undefined;
  /** When shutdown() sent its GOAWAY and PING (undefined before, and once the PING came back). */
  #shutdownPingAt: number | undefined;
  /** Running totals for heldBytes(): field sections of open streams, memory of unread bodies. */
  #fieldBytes = 0;
  #bodyBytes = 0;
  /** Unread bodies of closed streams no longer remembered (readBody still finds them). */
  #orphanBodies: Map<number, OctetBuffer> | undefined;
  readonly #settingsSentAt: number[] = []; // parallel to #localPending
  readonly #resets: TokenBucket;
  readonly #useless: TokenBucket;
  #blockOpenedAt = 0;

  constructor(options: EndpointOptions) {
    this.role = options.role;
    this.#timeouts = withDefaults(DEFAULT_TIMEOUTS, options.timeouts);
    this.#createdAt = this.#now = options.now ?? 0;
    this.#idleSince = this.#createdAt;
    this.#limits = withDefaults(DEFAULT_LIMITS, options.limits);
    this.#hook = options.onFrame;
    this.#stateHook = options.onStreamState;
    this.#fieldsHook = options.onFields;
    this.#out = new OutboundQueue(this.#peer.maxFrameSize, this.#hook);
    this.#blocks = new HeaderBlockAssembly({ maxBlockBytes: this.#limits.maxHeaderBlockBytes, maxContinuations: this.#limits.maxContinuations });
    this.#resets = new TokenBucket(this.#limits.resetBurst, this.#limits.resetsPerSecond, this.#now);
    this.#useless = new TokenBucket(this.#limits.uselessFrameBurst, this.#limits.uselessFramesPerSecond, this.#now);
    this.#nextLocalStreamId = this.role === 'client' ? 1 : 2;
    this.#localWanted = wantedSettings(this.role, options.settings);
    this.#encoder = new HpackEncoder({ maxTableSize: this.#limits.encoderTableSize });
    this.#fieldDecoder = new HpackDecoder({
      maxTableSize: this.#local.headerTableSize,
      maxHeaderListSize: this.#localWanted.maxHeaderListSize,
      maxFieldCount: this.#limits.maxFieldCount,
    });

    // §3.4: the client sends the preface; both sides send SETTINGS first.
    if (this.role === 'client') this.#out.pushBytes(CLIENT_PREFACE);
    this.#sendSettings(this.#localWanted);
    const connWindow = options.connectionWindowSize ?? 1 << 20;
    const increment = this.#connRecv.grow(Math.min(connWindow, MAX_WINDOW_SIZE));
    if (increment > 0) this.#out.push({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: increment });
  }

  // ---- inspection --------------------------------------------------------

  /** Settings we advertised that the peer has acknowledged. */
  get localSettings(): Readonly<Settings> {
    return this.#local;
  }

  get peerSettings(): Readonly<Settings> {
    return this.#peer;
  }

  /** The connection error that ended this endpoint, if any. */
  get closedBy(): ConnectionError | undefined {
    return this.#closedBy;
  }

  /** Ended by a connection error, or shut down with no stream left: the socket can close. */
  get finished(): boolean {
    if (this.#closedBy) return true;
    const goingAway = (this.#goawaySent?.final ?? false) || this.#goawayReceived !== undefined;
    return goingAway && this.#activeLocal + this.#activePeer === 0 && this.#reservedCount() === 0;
  }

  streamState(id: number): StreamState | undefined {
    return this.#streams.get(id)?.state;
  }

  /** What this connection holds now, by kind (see Holdings). */
  held(): Holdings {
    let queued = 0;
    for (const s of this.#ready) queued += s.queuedBytes;
    const control = this.#out.controlBytes;
    return {
      input: this.#decoder.bufferedBytes,
      fieldBlock: this.#blocks.bufferedBytes,
      fields: this.#fieldBytes,
      body: this.#bodyBytes,
      control,
      outgoing: this.#out.bytes - control + queued,
    };
  }

  /** Octets held for the peer: every kind in held() but what the application sends. Bounded by limits.maxHeldBytes. */
  heldBytes(): number {
    return this.#decoder.bufferedBytes + this.#blocks.bufferedBytes + this.#fieldBytes + this.#bodyBytes + this.#out.controlBytes;
  }

  /** The stream's and connection's send windows (what DATA may be sent now). */
  sendWindow(streamId: number): { stream: number; connection: number } | undefined {
    const s = this.#streams.get(streamId);
    return s && { stream: s.send.size, connection: this.#connSend.size };
  }

  /** DATA octets sent on a stream so far (0 once the stream is forgotten). */
  sentBytes(streamId: number): number {
    return this.#streams.get(streamId)?.sentBytes ?? 0;
  }

  /** DATA octets queued on a stream and not yet sent. */
  queuedBytes(streamId: number): number {
    return this.#streams.get(streamId)?.queuedBytes ?? 0;
  }

  // ---- input -------------------------------------------------------------

  /**
   * Process received bytes (any chunking). Returns the events they caused.
   * Never throws because of what the peer sent: a protocol error becomes a
   * GOAWAY or RST_STREAM in the output and an event here.
   */
  receive(bytes: Uint8Array, now?: number): EndpointEvent[] {
    if (this.#closedBy) return this.takeEvents();
    if (now !== undefined) this.#now = now;
    try {
      const rest = this.role === 'server' ? this.#matchPreface(bytes) : bytes;
      this.#decoder.push(rest);
      while (!this.#closedBy) {
        let frame: Frame | null;
        try {
          frame = this.#decoder.next();
        } catch (e) {
          if (!(e instanceof StreamError)) throw e;
          // §4.3: nothing may come inside a field block, not even a frame malformed in a way that costs only its stream.
          const { type, streamId } = this.#decoder.lastHeader!;
          this.#blocks.check(frameTypeName(type) ?? 'UNKNOWN', streamId);
          this.#streamError(e); // the decoder goes on after a stream error
          continue;
        }
        if (!frame) break;
        this.#hook?.('in', frame);
        try {
          this.#dispatch(frame);
        } catch (e) {
          this.#fail(e);
        }
      }
    } catch (e) {
      this.#fail(e);
    }
    this.#checkBudget();
    return this.takeEvents();
  }

  /** What the peer made us hold must stay within limits.maxHeldBytes; past it, the connection ends. */
  #checkBudget(): void {
    const held = this.heldBytes();
    if (held > this.#limits.maxHeldBytes && !this.#closedBy)
      this.#closeWith(new ConnectionError('ENHANCE_YOUR_CALM', `holding ${held} octets for this connection, over its budget of ${this.#limits.maxHeldBytes} (limits.maxHeldBytes)`));
  }

  /**
   * Events raised outside receive() (e.g. 'writable' while producing output).
   * Like receive()'s, the array returned is read-only (an empty one is shared).
   */
  takeEvents(): EndpointEvent[] {
    const events = this.#events;
    if (events.length === 0) return NO_EVENTS;
    this.#events = [];
    return events;
  }

  #matchPreface(bytes: Uint8Array): Uint8Array {
    if (this.#prefaceSeen === CLIENT_PREFACE.length) return bytes;
    const n = Math.min(bytes.length, CLIENT_PREFACE.length - this.#prefaceSeen);
    for (let i = 0; i < n; i++) {
      if (bytes[i] !== CLIENT_PREFACE[this.#prefaceSeen + i])
        throw new ConnectionError('PROTOCOL_ERROR', 'invalid connection preface: expected "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" (RFC 9113 §3.4)');
    }
    this.#prefaceSeen += n;
    return bytes.subarray(n);
  }

  #dispatch(frame: Frame): void {
    if (!this.#peerSettingsSeen && (frame.type !== 'SETTINGS' || frame.ack))
      throw new ConnectionError('PROTOCOL_ERROR', `the peer's connection preface must start with a SETTINGS frame, got ${frame.type} (RFC 9113 §3.4)`);
    this.#blocks.check(frame.type, frame.streamId);
    if (this.#isUseless(frame) && !this.#useless.take(this.#now))
      throw new ConnectionError('ENHANCE_YOUR_CALM', `too many ${frame.type} frames that do no work (more than ${this.#limits.uselessFrameBurst}, then ${this.#limits.uselessFramesPerSecond}/s)`);
    switch (frame.type) {
      case 'DATA':
        return this.#onData(frame);
      case 'HEADERS':
      case 'PUSH_PROMISE': {
        const done = this.#blocks.start(frame);
        if (done) this.#onFieldBlock(done.first, done.block);
        else this.#blockOpenedAt = this.#now;
        return;
      }
      case 'CONTINUATION':
        return this.#onContinuation(frame);
      case 'PRIORITY':
        return this.#onPriority(frame);
      case 'RST_STREAM':
        return this.#onRstStream(frame);
      case 'SETTINGS':
        return this.#onSettings(frame);
      case 'PING':
        return this.#onPing(frame);
      case 'GOAWAY':
        return this.#onGoaway(frame);
      case 'WINDOW_UPDATE':
        return this.#onWindowUpdate(frame);
      case 'UNKNOWN':
        return; // §5.5: ignored
    }
  }

  /** Frames that make us work without moving any request forward (CVE-2019-9512/9515/9518). */
  #isUseless(frame: Frame): boolean {
    switch (frame.type) {
      case 'PING':
      case 'PRIORITY':
      case 'UNKNOWN':
        return true;
      case 'SETTINGS':
        return !frame.ack;
      case 'DATA':
        return frame.data.length === 0 && !frame.endStream;
      case 'WINDOW_UPDATE':
        return frame.streamId !== 0 && isClosed(this.#streams.get(frame.streamId)?.state ?? this.#untrackedState(frame.streamId));
      default:
        return false;
    }
  }

  /** A stream was reset by the peer, or by us because of the peer: rate limited (Rapid Reset, MadeYouReset). */
  #countReset(what = 'streams reset'): void {
    if (!this.#resets.take(this.#now))
      throw new ConnectionError('ENHANCE_YOUR_CALM', `too many ${what} (more than ${this.#limits.resetBurst}, then ${this.#limits.resetsPerSecond}/s)`);
  }

  /** Control frames we must queue in answer; a peer that does not read cannot make them pile up. */
  #checkControlQueue(): void {
    if (this.#out.frames >= this.#limits.maxQueuedControlFrames)
      throw new ConnectionError('ENHANCE_YOUR_CALM', `more than ${this.#limits.maxQueuedControlFrames} frames queued for a peer that does not read`);
  }

  #onContinuation(frame: ContinuationFrame): void {
    const done = this.#blocks.continue(frame);
    if (done) this.#onFieldBlock(done.first, done.block);
  }

  /** Does this id belong to streams the peer initiates? (§5.1.1: clients odd, servers even.) */
  #isPeerInitiated(id: number): boolean {
    return (id % 2 === 1) === (this.role === 'server');
  }

  /**
   * The state of a stream we have no record of: idle if it was never used,
   * closed if its id was passed over or forgotten (§5.1.1).
   */
  #untrackedState(id: number): StreamState {
    if (this.#isPeerInitiated(id)) {
      // §6.8: after our final GOAWAY, new streams above its last id are ignored.
      if (this.#goawaySent?.final && id > this.#goawaySent.lastStreamId) return 'closed_reset';
      return id > this.#lastPeerStreamId ? 'idle' : 'closed';
    }
    return id >= this.#nextLocalStreamId ? 'idle' : 'closed';
  }

  /**
   * Apply a received event to a stream per the §5.1 table. Returns the
   * stream, or undefined if the frame is to be ignored. Throws the RFC's error.
   */
  #receiveOn(id: number, event: StreamEvent, beforeChange?: (stream: Stream) => void): Stream | undefined {
    const stream = this.#streams.get(id);
    const state = stream?.state ?? this.#untrackedState(id);
    const t = onReceive(state, event);
    if (isViolation(t)) {
      const msg = `${t.why}; stream ${id} is ${state.replace('_', ' ')}`;
      throw t.scope === 'connection' ? new ConnectionError(t.code, msg) : new StreamError(id, t.code, msg);
    }
    if (t === 'ignore' || !stream) return undefined;
    beforeChange?.(stream);
    this.#setState(stream, t);
    return stream;
  }

  // ---- HEADERS, PUSH_PROMISE ----------------------------------------------

  /** The block's fields, or null if they exceed a limit of ours. */
  #decodeFields(block: Uint8Array): HeaderField[] | null {
    // Always decoded, even for a stream about to be refused: the HPACK
    // dynamic table must stay in step with the peer's (§4.3).
    try {
      return this.#fieldDecoder.decode(block);
    } catch (e) {
      if (!(e instanceof HpackDecodeError)) throw e;
      if (e.contextIntact) return null; // a limit: this stream only (§10.5.1)
      throw e.toConnectionError(); // COMPRESSION_ERROR (§4.3)
    }
  }

  #onFieldBlock(first: HeadersFrame | PushPromiseFrame, block: Uint8Array): void {
    const decoded = this.#decodeFields(block);
    const tooLarge = decoded === null;
    const fields = decoded ?? [];
    this.#fieldsHook?.('in', first.type === 'PUSH_PROMISE' ? first.promisedStreamId : first.streamId, fields);
    if (first.type === 'PUSH_PROMISE') return this.#onPushPromise(first, fields, tooLarge);
    const id = first.streamId;

    let stream = this.#streams.get(id);
    if (!stream) {
      if (this.#isPeerInitiated(id) && this.role === 'client')
        throw new ConnectionError('PROTOCOL_ERROR', `HEADERS on stream ${id}, which the server never promised (RFC 9113 §5.1)`);
      if (this.#isPeerInitiated(id) && id <= this.#lastPeerStreamId)
        throw new ConnectionError('PROTOCOL_ERROR', `HEADERS on stream ${id}, not above the last stream ${this.#lastPeerStreamId} (RFC 9113 §5.1.1)`);
      if (!this.#isPeerInitiated(id)) {
        this.#receiveOn(id, 'recv_headers'); // throws the table's verdict for our own unused or closed ids
        throw new ConnectionError('PROTOCOL_ERROR', `HEADERS from the client on even stream ${id} (RFC 9113 §5.1.1)`);
      }
      // A new request stream (server).
      if (this.#goawaySent?.final && id > this.#goawaySent.lastStreamId) return; // §6.8: ignored
      this.#lastPeerStreamId = id;
      stream = this.#newStream(id);
      if (this.#activePeer >= Math.min(this.#local.maxConcurrentStreams, this.#localWanted.maxConcurrentStreams)) {
        this.#receiveOn(id, 'recv_headers'); // opened, then refused: the client may retry it (§8.7)
        throw new StreamError(id, 'REFUSED_STREAM', `more than ${this.#localWanted.maxConcurrentStreams} concurrent streams (RFC 9113 §5.1.2)`);
      }
    }
    const before = stream.state;
    if (!this.#receiveOn(id, 'recv_headers')) return;
    if (first.priority && first.priority.dependsOn === id)
      throw new StreamError(id, 'PROTOCOL_ERROR', `stream ${id} depends on itself (RFC 7540 §5.3.1)`);
    if (tooLarge) return this.#fieldListTooLarge(stream);
    this.#onHeaders(stream, before, fields, first.endStream);
  }

  #onHeaders(stream: Stream, before: StreamState, fields: HeaderField[], endStream: boolean): void {
    const id = stream.id;
    const opening = this.role === 'server' ? before === 'idle' : !stream.finalResponse;
    if (!opening) {
      // A trailer section: it must end the stream (§8.1).
      if (!endStream) throw new StreamError(id, 'PROTOCOL_ERROR', 'a second HEADERS without END_STREAM: trailers must end the stream (RFC 9113 §8.1)');
      checkReceivedFields(id, 'trailers', fields);
      this.#checkLength(stream, true);
      this.#holdFields(stream, fields);
      this.#events.push({ type: 'trailers', streamId: id, headers: fields });
      return this.#receiveEnd(stream);
    }
    if (this.role === 'server') {
      checkReceivedFields(id, 'request', fields);
      stream.expectedLength = contentLength(id, fields);
      if (endStream) this.#checkLength(stream, true);
      this.#holdFields(stream, fields);
      this.#events.push({ type: 'request', streamId: id, headers: fields, endStream });
    } else {
      const status = checkReceivedFields(id, before === 'reserved_remote' ? 'pushed-response' : 'response', fields, endStream);
      if (status < 200) {
        this.#events.push({ type: 'informational', streamId: id, headers: fields });
        return;
      }
      stream.finalResponse = true;
      // §8.1.1: a response defined to have no content may still carry content-length.
      const noContent = stream.headRequest || status === 204 || status === 304;
      stream.expectedLength = noContent ? undefined : contentLength(id, fields);
      if (endStream) this.#checkLength(stream, true);
      this.#holdFields(stream, fields);
      this.#events.push({ type: 'response', streamId: id, headers: fields, endStream, pushed: id % 2 === 0 });
    }
    if (endStream) this.#receiveEnd(stream);
  }

  /** A field section handed to the application: counted as held while its stream lives. */
  #holdFields(stream: Stream, fields: HeaderList): void {
    const size = headerListSize(fields);
    stream.fieldBytes += size;
    this.#fieldBytes += size;
  }

  /** The peer's field list exceeded our SETTINGS_MAX_HEADER_LIST_SIZE (§10.5.1). */
  #fieldListTooLarge(stream: Stream): void {
    if (this.role === 'server' && !stream.headersSent && stream.state !== 'closed' && stream.state !== 'closed_reset') {
      // Answer 431 (RFC 6585), then stop the upload without error (§8.1).
      this.respond(stream.id, [{ name: ':status', value: '431' }], { endStream: true });
      if (!isClosed(stream.state)) this.resetStream(stream.id, ErrorCode.NO_ERROR);
      return;
    }
    throw new StreamError(stream.id, 'PROTOCOL_ERROR', `field section larger than SETTINGS_MAX_HEADER_LIST_SIZE ${this.#localWanted.maxHeaderListSize} (RFC 9113 §6.5.2)`);
  }

  #onPushPromise(frame: PushPromiseFrame, fields: HeaderField[], tooLarge: boolean): void {
    if (this.role === 'server') throw new ConnectionError('PROTOCOL_ERROR', 'a client sent PUSH_PROMISE (RFC 9113 §8.4)');
    if (!this.#local.enablePush)
      throw new ConnectionError('PROTOCOL_ERROR', 'PUSH_PROMISE after we disabled push with SETTINGS_ENABLE_PUSH=0 (RFC 9113 §6.6)');
    const parent = this.#streams.get(frame.streamId);
    const parentState = parent?.state ?? this.#untrackedState(frame.streamId);
    if (frame.streamId % 2 === 0 || (parentState !== 'open' && parentState !== 'half_closed_local' && parentState !== 'closed_reset'))
      throw new ConnectionError('PROTOCOL_ERROR', `PUSH_PROMISE on stream ${frame.streamId}, which is ${parentState.replace('_', ' ')}: it must be a stream we opened (RFC 9113 §6.6)`);
    const id = frame.promisedStreamId;
    if (id <= this.#lastPeerStreamId)
      throw new ConnectionError('PROTOCOL_ERROR', `PUSH_PROMISE promises stream ${id}, not above ${this.#lastPeerStreamId} (RFC 9113 §5.1.1)`);
    this.#lastPeerStreamId = id;
    const stream = this.#newStream(id);
    stream.parentId = frame.streamId;
    this.#receiveOn(id, 'recv_push_promise');
    // §5.1: a promise on a stream we reset still reserves; we then refuse it.
    if (parentState === 'closed_reset') return this.resetStream(id, ErrorCode.CANCEL);
    if (tooLarge) throw new StreamError(id, 'PROTOCOL_ERROR', 'promised request larger than SETTINGS_MAX_HEADER_LIST_SIZE');
    checkPushedRequest(id, fields);
    stream.headRequest = fields.some((f) => f.name === ':method' && f.value === 'HEAD');
    this.#holdFields(stream, fields);
    this.#events.push({ type: 'push_promise', parentId: frame.streamId, promisedStreamId: id, headers: fields });
  }

  // ---- DATA ------------------------------------------------------------

  #onData(frame: DataFrame): void {
    const id = frame.streamId;
    const flowLength = payloadLength(frame);
    // §6.9: every DATA counts against the connection window, even one in error.
    if (!this.#connRecv.receive(flowLength))
      throw new ConnectionError('FLOW_CONTROL_ERROR', `DATA of ${flowLength} octets overruns the connection window of ${this.#connRecv.size} (RFC 9113 §6.9.1)`);
    let stream: Stream | undefined;
    try {
      stream = this.#receiveOn(id, 'recv_data');
    } catch (e) {
      this.#creditConnection(flowLength);
      throw e;
    }
    if (!stream) return this.#creditConnection(flowLength); // ignored: give the window back
    if (!stream.recv.receive(flowLength)) {
      this.#creditConnection(flowLength);
      throw new StreamError(id, 'FLOW_CONTROL_ERROR', `DATA of ${flowLength} octets overruns stream ${id}'s window of ${stream.recv.size} (RFC 9113 §6.9.1)`);
    }
    // Padding is never held nor seen by the application: credited back at once.
    const length = frame.data.length;
    if (flowLength > length) this.#credit(stream, flowLength - length);
    stream.receivedLength += length;
    this.#checkLength(stream, frame.endStream);
    let held = 0;
    if (length > 0) {
      if (stream.discarding) this.#credit(stream, length); // nobody will read it (stopReading)
      else {
        this.#bodyBytes += (stream.body ??= new OctetBuffer()).append(frame.data);
        held = length;
      }
    }
    if (held > 0 || frame.endStream) this.#events.push({ type: 'data', streamId: id, length: held, endStream: frame.endStream });
    if (frame.endStream) this.#receiveEnd(stream);
  }

  /** §8.1.1: DATA must add up to content-length. */
  #checkLength(stream: Stream, ended: boolean): void {
    const expected = stream.expectedLength;
    if (expected === undefined) return;
    if (stream.receivedLength > expected || (ended && stream.receivedLength !== expected))
      throw new StreamError(stream.id, 'PROTOCOL_ERROR', `content-length ${expected} but ${stream.receivedLength} octets of DATA${ended ? '' : ' so far'} (RFC 9113 §8.1.1)`);
  }

  #receiveEnd(stream: Stream): void {
    this.#receiveOn(stream.id, 'recv_end_stream');
  }

  /**
   * The body octets that arrived on a stream and were not read yet, all of
   * them (an empty array when none). Reading is what gives the peer its
   * flow-control window back (§5.2, §6.9): a stream whose body is not read
   * holds the peer to the window it was granted. The body of a closed
   * stream stays readable until read.
   */
  readBody(streamId: number): Uint8Array {
    const stream = this.#streams.get(streamId);
    const octets = this.#takeBody(stream, streamId);
    this.#credit(stream, octets.length);
    return octets;
  }

  /** Body octets waiting for readBody() on a stream. */
  bodyLength(streamId: number): number {
    return (this.#streams.get(streamId)?.body ?? this.#orphanBodies?.get(streamId))?.length ?? 0;
  }

  /**
   * The application will read no more of this stream's body: what is held
   * is dropped and what arrives is discarded, their window given back. A
   * server's request still open once its response has ended is then reset
   * with NO_ERROR, which asks the client to stop sending (§8.1); a client
   * cancels a response still arriving (RST_STREAM CANCEL).
   */
  stopReading(streamId: number): void {
    const stream = this.#streams.get(streamId);
    if (!stream || this.#closedBy || isClosed(stream.state)) return this.#dropBody(stream, streamId);
    stream.discarding = true;
    if (this.role === 'client' && stream.state !== 'half_closed_remote') return this.resetStream(streamId, ErrorCode.CANCEL); // its body goes with it
    if (this.#resetIfAbandoned(stream)) return;
    this.#credit(stream, this.#takeBody(stream, streamId).length); // the peer may send on: it is discarded as it comes
  }

  /** §8.1: a server that has sent its whole response and reads no more of the request asks the client to stop. */
  #resetIfAbandoned(stream: Stream): boolean {
    if (!stream.discarding || stream.state !== 'half_closed_local') return false;
    this.resetStream(stream.id, ErrorCode.NO_ERROR);
    return true;
  }

  /** A stream's unread body will never be read: dropped, its octets given back to the connection's window. */
  #dropBody(stream: Stream | undefined, streamId: number): void {
    const unread = this.#takeBody(stream, streamId).length;
    if (unread > 0 && !this.#closedBy) this.#creditConnection(unread);
  }

  /** What is held of a stream's body, handed over (and no longer held); empty when nothing is. */
  #takeBody(stream: Stream | undefined, streamId: number): Uint8Array {
    const body = stream ? stream.body : this.#orphanBodies?.get(streamId);
    if (!body) return NO_OCTETS;
    if (stream) stream.body = undefined;
    else this.#orphanBodies!.delete(streamId);
    this.#bodyBytes -= body.allocated;
    return body.take();
  }

  /** Give the peer back window for octets we are done with: always the connection's, the stream's while it may still send (§6.9). */
  #credit(stream: Stream | undefined, n: number): void {
    if (n <= 0 || this.#closedBy) return;
    this.#creditConnection(n);
    if (!stream || (stream.state !== 'open' && stream.state !== 'half_closed_local')) return;
    const increment = stream.recv.consume(n);
    if (increment > 0) this.#out.push({ type: 'WINDOW_UPDATE', streamId: stream.id, windowSizeIncrement: increment });
  }

  #creditConnection(n: number): void {
    const increment = this.#connRecv.consume(n);
    if (increment > 0) this.#out.push({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: increment });
  }

  // ---- control frames --------------------------------------------------

  #onPriority(frame: PriorityFrame): void {
    // §5.3.2: parsed and otherwise ignored; allowed in every state, even idle.
    if (frame.priority.dependsOn === frame.streamId)
      throw new StreamError(frame.streamId, 'PROTOCOL_ERROR', `stream ${frame.streamId} depends on itself (RFC 7540 §5.3.1)`);
  }

  #onRstStream(frame: RstStreamFrame): void {
    // The reset is reported before the 'stream_closed' it causes.
    this.#receiveOn(frame.streamId, 'recv_rst_stream', (stream) => {
      this.#countReset();
      const dropped = this.#abandon(stream);
      if (this.role === 'server' && stream.parentId !== undefined) {
        this.#events.push({ type: 'push_cancelled', streamId: stream.id, parentId: stream.parentId, errorCode: frame.errorCode, bytesSent: stream.sentBytes, bytesDropped: dropped });
      } else {
        this.#events.push({ type: 'stream_reset', streamId: stream.id, errorCode: frame.errorCode });
      }
    });
  }

  #onSettings(frame: SettingsFrame): void {
    if (frame.ack) {
      const acked = this.#localPending.shift();
      this.#settingsSentAt.shift();
      if (!acked) return; // an ACK we did not ask for: nothing to apply
      const delta = acked.initialWindowSize - this.#local.initialWindowSize;
      this.#local = acked;
      this.#decoder.maxFrameSize = acked.maxFrameSize;
      this.#fieldDecoder.setMaxTableSize(acked.headerTableSize);
      if (delta !== 0) {
        for (const s of this.#streams.values()) {
          const increment = s.recv.adjust(delta);
          if (increment > 0 && (s.state === 'open' || s.state === 'half_closed_local'))
            this.#out.push({ type: 'WINDOW_UPDATE', streamId: s.id, windowSizeIncrement: increment });
        }
      }
      this.#events.push({ type: 'settings_acked', settings: { ...acked } });
      return;
    }
    if (this.role === 'client' && frame.settings.some((s) => s.id === SettingId.ENABLE_PUSH && s.value === 1))
      throw new ConnectionError('PROTOCOL_ERROR', 'a server sent SETTINGS_ENABLE_PUSH=1 (RFC 9113 §6.5.2)');
    const next = applySettings(this.#peer, frame.settings);
    const delta = next.initialWindowSize - this.#peer.initialWindowSize;
    if (delta !== 0) {
      for (const s of this.#streams.values()) {
        if (!s.send.adjust(delta))
          throw new ConnectionError('FLOW_CONTROL_ERROR', `SETTINGS_INITIAL_WINDOW_SIZE change pushes stream ${s.id}'s window past 2^31-1 (RFC 9113 §6.9.2)`);
      }
    }
    if (next.headerTableSize !== this.#peer.headerTableSize)
      this.#encoder.setPeerTableSize(Math.min(next.headerTableSize, this.#limits.encoderTableSize));
    this.#peer = next;
    this.#out.maxFrameSize = next.maxFrameSize;
    this.#peerSettingsSeen = true;
    this.#checkControlQueue();
    this.#out.push({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
    this.#events.push({ type: 'settings', settings: { ...next } });
  }

  #onPing(frame: PingFrame): void {
    if (frame.ack) {
      this.#events.push({ type: 'ping_ack', data: frame.data });
      if (this.#goawaySent && !this.#goawaySent.final && Buffer.from(frame.data).equals(SHUTDOWN_PING)) this.#finalGoaway();
      return;
    }
    this.#checkControlQueue();
    this.#out.push({ type: 'PING', streamId: 0, ack: true, data: new Uint8Array(frame.data) });
    this.#events.push({ type: 'ping', data: frame.data });
  }

  #onGoaway(frame: GoawayFrame): void {
    this.#goawayReceived = frame;
    this.#events.push({ type: 'goaway', lastStreamId: frame.lastStreamId, errorCode: frame.errorCode, debugData: frame.debugData });
    // §6.8: our streams above lastStreamId were not processed; they can be retried elsewhere.
    for (const s of [...this.#streams.values()]) {
      if (!this.#isPeerInitiated(s.id) && s.id > frame.lastStreamId && !isClosed(s.state)) {
        this.#abandon(s);
        this.#setState(s, 'closed');
        this.#events.push({ type: 'stream_reset', streamId: s.id, errorCode: ErrorCode.REFUSED_STREAM });
      }
    }
  }

  #onWindowUpdate(frame: WindowUpdateFrame): void {
    const inc = frame.windowSizeIncrement;
    if (frame.streamId === 0) {
      if (!this.#connSend.increase(inc))
        throw new ConnectionError('FLOW_CONTROL_ERROR', `WINDOW_UPDATE of ${inc} pushes the connection window past 2^31-1 (RFC 9113 §6.9.1)`);
      return;
    }
    const stream = this.#receiveOn(frame.streamId, 'recv_window_update');
    if (!stream) return;
    if (!stream.send.increase(inc))
      throw new StreamError(stream.id, 'FLOW_CONTROL_ERROR', `WINDOW_UPDATE of ${inc} pushes stream ${stream.id}'s window past 2^31-1 (RFC 9113 §6.9.1)`);
  }

  // ---- errors, in one place --------------------------------------------

  /** Turn an error into the RFC's answer: GOAWAY for the connection, RST_STREAM for a stream. */
  #fail(e: unknown): void {
    if (e instanceof StreamError) return this.#streamError(e);
    const error =
      e instanceof ConnectionError
        ? e
        : new ConnectionError('INTERNAL_ERROR', `internal error: ${e instanceof Error ? e.message : String(e)}`);
    this.#closeWith(error);
  }

  #closeWith(error: ConnectionError, report = true): void {
    if (this.#closedBy) return;
    this.#closedBy = error;
    const debug = new TextEncoder().encode(error.message.slice(0, 256));
    this.#out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: this.#lastPeerStreamId & MAX_STREAM_ID, errorCode: error.code, debugData: debug });
    this.#goawaySent = { lastStreamId: this.#lastPeerStreamId, final: true };
    // Nothing more is read or sent but the GOAWAY: all that was held for the peer goes.
    for (const s of this.#streams.values()) {
      s.dropQueue();
      s.body = undefined;
    }
    this.#ready.clear();
    this.#orphanBodies = undefined;
    this.#bodyBytes = this.#fieldBytes = 0;
    this.#decoder.discard();
    this.#blocks.discard();
    if (report) this.#events.push({ type: 'connection_error', error });
  }

  #streamError(e: StreamError): void {
    const stream = this.#streams.get(e.streamId);
    const state = stream?.state ?? this.#untrackedState(e.streamId);
    if (state === 'idle') {
      // §6.4: RST_STREAM must not be sent on an idle stream; §5.4.1 lets a
      // stream error be treated as a connection error, so it is one.
      return this.#closeWith(new ConnectionError(e.code, e.message));
    }
    try {
      this.#countReset(`stream errors (last: ${e.message})`);
      this.#checkControlQueue();
    } catch (limit) {
      return this.#closeWith(limit as ConnectionError);
    }
    if (state !== 'closed_reset') this.#out.push({ type: 'RST_STREAM', streamId: e.streamId, errorCode: e.code });
    this.#events.push({ type: 'stream_error', error: e }); // before the 'stream_closed' it causes
    if (stream && !isClosed(stream.state)) {
      this.#abandon(stream);
      this.#setState(stream, 'closed_reset');
    } else if (stream) {
      stream.state = 'closed_reset'; // already closed and remembered: now ignore what follows
    }
  }

  // ---- streams ---------------------------------------------------------

  #newStream(id: number): Stream {
    const s = new Stream(id, this.#peer.initialWindowSize, this.#local.initialWindowSize);
    if (this.#streams === NO_STREAMS) this.#streams = new Map();
    this.#streams.set(id, s);
    return s;
  }

  #setState(stream: Stream, next: StreamState): void {
    const prev = stream.state;
    if (prev === next) return;
    const local = !this.#isPeerInitiated(stream.id);
    const counts = (st: StreamState) => isActive(st) || (local && st === 'reserved_local');
    if (counts(prev) !== counts(next)) {
      const d = counts(next) ? 1 : -1;
      if (local) this.#activeLocal += d;
      else this.#activePeer += d;
      if (this.#activeLocal + this.#activePeer === 0) this.#idleSince = this.#now;
      else this.#idleSince = undefined;
    }
    stream.state = next;
    this.#stateHook?.(stream.id, prev, next);
    if (isClosed(next) && !isClosed(prev)) {
      this.#ready.delete(stream);
      this.#fieldBytes -= stream.fieldBytes; // a closed stream's fields are the application's to drop
      stream.fieldBytes = 0;
      this.#events.push({ type: 'stream_closed', streamId: stream.id });
      this.#remember(stream.id);
    }
  }

  /** Keep a bounded number of closed streams; older ones are forgotten (then treated as closed by id). */
  #remember(id: number): void {
    const limit = this.#limits.closedStreamsRemembered;
    if (limit <= 0) return this.#forget(id);
    if (this.#closedOrder.length < limit) return void this.#closedOrder.push(id);
    this.#forget(this.#closedOrder[this.#closedNext]!);
    this.#closedOrder[this.#closedNext] = id;
    this.#closedNext = (this.#closedNext + 1) % limit;
  }

  /** Drop a closed stream's record; a body not read yet stays readable (and counted) without it. */
  #forget(id: number): void {
    const body = this.#bodyBytes > 0 ? this.#streams.get(id)?.body : undefined;
    if (body) (this.#orphanBodies ??= new Map()).set(id, body);
    this.#streams.delete(id);
  }

  #reservedCount(): number {
    let n = 0;
    for (const s of this.#streams.values()) if (s.state === 'reserved_local' || s.state === 'reserved_remote') n++;
    return n;
  }

  /** The state sending `event` leads to; throws if the RFC forbids sending it. */
  #sendTarget(stream: Stream, event: StreamEvent): StreamState {
    const next = onSend(stream.state, event);
    if (next === undefined)
      throw new EndpointUsageError(`cannot send ${event.replace('send_', '').toUpperCase()} on stream ${stream.id} in state ${stream.state} (RFC 9113 §5.1)`);
    return next;
  }

  #send(stream: Stream, event: StreamEvent): void {
    this.#setState(stream, this.#sendTarget(stream, event));
    if (event === 'send_end_stream') this.#resetIfAbandoned(stream);
  }

  /** A stream is being reset: what it queued to send and its unread body are dropped. Returns the DATA octets dropped. */
  #abandon(stream: Stream): number {
    this.#ready.delete(stream);
    this.#dropBody(stream, stream.id); // the stream is gone: only the connection's window is given back
    return stream.dropQueue();
  }

  /**
   * The stream to write on, or undefined when it is gone: reset by either
   * side, or the connection ended. Writes to a gone stream are dropped, as
   * the peer can end a stream at any moment (§5.4.2, §6.4). Writing after
   * our own END_STREAM, or on a stream that never existed, is a misuse.
   */
  #writable(streamId: number, what: string): Stream | undefined {
    const stream = this.#streams.get(streamId);
    if (stream?.localEnded) throw new EndpointUsageError(`cannot ${what} on stream ${streamId}: its ${this.role === 'server' ? 'response' : 'request'} already ended`);
    if (this.#closedBy) return undefined;
    if (!stream) {
      if (this.#untrackedState(streamId) === 'idle') throw new EndpointUsageError(`cannot ${what}: there is no stream ${streamId}`);
      return undefined; // closed and forgotten
    }
    return isClosed(stream.state) ? undefined : stream;
  }

  // ---- output API ------------------------------------------------------

  /**
   * Queue a header block: HEADERS (or PUSH_PROMISE when `promisedStreamId`
   * is given) then CONTINUATIONs to fit the peer's SETTINGS_MAX_FRAME_SIZE
   * (§6.10).
   */
  #pushHeaderBlock(streamId: number, endStream: boolean, promisedStreamId: number | undefined, block: Uint8Array): void {
    const max = this.#peer.maxFrameSize;
    const room = promisedStreamId !== undefined ? max - 4 : max;
    const whole = block.length <= room;
    const headerBlock = whole ? block : block.subarray(0, room);
    const first: HeadersFrame | PushPromiseFrame =
      promisedStreamId !== undefined
        ? { type: 'PUSH_PROMISE', streamId, promisedStreamId, endHeaders: whole, headerBlock }
        : { type: 'HEADERS', streamId, endStream, endHeaders: whole, headerBlock };
    this.#out.push(first);
    if (whole) return;
    for (let at = room; at < block.length; at += max) {
      const end = Math.min(at + max, block.length);
      this.#out.push({ type: 'CONTINUATION', streamId, headerBlock: block.subarray(at, end), endHeaders: end === block.length });
    }
  }

  /** Send a header block on a stream; states change after the frames are queued, as on the wire. */
  #emitHeaders(stream: Stream, fields: HeaderList, block: Uint8Array, endStream: boolean): void {
    const next = this.#sendTarget(stream, 'send_headers');
    this.#pushHeaderBlock(stream.id, endStream, undefined, block);
    this.#fieldsHook?.('out', stream.id, fields);
    this.#setState(stream, next);
    stream.headersSent = true;
    if (endStream) this.#send(stream, 'send_end_stream');
  }

  /**
   * Server: send a response's HEADERS (a 1xx status may come first, any
   * number of times; RFC 9113 §8.1). Fields are sent as given: the
   * application is responsible for their validity.
   */
  respond(streamId: number, fields: HeaderList, options: { endStream?: boolean } = {}): boolean {
    const stream = this.#writable(streamId, 'respond');
    if (!stream) return false;
    if (stream.finalResponse) throw new EndpointUsageError(`stream ${streamId} already has a final response; use sendTrailers`);
    const status = Number(fields.find((f) => f.name === ':status')?.value);
    const informational = status >= 100 && status < 200;
    if (informational && options.endStream) throw new EndpointUsageError('an informational (1xx) response cannot end the stream (RFC 9113 §8.1)');
    const endStream = options.endStream ?? false;
    this.#sendTarget(stream, 'send_headers');
    const block = this.#encoder.encode(fields); // throws before any state changes
    if (!informational) stream.finalResponse = true;
    if (endStream) stream.localEnded = true;
    this.#emitHeaders(stream, fields, block, endStream);
    return true;
  }

  /** Client: open a stream with a request. Returns its id. */
  request(fields: HeaderList, options: { endStream?: boolean } = {}): number {
    if (this.role !== 'client') throw new EndpointUsageError('only a client sends requests');
    if (this.#closedBy) throw new EndpointUsageError('the connection is closed');
    if (this.#goawayReceived || this.#goawaySent) throw new EndpointUsageError('no new streams after GOAWAY (RFC 9113 §6.8)');
    if (this.#activeLocal >= this.#peer.maxConcurrentStreams)
      throw new EndpointUsageError(`the server allows ${this.#peer.maxConcurrentStreams} concurrent streams (RFC 9113 §5.1.2)`);
    const id = this.#nextLocalStreamId;
    if (id > MAX_STREAM_ID) throw new EndpointUsageError('stream ids exhausted: open a new connection (RFC 9113 §5.1.1)');
    const block = this.#encoder.encode(fields);
    this.#nextLocalStreamId += 2;
    const stream = this.#newStream(id);
    stream.headRequest = fields.some((f) => f.name === ':method' && f.value === 'HEAD');
    const endStream = options.endStream ?? false;
    if (endStream) stream.localEnded = true;
    this.#emitHeaders(stream, fields, block, endStream);
    return id;
  }

  /**
   * Queue DATA. It goes out as the windows allow, split to the peer's
   * SETTINGS_MAX_FRAME_SIZE. The bytes are not copied: do not modify them
   * afterwards. Returns false if the stream is gone (reset, or the connection
   * ended) and the data was dropped. queuedBytes() tells the back-pressure.
   */
  sendData(streamId: number, data: Uint8Array, options: { endStream?: boolean } = {}): boolean {
    const stream = this.#writable(streamId, 'send DATA');
    if (!stream) return false;
    if (!stream.headersSent) throw new EndpointUsageError(`cannot send DATA on stream ${streamId} before its HEADERS (RFC 9113 §8.1)`);
    if (onSend(stream.state, 'send_data') === undefined)
      throw new EndpointUsageError(`cannot send DATA on stream ${streamId} in state ${stream.state} (RFC 9113 §5.1)`);
    const endStream = options.endStream ?? false;
    if (endStream) stream.localEnded = true;
    if (data.length > 0 || endStream) {
      stream.queue.push({ kind: 'data', data, offset: 0, endStream });
      stream.queuedBytes += data.length;
      this.#markReady(stream);
    }
    return true;
  }

  #markReady(stream: Stream): void {
    if (this.#ready === NONE_READY) this.#ready = new Set();
    this.#ready.add(stream);
  }

  /** Queue a trailer section; it ends the stream after the queued DATA (§8.1). */
  sendTrailers(streamId: number, fields: HeaderList): boolean {
    const stream = this.#writable(streamId, 'send trailers');
    if (!stream) return false;
    if (!stream.headersSent) throw new EndpointUsageError(`cannot send trailers on stream ${streamId} before its HEADERS`);
    // Encoded only when their turn comes (after the DATA): check now what the encoder would refuse then.
    const bad = fields.find((f) => !isOctetString(f.name) || !isOctetString(f.value));
    if (bad) throw new EndpointUsageError(`trailer ${JSON.stringify(bad.name)}: names and values are octet strings (chars up to U+00FF)`);
    stream.localEnded = true;
    stream.queue.push({ kind: 'trailers', fields });
    this.#markReady(stream);
    return true;
  }

  /** Reset a stream (RST_STREAM, §6.4). Its queued DATA is dropped. */
  resetStream(streamId: number, errorCode: number = ErrorCode.CANCEL): void {
    const stream = this.#streams.get(streamId);
    if (this.#closedBy || !stream || isClosed(stream.state)) return;
    this.#abandon(stream);
    this.#out.push({ type: 'RST_STREAM', streamId, errorCode });
    this.#send(stream, 'send_rst_stream');
  }

  /** Why a push on this stream is impossible now, or undefined if it may go ahead. */
  pushRefusal(parentId: number) {
    return pushRefusal(
      {
        isServer: this.role === 'server',
        closed: this.#closedBy !== undefined,
        goaway: this.#goawaySent !== undefined || this.#goawayReceived !== undefined,
        peerEnablePush: this.#peer.enablePush,
        peerMaxConcurrentStreams: this.#peer.maxConcurrentStreams,
        pushedStreamsInUse: this.#activeLocal,
        nextPushId: this.#nextLocalStreamId,
      },
      this.#streams.get(parentId),
    );
  }

  /**
   * Server push (RFC 9113 §8.4): send PUSH_PROMISE on the parent stream with
   * the promised request's fields, reserving the next even stream id, which
   * is returned. Respond on it with respond()/sendData(). Throws PushError
   * with the reason when push is impossible.
   */
  push(parentId: number, requestFields: HeaderList): number {
    const refusal = this.pushRefusal(parentId);
    if (refusal) throw new PushError(refusal);
    const block = this.#encoder.encode(requestFields);
    const id = this.#nextLocalStreamId;
    this.#nextLocalStreamId += 2;
    const stream = this.#newStream(id);
    stream.parentId = parentId;
    this.#pushHeaderBlock(parentId, false, id, block);
    this.#fieldsHook?.('out', id, requestFields);
    this.#send(stream, 'send_push_promise');
    if (this.#nextLocalStreamId > MAX_STREAM_ID) this.shutdown(); // §5.1.1: ids exhausted, go away gracefully
    return id;
  }

  ping(data: Uint8Array = new Uint8Array(8)): void {
    if (this.#closedBy) throw new EndpointUsageError('the connection is closed');
    if (data.length !== 8) throw new EndpointUsageError('PING data must be 8 octets (RFC 9113 §6.7)');
    this.#out.push({ type: 'PING', streamId: 0, ack: false, data });
  }

  /** Change our settings: sent now, in force when the peer acknowledges (§6.5.3). */
  updateSettings(settings: Partial<Settings>): void {
    if (this.#closedBy) throw new EndpointUsageError('the connection is closed');
    if (this.role === 'server' && settings.enablePush) throw new EndpointUsageError('a server cannot enable push for itself (RFC 9113 §6.5.2)');
    this.#sendSettings({ ...this.#localWanted, ...settings });
  }

  #sendSettings(wanted: Settings): void {
    const base = this.#localPending.at(-1) ?? this.#local;
    // A client states ENABLE_PUSH in its first SETTINGS, so the trace shows whether it accepts pushes.
    const first = this.#localPending.length === 0 && this.#local === this.#initialLocal;
    const list = settingsDiff(base, wanted, this.role === 'client' && first ? ['enablePush'] : []);
    this.#localWanted = wanted;
    this.#out.push({ type: 'SETTINGS', streamId: 0, ack: false, settings: list });
    this.#localPending.push(applySettings(base, list));
    this.#settingsSentAt.push(this.#now);
  }

  /**
   * Graceful shutdown (RFC 9113 §6.8): GOAWAY with 2^31-1 and a PING; when
   * the PING returns, a second GOAWAY with the last stream really
   * processed. Streams in flight finish; new ones are refused.
   */
  shutdown(): void {
    if (this.#closedBy || this.#goawaySent) return;
    this.#goawaySent = { lastStreamId: MAX_STREAM_ID, final: false };
    this.#out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: MAX_STREAM_ID, errorCode: ErrorCode.NO_ERROR, debugData: new Uint8Array(0) });
    this.#out.push({ type: 'PING', streamId: 0, ack: false, data: SHUTDOWN_PING });
    this.#shutdownPingAt = this.#now;
  }

  #finalGoaway(): void {
    this.#shutdownPingAt = undefined;
    this.#goawaySent = { lastStreamId: this.#lastPeerStreamId, final: true };
    this.#out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: this.#lastPeerStreamId, errorCode: ErrorCode.NO_ERROR, debugData: new Uint8Array(0) });
  }

  /** End the connection now with an error code (GOAWAY, §6.8); nothing more is processed. */
  close(errorCode: number = ErrorCode.NO_ERROR, reason = ''): void {
    this.#closeWith(new ConnectionError(errorCode, reason || 'closed by the application'), false);
  }

  // ---- time --------------------------------------------------------------

  /**
   * Let time pass. Each phase of a connection has a deadline (the timeouts
   * option): one that has passed ends the connection (preface, SETTINGS
   * ACK, an open field block, a peer whose windows stay shut) or shuts it
   * down gracefully (idle), and a graceful shutdown whose PING is not
   * answered goes on to its final GOAWAY. Returns the events.
   */
  tick(now: number): EndpointEvent[] {
    this.#now = now;
    if (this.#closedBy) return this.takeEvents();
    const t = this.#timeouts;
    if (this.#ready.size > 0) this.#scheduleData(); // windows opened since the last takeOutput() count as progress
    if (!this.#peerSettingsSeen && now - this.#createdAt >= t.prefaceMs) {
      this.#closeWith(new ConnectionError('PROTOCOL_ERROR', `no connection preface and SETTINGS within ${t.prefaceMs} ms (RFC 9113 §3.4)`));
    } else if (this.#settingsSentAt.length > 0 && now - this.#settingsSentAt[0]! >= t.settingsAckMs) {
      this.#closeWith(new ConnectionError('SETTINGS_TIMEOUT', `SETTINGS not acknowledged within ${t.settingsAckMs} ms (RFC 9113 §6.5.3)`));
    } else if (this.#blocks.openStream !== undefined && now - this.#blockOpenedAt >= t.headerBlockMs) {
      this.#closeWith(new ConnectionError('ENHANCE_YOUR_CALM', `field block on stream ${this.#blocks.openStream} not completed within ${t.headerBlockMs} ms (RFC 9113 §6.10)`));
    } else if (this.#stalledSince !== undefined && now - this.#stalledSince >= t.sendStallMs) {
      const waiting = this.held().outgoing;
      this.#closeWith(new ConnectionError('ENHANCE_YOUR_CALM', `no flow-control window for ${t.sendStallMs} ms with ${waiting} octets of DATA waiting (RFC 9113 §6.9)`));
    } else if (this.#shutdownPingAt !== undefined && now - this.#shutdownPingAt >= t.shutdownPingMs) {
      this.#finalGoaway(); // §6.8: the PING was to learn which streams may still arrive; no answer, no more waiting
    } else if (this.#idleSince !== undefined && !this.#goawaySent && now - this.#idleSince >= t.idleMs) {
      this.shutdown();
    }
    return this.takeEvents();
  }

  /** When tick() next needs to run, or undefined if no deadline is pending. */
  get nextDeadline(): number | undefined {
    if (this.#closedBy) return undefined;
    const t = this.#timeouts;
    let next = Infinity;
    if (!this.#peerSettingsSeen) next = Math.min(next, this.#createdAt + t.prefaceMs);
    if (this.#settingsSentAt.length > 0) next = Math.min(next, this.#settingsSentAt[0]! + t.settingsAckMs);
    if (this.#blocks.openStream !== undefined) next = Math.min(next, this.#blockOpenedAt + t.headerBlockMs);
    if (this.#stalledSince !== undefined) next = Math.min(next, this.#stalledSince + t.sendStallMs);
    if (this.#shutdownPingAt !== undefined) next = Math.min(next, this.#shutdownPingAt + t.shutdownPingMs);
    if (this.#idleSince !== undefined && !this.#goawaySent) next = Math.min(next, this.#idleSince + t.idleMs);
    return next === Infinity ? undefined : next;
  }

  // ---- producing bytes -------------------------------------------------

  /**
   * Everything ready to be written, in wire order, as a list of buffers
   * (header blocks and control frames first, then DATA as windows allow).
   */
  takeOutput(): Uint8Array[] {
    if (!this.#closedBy) this.#scheduleData();
    return this.#out.take();
  }

  /** takeOutput() as one buffer (empty when there is nothing to send). */
  takeOutputBytes(): Buffer {
    return Buffer.concat(this.takeOutput());
  }

  /** Round-robin over streams with queued output: one frame each per round. */
  #scheduleData(): void {
    const max = this.#peer.maxFrameSize;
    let progress = true;
    let sent = false;
    while (progress && this.#ready.size > 0) {
      progress = false;
      for (const stream of this.#ready) { // deleting the current entry while iterating a Set is safe
        const item = stream.queue[0];
        if (!item) {
          this.#ready.delete(stream);
          continue;
        }
        if (item.kind === 'trailers') {
          stream.queue.shift();
          this.#emitHeaders(stream, item.fields, this.#encoder.encode(item.fields), true);
          progress = sent = true;
          continue;
        }
        const remaining = item.data.length - item.offset;
        const n = Math.min(remaining, max, stream.send.available, this.#connSend.available);
        if (n === 0 && remaining > 0) continue; // blocked on flow control
        const last = n === remaining;
        const endStream = last && item.endStream;
        const data = n === item.data.length ? item.data : item.data.subarray(item.offset, item.offset + n);
        item.offset += n;
        stream.queuedBytes -= n;
        stream.sentBytes += n;
        stream.send.consume(n);
        this.#connSend.consume(n);
        if (last) stream.queue.shift();
        this.#out.pushData({ type: 'DATA', streamId: stream.id, endStream, data });
        if (endStream) this.#send(stream, 'send_end_stream');
        if (stream.queue.length === 0) {
          this.#ready.delete(stream);
          if (!endStream && !isClosed(stream.state)) this.#events.push({ type: 'writable', streamId: stream.id });
        }
        progress = sent = true;
      }
    }
    // What is left waits for the peer's windows: the send-stall deadline runs from the last DATA that could go.
    if (this.#ready.size === 0) this.#stalledSince = undefined;
    else if (sent || this.#stalledSince === undefined) this.#stalledSince = this.#now;
  }
}
