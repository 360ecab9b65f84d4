// One HTTP/2 connection on a socket: the engine fed with the socket's bytes
// and the clock, its output written back in one batch per event-loop turn,
// its events turned into handler calls. All protocol decisions stay in the
// engine; this file only moves bytes, time and events.

import type { Duplex } from 'node:stream';
import { Http2Endpoint } from '../connection/endpoint.js';
import type { EndpointConfig } from '../connection/options.js';
import type { EndpointEvent } from '../connection/events.js';
import { ErrorCode, errorCodeName } from '../frames/constants.js';
import type { HeaderField } from '../hpack/header-list.js';
import type { Handler, PushHandle, PushOutcome } from './handler-api.js';
import { runHandler, type HandlerOutcome } from './run-handler.js';
import { Http2Request, type BodySource } from './http2-request.js';
import { Http2Response, type ResponsePort } from './http2-response.js';
import type { PromisedRequest } from './push-request.js';
import type { Tracer } from '../trace.js';
import type { ConnectionWatch } from './connection-table.js';

export interface SessionOptions {
  /** The engine's settings, limits and deadlines, made once by the server. */
  config: EndpointConfig;
  /** Over TLS (https) or cleartext (h2c). */
  secure: boolean;
  /** The server's watch on the socket: stalled writes, and the linger after we close. */
  watch: ConnectionWatch;
}

export interface SessionHost {
  readonly handler: Handler;
  readonly tracer: Tracer | undefined;
  /** A handler threw or rejected. */
  handlerError(error: unknown, req: Http2Request): void;
  /** What the session holds for its peer (its engine's heldBytes()) changed by `delta`. */
  heldChanged(session: Http2Session, delta: number): void;
  sessionClosed(session: Http2Session): void;
}

/** One request and its response on a stream; also what runHandler reports to. */
class Exchange implements HandlerOutcome {
  constructor(
    readonly session: Http2Session,
    readonly req: Http2Request,
    readonly res: Http2Response,
    /** For a pushed response: settles the push handle's outcome. */
    readonly settle: ((o: PushOutcome) => void) | undefined,
  ) {}

  error(error: unknown): void {
    this.session.handlerError(error, this.req);
  }

  abort(): void {
    this.session.abortExchange(this);
  }

  done(): void {
    this.session.exchangeDone(this);
  }
}

const now = () => performance.now();

/** Shared and never added to: each session makes its own Map on its first request. */

export class Http2Session implements ResponsePort, BodySource {
  readonly endpoint: Http2Endpoint;
  readonly id: number;
  readonly socket: Duplex;
  readonly #host: SessionHost;
  #exchanges: Map<number, Exchange> | undefined; // made with the first request: an idle connection needs none
  #flushScheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #armedFor: number | undefined;
  readonly #watch: ConnectionWatch;
  /** The engine's heldBytes() as last reported to the host. */
  #held = 0;
  #ended = false;

  constructor(socket: Duplex, host: SessionHost, options: SessionOptions, id: number) {
    this.id = id;
    this.socket = socket;
    this.#host = host;
    this.#watch = options.watch;
    const tracer = host.tracer;
    tracer?.open(id, options.secure ? 'h2 (TLS)' : 'h2c (cleartext)');
    this.endpoint = new Http2Endpoint({
      role: 'server',
      config: options.config,
      now: options.watch.acceptedAt,
      ...tracer?.hooks(id, () => this.endpoint),
    });
    socket.on('data', (chunk: Buffer) => this.#dispatch(this.endpoint.receive(chunk, now())));
    socket.on('drain', () => {
      this.socket.resume(); // see flush(): reading stopped while the peer did not read
      this.flush();
    });
    const teardown = () => this.#teardown();
    socket.on('error', teardown);
    socket.on('close', teardown);
    socket.on('end', teardown);
    this.flush();
  }

  /** Begin a graceful shutdown (two GOAWAYs, RFC 9113 §6.8). */
  shutdown(): void {
    if (this.#ended) return;
    this.endpoint.shutdown();
    this.flush();
  }

  /** End now: GOAWAY, then the socket is destroyed. */
  destroy(): void {
    if (!this.#ended) {
      this.endpoint.close(ErrorCode.NO_ERROR, 'server closing');
      this.flush();
    }
    this.socket.destroy();
    this.#teardown();
  }

  get activeStreams(): number {
    return this.#exchanges?.size ?? 0;
  }

  /** What this connection held for its peer when last reported. */
  get held(): number {
    return this.#held;
  }

  /** The server holds too much for all its peers, this one the most: GOAWAY ENHANCE_YOUR_CALM, then close. */
  shed(reason: string): void {
    if (this.#ended) return;
    this.endpoint.close(ErrorCode.ENHANCE_YOUR_CALM, reason);
    this.flush();
  }

  #reportHeld(): void {
    const held = this.#ended ? 0 : this.endpoint.heldBytes();
    if (held === this.#held) return;
    const delta = held - this.#held;
    this.#held = held;
    this.#host.heldChanged(this, delta);
  }

  scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Write everything the engine has ready, in one corked batch. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#ended || this.socket.destroyed) return;
    if (this.socket.writableNeedDrain) {
      // Reading is paused (below, when the write filled the buffer); 'drain' resumes it and calls again.
      this.#watch.blocked();
      this.#reportHeld();
      return;
    }
    // Small frames come as one buffer; a large body as a part of its own (see outbound.ts).
    const parts = this.endpoint.takeOutput();
    if (parts.length === 1) this.socket.write(parts[0]!);
    else if (parts.length > 1) {
      this.socket.cork();
      for (const p of parts) this.socket.write(p);
      this.socket.uncork();
    }
    // The peer does not read what we send: we stop reading what it sends
    // until it does, so its requests cannot pile up answers in our buffers
    // (CVE-2019-9517). 'drain' resumes; a peer that never reads is cut off
    // after writeStallMs.
    if (this.socket.writableNeedDrain) this.socket.pause();
    this.#dispatch(this.endpoint.takeEvents(), false);
    if (this.endpoint.finished) {
      this.socket.end();
      this.#watch.ending(); // the client closes its side on our GOAWAY, or is cut after lingerMs
      this.#teardown();
      return;
    }
    this.#reportHeld();
    this.#arm();
  }

  /** One timer for the engine's next deadline, moved only when the deadline moves. */
  #arm(): void {
    const deadline = this.endpoint.nextDeadline;
    if (deadline === this.#armedFor) return;
    clearTimeout(this.#timer);
    this.#armedFor = deadline;
    if (deadline === undefined) return;
    this.#timer = setTimeout(() => {
      this.#armedFor = undefined;
      this.#dispatch(this.endpoint.tick(now()));
    }, Math.max(0, deadline - now()) + 1);
    this.#timer.unref();
  }

  #dispatch(events: readonly EndpointEvent[], flush = true): void {
    for (const e of events) this.#onEvent(e);
    if (flush) this.flush();
  }

  #onEvent(e: EndpointEvent): void {
    switch (e.type) {
      case 'request':
        this.#startExchange(e.streamId, e.headers, false, e.endStream);
        return;
      case 'data': {
        const ex = this.#exchanges?.get(e.streamId);
        if (!ex) return this.endpoint.stopReading(e.streamId); // nobody to read it
        if (e.length) ex.req.dataArrived();
        if (e.endStream) ex.req.end();
        return;
      }
      case 'trailers':
        return this.#exchanges?.get(e.streamId)?.req.end(e.headers);
      case 'stream_reset':
        return this.#closeExchange(e.streamId, { status: 'cancelled', errorCode: e.errorCode, errorName: errorCodeName(e.errorCode) ?? '?', bytesSent: 0, bytesDropped: 0 });
      case 'push_cancelled':
        return this.#closeExchange(e.streamId, {
          status: 'cancelled',
          errorCode: e.errorCode,
          errorName: errorCodeName(e.errorCode) ?? `0x${e.errorCode.toString(16)}`,
          bytesSent: e.bytesSent,
          bytesDropped: e.bytesDropped,
        });
      case 'stream_error':
        this.#host.tracer?.note(this.id, `stream ${e.error.streamId} error ${e.error.codeName} (${e.error.label}): ${e.error.message}`);
        return this.#closeExchange(e.error.streamId, {
          status: 'cancelled',
          errorCode: e.error.code,
          errorName: e.error.codeName,
          bytesSent: this.endpoint.sentBytes(e.error.streamId),
          bytesDropped: 0,
        });
      case 'stream_closed':
        return this.#closeExchange(e.streamId, undefined);
      case 'writable':
        this.#exchanges?.get(e.streamId)?.res.emit('drain');
        return;
      case 'connection_error':
        this.#host.tracer?.note(this.id, `connection error ${e.error.codeName} (${e.error.label}): ${e.error.message}`);
        return;
      default:
        return;
    }
  }

  #startExchange(streamId: number, fields: readonly HeaderField[], pushed: boolean, ended: boolean, settle?: (o: PushOutcome) => void): void {
    const req = new Http2Request(streamId, fields, pushed, this);
    if (ended) req.end();
    const ex = new Exchange(this, req, new Http2Response(this, streamId, req), settle);
    (this.#exchanges ??= new Map()).set(streamId, ex);
    if (!pushed) return runHandler(this.#host.handler, req, ex.res, ex);
    // A pushed request runs on the next turn, after the parent handler's own
    // writes (as a goroutine would in Go); not at all if already cancelled.
    setImmediate(() => {
      if (!ex.res.closed) runHandler(this.#host.handler, req, ex.res, ex);
    });
  }

  /** The handler reads the request body: what the engine holds for it, the client's window given back (RFC 9113 §5.2). */
  readBody(streamId: number): Uint8Array {
    const octets = this.endpoint.readBody(streamId);
    if (octets.length > 0) this.scheduleFlush();
    return octets;
  }

  /**
   * The handler has returned and its response is complete: nothing will
   * read the rest of the request. The engine drops what it holds for it and
   * asks the client to stop sending (RST_STREAM NO_ERROR once the response
   * is out, RFC 9113 §8.1), as Go's server does.
   */
  exchangeDone(ex: Exchange): void {
    if (this.#ended) return;
    this.endpoint.stopReading(ex.req.streamId);
    this.scheduleFlush();
  }

  handlerError(error: unknown, req: Http2Request): void {
    this.#host.handlerError(error, req);
  }

  /** The handler failed after the head went out: reset the stream. */
  abortExchange(ex: Exchange): void {
    if (ex.res.closed) return;
    const id = ex.req.streamId;
    this.endpoint.resetStream(id, ErrorCode.INTERNAL_ERROR);
    const sent = this.endpoint.sentBytes(id);
    this.#closeExchange(id, { status: 'cancelled', errorCode: ErrorCode.INTERNAL_ERROR, errorName: 'INTERNAL_ERROR', bytesSent: sent, bytesDropped: 0 });
    this.scheduleFlush();
  }

  startPush(parent: Http2Response, promised: PromisedRequest): PushHandle {
    const streamId = this.endpoint.push(parent.streamId, promised.fields);
    let settle!: (o: PushOutcome) => void;
    const outcome = new Promise<PushOutcome>((resolve) => (settle = resolve));
    this.scheduleFlush();
    // Go dispatches the promised request to the same handler.
    this.#startExchange(streamId, promised.fields, true, true, settle);
    this.#host.tracer?.push(this.id, { parentId: parent.streamId, path: promised.path, decision: 'promised', promisedStreamId: streamId, message: `promised on stream ${streamId}` });
    return { streamId, path: promised.path, method: promised.method, outcome };
  }

  tracePushRefused(parentId: number, target: string, reason: string, message: string): void {
    this.#host.tracer?.push(this.id, { parentId, path: target, decision: 'refused', reason, message });
  }

  #closeExchange(streamId: number, cancelled: PushOutcome | undefined): void {
    const ex = this.#exchanges?.get(streamId);
    if (!ex) return;
    this.#exchanges!.delete(streamId);
    if (cancelled) ex.req.abort(new Error(`stream ${streamId} reset by the client (${cancelled.status === 'cancelled' ? cancelled.errorName : ''})`));
    else ex.req.end();
    ex.res.markClosed();
    if (ex.settle) {
      const sent = this.endpoint.sentBytes(streamId);
      ex.settle(cancelled && cancelled.status === 'cancelled' ? cancelled : { status: 'delivered', bytesSent: sent });
    }
  }

  #teardown(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reportHeld();
    clearTimeout(this.#timer);
    for (const [id, ex] of this.#exchanges ?? []) {
      ex.req.abort(new Error('the connection closed'));
      ex.res.markClosed();
      ex.settle?.({ status: 'aborted', bytesSent: this.endpoint.sentBytes(id) });
    }
    this.#exchanges = undefined;
    this.#host.tracer?.close(this.id);
    this.#host.sessionClosed(this);
  }
}
