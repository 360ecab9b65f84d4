// What every part of one connection's engine shares: its streams, the
// SETTINGS exchange, the HPACK contexts, the output queue, the windows, the
// connection's own state, its deadlines, and the events for the
// application; and the operations on them that both sides use: changing a
// stream's state (through the §5.1 tables, only here), crediting windows,
// sending header blocks and resets, and turning errors into GOAWAY or
// RST_STREAM (fail, in one place).
//
// receiver.ts reads frames through it; endpoint.ts is the application's
// side. Members are public to those two and to nobody else: the package
// exports Http2Endpoint, not this.

import { CLIENT_PREFACE, ErrorCode, MAX_STREAM_ID } from '../frames/constants.js';
import { FrameDecoder } from '../frames/decode.js';
import { HpackDecoder } from '../hpack/decoder.js';
import { HpackEncoder } from '../hpack/encoder.js';
import type { HeaderList } from '../hpack/header-list.js';
import { ConnectionError, StreamError } from '../protocol-errors.js';
import { AbuseGuard } from './abuse-limits.js';
import { afterGoawaySent, AWAITING_PREFACE, CLOSED_GRACEFULLY, type ConnectionState, goawaySent } from './connection-state.js';
import { Deadlines } from './deadlines.js';
import type { EndpointEvent } from './events.js';
import { ReceiveWindow, SendWindow } from './flow-control.js';
import { HeaderBlockAssembly } from './header-block-assembly.js';
import type { EndpointConfig, EndpointHooks, Role } from './options.js';
import { OutputQueue } from './output-queue.js';
import { INITIAL_SETTINGS, type Settings, SettingsExchange } from './settings.js';
import type { Stream } from './stream.js';
import { isClosed, isForbidden, isViolation, mayReceiveData, maySend, onReceive, onSend, type ReceiveEvent, type SendEvent, stateName, type StreamState } from './stream-states.js';
import { StreamRegistry } from './streams.js';

/** Misuse of the endpoint's API by the application (never caused by the peer). */
export class EndpointUsageError extends Error {
  override readonly name = 'EndpointUsageError';
}

/** What the first frame of a field block decided, carried to its end: whose fields they are, and whether they are delivered. */
export interface BlockPlan {
  /** The stream the fields are for (for a PUSH_PROMISE, the promised one). */
  streamId: number;
  /** False: decode only, to keep HPACK in step with the peer (§4.3), then drop. */
  deliver: boolean;
}

const SHUTDOWN_PING = new Uint8Array([0x68, 0x32, 0x77, 0x2d, 0x62, 0x79, 0x65, 0x21]); // "h2w-bye!"
const NO_DEBUG = new Uint8Array(0);

export class ConnectionCore {
  readonly decoder = new FrameDecoder();
  readonly out: OutputQueue;
  readonly blocks: HeaderBlockAssembly<BlockPlan>;
  /** The HPACK contexts (RFC 7541): ours for what we send, and the one that mirrors the peer's. */
  readonly hpackEncoder: HpackEncoder;
  readonly hpackDecoder: HpackDecoder;
  readonly streams: StreamRegistry;
  readonly settings: SettingsExchange;
  readonly deadlines: Deadlines;
  readonly guard: AbuseGuard;
  /** The connection's own flow-control windows (§6.9.1): ours to send on, and the peer's. */
  readonly sendWindow = new SendWindow(INITIAL_SETTINGS.initialWindowSize);
  readonly recvWindow = new ReceiveWindow(INITIAL_SETTINGS.initialWindowSize);
  /** The connection's own state; changed only by setState(). */
  state: ConnectionState = AWAITING_PREFACE;
  /** Events for the application, taken with takeEvents(). */
  events: EndpointEvent[] = [];
  /** The time last passed in. */
  now: number;

  constructor(
    readonly role: Role,
    readonly config: EndpointConfig,
    readonly hooks: EndpointHooks,
    now: number,
  ) {
    const limits = config.limits;
    this.now = now;
    this.out = new OutputQueue(INITIAL_SETTINGS.maxFrameSize, hooks.onFrame);
    this.blocks = new HeaderBlockAssembly({ maxBlockBytes: limits.maxHeaderBlockBytes, maxContinuations: limits.maxContinuations });
    this.streams = new StreamRegistry(role, limits.closedStreamsRemembered, hooks.onStreamState);
    const wanted = config.wantedSettings(role);
    this.settings = new SettingsExchange(role, wanted);
    this.hpackEncoder = new HpackEncoder({ maxTableSize: limits.encoderTableSize });
    this.hpackDecoder = new HpackDecoder({ maxTableSize: INITIAL_SETTINGS.headerTableSize, maxHeaderListSize: wanted.maxHeaderListSize, maxFieldCount: limits.maxFieldCount });
    this.deadlines = new Deadlines(config.timeouts);
    this.guard = new AbuseGuard(limits, now);
    this.deadlines.start('preface', now);
    this.deadlines.start('idle', now);

    // §3.4: the client sends the preface; both sides send SETTINGS first.
    if (role === 'client') this.out.pushBytes(CLIENT_PREFACE);
    this.sendSettings(wanted);
    const increment = this.recvWindow.grow(config.connectionWindowSize);
    if (increment > 0) this.out.push({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: increment });
  }

  /** The connection error that ended the connection, if any. */
  get closedBy(): ConnectionError | undefined {
    return this.state.name === 'closed' ? this.state.error : undefined;
  }

  /** Closed, by an error or gracefully: nothing more is read, sent or timed. */
  get isClosed(): boolean {
    return this.state.name === 'closed';
  }

  /** §6.8: our final GOAWAY went out, or the peer's came in, and no stream is left: nothing more will happen. */
  get doneAfterGoaway(): boolean {
    const s = this.state;
    if (s.name !== 'going_away' || (s.sent?.stage !== 'final' && !s.received)) return false;
    return this.streams.inUse === 0 && this.streams.reservedCount() === 0;
  }

  /** The connection ends gracefully once it is done after a GOAWAY. */
  closeIfDone(): void {
    if (!this.doneAfterGoaway) return;
    this.deadlines.stop('shutdown_ping');
    this.setState(CLOSED_GRACEFULLY);
  }

  setState(next: ConnectionState): void {
    const previous = this.state;
    this.state = next;
    this.hooks.onConnectionState?.(previous, next);
  }

  // ---- stream states: the §5.1 tables, applied -------------------------

  /**
   * What the §5.1 table says receiving `event` does to stream `id`: its
   * next state, or undefined when the frame is to be ignored. Throws the
   * RFC's error for a frame the state forbids. The caller applies the
   * change (transition), after its own effects.
   */
  verdict(id: number, event: ReceiveEvent): StreamState | undefined {
    const state = this.streams.stateOf(id);
    const t = onReceive(state, event);
    if (isViolation(t)) {
      const why = `${t.why}; stream ${id} is ${stateName(state)}`;
      throw t.scope === 'connection' ? new ConnectionError(t.code, t.label, why) : new StreamError(id, t.code, t.label, why);
    }
    return t === 'ignore' ? undefined : t;
  }

  /** Receive `event` on a recorded stream: the table's verdict, applied. Returns the stream, or undefined if the frame is ignored. */
  receiveOn(id: number, event: ReceiveEvent): Stream | undefined {
    const next = this.verdict(id, event);
    const stream = next && this.streams.get(id);
    if (stream) this.transition(stream, next!);
    return stream;
  }

  /** The state sending `event` leads to; EndpointUsageError if the §5.1 table forbids it. */
  mustSend(stream: Stream, event: SendEvent): StreamState {
    const next = onSend(stream.state, event);
    if (isForbidden(next)) throw new EndpointUsageError(`cannot send ${event.slice(5).toUpperCase()} on stream ${stream.id} in state ${stateName(stream.state)}: ${next.forbidden}`);
    return next;
  }

  sendOn(stream: Stream, event: SendEvent): void {
    this.transition(stream, this.mustSend(stream, event));
    if (event === 'send_end_stream') this.resetIfAbandoned(stream);
  }

  /** A stream changes state (through the registry, which the tracer sees); what that means for the connection follows. */
  transition(stream: Stream, next: StreamState): void {
    const streams = this.streams;
    const busy = streams.inUse > 0;
    const closed = streams.transition(stream, next);
    if (!busy && streams.inUse > 0) this.deadlines.stop('idle');
    else if (busy && streams.inUse === 0 && (this.state.name === 'open' || this.state.name === 'awaiting_preface')) this.deadlines.start('idle', this.now);
    if (closed) this.events.push({ type: 'stream_closed', streamId: stream.id });
  }

  /** §6.8: our streams above a GOAWAY's last id were not processed, as if refused. */
  refuse(stream: Stream): void {
    const next = onReceive(stream.state, 'recv_rst_stream') as StreamState;
    this.abandon(stream);
    this.events.push({ type: 'stream_reset', streamId: stream.id, errorCode: ErrorCode.REFUSED_STREAM });
    this.transition(stream, next);
  }

  // ---- windows and bodies ------------------------------------------------

  /** Give the peer back window for octets we are done with: the connection's, and the stream's while DATA may still come on it (§6.9). */
  credit(stream: Stream | undefined, n: number): void {
    if (n <= 0 || this.closedBy) return;
    this.creditConnection(n);
    if (!stream || !mayReceiveData(stream.state)) return;
    const increment = stream.recv.window.consume(n);
    if (increment > 0) this.sendWindowUpdate(stream, increment);
  }

  creditConnection(n: number): void {
    const increment = this.recvWindow.consume(n);
    if (increment > 0) this.out.push({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: increment });
  }

  sendWindowUpdate(stream: Stream, increment: number): void {
    if (maySend(stream.state, 'send_window_update')) this.out.push({ type: 'WINDOW_UPDATE', streamId: stream.id, windowSizeIncrement: increment });
  }

  /** A body that will never be read: dropped, its octets given back to the connection's window. */
  dropBody(streamId: number): void {
    const unread = this.streams.takeBody(streamId).length;
    if (unread > 0 && !this.closedBy) this.creditConnection(unread);
  }

  /** A stream is being reset: what it queued to send and its unread body are dropped. Returns the DATA octets dropped. */
  abandon(stream: Stream): number {
    this.streams.ready?.delete(stream);
    this.dropBody(stream.id); // the stream is gone: only the connection's window is given back
    return stream.send.drop();
  }

  /** §8.1: a server that has sent its whole response and reads no more of the request asks the client to stop. */
  resetIfAbandoned(stream: Stream): boolean {
    if (!stream.recv.discarding || stream.state !== 'half_closed_local') return false;
    this.resetStream(stream.id, ErrorCode.NO_ERROR);
    return true;
  }

  // ---- sending -------------------------------------------------------------

  /**
   * Queue a header block: HEADERS (or PUSH_PROMISE when `promisedStreamId`
   * is given) then CONTINUATIONs to fit the peer's SETTINGS_MAX_FRAME_SIZE
   * (§6.10). `carrier` is the stream the frames go on, in the state it has
   * once its head is sent: the table allows each CONTINUATION there.
   */
  pushHeaderBlock(carrier: Stream, stateAfter: StreamState, endStream: boolean, promisedStreamId: number | undefined, block: Uint8Array): void {
    const max = this.settings.peer.maxFrameSize;
    const room = promisedStreamId !== undefined ? max - 4 : max;
    const whole = block.length <= room;
    const headerBlock = whole ? block : block.subarray(0, room);
    const streamId = carrier.id;
    if (!whole && !maySend(stateAfter, 'send_continuation')) throw new EndpointUsageError(`cannot send CONTINUATION on stream ${streamId}: it is ${stateName(stateAfter)}`);
    this.out.push(
      promisedStreamId !== undefined
        ? { type: 'PUSH_PROMISE', streamId, promisedStreamId, endHeaders: whole, headerBlock }
        : { type: 'HEADERS', streamId, endStream, endHeaders: whole, headerBlock },
    );
    for (let at = room; at < block.length; at += max) {
      const end = Math.min(at + max, block.length);
      this.out.push({ type: 'CONTINUATION', streamId, headerBlock: block.subarray(at, end), endHeaders: end === block.length });
    }
  }

  /** Send a header block on a stream; states change after the frames are queued, as on the wire. */
  emitHeaders(stream: Stream, fields: HeaderList, block: Uint8Array, endStream: boolean): void {
    const next = this.mustSend(stream, 'send_headers');
    this.pushHeaderBlock(stream, next, endStream, undefined, block);
    this.hooks.onFields?.('out', stream.id, fields);
    this.transition(stream, next);
    if (endStream) this.sendOn(stream, 'send_end_stream');
  }

  /**
   * A response's HEADERS (server): a 1xx status may come first, any number
   * of times (§8.1). Fields are sent as given: the application is
   * responsible for their validity.
   */
  sendResponseHead(stream: Stream, fields: HeaderList, endStream: boolean): void {
    if (stream.send.phase !== 'head') throw new EndpointUsageError(`stream ${stream.id} already has a final response; use sendTrailers`);
    const status = Number(fields.find((f) => f.name === ':status')?.value);
    const informational = status >= 100 && status < 200;
    if (informational && endStream) throw new EndpointUsageError('an informational (1xx) response cannot end the stream (RFC 9113 §8.1)');
    this.mustSend(stream, 'send_headers'); // the table first: a misuse throws before anything changes
    const block = this.hpackEncoder.encode(fields); // so does a field the encoder refuses
    stream.send.headSent(!informational, endStream);
    this.emitHeaders(stream, fields, block, endStream);
  }

  /** Reset a stream (RST_STREAM, §6.4). Its queued DATA is dropped. */
  resetStream(streamId: number, errorCode: number): void {
    const stream = this.streams.get(streamId);
    if (this.closedBy || !stream || isClosed(stream.state)) return;
    this.abandon(stream);
    this.out.push({ type: 'RST_STREAM', streamId, errorCode });
    this.sendOn(stream, 'send_rst_stream');
  }

  sendSettings(wanted: Readonly<Settings>): void {
    const list = this.settings.send(wanted, this.now);
    this.out.push({ type: 'SETTINGS', streamId: 0, ack: false, settings: list });
    if (this.deadlines.at('settings_ack') === undefined) this.deadlines.start('settings_ack', this.now);
  }

  // ---- going away ------------------------------------------------------

  /**
   * Graceful shutdown (RFC 9113 §6.8): GOAWAY with 2^31-1 and a PING; when
   * the PING returns (or after shutdownPingMs), a second GOAWAY with the
   * last stream really processed. Streams in flight finish; new ones are refused.
   */
  shutdown(): void {
    if (this.closedBy || goawaySent(this.state)) return;
    this.out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: MAX_STREAM_ID, errorCode: ErrorCode.NO_ERROR, debugData: NO_DEBUG });
    this.out.push({ type: 'PING', streamId: 0, ack: false, data: SHUTDOWN_PING });
    this.setState(afterGoawaySent(this.state, MAX_STREAM_ID, 'ping'));
    this.deadlines.stop('idle');
    this.deadlines.start('shutdown_ping', this.now);
  }

  /** The PING sent with our first GOAWAY came back: is this it? */
  isShutdownPing(data: Uint8Array): boolean {
    return goawaySent(this.state)?.stage === 'ping' && Buffer.from(data).equals(SHUTDOWN_PING);
  }

  finalGoaway(): void {
    const last = this.streams.lastPeerStreamId;
    this.out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: last, errorCode: ErrorCode.NO_ERROR, debugData: NO_DEBUG });
    this.setState(afterGoawaySent(this.state, last, 'final'));
    this.streams.ignoreAbove = last; // §6.8: new streams above it are ignored
    this.deadlines.stop('shutdown_ping');
  }

  // ---- errors, in one place --------------------------------------------

  /** Turn an error into the RFC's answer: GOAWAY for the connection, RST_STREAM for a stream. */
  fail(e: unknown): void {
    if (e instanceof StreamError) return this.streamError(e);
    this.closeWith(e instanceof ConnectionError ? e : new ConnectionError('INTERNAL_ERROR', 'internal_error', `internal error: ${e instanceof Error ? e.message : String(e)}`));
  }

  closeWith(error: ConnectionError, report = true): void {
    if (this.isClosed) return;
    const debug = new TextEncoder().encode(`${error.label}: ${error.message}`.slice(0, 256));
    this.out.push({ type: 'GOAWAY', streamId: 0, lastStreamId: this.streams.lastPeerStreamId, errorCode: error.code, debugData: debug });
    this.setState({ name: 'closed', error });
    // Nothing more is read or sent but the GOAWAY: all that was held for the peer goes.
    this.streams.dropAll();
    this.decoder.discard();
    this.blocks.discard();
    if (report) this.events.push({ type: 'connection_error', error });
  }

  /**
   * The receive-stall deadline passed: reset each request whose body has
   * had no DATA for receiveStallMs, and count again from the oldest left.
   */
  resetStalledBodies(): void {
    const timeout = this.deadlines.timeout('receive_stall');
    let oldest: number | undefined;
    for (const s of [...this.streams.all()]) {
      if (this.role !== 'server' || isClosed(s.state) || s.recv.phase !== 'body') continue;
      if (this.now - s.recv.lastArrival >= timeout) this.streamError(new StreamError(s.id, 'CANCEL', 'request_body_stalled', `no DATA of the request body for ${timeout} ms`));
      else if (oldest === undefined || s.recv.lastArrival < oldest) oldest = s.recv.lastArrival;
    }
    if (oldest === undefined) this.deadlines.stop('receive_stall');
    else this.deadlines.start('receive_stall', oldest);
  }

  streamError(e: StreamError): void {
    const stream = this.streams.get(e.streamId);
    const state = stream?.state ?? this.streams.stateOf(e.streamId);
    if (state === 'idle') {
      // §6.4: RST_STREAM must not be sent on an idle stream; §5.4.1 lets a
      // stream error be treated as a connection error, so it is one.
      return this.closeWith(new ConnectionError(e.code, e.label, e.message));
    }
    try {
      this.guard.reset(this.now, { streamError: e.message });
      this.guard.controlQueue(this.out.frames);
    } catch (limit) {
      return this.closeWith(limit as ConnectionError);
    }
    // The table says whether RST_STREAM may go (not twice: §5.4.2) and what it leads to.
    const next = onSend(state, 'send_rst_stream');
    if (!isForbidden(next)) this.out.push({ type: 'RST_STREAM', streamId: e.streamId, errorCode: e.code });
    this.events.push({ type: 'stream_error', error: e }); // before the 'stream_closed' it causes
    if (!stream || isForbidden(next)) return;
    if (!isClosed(stream.state)) this.abandon(stream);
    this.transition(stream, next); // closed (reset): what follows is now ignored (§5.1)
  }
}
