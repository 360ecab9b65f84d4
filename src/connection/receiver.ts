// The receiving side of a connection: octets in, frames out of the decoder,
// each frame taken to the rule that governs it. What a frame may do to its
// stream is the §5.1 table's to say (core.verdict); what it does to windows,
// settings and the connection's state is here, one method per frame type.
// Every error thrown on the way becomes a GOAWAY or RST_STREAM in one place
// (core.fail).

import { CLIENT_PREFACE, ErrorCode, frameTypeName, SettingId } from '../frames/constants.js';
import { payloadLength } from '../frames/encode.js';
import { ruleError, selfDependencyProblem } from '../frames/frame-rules.js';
import type { ContinuationFrame, DataFrame, Frame, GoawayFrame, HeadersFrame, PingFrame, PushPromiseFrame, RstStreamFrame, SettingsFrame, WindowUpdateFrame } from '../frames/frame.js';
import { HpackDecodeError } from '../hpack/errors.js';
import { type HeaderField, headerListSize } from '../hpack/header-list.js';
import { ConnectionError, StreamError } from '../protocol-errors.js';
import { afterGoawayReceived, OPEN } from './connection-state.js';
import type { BlockPlan, ConnectionCore } from './core.js';
import type { CompleteBlock } from './header-block-assembly.js';
import { checkPromisedRequest, requireValid } from './message-rules.js';
import type { Stream } from './stream.js';
import { isClosed, mayReceiveData } from './stream-states.js';

const PREFACE_INVALID = 'invalid connection preface: expected "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" (RFC 9113 §3.4)';

export class Receiver {
  /** Server: octets of the client's preface matched so far (§3.4). */
  #prefaceMatched = 0;

  constructor(readonly core: ConnectionCore) {}

  /** Decode and act on received octets (any chunking). Protocol errors become GOAWAY or RST_STREAM; nothing is thrown. */
  receive(bytes: Uint8Array): void {
    const core = this.core;
    try {
      core.decoder.push(core.role === 'server' ? this.#matchPreface(bytes) : bytes);
      while (!core.closedBy) {
        let frame: Frame | null;
        try {
          frame = core.decoder.next();
        } catch (e) {
          if (!(e instanceof StreamError)) throw e;
          // §4.3: nothing may come inside a field block, not even a frame malformed in a way that costs only its stream.
          const { type, streamId } = core.decoder.lastHeader!;
          core.blocks.check(frameTypeName(type) ?? 'UNKNOWN', streamId);
          core.streamError(e); // the decoder goes on after a stream error
          continue;
        }
        if (!frame) break;
        core.hooks.onFrame?.('in', frame);
        try {
          this.#dispatch(frame);
        } catch (e) {
          core.fail(e);
        }
        core.hooks.onFrameApplied?.(frame);
      }
    } catch (e) {
      core.fail(e);
    }
  }

  /** §3.4: a server's first octets must be the client preface, checked as they come. */
  #matchPreface(bytes: Uint8Array): Uint8Array {
    if (this.#prefaceMatched === CLIENT_PREFACE.length) return bytes;
    const n = Math.min(bytes.length, CLIENT_PREFACE.length - this.#prefaceMatched);
    for (let i = 0; i < n; i++) {
      if (bytes[i] !== CLIENT_PREFACE[this.#prefaceMatched + i]) throw new ConnectionError('PROTOCOL_ERROR', 'preface_invalid', PREFACE_INVALID);
    }
    this.#prefaceMatched += n;
    return bytes.subarray(n);
  }

  #dispatch(frame: Frame): void {
    const core = this.core;
    if (core.state.name === 'awaiting_preface' && (frame.type !== 'SETTINGS' || frame.ack))
      throw new ConnectionError('PROTOCOL_ERROR', 'preface_not_settings', `the peer's connection preface must start with a SETTINGS frame, got ${frame.type} (RFC 9113 §3.4)`);
    core.blocks.check(frame.type, frame.streamId); // §6.10: inside a field block only its CONTINUATIONs
    if (this.#isUseless(frame)) core.guard.uselessFrame(frame, core.now);
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
        core.verdict(frame.streamId, 'recv_priority');
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
        return frame.streamId !== 0 && isClosed(this.core.streams.stateOf(frame.streamId));
      default:
        return false;
    }
  }

  // ---- field blocks: HEADERS, PUSH_PROMISE, CONTINUATION -------------------

  /** The first frame of a field block: the table decides now (§5.1); the fields are dealt with when the block is whole. */
  #onFieldBlockStart(frame: HeadersFrame | PushPromiseFrame): void {
    const plan = frame.type === 'HEADERS' ? this.#openHeaders(frame) : this.#openPushPromise(frame);
    const done = this.core.blocks.start(frame, plan);
    if (done) this.#onFieldBlock(done);
    else this.core.deadlines.start('field_block', this.core.now);
  }

  #onContinuation(frame: ContinuationFrame): void {
    const core = this.core;
    core.verdict(frame.streamId, 'recv_continuation'); // part of the HEADERS or PUSH_PROMISE before it: no change of its own
    const done = core.blocks.continue(frame);
    if (!done) return;
    core.deadlines.stop('field_block');
    this.#onFieldBlock(done);
  }

  /** A HEADERS frame begins a block: open, refuse or ignore its stream as §5.1 and §5.1.1 say. */
  #openHeaders(frame: HeadersFrame): BlockPlan {
    const core = this.core;
    const { streams, settings } = core;
    const id = frame.streamId;
    const untracked = streams.get(id) ? undefined : streams.stateOf(id);
    if (untracked === 'idle' && !streams.isPeerInitiated(id))
      throw new ConnectionError('PROTOCOL_ERROR', 'stream_id_not_peers', `HEADERS on stream ${id}, an id only this endpoint may open (RFC 9113 §5.1.1)`);
    if (untracked !== undefined && untracked !== 'closed_reset' && streams.isPeerInitiated(id)) {
      // §5.1.1: the peer opens only its own ids, in increasing order, and a server opens none with HEADERS.
      if (core.role === 'client')
        throw new ConnectionError('PROTOCOL_ERROR', 'headers_on_unpromised_stream', `HEADERS on stream ${id}, which the server never promised (RFC 9113 §5.1, §8.4)`);
      if (id <= streams.lastPeerStreamId)
        throw new ConnectionError('PROTOCOL_ERROR', 'stream_id_not_increasing', `HEADERS on stream ${id}, not above the last stream ${streams.lastPeerStreamId} (RFC 9113 §5.1.1)`);
      streams.openPeer(id, settings.peer.initialWindowSize, settings.local.initialWindowSize);
      const limit = Math.min(settings.local.maxConcurrentStreams, settings.wanted.maxConcurrentStreams);
      if (streams.activePeer >= limit) {
        core.receiveOn(id, 'recv_headers'); // opened (idle → open), then refused: the client may retry it (§8.7)
        core.streamError(new StreamError(id, 'REFUSED_STREAM', 'refused_stream', `more than ${limit} concurrent streams (RFC 9113 §5.1.2)`));
        return { streamId: id, deliver: false };
      }
    }
    try {
      const opened = core.receiveOn(id, 'recv_headers');
      if (!opened) return { streamId: id, deliver: false };
      const self = selfDependencyProblem(id, frame.priority);
      if (self) throw ruleError(self, id);
    } catch (e) {
      if (!(e instanceof StreamError)) throw e;
      core.streamError(e); // the block is still decoded, for HPACK (§4.3)
      return { streamId: id, deliver: false };
    }
    return { streamId: id, deliver: true };
  }

  /** Client: a PUSH_PROMISE begins a block; the promised stream is reserved now (§6.6, §8.4). */
  #openPushPromise(frame: PushPromiseFrame): BlockPlan {
    const core = this.core;
    const { streams, settings } = core;
    if (core.role === 'server') throw new ConnectionError('PROTOCOL_ERROR', 'push_promise_from_client', 'a client sent PUSH_PROMISE (RFC 9113 §8.4)');
    if (!settings.local.enablePush)
      throw new ConnectionError('PROTOCOL_ERROR', 'push_promise_when_disabled', 'PUSH_PROMISE after we disabled push with SETTINGS_ENABLE_PUSH=0 (RFC 9113 §6.6)');
    if (streams.isPeerInitiated(frame.streamId))
      throw new ConnectionError('PROTOCOL_ERROR', 'push_promise_on_bad_stream', `PUSH_PROMISE on stream ${frame.streamId}, which the server opened: it must be a stream we opened (RFC 9113 §6.6)`);
    const parent = core.verdict(frame.streamId, 'recv_push_promise'); // undefined: we reset it, the promise is then refused
    const id = frame.promisedStreamId;
    // §5.1, §5.1.1: only an idle stream can be reserved; an id at or below the last one the server used is not idle any more.
    core.verdict(id, 'recv_promised');
    const promised = streams.openPeer(id, settings.peer.initialWindowSize, settings.local.initialWindowSize);
    promised.parentId = frame.streamId;
    core.receiveOn(id, 'recv_promised');
    if (parent) return { streamId: id, deliver: true };
    core.resetStream(id, ErrorCode.CANCEL); // §5.1: a promise on a stream we reset still reserves; we refuse it
    return { streamId: id, deliver: false };
  }

  /** A whole field block: always decoded (§4.3), then delivered as its first frame decided. */
  #onFieldBlock({ first, block, plan }: CompleteBlock<BlockPlan>): void {
    const core = this.core;
    let fields: HeaderField[] | null;
    try {
      fields = core.hpackDecoder.decode(block);
    } catch (e) {
      if (!(e instanceof HpackDecodeError)) throw e;
      if (!e.contextIntact) throw e.toConnectionError(); // COMPRESSION_ERROR (§4.3)
      fields = null; // over a limit of ours: this stream only (§10.5.1)
    }
    core.hooks.onFields?.('in', plan.streamId, fields ?? []);
    const stream = plan.deliver ? core.streams.get(plan.streamId) : undefined;
    if (!stream || isClosed(stream.state)) return;
    if (first.type === 'PUSH_PROMISE') {
      if (!fields) throw new StreamError(stream.id, 'PROTOCOL_ERROR', 'field_list_too_large', 'promised request larger than SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2)');
      const request = requireValid(stream.id, checkPromisedRequest(fields));
      stream.recv.noContent = request.method === 'HEAD';
      core.streams.holdFields(stream, headerListSize(fields));
      core.events.push({ type: 'push_promise', parentId: first.streamId, promisedStreamId: stream.id, headers: fields });
      return;
    }
    if (!fields) return this.#fieldListTooLarge(stream);
    const event = stream.recv.onFields(core.role, stream.id, fields, first.endStream);
    if (event.type !== 'informational') core.streams.holdFields(stream, headerListSize(fields));
    core.events.push(event);
    if (first.endStream) core.receiveOn(stream.id, 'recv_end_stream');
    else if (event.type === 'request') this.#awaitBody(stream);
  }

  /** A request whose body is to come: the receive-stall deadline watches it (see core.resetStalledBodies). */
  #awaitBody(stream: Stream): void {
    const core = this.core;
    stream.recv.lastArrival = core.now;
    if (core.deadlines.at('receive_stall') === undefined) core.deadlines.start('receive_stall', core.now);
  }

  /** The peer's field list exceeded our SETTINGS_MAX_HEADER_LIST_SIZE (§10.5.1). */
  #fieldListTooLarge(stream: Stream): void {
    const core = this.core;
    if (core.role === 'server' && stream.recv.phase === 'head' && stream.send.phase === 'head') {
      // A request head: nobody has seen the request, so the engine answers
      // 431 (RFC 6585), then stops the upload without error (§8.1). Trailers
      // belong to an exchange the application is serving: a stream error.
      core.sendResponseHead(stream, [{ name: ':status', value: '431' }], true);
      if (!isClosed(stream.state)) core.resetStream(stream.id, ErrorCode.NO_ERROR);
      return;
    }
    throw new StreamError(stream.id, 'PROTOCOL_ERROR', 'field_list_too_large', `field section larger than SETTINGS_MAX_HEADER_LIST_SIZE ${core.settings.wanted.maxHeaderListSize} (RFC 9113 §6.5.2)`);
  }

  // ---- DATA ------------------------------------------------------------------

  #onData(frame: DataFrame): void {
    const core = this.core;
    const id = frame.streamId;
    const flowLength = payloadLength(frame);
    // §6.9: every DATA counts against the connection window, even one in error.
    if (!core.recvWindow.receive(flowLength))
      throw new ConnectionError('FLOW_CONTROL_ERROR', 'connection_window_exceeded', `DATA of ${flowLength} octets overruns the connection window of ${core.recvWindow.size} (RFC 9113 §6.9.1)`);
    let stream: Stream | undefined;
    try {
      stream = core.verdict(id, 'recv_data') && core.streams.get(id);
    } catch (e) {
      core.creditConnection(flowLength);
      throw e;
    }
    if (!stream) return core.creditConnection(flowLength); // ignored: give the window back
    if (!stream.recv.window.receive(flowLength)) {
      core.creditConnection(flowLength);
      throw new StreamError(id, 'FLOW_CONTROL_ERROR', 'stream_window_exceeded', `DATA of ${flowLength} octets overruns stream ${id}'s window of ${stream.recv.window.size} (RFC 9113 §6.9.1)`);
    }
    // Padding is never held nor seen by the application: given back (as the batching of WINDOW_UPDATEs allows).
    const length = frame.data.length;
    if (flowLength > length) core.credit(stream, flowLength - length);
    stream.recv.lastArrival = core.now;
    try {
      stream.recv.onData(id, length, frame.endStream); // §8.1.1 content-length
    } catch (e) {
      core.credit(stream, length); // a frame in error is not held: its window goes back (§6.9)
      throw e;
    }
    let held = 0;
    if (length > 0) {
      if (stream.recv.discarding) core.credit(stream, length); // nobody will read it (stopReading)
      else {
        core.streams.holdBody(stream, frame.data);
        held = length;
      }
    }
    if (held > 0 || frame.endStream) core.events.push({ type: 'data', streamId: id, length: held, endStream: frame.endStream });
    if (frame.endStream) core.receiveOn(id, 'recv_end_stream');
  }

  // ---- control frames --------------------------------------------------------

  #onRstStream(frame: RstStreamFrame): void {
    const core = this.core;
    const next = core.verdict(frame.streamId, 'recv_rst_stream');
    const stream = next && core.streams.get(frame.streamId);
    if (!stream) return;
    // §8.4.2: a client may cancel any push; how many there are is ours to decide, so they are no flood.
    const cancelledPush = core.role === 'server' && stream.parentId !== undefined;
    if (!cancelledPush) core.guard.reset(core.now, 'peer_reset');
    const dropped = core.abandon(stream);
    // The reset is reported before the 'stream_closed' it causes.
    if (core.role === 'server' && stream.parentId !== undefined)
      core.events.push({ type: 'push_cancelled', streamId: stream.id, parentId: stream.parentId, errorCode: frame.errorCode, bytesSent: stream.send.sentBytes, bytesDropped: dropped });
    else core.events.push({ type: 'stream_reset', streamId: stream.id, errorCode: frame.errorCode });
    core.transition(stream, next!);
  }

  #onSettings(frame: SettingsFrame): void {
    if (frame.ack) return this.#onSettingsAck();
    const core = this.core;
    if (core.role === 'client' && frame.settings.some((s) => s.id === SettingId.ENABLE_PUSH && s.value === 1))
      throw new ConnectionError('PROTOCOL_ERROR', 'enable_push_from_server', 'a server sent SETTINGS_ENABLE_PUSH=1 (RFC 9113 §6.5.2)');
    const { previous, current } = core.settings.received(frame.settings);
    const delta = current.initialWindowSize - previous.initialWindowSize;
    if (delta !== 0) {
      // §6.9.2: the windows of the streams we still send on; a closed stream has none.
      for (const s of core.streams.all()) {
        if (isClosed(s.state)) continue;
        if (!s.send.window.adjust(delta))
          throw new ConnectionError('FLOW_CONTROL_ERROR', 'initial_window_overflow', `SETTINGS_INITIAL_WINDOW_SIZE change pushes stream ${s.id}'s window past 2^31-1 (RFC 9113 §6.9.2)`);
      }
    }
    if (current.headerTableSize !== previous.headerTableSize) core.hpackEncoder.setPeerTableSize(Math.min(current.headerTableSize, core.config.limits.encoderTableSize));
    core.out.maxFrameSize = current.maxFrameSize;
    if (core.state.name === 'awaiting_preface') {
      core.setState(OPEN); // §3.4: the preface is complete with the peer's first SETTINGS
      core.deadlines.stop('preface');
    }
    core.guard.controlQueue(core.out.frames);
    core.out.push({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
    core.events.push({ type: 'settings', settings: { ...current } });
  }

  /** §6.5.3: our settings take effect when acknowledged. */
  #onSettingsAck(): void {
    const core = this.core;
    const acked = core.settings.acknowledged();
    const oldest = core.settings.oldestUnacknowledged;
    if (oldest === undefined) core.deadlines.stop('settings_ack');
    else core.deadlines.start('settings_ack', oldest);
    if (!acked) return; // an ACK we did not ask for: nothing to apply
    const { previous, current } = acked;
    core.decoder.maxFrameSize = current.maxFrameSize;
    core.hpackDecoder.setMaxTableSize(current.headerTableSize);
    const delta = current.initialWindowSize - previous.initialWindowSize;
    if (delta !== 0) {
      for (const s of core.streams.all()) {
        const increment = s.recv.window.adjust(delta);
        if (increment > 0 && mayReceiveData(s.state)) core.sendWindowUpdate(s, increment);
      }
    }
    core.events.push({ type: 'settings_acked', settings: { ...current } });
  }

  #onPing(frame: PingFrame): void {
    const core = this.core;
    if (frame.ack) {
      core.events.push({ type: 'ping_ack', data: frame.data });
      if (core.isShutdownPing(frame.data)) core.finalGoaway();
      return;
    }
    core.guard.controlQueue(core.out.frames);
    core.out.push({ type: 'PING', streamId: 0, ack: true, data: new Uint8Array(frame.data) });
    core.events.push({ type: 'ping', data: frame.data });
  }

  #onGoaway(frame: GoawayFrame): void {
    const core = this.core;
    core.setState(afterGoawayReceived(core.state, frame.lastStreamId, frame.errorCode));
    core.deadlines.stop('idle');
    core.events.push({ type: 'goaway', lastStreamId: frame.lastStreamId, errorCode: frame.errorCode, debugData: frame.debugData });
    // §6.8: our streams above lastStreamId were not processed, as if refused; they can be retried elsewhere.
    for (const s of [...core.streams.all()]) {
      if (core.streams.isPeerInitiated(s.id) || s.id <= frame.lastStreamId || isClosed(s.state)) continue;
      core.refuse(s);
    }
  }

  #onWindowUpdate(frame: WindowUpdateFrame): void {
    const core = this.core;
    const inc = frame.windowSizeIncrement;
    if (frame.streamId === 0) {
      if (!core.sendWindow.increase(inc))
        throw new ConnectionError('FLOW_CONTROL_ERROR', 'connection_window_overflow', `WINDOW_UPDATE of ${inc} pushes the connection window past 2^31-1 (RFC 9113 §6.9.1)`);
      return;
    }
    const stream = core.receiveOn(frame.streamId, 'recv_window_update');
    if (stream && !stream.send.window.increase(inc))
      throw new StreamError(stream.id, 'FLOW_CONTROL_ERROR', 'stream_window_overflow', `WINDOW_UPDATE of ${inc} pushes stream ${stream.id}'s window past 2^31-1 (RFC 9113 §6.9.1)`);
  }
}
