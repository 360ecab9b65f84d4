// The HTTP/2 endpoint: pure protocol logic, no I/O. Bytes go in through
// receive(), events come out of it; the application acts through methods
// (respond, sendData, push, request, ...) and takes the bytes to write with
// takeOutput(). Time, where it matters, is passed in.
//
// This is the application's side of the engine. Receiving is receiver.ts;
// what both share (streams, windows, SETTINGS, HPACK, the output queue, the
// connection's state, and the one place errors become GOAWAY or RST_STREAM)
// is core.ts. The rules live in their own rooms (docs/architecture.md has
// the map): single frames in frames/frame-rules.ts, stream states in
// stream-states.ts, a stream's two halves in stream-send.ts and
// stream-recv.ts, the streams in streams.ts, windows in flow-control.ts,
// SETTINGS in settings.ts, the connection's own state in
// connection-state.ts, deadlines in deadlines.ts, HTTP message rules in
// message-rules.ts, push permission in push-rules.ts.

import { ErrorCode } from '../frames/constants.js';
import { checkEncodable } from '../hpack/encoder.js';
import type { DynamicTableState } from '../hpack/dynamic-table.js';
import type { HeaderList } from '../hpack/header-list.js';
import { ConnectionError } from '../protocol-errors.js';
import type { ConnectionState } from './connection-state.js';
import { ConnectionCore, EndpointUsageError } from './core.js';
import type { EndpointEvent } from './events.js';
import { EndpointConfig, type EndpointHooks, type EndpointOptions, type Role } from './options.js';
import { PushError, type PushRefusal, pushRefusal } from './push-rules.js';
import { Receiver } from './receiver.js';
import type { Settings } from './settings.js';
import type { Stream } from './stream.js';
import { isClosed, type StreamState } from './stream-states.js';

export { EndpointUsageError };

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
  /** Streams in use (open, half-closed, reserved) × limits.streamCostBytes: the objects that carry each one. */
  streams: number;
  /** Control frames queued and not yet taken with takeOutput(): the ACKs, resets and window updates we owe the peer, GOAWAY. */
  control: number;
  /** What the application sends, queued: not counted against maxHeldBytes. */
  outgoing: number;
}

/** A pair of flow-control windows: ours to send with, and the peer's (what it may still send us). */
export interface WindowPair {
  send: number;
  receive: number;
}

export interface FlowWindows {
  connection: WindowPair;
  /** Undefined for stream 0 and for streams no longer known. */
  stream: WindowPair | undefined;
}

const NO_EVENTS: readonly EndpointEvent[] = Object.freeze([]);
/** Most connections are not traced: they share this (frozen) instead of an object of undefined hooks. */
const NO_HOOKS: EndpointHooks = Object.freeze({});

export class Http2Endpoint {
  readonly role: Role;
  readonly #core: ConnectionCore;
  readonly #receiver: Receiver;

  constructor(options: EndpointOptions) {
    this.role = options.role;
    const config = options.config ?? EndpointConfig.from(options);
    const { onFrame, onFrameApplied, onFields, onStreamState, onConnectionState } = options;
    const traced = onFrame || onFrameApplied || onFields || onStreamState || onConnectionState;
    const hooks = traced ? { onFrame, onFrameApplied, onFields, onStreamState, onConnectionState } : NO_HOOKS;
    this.#core = new ConnectionCore(options.role, config, hooks, options.now ?? 0);
    this.#receiver = new Receiver(this.#core);
  }

  // ---- inspection --------------------------------------------------------

  /** The connection's own state: awaiting preface, open, going away, or closed (and why). */
  get state(): ConnectionState {
    return this.#core.state;
  }

  /** Settings we advertised that the peer has acknowledged. */
  get localSettings(): Readonly<Settings> {
    return this.#core.settings.local;
  }

  get peerSettings(): Readonly<Settings> {
    return this.#core.settings.peer;
  }

  /** The connection error that ended this endpoint, if any. */
  get closedBy(): ConnectionError | undefined {
    return this.#core.closedBy;
  }

  /** Closed (by an error or gracefully), or going away with no stream left: the socket can close. */
  get finished(): boolean {
    const core = this.#core;
    return core.isClosed || core.doneAfterGoaway; // the latter until the next receive(), tick() or takeOutput() closes it
  }

  streamState(id: number): StreamState | undefined {
    return this.#core.streams.get(id)?.state;
  }

  /** What this connection holds now, by kind (see Holdings). */
  held(): Holdings {
    const { decoder, blocks, streams, out } = this.#core;
    let queued = 0;
    for (const s of streams.ready ?? []) queued += s.send.queuedBytes;
    const control = out.controlBytes;
    return {
      input: decoder.bufferedBytes,
      fieldBlock: blocks.bufferedBytes,
      fields: streams.heldFields,
      body: streams.heldBody,
      streams: streams.charged * this.#core.config.limits.streamCostBytes,
      control,
      outgoing: out.bytes - control + queued,
    };
  }

  /** Octets held for the peer: every kind in held() but what the application sends. Bounded by limits.maxHeldBytes. */
  heldBytes(): number {
    const { decoder, blocks, streams, out } = this.#core;
    return decoder.bufferedBytes + blocks.bufferedBytes + streams.heldFields + streams.heldBody + streams.charged * this.#core.config.limits.streamCostBytes + out.controlBytes;
  }

  /** The stream's and connection's send windows (what DATA may be sent now). */
  sendWindow(streamId: number): { stream: number; connection: number } | undefined {
    const s = this.#core.streams.get(streamId);
    return s && { stream: s.send.window.size, connection: this.#core.sendWindow.size };
  }

  /**
   * Every flow-control window that bears on a stream (§5.2, §6.9): what we
   * may send (send) and what the peer may send us (receive), for the
   * connection and, while the stream is known, the stream. For tracers.
   */
  windows(streamId: number): FlowWindows {
    const core = this.#core;
    const s = streamId === 0 ? undefined : core.streams.get(streamId);
    return {
      connection: { send: core.sendWindow.size, receive: core.recvWindow.size },
      stream: s && { send: s.send.window.size, receive: s.recv.window.size },
    };
  }

  /** The octets of the frame being received, as they arrived (valid inside the onFrame and onFrameApplied hooks). For tracers. */
  receivedFrameOctets(): Uint8Array | undefined {
    return this.#core.decoder.lastFrameOctets();
  }

  /** The HPACK dynamic table we decode the peer's blocks with ('in') or encode ours with ('out'), RFC 7541 §2.3.2. */
  hpackTable(direction: 'in' | 'out'): DynamicTableState {
    return direction === 'in' ? this.#core.hpackDecoder.dynamicTable : this.#core.hpackEncoder.dynamicTable;
  }

  /** DATA octets sent on a stream so far (0 once the stream is forgotten). */
  sentBytes(streamId: number): number {
    return this.#core.streams.get(streamId)?.send.sentBytes ?? 0;
  }

  /** DATA octets queued on a stream and not yet sent. */
  queuedBytes(streamId: number): number {
    return this.#core.streams.get(streamId)?.send.queuedBytes ?? 0;
  }

  // ---- input -------------------------------------------------------------

  /**
   * Process received bytes (any chunking). Returns the events they caused.
   * Never throws because of what the peer sent: a protocol error becomes a
   * GOAWAY or RST_STREAM in the output and an event here.
   */
  receive(bytes: Uint8Array, now?: number): readonly EndpointEvent[] {
    const core = this.#core;
    if (core.isClosed) return this.takeEvents();
    if (now !== undefined) core.now = now;
    this.#receiver.receive(bytes);
    this.#keepWithinBudget();
    core.closeIfDone();
    return this.takeEvents();
  }

  /**
   * Past limits.maxHeldBytes: GOAWAY ENHANCE_YOUR_CALM. Checked after input
   * and after every tick(), since the frames a deadline makes us owe are
   * held too; control frames the application asks for (ping(), shutdown())
   * are seen at the next receive() or tick().
   */
  #keepWithinBudget(): void {
    const core = this.#core;
    const held = this.heldBytes();
    const budget = core.config.limits.maxHeldBytes;
    if (held > budget && !core.closedBy)
      core.closeWith(new ConnectionError('ENHANCE_YOUR_CALM', 'held_over_budget', `holding ${held} octets for this connection, over its budget of ${budget} (limits.maxHeldBytes)`));
  }

  /** Events raised outside receive() (e.g. 'writable' while producing output). The array is read-only (an empty one is shared). */
  takeEvents(): readonly EndpointEvent[] {
    const core = this.#core;
    const events = core.events;
    if (events.length === 0) return NO_EVENTS;
    core.events = [];
    return events;
  }

  // ---- reading bodies ------------------------------------------------------

  /**
   * The body octets that arrived on a stream and were not read yet, all of
   * them (an empty array when none). Reading is what gives the peer its
   * flow-control window back (§5.2, §6.9): a stream whose body is not read
   * holds the peer to the window it was granted. The body of a closed
   * stream stays readable until read.
   */
  readBody(streamId: number): Uint8Array {
    const core = this.#core;
    const octets = core.streams.takeBody(streamId);
    core.credit(core.streams.get(streamId), octets.length);
    return octets;
  }

  /** Body octets waiting for readBody() on a stream. */
  bodyLength(streamId: number): number {
    return this.#core.streams.bodyLength(streamId);
  }

  /**
   * The application will read no more of this stream's body: what is held
   * is dropped and what arrives is discarded, their window given back. A
   * server's request still open once its response has ended is then reset
   * with NO_ERROR, which asks the client to stop sending (§8.1); a client
   * cancels a response still arriving (RST_STREAM CANCEL).
   */
  stopReading(streamId: number): void {
    const core = this.#core;
    const stream = core.streams.get(streamId);
    if (!stream || core.closedBy || isClosed(stream.state)) return core.dropBody(streamId);
    stream.recv.discarding = true;
    if (this.role === 'client' && stream.state !== 'half_closed_remote') return core.resetStream(streamId, ErrorCode.CANCEL); // its body goes with it
    if (core.resetIfAbandoned(stream)) return;
    core.credit(stream, core.streams.takeBody(streamId).length); // the peer may send on: it is discarded as it comes
  }

  // ---- sending -------------------------------------------------------------

  /**
   * Server: send a response's HEADERS (a 1xx status may come first, any
   * number of times; RFC 9113 §8.1). Fields are sent as given: the
   * application is responsible for their validity.
   */
  respond(streamId: number, fields: HeaderList, options: { endStream?: boolean } = {}): boolean {
    const stream = this.#writable(streamId, 'respond');
    if (!stream) return false;
    this.#core.sendResponseHead(stream, fields, options.endStream ?? false);
    return true;
  }

  /** Client: open a stream with a request. Returns its id. */
  request(fields: HeaderList, options: { endStream?: boolean } = {}): number {
    const core = this.#core;
    const { streams, settings } = core;
    if (this.role !== 'client') throw new EndpointUsageError('only a client sends requests');
    if (core.isClosed) throw new EndpointUsageError(`the connection is closed${core.closedBy ? '' : ' (gracefully, after GOAWAY)'}`);
    if (core.state.name === 'going_away') throw new EndpointUsageError('no new streams after GOAWAY (RFC 9113 §6.8)');
    if (streams.activeLocal >= settings.peer.maxConcurrentStreams)
      throw new EndpointUsageError(`the server allows ${settings.peer.maxConcurrentStreams} concurrent streams (RFC 9113 §5.1.2)`);
    if (streams.localIdsExhausted) throw new EndpointUsageError('stream ids exhausted: open a new connection (RFC 9113 §5.1.1)');
    const block = core.hpackEncoder.encode(fields);
    const stream = streams.openLocal(settings.peer.initialWindowSize, settings.local.initialWindowSize);
    stream.recv.noContent = fields.some((f) => f.name === ':method' && f.value === 'HEAD');
    const endStream = options.endStream ?? false;
    stream.send.headSent(true, endStream);
    core.emitHeaders(stream, fields, block, endStream);
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
    this.#core.mustSend(stream, 'send_data');
    if (stream.send.queueData(data, options.endStream ?? false)) this.#core.streams.markReady(stream);
    return true;
  }

  /** Queue a trailer section; it ends the stream after the queued DATA (§8.1). */
  sendTrailers(streamId: number, fields: HeaderList): boolean {
    const stream = this.#writable(streamId, 'send trailers');
    if (!stream) return false;
    if (stream.send.phase === 'head') throw new EndpointUsageError(`cannot send trailers on stream ${streamId} before its final HEADERS`);
    checkEncodable(fields); // encoded when their turn comes, after the DATA: refused now if they could not be
    stream.send.queueTrailers(fields);
    this.#core.streams.markReady(stream);
    return true;
  }

  /** Reset a stream (RST_STREAM, §6.4). Its queued DATA is dropped. */
  resetStream(streamId: number, errorCode: number = ErrorCode.CANCEL): void {
    this.#core.resetStream(streamId, errorCode);
  }

  /** Why a push on this stream is impossible now, or undefined if it may go ahead. */
  pushRefusal(parentId: number): PushRefusal | undefined {
    const { state, settings, streams } = this.#core;
    return pushRefusal(
      {
        isServer: this.role === 'server',
        closed: state.name === 'closed',
        goaway: state.name === 'going_away',
        peerEnablePush: settings.peer.enablePush,
        peerMaxConcurrentStreams: settings.peer.maxConcurrentStreams,
        pushedStreamsInUse: streams.activeLocal,
        idsExhausted: streams.localIdsExhausted,
      },
      streams.get(parentId),
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
    const core = this.#core;
    const { streams, settings } = core;
    const parent = streams.get(parentId)!;
    const parentState = core.mustSend(parent, 'send_push_promise');
    const block = core.hpackEncoder.encode(requestFields);
    const promised = streams.openLocal(settings.peer.initialWindowSize, settings.local.initialWindowSize);
    promised.parentId = parentId;
    core.pushHeaderBlock(parent, parentState, false, promised.id, block);
    core.hooks.onFields?.('out', promised.id, requestFields);
    core.sendOn(promised, 'send_promised');
    if (streams.localIdsExhausted) core.shutdown(); // §5.1.1: ids exhausted, go away gracefully
    return promised.id;
  }

  ping(data: Uint8Array = new Uint8Array(8)): void {
    if (this.#core.isClosed) throw new EndpointUsageError('the connection is closed');
    if (data.length !== 8) throw new EndpointUsageError('PING data must be 8 octets (RFC 9113 §6.7)');
    this.#core.out.push({ type: 'PING', streamId: 0, ack: false, data });
  }

  /** Change our settings: sent now, in force when the peer acknowledges (§6.5.3). */
  updateSettings(settings: Partial<Settings>): void {
    if (this.#core.isClosed) throw new EndpointUsageError('the connection is closed');
    if (this.role === 'server' && settings.enablePush) throw new EndpointUsageError('a server cannot enable push for itself (RFC 9113 §6.5.2)');
    this.#core.sendSettings({ ...this.#core.settings.wanted, ...settings });
  }

  /**
   * Graceful shutdown (RFC 9113 §6.8): GOAWAY with 2^31-1 and a PING; when
   * the PING returns (or after shutdownPingMs), a second GOAWAY with the
   * last stream really processed. Streams in flight finish; new ones are refused.
   */
  shutdown(): void {
    this.#core.shutdown();
  }

  /** End the connection now with an error code (GOAWAY, §6.8); nothing more is processed. */
  close(errorCode: number = ErrorCode.NO_ERROR, reason = ''): void {
    this.#core.closeWith(new ConnectionError(errorCode, 'closed_by_application', reason || 'closed by the application', 'application'), false);
  }

  /**
   * The stream to write on, or undefined when it is gone: reset by either
   * side, or the connection ended. Writes to a gone stream are dropped, as
   * the peer can end a stream at any moment (§5.4.2, §6.4). Writing after
   * our own END_STREAM, or on a stream that never existed, is a misuse.
   */
  #writable(streamId: number, what: string): Stream | undefined {
    const core = this.#core;
    const stream = core.streams.get(streamId);
    if (stream?.send.ended) throw new EndpointUsageError(`cannot ${what} on stream ${streamId}: its ${this.role === 'server' ? 'response' : 'request'} already ended`);
    if (core.isClosed) return undefined;
    if (!stream) {
      if (core.streams.stateOf(streamId) === 'idle') throw new EndpointUsageError(`cannot ${what}: there is no stream ${streamId}`);
      return undefined; // closed and forgotten
    }
    return isClosed(stream.state) ? undefined : stream;
  }

  // ---- time --------------------------------------------------------------

  /**
   * Let time pass: a deadline that has passed ends the connection (preface,
   * SETTINGS ACK, an open field block, a peer whose windows stay shut),
   * shuts it down gracefully (idle), or sends a shutdown's final GOAWAY
   * when its PING is not answered. Returns the events.
   */
  tick(now: number): readonly EndpointEvent[] {
    const core = this.#core;
    core.now = now;
    if (core.isClosed) return this.takeEvents();
    if (core.streams.ready?.size) this.#scheduleData(); // windows opened since the last takeOutput() count as progress
    const d = core.deadlines;
    switch (d.passed(now)) {
      case 'preface':
        core.closeWith(new ConnectionError('PROTOCOL_ERROR', 'preface_timeout', `no connection preface and SETTINGS within ${d.timeout('preface')} ms (RFC 9113 §3.4)`));
        break;
      case 'settings_ack':
        core.closeWith(new ConnectionError('SETTINGS_TIMEOUT', 'settings_timeout', `SETTINGS not acknowledged within ${d.timeout('settings_ack')} ms (RFC 9113 §6.5.3)`));
        break;
      case 'field_block':
        core.closeWith(
          new ConnectionError('ENHANCE_YOUR_CALM', 'field_block_timeout', `field block on stream ${core.blocks.openStream} not completed within ${d.timeout('field_block')} ms (RFC 9113 §6.10)`),
        );
        break;
      case 'send_stall':
        core.closeWith(
          new ConnectionError('ENHANCE_YOUR_CALM', 'send_stall', `no flow-control window for ${d.timeout('send_stall')} ms with ${this.held().outgoing} octets of DATA waiting (RFC 9113 §6.9)`),
        );
        break;
      case 'receive_stall':
        core.resetStalledBodies();
        break;
      case 'shutdown_ping':
        core.finalGoaway(); // §6.8: the PING was to learn which streams may still arrive; no answer, no more waiting
        break;
      case 'idle':
        core.shutdown();
        break;
      case undefined:
        break;
    }
    this.#keepWithinBudget(); // the frames a deadline made us owe (resets, GOAWAY, PING) are held too
    core.closeIfDone();
    return this.takeEvents();
  }

  /** When tick() next needs to run, or undefined if no deadline is pending. */
  get nextDeadline(): number | undefined {
    return this.#core.isClosed ? undefined : this.#core.deadlines.next;
  }

  // ---- producing bytes -------------------------------------------------

  /**
   * Everything ready to be written, in wire order, as a list of buffers
   * (header blocks and control frames first, then DATA as windows allow).
   */
  takeOutput(): Uint8Array[] {
    const core = this.#core;
    if (!core.isClosed) {
      this.#scheduleData();
      core.closeIfDone(); // the last stream may have ended with what the application just sent
    }
    return core.out.take();
  }

  /** takeOutput() as one buffer (empty when there is nothing to send). */
  takeOutputBytes(): Buffer {
    return Buffer.concat(this.takeOutput());
  }

  /** Round-robin over streams with queued output: one frame each per round, within both windows (§5.2, §6.9). */
  #scheduleData(): void {
    const core = this.#core;
    const ready = core.streams.ready;
    if (!ready) return;
    const max = core.settings.peer.maxFrameSize;
    const window = core.sendWindow;
    let progress = true;
    let sent = false;
    while (progress && ready.size > 0) {
      progress = false;
      for (const stream of ready) {
        // deleting the current entry while iterating a Set is safe
        const next = stream.send.next(Math.min(max, window.available));
        if (next === 'blocked') continue;
        if (next === 'empty') {
          ready.delete(stream);
          continue;
        }
        progress = sent = true;
        if ('trailers' in next) {
          core.emitHeaders(stream, next.trailers, core.hpackEncoder.encode(next.trailers), true);
          continue;
        }
        window.consume(next.data.length);
        core.mustSend(stream, 'send_data');
        core.out.pushData({ type: 'DATA', streamId: stream.id, endStream: next.endStream, data: next.data });
        if (next.endStream) core.sendOn(stream, 'send_end_stream');
        if (!stream.send.hasQueued) {
          ready.delete(stream);
          if (!next.endStream && !isClosed(stream.state)) core.events.push({ type: 'writable', streamId: stream.id });
        }
      }
    }
    // What is left waits for the peer's windows: the send-stall deadline runs from the last DATA that could go.
    if (ready.size === 0) core.deadlines.stop('send_stall');
    else if (sent || core.deadlines.at('send_stall') === undefined) core.deadlines.start('send_stall', core.now);
  }
}
