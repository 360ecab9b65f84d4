// The HTTP/2 endpoint: pure protocol logic, no I/O. Bytes go in through
// receive(), events come out of it; the application acts through methods
// (respond, sendData, push, request, ...) and takes the bytes to write with
// takeOutput(). Time, where it matters, is passed in.
//
// This file routes: it reads frames, asks the §5.1 tables what each may do
// to its stream, applies the connection-level rules, and turns every
// protocol error into GOAWAY or RST_STREAM in one place (#fail). The rules
// themselves live in their own rooms (docs/architecture.md has the map):
// single frames in frames/frame-rules.ts, stream states in stream-states.ts,
// a stream's two halves in stream-send.ts and stream-recv.ts, the streams in
// streams.ts, windows in flow-control.ts, SETTINGS in settings.ts, the
// connection's own state in connection-state.ts, deadlines in deadlines.ts,
// HTTP message rules in message-rules.ts, push permission in push-rules.ts.

import { CLIENT_PREFACE, ErrorCode, frameTypeName, MAX_STREAM_ID, SettingId } from '../frames/constants.js';
import { FrameDecoder } from '../frames/decode.js';
import { payloadLength } from '../frames/encode.js';
import { selfDependencyProblem, ruleError } from '../frames/frame-rules.js';
import type { ContinuationFrame, DataFrame, Frame, GoawayFrame, HeadersFrame, PingFrame, PushPromiseFrame, RstStreamFrame, SettingsFrame, WindowUpdateFrame } from '../frames/frame.js';
import { HpackDecoder } from '../hpack/decoder.js';
import { checkEncodable, HpackEncoder } from '../hpack/encoder.js';
import { HpackDecodeError } from '../hpack/errors.js';
import { type HeaderField, type HeaderList, headerListSize } from '../hpack/header-list.js';
import { ConnectionError, StreamError } from '../protocol-errors.js';
import { AbuseGuard } from './abuse-limits.js';
import { afterGoawayReceived, afterGoawaySent, AWAITING_PREFACE, type ConnectionState, goawaySent, OPEN } from './connection-state.js';
import { Deadlines } from './deadlines.js';
import type { EndpointEvent } from './events.js';
import { ReceiveWindow, SendWindow } from './flow-control.js';
import { type CompleteBlock, HeaderBlockAssembly } from './header-block-assembly.js';
import { checkPromisedRequest, requireValid } from './message-rules.js';
import { EndpointConfig, type EndpointHooks, type EndpointOptions, type Role } from './options.js';
import { OutputQueue } from './output-queue.js';
import { PushError, type PushRefusal, pushRefusal } from './push-rules.js';
import { INITIAL_SETTINGS, type Settings, SettingsExchange } from './settings.js';
import type { Stream } from './stream.js';
import { isClosed, isForbidden, isViolation, mayReceiveData, maySend, onReceive, onSend, type ReceiveEvent, type SendEvent, type StreamState } from './stream-states.js';
import { StreamRegistry } from './streams.js';

/**
 * What a connection holds, in octets, by kind. All but `outgoing` are held
 * for the peer and count against limits.maxHeldBytes. `outgoing` is what
 * the application sends (its header blocks, and DATA in its own buffers,
 * uncopied), waiting for the peer's windows or for the output to be taken:
 * its back-pressure bounds it, and sendStallMs how long a peer can keep it.
 */
export interface Holdings {
  /** Received octets not yet decoded: at most one partial frame between receive() calls. */
  input: number;
  /** Fragments of a field block still open (HEADERS or PUSH_PROMISE and CONTINUATIONs, §6.10). */
  fieldBlock: number;
  /** Decoded field sections of streams not yet closed, counted as name + value + 32 per field (§6.5.2). */
  fields: number;
  /** Memory of the bodies not yet read with readBody(): their octets (at most the windows granted, §6.9) and some slack. */
  body: number;
  /** Control frames queued and not yet taken with takeOutput(): the ACKs, resets and window updates we owe the peer, GOAWAY. */
  control: number;
  /** What the application sends, queued: not counted against maxHeldBytes. */
  outgoing: number;
}

/** Misuse of the endpoint's API by the application (never caused by the peer). */
export class EndpointUsageError extends Error {
  override readonly name = 'EndpointUsageError';
}

/** What the first frame of a field block decided, carried to its end: whose fields they are, and whether they are delivered. */
interface BlockPlan {
  /** The stream the fields are for (for a PUSH_PROMISE, the promised one). */
  streamId: number;
  /** False: decode only, to keep HPACK in step with the peer (§4.3), then drop. */
  deliver: boolean;
}

const NO_EVENTS: EndpointEvent[] = Object.freeze([]) as unknown as EndpointEvent[];
const SHUTDOWN_PING = new Uint8Array([0x68, 0x32, 0x77, 0x2d, 0x62, 0x79, 0x65, 0x21]); // "h2w-bye!"
const NO_DEBUG = new Uint8Array(0);

export class Http2Endpoint {
  readonly role: Role;
  readonly #config: EndpointConfig;
  readonly #hooks: EndpointHooks;
  readonly #decoder = new FrameDecoder();
  readonly #out: OutputQueue;
  readonly #blocks: HeaderBlockAssembly<BlockPlan>;
  readonly #hpack: { readonly encoder: HpackEncoder; readonly decoder: HpackDecoder };
  readonly #streams: StreamRegistry;
  readonly #settings: SettingsExchange;
  #state: ConnectionState = AWAITING_PREFACE;
  readonly #deadlines: Deadlines;
  readonly #guard: AbuseGuard;
  /** The connection's own flow-control windows (§6.9.1): ours to send on, and the peer's. */
  readonly #window = { send: new SendWindow(INITIAL_SETTINGS.initialWindowSize), recv: new ReceiveWindow(INITIAL_SETTINGS.initialWindowSize) };
  #events: EndpointEvent[] = [];
  #now: number;
  /** Server: octets of the client's preface matched so far (§3.4). */
  #prefaceMatched = 0;

  constructor(options: EndpointOptions) {
    this.role = options.role;
    const config = (this.#config = options.config ?? EndpointConfig.from(options));
    const limits = config.limits;
    this.#hooks = { onFrame: options.onFrame, onFields: options.onFields, onStreamState: options.onStreamState, onConnectionState: options.onConnectionState };
    const now = (this.#now = options.now ?? 0);
    this.#out = new OutputQueue(INITIAL_SETTINGS.maxFrameSize, options.onFrame);
    this.#blocks = new HeaderBlockAssembly({ maxBlockBytes: limits.maxHeaderBlockBytes, maxContinuations: limits.maxContinuations });
    this.#streams = new StreamRegistry(this.role, limits.closedStreamsRemembered, options.onStreamState);
    const wanted = config.wantedSettings(this.role);
    this.#settings = new SettingsExchange(this.role, wanted);
    this.#hpack = {
      encoder: new HpackEncoder({ maxTableSize: limits.encoderTableSize }),
      decoder: new HpackDecoder({ maxTableSize: INITIAL_SETTINGS.headerTableSize, maxHeaderListSize: wanted.maxHeaderListSize, maxFieldCount: limits.maxFieldCount }),
    };
    this.#deadlines = new Deadlines(config.timeouts);
    this.#guard = new AbuseGuard(limits, now);
    this.#deadlines.start('preface', now);
    this.#deadlines.start('idle', now);

    // §3.4: the client sends the preface; both sides send SETTINGS first.
    if (this.role === 'client') this.#out.pushBytes(CLIENT_PREFACE);
    this.#sendSettings(wanted);
    const increment = this.#window.recv.grow(config.connectionWindowSize);
    if (increment > 0) this.#out.push({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: increment });
  }

  // ---- inspection --------------------------------------------------------

  /** The connection's own state: awaiting preface, open, going away, or closed (and why). */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Settings we advertised that the peer has acknowledged. */
  get localSettings(): Readonly<Settings> {
    return this.#settings.local;
  }

  get peerSettings(): Readonly<Settings> {
    return this.#settings.peer;
  }

  /** The connection error that ended this endpoint, if any. */
  get closedBy(): ConnectionError | undefined {
    return this.#state.name === 'closed' ? this.#state.error : undefined;
  }

  /** Ended by a connection error, or going away with no stream left: the socket can close. */
  get finished(): boolean {
    const s = this.#state;
    if (s.name === 'closed') return true;
    if (s.name !== 'going_away' || (s.sent?.stage !== 'final' && !s.received)) return false;
    return this.#streams.activeLocal + this.#streams.activePeer === 0 && this.#streams.reservedCount() === 0;
  }

  streamState(id: number): StreamState | undefined {
    return this.#streams.get(id)?.state;
  }

  /** What this connection holds now, by kind (see Holdings). */
  held(): Holdings {
    let queued = 0;
    for (const s of this.#streams.ready ?? []) queued += s.send.queuedBytes;
    const control = this.#out.controlBytes;
    return {
      input: this.#decoder.bufferedBytes,
      fieldBlock: this.#blocks.bufferedBytes,
      fields: this.#streams.heldFields,
      body: this.#streams.heldBody,
      control,
      outgoing: this.#out.bytes - control + queued,
    };
  }

  /** Octets held for the peer: every kind in held() but what the application sends. Bounded by limits.maxHeldBytes. */
  heldBytes(): number {
    return this.#decoder.bufferedBytes + this.#blocks.bufferedBytes + this.#streams.heldFields + this.#streams.heldBody + this.#out.controlBytes;
  }

  /** The stream's and connection's send windows (what DATA may be sent now). */
  sendWindow(streamId: number): { stream: number; connection: number } | undefined {
    const s = this.#streams.get(streamId);
    return s && { stream: s.send.window.size, connection: this.#window.send.size };
  }

  /** DATA octets sent on a stream so far (0 once the stream is forgotten). */
  sentBytes(streamId: number): number {
    return this.#streams.get(streamId)?.send.sentBytes ?? 0;
  }

  /** DATA octets queued on a stream and not yet sent. */
  queuedBytes(streamId: number): number {
    return this.#streams.get(streamId)?.send.queuedBytes ?? 0;
  }

  // ---- input -------------------------------------------------------------

  /**
   * Process received bytes (any chunking). Returns the events they caused.
   * Never throws because of what the peer sent: a protocol error becomes a
   * GOAWAY or RST_STREAM in the output and an event here.
   */
  receive(bytes: Uint8Array, now?: number): EndpointEvent[] {
    if (this.closedBy) return this.takeEvents();
    if (now !== undefined) this.#now = now;
    try {
      this.#decoder.push(this.role === 'server' ? this.#matchPreface(bytes) : bytes);
      while (!this.closedBy) {
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
        this.#hooks.onFrame?.('in', frame);
        try {
          this.#dispatch(frame);
        } catch (e) {
          this.#fail(e);
        }
      }
    } catch (e) {
      this.#fail(e);
    }
    const held = this.heldBytes();
    if (held > this.#config.limits.maxHeldBytes && !this.closedBy)
      this.#closeWith(
        new ConnectionError('ENHANCE_YOUR_CALM', 'held_over_budget', `holding ${held} octets for this connection, over its budget of ${this.#config.limits.maxHeldBytes} (limits.maxHeldBytes)`),
      );
    return this.takeEvents();
  }

  /** Events raised outside receive() (e.g. 'writable' while producing output). The array is read-only (an empty one is shared). */
  takeEvents(): EndpointEvent[] {
    const events = this.#events;
    if (events.length === 0) return NO_EVENTS;
    this.#events = [];
    return events;
  }

  #matchPreface(bytes: Uint8Array): Uint8Array {
    if (this.#prefaceMatched === CLIENT_PREFACE.length) return bytes;
    const n = Math.min(bytes.length, CLIENT_PREFACE.length - this.#prefaceMatched);
    for (let i = 0; i < n; i++) {
      if (bytes[i] !== CLIENT_PREFACE[this.#prefaceMatched + i])
        throw new ConnectionError('PROTOCOL_ERROR', 'preface_invalid', 'invalid connection preface: expected "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" (RFC 9113 §3.4)');
    }
    this.#prefaceMatched += n;
    return bytes.subarray(n);
  }

  #dispatch(frame: Frame): void {
    if (this.#state.name === 'awaiting_preface' && (frame.type !== 'SETTINGS' || frame.ack))
      throw new ConnectionError('PROTOCOL_ERROR', 'preface_not_settings', `the peer's connection preface must start with a SETTINGS frame, got ${frame.type} (RFC 9113 §3.4)`);
    this.#blocks.check(frame.type, frame.streamId);
    if (this.#isUseless(frame)) this.#guard.uselessFrame(frame, this.#now);
    switch (frame.type) {
      case 'DATA':
        return this.#onData(frame);
      case 'HEADERS':
      case 'PUSH_PROMISE':
        return this.#onFieldBlockStart(frame);
      case 'CONTINUATION':
        return this.#onContinuation(frame);
      case 'PRIORITY': {
        // §5.3.2: parsed and otherwise ignored, in every state (the table allows it everywhere).
        const self = selfDependencyProblem(frame.streamId, frame.priority);
        if (self) throw ruleError(self, frame.streamId);
        this.#verdict(frame.streamId, 'recv_priority');
        return;
      }
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
        return frame.streamId !== 0 && isClosed(this.#streams.stateOf(frame.streamId));
      default:
        return false;
    }
  }

  /**
   * What the §5.1 table says receiving `event` does to stream `id`: the
   * stream (if recorded) and its next state, or undefined when the frame is
   * to be ignored. Throws the RFC's error for a frame the state forbids.
   * The caller applies the change, after its own effects.
   */
  #verdict(id: number, event: ReceiveEvent): { stream: Stream | undefined; next: StreamState } | undefined {
    const stream = this.#streams.get(id);
    const state = stream?.state ?? this.#streams.stateOf(id);
    const t = onReceive(state, event);
    if (isViolation(t)) {
      const why = `${t.why}; stream ${id} is ${state.replace('_', ' ')}`;
      throw t.scope === 'connection' ? new ConnectionError(t.code, t.label, why) : new StreamError(id, t.code, t.label, why);
    }
    return t === 'ignore' ? undefined : { stream, next: t };
  }

  /** Receive `event` on a recorded stream: the table's verdict, applied. Returns the stream, or undefined if the frame is ignored. */
  #receiveOn(id: number, event: ReceiveEvent): Stream | undefined {
    const v = this.#verdict(id, event);
    if (!v?.stream) return undefined;
    this.#transition(v.stream, v.next);
    return v.stream;
  }

  // ---- field blocks: HEADERS, PUSH_PROMISE, CONTINUATION -------------------

  /** The first frame of a field block: the table decides now (§5.1); the fields are dealt with when the block is whole. */
  #onFieldBlockStart(frame: HeadersFrame | PushPromiseFrame): void {
    const plan = frame.type === 'HEADERS' ? this.#openHeaders(frame) : this.#openPushPromise(frame);
    const done = this.#blocks.start(frame, plan);
    if (done) this.#onFieldBlock(done);
    else this.#deadlines.start('field_block', this.#now);
  }

  #onContinuation(frame: ContinuationFrame): void {
    this.#verdict(frame.streamId, 'recv_continuation'); // part of the HEADERS or PUSH_PROMISE before it: no change of its own
    const done = this.#blocks.continue(frame);
    if (!done) return;
    this.#deadlines.stop('field_block');
    this.#onFieldBlock(done);
  }

  /** A HEADERS frame begins a block: open, refuse or ignore its stream as §5.1 and §5.1.1 say. */
  #openHeaders(frame: HeadersFrame): BlockPlan {
    const id = frame.streamId;
    const streams = this.#streams;
    const stream = streams.get(id);
    const untracked = stream ? undefined : streams.stateOf(id);
    if (untracked === 'idle' && !streams.isPeerInitiated(id))
      throw new ConnectionError('PROTOCOL_ERROR', 'stream_id_not_peers', `HEADERS on stream ${id}, an id only this endpoint may open (RFC 9113 §5.1.1)`);
    if (untracked !== undefined && untracked !== 'closed_reset' && streams.isPeerInitiated(id)) {
      // §5.1.1: the peer opens only its own ids, in increasing order, and a server opens none with HEADERS.
      if (this.role === 'client')
        throw new ConnectionError('PROTOCOL_ERROR', 'headers_on_unpromised_stream', `HEADERS on stream ${id}, which the server never promised (RFC 9113 §5.1, §8.4)`);
      if (id <= streams.lastPeerStreamId)
        throw new ConnectionError('PROTOCOL_ERROR', 'stream_id_not_increasing', `HEADERS on stream ${id}, not above the last stream ${streams.lastPeerStreamId} (RFC 9113 §5.1.1)`);
      const opened = streams.openPeer(id, this.#settings.peer.initialWindowSize, this.#settings.local.initialWindowSize);
      const limit = Math.min(this.#settings.local.maxConcurrentStreams, this.#settings.wanted.maxConcurrentStreams);
      if (streams.activePeer >= limit) {
        this.#transition(opened, 'open'); // opened, then refused: the client may retry it (§8.7)
        this.#streamError(new StreamError(id, 'REFUSED_STREAM', 'refused_stream', `more than ${limit} concurrent streams (RFC 9113 §5.1.2)`));
        return { streamId: id, deliver: false };
      }
    }
    try {
      const v = this.#verdict(id, 'recv_headers');
      if (!v?.stream) return { streamId: id, deliver: false };
      this.#transition(v.stream, v.next);
      const self = selfDependencyProblem(id, frame.priority);
      if (self) throw ruleError(self, id);
    } catch (e) {
      if (!(e instanceof StreamError)) throw e;
      this.#streamError(e); // the block is still decoded, for HPACK (§4.3)
      return { streamId: id, deliver: false };
    }
    return { streamId: id, deliver: true };
  }

  /** Client: a PUSH_PROMISE begins a block; the promised stream is reserved now (§6.6, §8.4). */
  #openPushPromise(frame: PushPromiseFrame): BlockPlan {
    if (this.role === 'server') throw new ConnectionError('PROTOCOL_ERROR', 'push_promise_from_client', 'a client sent PUSH_PROMISE (RFC 9113 §8.4)');
    if (!this.#settings.local.enablePush)
      throw new ConnectionError('PROTOCOL_ERROR', 'push_promise_when_disabled', 'PUSH_PROMISE after we disabled push with SETTINGS_ENABLE_PUSH=0 (RFC 9113 §6.6)');
    const streams = this.#streams;
    if (streams.isPeerInitiated(frame.streamId))
      throw new ConnectionError('PROTOCOL_ERROR', 'push_promise_on_bad_stream', `PUSH_PROMISE on stream ${frame.streamId}, which the server opened: it must be a stream we opened (RFC 9113 §6.6)`);
    const parent = this.#verdict(frame.streamId, 'recv_push_promise'); // undefined: we reset it, the promise is then refused
    const id = frame.promisedStreamId;
    if (id <= streams.lastPeerStreamId)
      throw new ConnectionError('PROTOCOL_ERROR', 'stream_id_not_increasing', `PUSH_PROMISE promises stream ${id}, not above ${streams.lastPeerStreamId} (RFC 9113 §5.1.1)`);
    const promised = streams.openPeer(id, this.#settings.peer.initialWindowSize, this.#settings.local.initialWindowSize);
    promised.parentId = frame.streamId;
    this.#receiveOn(id, 'recv_promised');
    if (parent) return { streamId: id, deliver: true };
    this.resetStream(id, ErrorCode.CANCEL); // §5.1: a promise on a stream we reset still reserves; we refuse it
    return { streamId: id, deliver: false };
  }

  /** A whole field block: always decoded (§4.3), then delivered as its first frame decided. */
  #onFieldBlock({ first, block, plan }: CompleteBlock<BlockPlan>): void {
    let fields: HeaderField[] | null;
    try {
      fields = this.#hpack.decoder.decode(block);
    } catch (e) {
      if (!(e instanceof HpackDecodeError)) throw e;
      if (!e.contextIntact) throw e.toConnectionError(); // COMPRESSION_ERROR (§4.3)
      fields = null; // over a limit of ours: this stream only (§10.5.1)
    }
    this.#hooks.onFields?.('in', plan.streamId, fields ?? []);
    const stream = plan.deliver ? this.#streams.get(plan.streamId) : undefined;
    if (!stream || isClosed(stream.state)) return;
    if (first.type === 'PUSH_PROMISE') {
      if (!fields) throw new StreamError(stream.id, 'PROTOCOL_ERROR', 'field_list_too_large', 'promised request larger than SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2)');
      const request = requireValid(stream.id, checkPromisedRequest(fields));
      stream.recv.noContent = request.method === 'HEAD';
      this.#streams.holdFields(stream, headerListSize(fields));
      this.#events.push({ type: 'push_promise', parentId: first.streamId, promisedStreamId: stream.id, headers: fields });
      return;
    }
    if (!fields) return this.#fieldListTooLarge(stream);
    const event = stream.recv.onFields(this.role, stream.id, fields, first.endStream);
    if (event.type !== 'informational') this.#streams.holdFields(stream, headerListSize(fields));
    this.#events.push(event);
    if (first.endStream) this.#receiveOn(stream.id, 'recv_end_stream');
  }

  /** The peer's field list exceeded our SETTINGS_MAX_HEADER_LIST_SIZE (§10.5.1). */
  #fieldListTooLarge(stream: Stream): void {
    if (this.role === 'server' && stream.send.phase === 'head') {
      // Answer 431 (RFC 6585), then stop the upload without error (§8.1).
      this.respond(stream.id, [{ name: ':status', value: '431' }], { endStream: true });
      if (!isClosed(stream.state)) this.resetStream(stream.id, ErrorCode.NO_ERROR);
      return;
    }
    throw new StreamError(stream.id, 'PROTOCOL_ERROR', 'field_list_too_large', `field section larger than SETTINGS_MAX_HEADER_LIST_SIZE ${this.#settings.wanted.maxHeaderListSize} (RFC 9113 §6.5.2)`);
  }

  // ---- DATA and the body ---------------------------------------------------

  #onData(frame: DataFrame): void {
    const id = frame.streamId;
    const flowLength = payloadLength(frame);
    // §6.9: every DATA counts against the connection window, even one in error.
    if (!this.#window.recv.receive(flowLength))
      throw new ConnectionError('FLOW_CONTROL_ERROR', 'connection_window_exceeded', `DATA of ${flowLength} octets overruns the connection window of ${this.#window.recv.size} (RFC 9113 §6.9.1)`);
    let stream: Stream | undefined;
    try {
      stream = this.#verdict(id, 'recv_data')?.stream;
    } catch (e) {
      this.#creditConnection(flowLength);
      throw e;
    }
    if (!stream) return this.#creditConnection(flowLength); // ignored: give the window back
    if (!stream.recv.window.receive(flowLength)) {
      this.#creditConnection(flowLength);
      throw new StreamError(id, 'FLOW_CONTROL_ERROR', 'stream_window_exceeded', `DATA of ${flowLength} octets overruns stream ${id}'s window of ${stream.recv.window.size} (RFC 9113 §6.9.1)`);
    }
    // Padding is never held nor seen by the application: credited back at once.
    const length = frame.data.length;
    if (flowLength > length) this.#credit(stream, flowLength - length);
    stream.recv.onData(id, length, frame.endStream); // §8.1.1 content-length
    let held = 0;
    if (length > 0) {
      if (stream.recv.discarding) this.#credit(stream, length); // nobody will read it (stopReading)
      else {
        this.#streams.holdBody(stream, frame.data);
        held = length;
      }
    }
    if (held > 0 || frame.endStream) this.#events.push({ type: 'data', streamId: id, length: held, endStream: frame.endStream });
    if (frame.endStream) this.#receiveOn(id, 'recv_end_stream');
  }

  /**
   * The body octets that arrived on a stream and were not read yet, all of
   * them (an empty array when none). Reading is what gives the peer its
   * flow-control window back (§5.2, §6.9): a stream whose body is not read
   * holds the peer to the window it was granted. The body of a closed
   * stream stays readable until read.
   */
  readBody(streamId: number): Uint8Array {
    const octets = this.#streams.takeBody(streamId);
    this.#credit(this.#streams.get(streamId), octets.length);
    return octets;
  }

  /** Body octets waiting for readBody() on a stream. */
  bodyLength(streamId: number): number {
    return this.#streams.bodyLength(streamId);
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
    if (!stream || this.closedBy || isClosed(stream.state)) return this.#dropBody(streamId);
    stream.recv.discarding = true;
    if (this.role === 'client' && stream.state !== 'half_closed_remote') return this.resetStream(streamId, ErrorCode.CANCEL); // its body goes with it
    if (this.#resetIfAbandoned(stream)) return;
    this.#credit(stream, this.#streams.takeBody(streamId).length); // the peer may send on: it is discarded as it comes
  }

  /** §8.1: a server that has sent its whole response and reads no more of the request asks the client to stop. */
  #resetIfAbandoned(stream: Stream): boolean {
    if (!stream.recv.discarding || stream.state !== 'half_closed_local') return false;
    this.resetStream(stream.id, ErrorCode.NO_ERROR);
    return true;
  }

  /** A body that will never be read: dropped, its octets given back to the connection's window. */
  #dropBody(streamId: number): void {
    const unread = this.#streams.takeBody(streamId).length;
    if (unread > 0 && !this.closedBy) this.#creditConnection(unread);
  }

  /** Give the peer back window for octets we are done with: the connection's, and the stream's while DATA may still come on it (§6.9). */
  #credit(stream: Stream | undefined, n: number): void {
    if (n <= 0 || this.closedBy) return;
    this.#creditConnection(n);
    if (!stream || !mayReceiveData(stream.state)) return;
    const increment = stream.recv.window.consume(n);
    if (increment > 0) this.#sendWindowUpdate(stream, increment);
  }

  #creditConnection(n: number): void {
    const increment = this.#window.recv.consume(n);
    if (increment > 0) this.#out.push({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: increment });
  }

  #sendWindowUpdate(stream: Stream, increment: number): void {
    if (maySend(stream.state, 'send_window_update')) this.#out.push({ type: 'WINDOW_UPDATE', streamId: stream.id, windowSizeIncrement: increment });
  }

  // ---- control frames --------------------------------------------------

  #onRstStream(frame: RstStreamFrame): void {
    const v = this.#verdict(frame.streamId, 'recv_rst_stream');
    const stream = v?.stream;
    if (!stream) return;
    this.#guard.reset(this.#now);
    const dropped = this.#abandon(stream);
    // The reset is reported before the 'stream_closed' it causes.
    if (this.role === 'server' && stream.parentId !== undefined)
      this.#events.push({ type: 'push_cancelled', streamId: stream.id, parentId: stream.parentId, errorCode: frame.errorCode, bytesSent: stream.send.sentBytes, bytesDropped: dropped });
    else this.#events.push({ type: 'stream_reset', streamId: stream.id, errorCode: frame.errorCode });
    this.#transition(stream, v.next);
  }

  #onSettings(frame: SettingsFrame): void {
    if (frame.ack) {
      const acked = this.#settings.acknowledged();
      const oldest = this.#settings.oldestUnacknowledged;
      if (oldest === undefined) this.#deadlines.stop('settings_ack');
      else this.#deadlines.start('settings_ack', oldest);
      if (!acked) return; // an ACK we did not ask for: nothing to apply
      const { previous, current } = acked;
      this.#decoder.maxFrameSize = current.maxFrameSize;
      this.#hpack.decoder.setMaxTableSize(current.headerTableSize);
      const delta = current.initialWindowSize - previous.initialWindowSize;
      if (delta !== 0) {
        for (const s of this.#streams.all()) {
          const increment = s.recv.window.adjust(delta);
          if (increment > 0 && mayReceiveData(s.state)) this.#sendWindowUpdate(s, increment);
        }
      }
      this.#events.push({ type: 'settings_acked', settings: { ...current } });
      return;
    }
    if (this.role === 'client' && frame.settings.some((s) => s.id === SettingId.ENABLE_PUSH && s.value === 1))
      throw new ConnectionError('PROTOCOL_ERROR', 'enable_push_from_server', 'a server sent SETTINGS_ENABLE_PUSH=1 (RFC 9113 §6.5.2)');
    const { previous, current } = this.#settings.received(frame.settings);
    const delta = current.initialWindowSize - previous.initialWindowSize;
    if (delta !== 0) {
      for (const s of this.#streams.all()) {
        if (!s.send.window.adjust(delta))
          throw new ConnectionError('FLOW_CONTROL_ERROR', 'initial_window_overflow', `SETTINGS_INITIAL_WINDOW_SIZE change pushes stream ${s.id}'s window past 2^31-1 (RFC 9113 §6.9.2)`);
      }
    }
    if (current.headerTableSize !== previous.headerTableSize)
      this.#hpack.encoder.setPeerTableSize(Math.min(current.headerTableSize, this.#config.limits.encoderTableSize));
    this.#out.maxFrameSize = current.maxFrameSize;
    if (this.#state.name === 'awaiting_preface') {
      this.#setState(OPEN);
      this.#deadlines.stop('preface');
    }
    this.#guard.controlQueue(this.#out.frames);
    this.#out.push({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
    this.#events.push({ type: 'settings', settings: { ...current } });
  }

  #onPing(frame: PingFrame): void {
    if (frame.ack) {
      this.#events.push({ type: 'ping_ack', data: frame.data });
      if (goawaySent(this.#state)?.stage === 'ping' && Buffer.from(frame.data).equals(SHUTDOWN_PING)) this.#finalGoaway();
      return;
    }
    this.#guard.controlQueue(this.#out.frames);
    this.#out.push({ type: 'PING', streamId: 0, ack: true, data: new Uint8Array(frame.data) });
    this.#events.push({ type: 'ping', data: frame.data });
  }

  #onGoaway(frame: GoawayFrame): void {
    this.#setState(afterGoawayReceived(this.#state, frame.lastStreamId, frame.errorCode));
    this.#deadlines.stop('idle');
    this.#events.push({ type: 'goaway', lastStreamId: frame.lastStreamId, errorCode: frame.errorCode, debugData: frame.debugData });
    // §6.8: our streams above lastStreamId were not processed, as if refused; they can be retried elsewhere.
    for (const s of [...this.#streams.all()]) {
      if (this.#streams.isPeerInitiated(s.id) || s.id <= frame.lastStreamId || isClosed(s.state)) continue;
      const next = onReceive(s.state, 'recv_rst_stream') as StreamState;
      this.#abandon(s);
      this.#events.push({ type: 'stream_reset', streamId: s.id, errorCode: ErrorCode.REFUSED_STREAM });
      this.#transition(s, next);
    }
  }

  #onWindowUpdate(frame: WindowUpdateFrame): void {
    const inc = frame.windowSizeIncrement;
    if (frame.streamId === 0) {
      if (!this.#window.send.increase(inc))
        throw new ConnectionError('FLOW_CONTROL_ERROR', 'connection_window_overflow', `WINDOW_UPDATE of ${inc} pushes the connection window past 2^31-1 (RFC 9113 §6.9.1)`);
      return;
    }
    const stream = this.#receiveOn(frame.streamId, 'recv_window_update');
    if (stream && !stream.send.window.increase(inc))
      throw new StreamError(stream.id, 'FLOW_CONTROL_ERROR', 'stream_window_overflow', `WINDOW_UPDATE of ${inc} pushes stream ${stream.id}'s window past 2^31-1 (RFC 9113 §6.9.1)`);
  }

  // ---- errors, in one place --------------------------------------------

  /** Turn an error into the RFC's answer: GOAWAY for the connection, RST_STREAM for a stream. */
  #fail(e: unknown): void {
    if (e instanceof StreamError) return this.#streamError(e);
    this.#closeWith(e instanceof ConnectionError ? e : new ConnectionError('INTERNAL_ERROR', 'internal_error', `internal error: ${e instanceof Error ? e.message : String(e)}`));
  }

  #closeWith(error: ConnectionError, report = true): void {
    if (this.closedBy) return;
    const debug = new TextEncoder().encode(`${error.label}: ${error.message}`.slice(0, 256));
    this.#out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: this.#streams.lastPeerStreamId & MAX_STREAM_ID, errorCode: error.code, debugData: debug });
    this.#setState({ name: 'closed', error });
    // Nothing more is read or sent but the GOAWAY: all that was held for the peer goes.
    this.#streams.dropAll();
    this.#decoder.discard();
    this.#blocks.discard();
    if (report) this.#events.push({ type: 'connection_error', error });
  }

  #streamError(e: StreamError): void {
    const stream = this.#streams.get(e.streamId);
    const state = stream?.state ?? this.#streams.stateOf(e.streamId);
    if (state === 'idle') {
      // §6.4: RST_STREAM must not be sent on an idle stream; §5.4.1 lets a
      // stream error be treated as a connection error, so it is one.
      return this.#closeWith(new ConnectionError(e.code, e.label, e.message));
    }
    try {
      this.#guard.reset(this.#now, `stream errors (last: ${e.message})`);
      this.#guard.controlQueue(this.#out.frames);
    } catch (limit) {
      return this.#closeWith(limit as ConnectionError);
    }
    if (state !== 'closed_reset') this.#out.push({ type: 'RST_STREAM', streamId: e.streamId, errorCode: e.code });
    this.#events.push({ type: 'stream_error', error: e }); // before the 'stream_closed' it causes
    if (!stream) return;
    if (!isClosed(stream.state)) this.#abandon(stream);
    this.#transition(stream, 'closed_reset'); // once closed: now ignore what follows (§5.1)
  }

  #setState(next: ConnectionState): void {
    const previous = this.#state;
    this.#state = next;
    this.#hooks.onConnectionState?.(previous, next);
  }

  // ---- streams ---------------------------------------------------------

  /** A stream changes state (through the registry, which the tracer sees); what that means for the connection follows. */
  #transition(stream: Stream, next: StreamState): void {
    const fx = this.#streams.transition(stream, next);
    if (fx.nowBusy) this.#deadlines.stop('idle');
    if (fx.nowIdle && (this.#state.name === 'open' || this.#state.name === 'awaiting_preface')) this.#deadlines.start('idle', this.#now);
    if (fx.closed) this.#events.push({ type: 'stream_closed', streamId: stream.id });
  }

  /** The state sending `event` leads to; EndpointUsageError if the §5.1 table forbids it. */
  #mustSend(stream: Stream, event: SendEvent): StreamState {
    const next = onSend(stream.state, event);
    if (isForbidden(next)) throw new EndpointUsageError(`cannot send ${event.slice(5).toUpperCase()} on stream ${stream.id} in state ${stream.state}: ${next.forbidden}`);
    return next;
  }

  #sendOn(stream: Stream, event: SendEvent): void {
    this.#transition(stream, this.#mustSend(stream, event));
    if (event === 'send_end_stream') this.#resetIfAbandoned(stream);
  }

  /** A stream is being reset: what it queued to send and its unread body are dropped. Returns the DATA octets dropped. */
  #abandon(stream: Stream): number {
    this.#streams.ready?.delete(stream);
    this.#dropBody(stream.id); // the stream is gone: only the connection's window is given back
    return stream.send.drop();
  }

  /**
   * The stream to write on, or undefined when it is gone: reset by either
   * side, or the connection ended. Writes to a gone stream are dropped, as
   * the peer can end a stream at any moment (§5.4.2, §6.4). Writing after
   * our own END_STREAM, or on a stream that never existed, is a misuse.
   */
  #writable(streamId: number, what: string): Stream | undefined {
    const stream = this.#streams.get(streamId);
    if (stream?.send.ended) throw new EndpointUsageError(`cannot ${what} on stream ${streamId}: its ${this.role === 'server' ? 'response' : 'request'} already ended`);
    if (this.closedBy) return undefined;
    if (!stream) {
      if (this.#streams.stateOf(streamId) === 'idle') throw new EndpointUsageError(`cannot ${what}: there is no stream ${streamId}`);
      return undefined; // closed and forgotten
    }
    return isClosed(stream.state) ? undefined : stream;
  }

  // ---- output API ------------------------------------------------------

  /**
   * Queue a header block: HEADERS (or PUSH_PROMISE when `promisedStreamId`
   * is given) then CONTINUATIONs to fit the peer's SETTINGS_MAX_FRAME_SIZE
   * (§6.10). `carrier` is the stream the frames go on, in the state it has
   * once its head is sent: the table allows each CONTINUATION there.
   */
  #pushHeaderBlock(carrier: Stream, stateAfter: StreamState, endStream: boolean, promisedStreamId: number | undefined, block: Uint8Array): void {
    const max = this.#settings.peer.maxFrameSize;
    const room = promisedStreamId !== undefined ? max - 4 : max;
    const whole = block.length <= room;
    const headerBlock = whole ? block : block.subarray(0, room);
    const streamId = carrier.id;
    this.#out.push(
      promisedStreamId !== undefined
        ? { type: 'PUSH_PROMISE', streamId, promisedStreamId, endHeaders: whole, headerBlock }
        : { type: 'HEADERS', streamId, endStream, endHeaders: whole, headerBlock },
    );
    for (let at = room; at < block.length; at += max) {
      if (!maySend(stateAfter, 'send_continuation')) throw new EndpointUsageError(`cannot send CONTINUATION on stream ${streamId} in state ${stateAfter}`);
      const end = Math.min(at + max, block.length);
      this.#out.push({ type: 'CONTINUATION', streamId, headerBlock: block.subarray(at, end), endHeaders: end === block.length });
    }
  }

  /** Send a header block on a stream; states change after the frames are queued, as on the wire. */
  #emitHeaders(stream: Stream, fields: HeaderList, block: Uint8Array, endStream: boolean): void {
    const next = this.#mustSend(stream, 'send_headers');
    this.#pushHeaderBlock(stream, next, endStream, undefined, block);
    this.#hooks.onFields?.('out', stream.id, fields);
    this.#transition(stream, next);
    if (endStream) this.#sendOn(stream, 'send_end_stream');
  }

  /**
   * Server: send a response's HEADERS (a 1xx status may come first, any
   * number of times; RFC 9113 §8.1). Fields are sent as given: the
   * application is responsible for their validity.
   */
  respond(streamId: number, fields: HeaderList, options: { endStream?: boolean } = {}): boolean {
    const stream = this.#writable(streamId, 'respond');
    if (!stream) return false;
    if (stream.send.phase !== 'head') throw new EndpointUsageError(`stream ${streamId} already has a final response; use sendTrailers`);
    const status = Number(fields.find((f) => f.name === ':status')?.value);
    const informational = status >= 100 && status < 200;
    const endStream = options.endStream ?? false;
    if (informational && endStream) throw new EndpointUsageError('an informational (1xx) response cannot end the stream (RFC 9113 §8.1)');
    this.#mustSend(stream, 'send_headers');
    const block = this.#hpack.encoder.encode(fields); // throws before any state changes
    stream.send.headSent(!informational, endStream);
    this.#emitHeaders(stream, fields, block, endStream);
    return true;
  }

  /** Client: open a stream with a request. Returns its id. */
  request(fields: HeaderList, options: { endStream?: boolean } = {}): number {
    if (this.role !== 'client') throw new EndpointUsageError('only a client sends requests');
    if (this.closedBy) throw new EndpointUsageError('the connection is closed');
    if (this.#state.name === 'going_away') throw new EndpointUsageError('no new streams after GOAWAY (RFC 9113 §6.8)');
    const streams = this.#streams;
    if (streams.activeLocal >= this.#settings.peer.maxConcurrentStreams)
      throw new EndpointUsageError(`the server allows ${this.#settings.peer.maxConcurrentStreams} concurrent streams (RFC 9113 §5.1.2)`);
    if (streams.localIdsExhausted) throw new EndpointUsageError('stream ids exhausted: open a new connection (RFC 9113 §5.1.1)');
    const block = this.#hpack.encoder.encode(fields);
    const stream = streams.openLocal(this.#settings.peer.initialWindowSize, this.#settings.local.initialWindowSize);
    stream.recv.noContent = fields.some((f) => f.name === ':method' && f.value === 'HEAD');
    const endStream = options.endStream ?? false;
    stream.send.headSent(true, endStream);
    this.#emitHeaders(stream, fields, block, endStream);
    return stream.id;
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
    if (stream.send.phase === 'head') throw new EndpointUsageError(`cannot send DATA on stream ${streamId} before its final HEADERS (RFC 9113 §8.1)`);
    this.#mustSend(stream, 'send_data');
    if (stream.send.queueData(data, options.endStream ?? false)) this.#streams.markReady(stream);
    return true;
  }

  /** Queue a trailer section; it ends the stream after the queued DATA (§8.1). */
  sendTrailers(streamId: number, fields: HeaderList): boolean {
    const stream = this.#writable(streamId, 'send trailers');
    if (!stream) return false;
    if (stream.send.phase === 'head') throw new EndpointUsageError(`cannot send trailers on stream ${streamId} before its final HEADERS`);
    checkEncodable(fields); // encoded when their turn comes, after the DATA: refused now if they could not be
    stream.send.queueTrailers(fields);
    this.#streams.markReady(stream);
    return true;
  }

  /** Reset a stream (RST_STREAM, §6.4). Its queued DATA is dropped. */
  resetStream(streamId: number, errorCode: number = ErrorCode.CANCEL): void {
    const stream = this.#streams.get(streamId);
    if (this.closedBy || !stream || isClosed(stream.state)) return;
    this.#abandon(stream);
    this.#out.push({ type: 'RST_STREAM', streamId, errorCode });
    this.#sendOn(stream, 'send_rst_stream');
  }

  /** Why a push on this stream is impossible now, or undefined if it may go ahead. */
  pushRefusal(parentId: number): PushRefusal | undefined {
    const state = this.#state;
    return pushRefusal(
      {
        isServer: this.role === 'server',
        closed: state.name === 'closed',
        goaway: state.name === 'going_away',
        peerEnablePush: this.#settings.peer.enablePush,
        peerMaxConcurrentStreams: this.#settings.peer.maxConcurrentStreams,
        pushedStreamsInUse: this.#streams.activeLocal,
        idsExhausted: this.#streams.localIdsExhausted,
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
    const parent = this.#streams.get(parentId)!;
    const parentState = this.#mustSend(parent, 'send_push_promise');
    const block = this.#hpack.encoder.encode(requestFields);
    const promised = this.#streams.openLocal(this.#settings.peer.initialWindowSize, this.#settings.local.initialWindowSize);
    promised.parentId = parentId;
    this.#pushHeaderBlock(parent, parentState, false, promised.id, block);
    this.#hooks.onFields?.('out', promised.id, requestFields);
    this.#sendOn(promised, 'send_promised');
    if (this.#streams.localIdsExhausted) this.shutdown(); // §5.1.1: ids exhausted, go away gracefully
    return promised.id;
  }

  ping(data: Uint8Array = new Uint8Array(8)): void {
    if (this.closedBy) throw new EndpointUsageError('the connection is closed');
    if (data.length !== 8) throw new EndpointUsageError('PING data must be 8 octets (RFC 9113 §6.7)');
    this.#out.push({ type: 'PING', streamId: 0, ack: false, data });
  }

  /** Change our settings: sent now, in force when the peer acknowledges (§6.5.3). */
  updateSettings(settings: Partial<Settings>): void {
    if (this.closedBy) throw new EndpointUsageError('the connection is closed');
    if (this.role === 'server' && settings.enablePush) throw new EndpointUsageError('a server cannot enable push for itself (RFC 9113 §6.5.2)');
    this.#sendSettings({ ...this.#settings.wanted, ...settings });
  }

  #sendSettings(wanted: Readonly<Settings>): void {
    const list = this.#settings.send(wanted, this.#now);
    this.#out.push({ type: 'SETTINGS', streamId: 0, ack: false, settings: list });
    if (this.#deadlines.at('settings_ack') === undefined) this.#deadlines.start('settings_ack', this.#now);
  }

  /**
   * Graceful shutdown (RFC 9113 §6.8): GOAWAY with 2^31-1 and a PING; when
   * the PING returns (or after shutdownPingMs), a second GOAWAY with the
   * last stream really processed. Streams in flight finish; new ones are refused.
   */
  shutdown(): void {
    if (this.closedBy || goawaySent(this.#state)) return;
    this.#out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: MAX_STREAM_ID, errorCode: ErrorCode.NO_ERROR, debugData: NO_DEBUG });
    this.#out.push({ type: 'PING', streamId: 0, ack: false, data: SHUTDOWN_PING });
    this.#setState(afterGoawaySent(this.#state, MAX_STREAM_ID, 'ping'));
    this.#deadlines.stop('idle');
    this.#deadlines.start('shutdown_ping', this.#now);
  }

  #finalGoaway(): void {
    const last = this.#streams.lastPeerStreamId;
    this.#out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: last, errorCode: ErrorCode.NO_ERROR, debugData: NO_DEBUG });
    this.#setState(afterGoawaySent(this.#state, last, 'final'));
    this.#streams.ignoreAbove = last; // §6.8: new streams above it are ignored
    this.#deadlines.stop('shutdown_ping');
  }

  /** End the connection now with an error code (GOAWAY, §6.8); nothing more is processed. */
  close(errorCode: number = ErrorCode.NO_ERROR, reason = ''): void {
    this.#closeWith(new ConnectionError(errorCode, 'closed_by_application', reason || 'closed by the application', 'application'), false);
  }

  // ---- time --------------------------------------------------------------

  /**
   * Let time pass: a deadline that has passed ends the connection (preface,
   * SETTINGS ACK, an open field block, a peer whose windows stay shut),
   * shuts it down gracefully (idle), or sends a shutdown's final GOAWAY
   * when its PING is not answered. Returns the events.
   */
  tick(now: number): EndpointEvent[] {
    this.#now = now;
    if (this.closedBy) return this.takeEvents();
    if (this.#streams.ready?.size) this.#scheduleData(); // windows opened since the last takeOutput() count as progress
    const d = this.#deadlines;
    switch (d.passed(now)) {
      case 'preface':
        this.#closeWith(new ConnectionError('PROTOCOL_ERROR', 'preface_timeout', `no connection preface and SETTINGS within ${d.timeout('preface')} ms (RFC 9113 §3.4)`));
        break;
      case 'settings_ack':
        this.#closeWith(new ConnectionError('SETTINGS_TIMEOUT', 'settings_timeout', `SETTINGS not acknowledged within ${d.timeout('settings_ack')} ms (RFC 9113 §6.5.3)`));
        break;
      case 'field_block':
        this.#closeWith(
          new ConnectionError('ENHANCE_YOUR_CALM', 'field_block_timeout', `field block on stream ${this.#blocks.openStream} not completed within ${d.timeout('field_block')} ms (RFC 9113 §6.10)`),
        );
        break;
      case 'send_stall':
        this.#closeWith(
          new ConnectionError('ENHANCE_YOUR_CALM', 'send_stall', `no flow-control window for ${d.timeout('send_stall')} ms with ${this.held().outgoing} octets of DATA waiting (RFC 9113 §6.9)`),
        );
        break;
      case 'shutdown_ping':
        this.#finalGoaway(); // §6.8: the PING was to learn which streams may still arrive; no answer, no more waiting
        break;
      case 'idle':
        this.shutdown();
        break;
      case undefined:
        break;
    }
    return this.takeEvents();
  }

  /** When tick() next needs to run, or undefined if no deadline is pending. */
  get nextDeadline(): number | undefined {
    return this.closedBy ? undefined : this.#deadlines.next;
  }

  // ---- producing bytes -------------------------------------------------

  /**
   * Everything ready to be written, in wire order, as a list of buffers
   * (header blocks and control frames first, then DATA as windows allow).
   */
  takeOutput(): Uint8Array[] {
    if (!this.closedBy) this.#scheduleData();
    return this.#out.take();
  }

  /** takeOutput() as one buffer (empty when there is nothing to send). */
  takeOutputBytes(): Buffer {
    return Buffer.concat(this.takeOutput());
  }

  /** Round-robin over streams with queued output: one frame each per round, within both windows (§5.2, §6.9). */
  #scheduleData(): void {
    const ready = this.#streams.ready;
    if (!ready) return;
    const max = this.#settings.peer.maxFrameSize;
    let progress = true;
    let sent = false;
    while (progress && ready.size > 0) {
      progress = false;
      for (const stream of ready) {
        // deleting the current entry while iterating a Set is safe
        const next = stream.send.next(Math.min(max, this.#window.send.available));
        if (next === 'blocked') continue;
        if (next === 'empty') {
          ready.delete(stream);
          continue;
        }
        progress = sent = true;
        if ('trailers' in next) {
          this.#emitHeaders(stream, next.trailers, this.#hpack.encoder.encode(next.trailers), true);
          continue;
        }
        this.#window.send.consume(next.data.length);
        this.#mustSend(stream, 'send_data');
        this.#out.pushData({ type: 'DATA', streamId: stream.id, endStream: next.endStream, data: next.data });
        if (next.endStream) this.#sendOn(stream, 'send_end_stream');
        if (!stream.send.hasQueued) {
          ready.delete(stream);
          if (!next.endStream && !isClosed(stream.state)) this.#events.push({ type: 'writable', streamId: stream.id });
        }
      }
    }
    // What is left waits for the peer's windows: the send-stall deadline runs from the last DATA that could go.
    if (ready.size === 0) this.#deadlines.stop('send_stall');
    else if (sent || this.#deadlines.at('send_stall') === undefined) this.#deadlines.start('send_stall', this.#now);
  }
}
