// HTTP/1.1 clients (ALPN http/1.1, or cleartext without the HTTP/2 preface)
// are served by the same handler through Node's own node:http parser, with
// protoMajor 1 and no push: the seed's `r.ProtoMajor < 2` branch.

import { createServer, type IncomingMessage, type Server, type ServerResponse as NodeServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderField } from '../hpack/header-list.js';
import type { ConnectionWatch } from './connection-table.js';
import type { Handler, PushHandle, ServerRequest, ServerResponse } from './handler-api.js';
import { refusalMessage, refusedPush } from './push-refusals.js';
import { headerValue, type HeaderValue } from './header-fields.js';
import { runHandler } from './run-handler.js';

function pairs(raw: string[]): HeaderField[] {
  const out: HeaderField[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i]!.toLowerCase(), value: raw[i + 1]! });
  return out;
}

class Http1Request implements ServerRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly headers: readonly HeaderField[];
  readonly protoMajor = 1 as const;
  readonly streamId = 0;
  readonly connection = 0;
  readonly pushed = false;
  readonly #abort = new AbortController();

  constructor(
    readonly message: IncomingMessage,
    secure: boolean,
  ) {
    this.method = message.method ?? 'GET';
    this.path = message.url ?? '/';
    this.headers = pairs(message.rawHeaders);
    this.authority = headerValue(this.headers, 'host') ?? '';
    this.scheme = secure ? 'https' : 'http';
    message.once('close', () => {
      if (!message.complete) this.#abort.abort(new Error('the client closed the connection'));
    });
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get trailers(): readonly HeaderField[] | undefined {
    return this.message.complete ? pairs(this.message.rawTrailers) : undefined;
  }

  header(name: string): string | undefined {
    return headerValue(this.headers, name.toLowerCase());
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.message[Symbol.asyncIterator]();
  }

  async body(): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this.message) parts.push(chunk as Uint8Array);
    return Buffer.concat(parts);
  }
}

class Http1Response implements ServerResponse {
  readonly #res: NodeServerResponse;
  readonly #trailers: Record<string, string> = {};
  readonly #watch: ConnectionWatch | undefined;

  constructor(res: NodeServerResponse, watch: ConnectionWatch | undefined) {
    this.#res = res;
    this.#watch = watch;
  }

  /** Writes that do not drain are watched: a client that does not read is cut after writeStallMs. */
  #written(): void {
    if (this.#res.writableNeedDrain || this.#res.socket?.writableNeedDrain) this.#watch?.blocked();
  }

  get statusCode(): number {
    return this.#res.statusCode;
  }

  set statusCode(code: number) {
    this.#res.statusCode = code;
  }

  get headersSent(): boolean {
    return this.#res.headersSent;
  }

  get finished(): boolean {
    return this.#res.writableEnded;
  }

  setHeader(name: string, value: HeaderValue): this {
    this.#res.setHeader(name, typeof value === 'object' ? [...value] : value);
    return this;
  }

  getHeader(name: string): string | readonly string[] | undefined {
    const v = this.#res.getHeader(name);
    return v === undefined ? undefined : typeof v === 'object' ? v : String(v);
  }

  removeHeader(name: string): this {
    this.#res.removeHeader(name);
    return this;
  }

  hasHeader(name: string): boolean {
    return this.#res.hasHeader(name);
  }

  writeHead(statusCode: number, headers: Record<string, HeaderValue> = {}): this {
    for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    this.#res.writeHead(statusCode);
    return this;
  }

  write(chunk: string | Uint8Array): boolean {
    const ok = this.#res.write(chunk);
    this.#written();
    return ok;
  }

  drained(): Promise<void> {
    if (!this.#res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#res.off('drain', done).off('close', done);
        resolve();
      };
      this.#res.on('drain', done).on('close', done);
    });
  }

  end(chunk?: string | Uint8Array): void {
    if (this.#res.writableEnded) return;
    if (Object.keys(this.#trailers).length > 0) this.#res.addTrailers(this.#trailers);
    if (chunk === undefined) this.#res.end();
    else this.#res.end(chunk);
    this.#written();
  }

  setTrailer(name: string, value: string): this {
    // HTTP/1.1 sends trailers only with chunked encoding, announced in Trailer.
    if (!this.#res.headersSent) {
      const announced = this.#res.getHeader('trailer');
      this.#res.setHeader('trailer', announced ? `${String(announced)}, ${name}` : name);
    }
    this.#trailers[name] = value;
    return this;
  }

  writeEarlyHints(hints: Record<string, HeaderValue>): void {
    const h: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(hints)) h[k] = typeof v === 'object' ? [...v] : String(v);
    this.#res.writeEarlyHints(h);
  }

  readonly canPush = false;
  readonly pushRefusal = { reason: 'http1' as const, message: refusalMessage('http1') };

  push(): Promise<PushHandle> {
    return refusedPush('http1');
  }

  on(event: 'drain' | 'close', listener: () => void): this {
    this.#res.on(event, listener);
    return this;
  }
}

/**
 * A node:http server (never listening) that serves HTTP/1.1 connections
 * handed to it. node:http's own header and request timeouts run only in a
 * listening server, so the phases of each request are reported to the
 * connection's watch, which holds their deadlines: the rest of the request
 * within http1RequestMs of its head (or, once the response is out, within
 * http1HeadMs of its end), then the next head within http1HeadMs of the end
 * of the response. At most `maxPipelined` requests may wait on one connection.
 */
export function createHttp1Fallback(
  handler: Handler,
  onError: (error: unknown, req: ServerRequest) => void,
  secure: boolean,
  watchOf: (socket: Duplex) => ConnectionWatch | undefined,
  maxPipelined: number,
): Server {
  const current = new WeakMap<Duplex, IncomingMessage>(); // the request being served on each connection
  // node:http hands every pipelined request to its handler at once, each response held until its turn:
  // a client that pipelines thousands and never reads would have them all held.
  const outstanding = new WeakMap<Duplex, number>();
  return createServer((message, res) => {
    const socket = message.socket;
    const watch = watchOf(socket);
    const pending = (outstanding.get(socket) ?? 0) + 1;
    outstanding.set(socket, pending);
    res.once('close', () => outstanding.set(socket, (outstanding.get(socket) ?? 1) - 1));
    if (pending > maxPipelined) {
      watch?.cut('http1_pipelining');
      if (!watch) socket.destroy();
      return;
    }
    if (watch) {
      if (socket.writableNeedDrain) watch.blocked(); // responses back up already: the client is not reading
      current.set(socket, message);
      watch.enter('http1_request', () => {
        if (!message.complete) return true; // the body did not arrive in time: cut
        watch.enter(res.writableFinished ? 'http1_head' : 'http1_busy');
        return false;
      });
      res.once('finish', () => {
        // Unless the next request has already begun (pipelining), wait for its head; a body
        // still arriving, which nobody will read, has as long as a head to finish.
        if (current.get(socket) !== message) return;
        if (message.complete) return watch.enter('http1_head');
        watch.enter('http1_drain', () => {
          if (!message.complete) return true;
          watch.enter('http1_head');
          return false;
        });
      });
    }
    const req = new Http1Request(message, secure);
    runHandler(handler, req, new Http1Response(res, watch), { error: (e) => onError(e, req), abort: () => res.destroy() });
  });
}
