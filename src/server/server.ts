// createServer(): HTTP/2 over TLS (ALPN h2) and cleartext h2c with prior
// knowledge, HTTP/1.1 through node:http for everyone else, one handler for
// all. Also accepts connections the embedding program accepted itself.

import { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type ListenOptions, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TlsOptions, type TLSSocket } from 'node:tls';
import { getHeapStatistics } from 'node:v8';
import { EndpointConfig, type EndpointLimits, type EndpointTimeouts } from '../connection/options.js';
import type { Settings } from '../connection/settings.js';
import { CLIENT_PREFACE } from '../frames/constants.js';
import { keyLogWriter } from '../key-log.js';
import { isDetail, Tracer, type TraceRecord } from '../trace.js';
import {
  type ConnectionPhase,
  ConnectionTable,
  type ConnectionTimeouts,
  type ConnectionWatch,
  DEFAULT_CONNECTION_TIMEOUTS,
  defaultMaxConnections,
  type DroppedConnection,
} from './connection-table.js';
import type { Handler, ServerRequest } from './handler-api.js';
import { createHttp1Fallback } from './http1-fallback.js';
import { Http2Session, type SessionHost } from './http2-session.js';

/**
 * node:tls's server options (key and cert, or pfx; ca chain, passphrase,
 * SNICallback, ciphers, ...), passed through as given. ALPN is ours (h2,
 * then http/1.1 unless allowHTTP1 is false), and so is the handshake
 * deadline (timeouts.handshakeMs).
 */
export type ServerTlsOptions = Omit<TlsOptions, 'ALPNProtocols' | 'ALPNCallback' | 'handshakeTimeout'>;

export interface ServerOptions {
  /** TLS (see ServerTlsOptions). Without it the server speaks cleartext: h2c with prior knowledge, and HTTP/1.1. */
  tls?: ServerTlsOptions;
  /** Serve HTTP/1.1 clients through node:http. Default true. */
  allowHTTP1?: boolean;
  /** HTTP/2 settings we advertise (RFC 9113 §6.5.2). */
  settings?: Partial<Settings>;
  limits?: Partial<EndpointLimits>;
  /** Deadlines, in ms: the engine's for each HTTP/2 phase, the server's for each phase before and around it (README: limits). */
  timeouts?: Partial<EndpointTimeouts & ConnectionTimeouts>;
  /**
   * Connections at once, all protocols. At the limit, a new connection takes
   * the place of the oldest one still waiting to be served (TLS handshake,
   * undecided cleartext, HTTP/1.1 waiting for a request head); with none
   * waiting, it is refused. Default: 90% of the open-file limit, at most 10,000.
   */
  maxConnections?: number;
  /**
   * What all HTTP/2 connections together may hold for their peers (the sum
   * of their heldBytes(), each also bounded by limits.maxHeldBytes). Past
   * it, the connection holding the most is sent GOAWAY ENHANCE_YOUR_CALM
   * and closed, until the sum is back within it. Default: an eighth of V8's
   * heap limit, at least 64 MiB.
   */
  maxTotalHeldBytes?: number;
  /** HTTP/1.1 requests pipelined on one connection and not yet answered; past it the connection is cut. Default 100. */
  http1MaxPipelined?: number;
  /** How long close() waits for streams in flight before destroying connections. Default 5,000 ms. */
  closeTimeoutMs?: number;
  /** Same as timeouts.writeStallMs (which wins when both are given). */
  writeStallMs?: number;
  /**
   * TLS key log, for Wireshark beside the trace: each TLS connection's
   * secrets in the NSS key log format (SSLKEYLOGFILE), appended to this file
   * (created 0o600), or handed to this function line by line.
   */
  keyLog?: string | ((line: Buffer) => void);
  /** Print every frame (true: to stderr), or hand each trace record to a function. The 'trace' event fires either way. */
  /** Show cookie and authorization values in the trace (redacted by default). */
  traceSecrets?: boolean;
  /** Also trace frame octets, windows and HPACK table changes (what trace files, ladders and the explorer show). */
  traceDetail?: boolean;
  trace?: boolean | ((record: TraceRecord) => void);
}

export interface H2ServerEvents {
  /** A handler threw or rejected; the client got a 500 or a reset stream. */
  handlerError: [error: unknown, req: ServerRequest];
  /** Every frame in and out, and stream state changes (when tracing is on). */
  trace: [record: TraceRecord];
  /** The server cut a connection itself: a deadline passed, writes stalled, or maxConnections. */
  dropped: [info: DroppedConnection];
  /** The listening socket failed (EADDRINUSE, EACCES, ...), as net.Server's 'error'. */
  error: [error: Error];
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
  readonly #connections: ConnectionTable;
  /** TLS connections in their handshake, by peer address: the raw socket, until the TLS socket over it is ready. */
  readonly #handshaking = new Map<string, Duplex>();
  readonly #host: SessionHost;
  /** The engine's settings, limits and deadlines, resolved once for every connection. */
  readonly #engineConfig: EndpointConfig;
  readonly #maxTotalHeld: number;
  /** The sum of every session's held bytes, as they report it. */
  #totalHeld = 0;
  #shedding = false;
  #nextId = 1;
  #closing = false;

  constructor(options: ServerOptions, handler: Handler) {
    super();
    this.#options = options;
    this.#handler = handler;
    this.#engineConfig = EndpointConfig.from({ settings: options.settings, limits: options.limits, timeouts: options.timeouts });
    const secure = options.tls !== undefined;
    const onError = (error: unknown, req: ServerRequest) => this.#handlerError(error, req);
    const timeouts: ConnectionTimeouts = {
      ...DEFAULT_CONNECTION_TIMEOUTS,
      ...(options.writeStallMs !== undefined ? { writeStallMs: options.writeStallMs } : {}),
      ...pick(options.timeouts, DEFAULT_CONNECTION_TIMEOUTS),
    };
    this.#connections = new ConnectionTable(options.maxConnections ?? defaultMaxConnections(), timeouts, (info) => {
      if (info.connection !== undefined) this.#host.tracer?.note(info.connection, `dropped by the server: ${info.reason} (after ${info.ageMs} ms)`);
      this.emit('dropped', info);
    });
    this.#http1 =
      options.allowHTTP1 === false
        ? undefined
        : createHttp1Fallback(handler, onError, secure, (socket) => this.#connections.watchOf(socket), options.http1MaxPipelined ?? 100);
    const traceOption = options.trace;
    const tracer =
      traceOption === undefined || traceOption === false
        ? undefined
        : new Tracer((record) => {
            if (traceOption === true) {
              if (!isDetail(record)) process.stderr.write(`${record.line}\n`);
            }
            else traceOption(record);
            this.emit('trace', record);
          }, 'server', { showSecrets: options.traceSecrets === true, detail: options.traceDetail === true });
    this.#maxTotalHeld = options.maxTotalHeldBytes ?? Math.max(64 * 1024 * 1024, Math.floor(getHeapStatistics().heap_size_limit / 8));
    this.#host = {
      handler,
      tracer,
      handlerError: onError,
      heldChanged: (_s, delta) => {
        this.#totalHeld += delta;
        if (this.#totalHeld > this.#maxTotalHeld) this.#shed();
      },
      sessionClosed: (s) => this.#sessions.delete(s),
    };
    if (options.tls) {
      const tlsServer = createTlsServer(
        {
          ...options.tls,
          ALPNProtocols: this.#http1 ? ['h2', 'http/1.1'] : ['h2'],
          // Ours (handshakeMs, from accept) cuts first; Node's own is the backstop.
          handshakeTimeout: timeouts.handshakeMs + 1000,
        },
        (socket) => this.#secured(socket),
      );
      tlsServer.on('connection', (raw: Socket) => {
        if (!this.#connections.admit(raw, 'tls_handshake')) return;
        const key = peerKey(raw);
        this.#handshaking.set(key, raw);
        raw.once('close', () => {
          if (this.#handshaking.get(key) === raw) this.#handshaking.delete(key);
        });
      });
      // A failed or timed-out handshake: Node only reports it; the socket would stay.
      tlsServer.on('tlsClientError', (_error, socket) => {
        const raw = this.#handshaking.get(peerKey(socket));
        const watch = raw && this.#connections.watchOf(raw);
        if (watch) this.#connections.drop(watch, 'tls_error');
        socket.destroy();
      });
      if (options.keyLog !== undefined) {
        const write = keyLogWriter(options.keyLog);
        tlsServer.on('keylog', (line: Buffer) => write(line));
      }
      this.#listener = tlsServer;
    } else {
      this.#listener = createNetServer((socket) => this.handleConnection(socket));
    }
    this.#listener.on('error', (error) => this.emit('error', error));
  }

  get handler(): Handler {
    return this.#handler;
  }

  #handlerError(error: unknown, req: ServerRequest): void {
    if (this.listenerCount('handlerError') > 0) this.emit('handlerError', error, req);
    else console.error(`h2wire: handler failed for ${req.method} ${req.path}:`, error);
  }

  /**
   * Start listening, as net.Server does: on a TCP port (host default
   * 127.0.0.1: loopback unless you say otherwise), on a unix socket path,
   * or with net's ListenOptions. Failures (EADDRINUSE, EACCES) are emitted
   * as 'error', like net.Server's; without an 'error' listener they throw.
   */
  listen(port?: number, host?: string, callback?: () => void): this;
  listen(port: number, callback?: () => void): this;
  listen(path: string, callback?: () => void): this;
  listen(options: ListenOptions, callback?: () => void): this;
  listen(target: number | string | ListenOptions = 0, hostOrCallback?: string | (() => void), callback?: () => void): this {
    const done = typeof hostOrCallback === 'function' ? hostOrCallback : callback;
    const onListening = () => {
      this.emit('listening');
      done?.();
    };
    if (typeof target === 'number') this.#listener.listen(target, typeof hostOrCallback === 'string' ? hostOrCallback : '127.0.0.1', onListening);
    else if (typeof target === 'string') this.#listener.listen(target, onListening);
    else {
      const loopback = target.port !== undefined && target.host === undefined && target.path === undefined; // a port alone: 127.0.0.1, as above
      this.#listener.listen(loopback ? { ...target, host: '127.0.0.1' } : target, onListening);
    }
    return this;
  }

  /** The TCP address listened on. On a unix socket, see socketPath. */
  address(): AddressInfo {
    const a = this.#listener.address();
    if (typeof a === 'string') throw new Error(`the server listens on the unix socket ${a}, which has no TCP address (see socketPath)`);
    if (!a) throw new Error('the server is not listening');
    return a;
  }

  /** The unix socket path listened on, if the server listens on one. */
  get socketPath(): string | undefined {
    const a = this.#listener.address();
    return typeof a === 'string' ? a : undefined;
  }

  /** Whether the server is listening for connections. */
  get listening(): boolean {
    return this.#listener.listening;
  }

  /** Live HTTP/2 connections. */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Every connection open now, all protocols and phases (what maxConnections counts). */
  get openConnections(): number {
    return this.#connections.size;
  }

  /** Connections open now in each phase: tls_handshake, protocol, http1_head, http1_request, http1_busy, h2, closing. */
  connectionPhases(): Partial<Record<ConnectionPhase, number>> {
    return this.#connections.phases();
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

  /** Over maxTotalHeldBytes: close the connections that hold the most until the sum is within it again. */
  #shed(): void {
    if (this.#shedding) return; // a shed connection's own report comes back here
    this.#shedding = true;
    try {
      while (this.#totalHeld > this.#maxTotalHeld) {
        let largest: Http2Session | undefined;
        for (const s of this.#sessions) if (!largest || s.held > largest.held) largest = s;
        if (!largest || largest.held === 0) break;
        const watch = this.#connections.watchOf(largest.socket);
        if (watch) this.#connections.report(watch, 'server_budget');
        largest.shed(
          `the server holds ${this.#totalHeld} octets for its connections, over its budget of ${this.#maxTotalHeld} (maxTotalHeldBytes); this one held the most, ${largest.held}`,
        );
      }
    } finally {
      this.#shedding = false;
    }
  }

  /**
   * Serve a connection accepted elsewhere: a TLS socket (ALPN decides), a
   * TCP socket or any duplex carrying cleartext (the first octets decide:
   * the HTTP/2 preface means h2c, anything else HTTP/1.1). It counts against
   * maxConnections and has the same deadlines as the server's own.
   */
  handleConnection(socket: Duplex): void {
    if ((socket as TLSSocket).encrypted) {
      const watch = this.#connections.admit(socket, 'protocol');
      if (watch) this.#byAlpn(socket as TLSSocket, watch);
      return;
    }
    const watch = this.#connections.admit(socket, 'protocol');
    if (!watch) return;
    let pending: Buffer | undefined;
    const onData = (chunk: Buffer) => {
      pending = pending ? Buffer.concat([pending, chunk]) : chunk;
      const n = Math.min(pending.length, PREFACE.length);
      const isH2 = pending.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && pending.length < PREFACE.length) return; // undecided yet
      socket.off('data', onData);
      socket.pause();
      socket.unshift(pending);
      if (isH2) this.#startH2(socket, false, watch);
      else this.#startHttp1(socket, watch);
      socket.resume();
    };
    socket.on('data', onData);
  }

  /** A TLS handshake completed on one of our own connections. */
  #secured(socket: TLSSocket): void {
    const key = peerKey(socket);
    const raw = this.#handshaking.get(key);
    this.#handshaking.delete(key);
    const watch = raw ? this.#connections.adopt(raw, socket) : this.#connections.admit(socket, 'protocol');
    if (watch) this.#byAlpn(socket, watch);
    else socket.destroy();
  }

  #byAlpn(socket: TLSSocket, watch: ConnectionWatch): void {
    if (socket.alpnProtocol === 'h2') this.#startH2(socket, true, watch);
    else this.#startHttp1(socket, watch);
  }

  #startH2(socket: Duplex, secure: boolean, watch: ConnectionWatch): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    watch.enter('h2');
    if ('setNoDelay' in socket) (socket as Socket).setNoDelay(true);
    // The engine's deadlines count from the accept: a preface sent slowly while undecided has used its time.
    watch.connection = this.#nextId++;
    const session = new Http2Session(socket, this.#host, { config: this.#engineConfig, secure, watch }, watch.connection);
    this.#sessions.add(session);
  }

  #startHttp1(socket: Duplex, watch: ConnectionWatch): void {
    if (!this.#http1 || this.#closing) {
      socket.destroy();
      return;
    }
    watch.enter('http1_head');
    this.#http1.emit('connection', socket);
  }

  /**
   * Graceful close: stop accepting, GOAWAY every HTTP/2 connection and let
   * streams in flight finish, close connections that are not being served;
   * after closeTimeoutMs, destroy what is left. 'close' fires when every
   * connection has ended.
   */
  close(callback?: () => void): this {
    if (callback) this.once('close', callback);
    if (this.#closing) return this;
    this.#closing = true;
    const deadline = setTimeout(() => this.#connections.destroyAll(), this.#options.closeTimeoutMs ?? 5000);
    deadline.unref();
    const closed = () => {
      clearTimeout(deadline);
      this.emit('close');
    };
    if (this.#listener.listening) this.#listener.close(closed);
    else setImmediate(closed);
    this.#connections.destroyWaiting();
    for (const s of this.#sessions) s.shutdown();
    return this;
  }
}

/** A connection's peer address and port: the same on a raw socket and the TLS socket over it. */
function peerKey(socket: Duplex): string {
  const s = socket as Socket;
  return `${s.remoteAddress}|${s.remotePort}`;
}

/** The keys of `defaults` that `options` sets. */
function pick<T extends object>(options: object | undefined, defaults: T): Partial<T> {
  const out: Partial<T> = {};
  if (!options) return out;
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    const v = (options as Partial<T>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** An HTTP/2 server with push; see ServerOptions. */
export function createServer(options: ServerOptions, handler: Handler): H2Server {
  return new H2Server(options, handler);
}
