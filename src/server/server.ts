// createServer(): HTTP/2 over TLS (ALPN h2) and cleartext h2c with prior
// knowledge, HTTP/1.1 through node:http for everyone else, one handler for
// all. Also accepts connections the embedding program accepted itself.

import { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { EndpointLimits, EndpointTimeouts } from '../connection/endpoint.js';
import type { Settings } from '../connection/settings.js';
import { CLIENT_PREFACE } from '../frames/constants.js';
import { Tracer, type TraceRecord } from '../trace.js';
import type { Handler, Request } from './handler-api.js';
import { createHttp1Fallback } from './http1-fallback.js';
import { Http2Session, type SessionHost } from './http2-session.js';

export interface ServerOptions {
  /** TLS key and certificate (PEM). Without them the server speaks cleartext: h2c with prior knowledge, and HTTP/1.1. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Serve HTTP/1.1 clients through node:http. Default true. */
  allowHTTP1?: boolean;
  /** HTTP/2 settings we advertise (RFC 9113 §6.5.2). */
  settings?: Partial<Settings>;
  limits?: Partial<EndpointLimits>;
  timeouts?: Partial<EndpointTimeouts>;
  /** How long close() waits for streams in flight before destroying connections. Default 5,000 ms. */
  closeTimeoutMs?: number;
  /** A connection whose writes make no progress this long (a peer that does not read) is destroyed. Default 30,000 ms. */
  writeStallMs?: number;
  /** Print every frame (true: to stderr), or hand each trace record to a function. The 'trace' event fires either way. */
  trace?: boolean | ((record: TraceRecord) => void);
}

export interface H2ServerEvents {
  /** A handler threw or rejected; the client got a 500 or a reset stream. */
  handlerError: [error: unknown, req: Request];
  /** Every frame in and out, and stream state changes (when tracing is on). */
  trace: [record: TraceRecord];
  listening: [];
  close: [];
}

const PREFACE = Buffer.from(CLIENT_PREFACE);

export class H2Server extends EventEmitter<H2ServerEvents> {
  readonly #options: ServerOptions;
  readonly #handler: Handler;
  readonly #listener: NetServer;
  readonly #http1: HttpServer | undefined;
  readonly #sessions = new Set<Http2Session>();
  readonly #h2Sockets = new Set<Duplex>();
  readonly #host: SessionHost;
  #nextId = 1;
  #closing = false;

  constructor(options: ServerOptions, handler: Handler) {
    super();
    this.#options = options;
    this.#handler = handler;
    const secure = options.tls !== undefined;
    const onError = (error: unknown, req: Request) => this.#handlerError(error, req);
    this.#http1 = options.allowHTTP1 === false ? undefined : createHttp1Fallback(handler, onError, secure);
    const traceOption = options.trace;
    const tracer =
      traceOption === undefined || traceOption === false
        ? undefined
        : new Tracer((record) => {
            if (traceOption === true) process.stderr.write(`${record.line}\n`);
            else traceOption(record);
            this.emit('trace', record);
          });
    this.#host = {
      handler,
      tracer,
      handlerError: onError,
      sessionClosed: (s) => this.#sessions.delete(s),
    };
    if (options.tls) {
      this.#listener = createTlsServer({ key: options.tls.key, cert: options.tls.cert, ALPNProtocols: this.#http1 ? ['h2', 'http/1.1'] : ['h2'] }, (socket) =>
        this.#accept(socket, true),
      );
    } else {
      this.#listener = createNetServer((socket) => this.handleConnection(socket));
    }
  }

  get handler(): Handler {
    return this.#handler;
  }

  #handlerError(error: unknown, req: Request): void {
    if (this.listenerCount('handlerError') > 0) this.emit('handlerError', error, req);
    else console.error(`h2wire: handler failed for ${req.method} ${req.path}:`, error);
  }

  listen(port = 0, host = '127.0.0.1', callback?: () => void): this {
    this.#listener.listen(port, host, () => {
      this.emit('listening');
      callback?.();
    });
    return this;
  }

  address(): AddressInfo {
    const a = this.#listener.address();
    if (!a || typeof a === 'string') throw new Error('the server is not listening');
    return a;
  }

  /** Live HTTP/2 connections. */
  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Octets the HTTP/2 connections hold for their peers right now: the sum
   * of each engine's heldBytes() (undecoded input, open field blocks, the
   * fields of open streams, unread bodies, queued frames), each bounded by
   * limits.maxHeldBytes.
   */
  get heldBytes(): number {
    let n = 0;
    for (const s of this.#sessions) n += s.endpoint.heldBytes();
    return n;
  }

  /**
   * Serve a connection accepted elsewhere: a TLS socket (ALPN decides), a
   * TCP socket or any duplex carrying cleartext (the first octets decide:
   * the HTTP/2 preface means h2c, anything else HTTP/1.1).
   */
  handleConnection(socket: Duplex): void {
    if ((socket as TLSSocket).encrypted) return this.#accept(socket as TLSSocket, true);
    const onData = (chunk: Buffer) => {
      pending = pending ? Buffer.concat([pending, chunk]) : chunk;
      const n = Math.min(pending.length, PREFACE.length);
      const isH2 = pending.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && pending.length < PREFACE.length) return; // undecided yet
      socket.off('data', onData);
      socket.pause();
      socket.unshift(pending);
      if (isH2) this.#startH2(socket, false);
      else this.#startHttp1(socket);
      socket.resume();
    };
    let pending: Buffer | undefined;
    socket.on('data', onData);
  }

  #accept(socket: TLSSocket, secure: boolean): void {
    if (socket.alpnProtocol === 'h2') this.#startH2(socket, secure);
    else this.#startHttp1(socket);
  }

  #startH2(socket: Duplex, secure: boolean): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    if ('setNoDelay' in socket) (socket as Socket).setNoDelay(true);
    const o = this.#options;
    const session = new Http2Session(
      socket,
      this.#host,
      { settings: o.settings, limits: o.limits, timeouts: o.timeouts, writeStallMs: o.writeStallMs ?? 30_000, secure },
      this.#nextId++,
    );
    this.#sessions.add(session);
    this.#h2Sockets.add(socket);
    socket.once('close', () => this.#h2Sockets.delete(socket));
  }

  #startHttp1(socket: Duplex): void {
    if (!this.#http1 || this.#closing) {
      socket.destroy();
      return;
    }
    this.#http1.emit('connection', socket);
  }

  /**
   * Graceful close: stop accepting, GOAWAY every HTTP/2 connection and let
   * streams in flight finish; after closeTimeoutMs, destroy what is left.
   * 'close' fires when every connection has ended.
   */
  close(callback?: () => void): this {
    if (callback) this.once('close', callback);
    if (this.#closing) return this;
    this.#closing = true;
    const deadline = setTimeout(() => {
      for (const socket of this.#h2Sockets) socket.destroy();
      this.#http1?.closeAllConnections();
    }, this.#options.closeTimeoutMs ?? 5000);
    deadline.unref();
    const closed = () => {
      clearTimeout(deadline);
      this.emit('close');
    };
    if (this.#listener.listening) this.#listener.close(closed);
    else setImmediate(closed);
    this.#http1?.closeIdleConnections();
    for (const s of this.#sessions) s.shutdown();
    return this;
  }
}

/** An HTTP/2 server with push; see ServerOptions. */
export function createServer(options: ServerOptions, handler: Handler): H2Server {
  return new H2Server(options, handler);
}
