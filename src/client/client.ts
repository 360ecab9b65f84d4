// A programmatic HTTP/2 client on h2wire's own engine: connect to a URL
// (TLS with ALPN h2, or cleartext h2c with prior knowledge, RFC 9113 §3.3),
// send requests with a method, fields and a body, receive each response with
// the pushes promised on it (§8.4), accept or cancel a push, watch the
// trace, close gracefully. `h2wire get` is built on it.
//
//   const client = await connect('https://localhost:8443/', { insecure: true });
//   const page = await client.request('/');
//   for (const push of page.pushes) console.log(push.path, (await push.response).body.toString());
//   await client.close();

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Http2Endpoint } from '../connection/endpoint.js';
import { checkRequest, isProblem } from '../connection/message-rules.js';
import type { EndpointEvent } from '../connection/events.js';
import type { Settings } from '../connection/settings.js';
import { ErrorCode, errorCodeName } from '../frames/constants.js';
import { formatOpaque } from '../frames/format.js';
import type { HeaderField } from '../hpack/header-list.js';
import { keyLogWriter } from '../key-log.js';
import { Tracer, type TraceSink } from '../trace.js';

/** Why a client operation failed: a stable code to act on, and a message a person can read. */
export type ClientErrorCode =
  /** The URL is not an http:// or https:// URL. */
  | 'invalid_url'
  /** TCP (or DNS) failed: refused, unreachable, unknown host. */
  | 'connect_failed'
  /** The server's certificate is not trusted (self-signed, unknown CA, wrong name, expired). */
  | 'untrusted_certificate'
  /** TLS failed otherwise (no common protocol version or cipher, a handshake alert). */
  | 'tls_failed'
  /** The request we were asked to send breaks HTTP/2's message rules (§8.2, §8.3.1): it is not sent. */
  | 'invalid_request'
  /** TLS worked but the server did not choose h2 in ALPN (§3.2). */
  | 'no_h2'
  /** On cleartext, the server answered in HTTP/1.x: it does not take h2c with prior knowledge (§3.3). */
  | 'http1_server'
  /** The connection ended with an error: our GOAWAY for the server's mistake, or the server's GOAWAY. */
  | 'connection_error'
  /** The connection closed before the exchange completed. */
  | 'closed'
  /** Nothing complete within timeoutMs. */
  | 'timeout';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  /** What went wrong, without the advice. */
  readonly reason: string;
  /** What to do about it, in this API's terms (a command line says it in its own). */
  readonly advice: string | undefined;
  constructor(
    readonly code: ClientErrorCode,
    reason: string,
    options?: { cause?: unknown; advice?: string },
  ) {
    super(options?.advice ? `${reason}: ${options.advice}` : reason, options);
    this.reason = reason;
    this.advice = options?.advice;
  }
}

export interface ClientOptions {
  /** Accept pushes (SETTINGS_ENABLE_PUSH=1). Default true. */
  push?: boolean;
  /** Do not verify the server's certificate. */
  insecure?: boolean;
  /** CA certificate(s) to trust (PEM), instead of the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Other node:tls connection options (client certificate, servername, ...); ALPN is ours (h2). */
  tls?: Omit<ConnectionOptions, 'ALPNProtocols' | 'host' | 'port'>;
  /** TLS key log for Wireshark (NSS format): appended to this file, or handed to this function line by line. */
  keyLog?: string | ((line: Buffer) => void);
  /** HTTP/2 settings to advertise beyond enablePush. */
  settings?: Partial<Settings>;
  /** Every trace record: frames in and out, state changes, decoded fields. */
  trace?: TraceSink;
  /** Show cookie and authorization values in the trace (redacted by default). */
  traceSecrets?: boolean;
  /** Also trace frame octets, windows and HPACK table changes (what trace files and ladders show). */
  traceDetail?: boolean;
  /** Give up connecting, and each request, after this long. Default 10,000 ms. */
  timeoutMs?: number;
}

export interface RequestOptions {
  /** Default GET. */
  method?: string;
  /** More request fields; names are lower-cased (§8.2.1). */
  headers?: Record<string, string> | ReadonlyArray<readonly [string, string]>;
  /** A request body, sent after the HEADERS and ended with END_STREAM. */
  body?: string | Uint8Array;
  /** :authority, if not the URL's host:port. */
  authority?: string;
  /**
   * Called for each push promised on this request, as its PUSH_PROMISE
   * arrives: call push.cancel() to refuse it (RST_STREAM CANCEL, §8.4.2).
   * Pushes not cancelled are accepted.
   */
  onPush?: (push: ClientPush) => void;
}

/** A response, complete: all its DATA arrived, or the stream was reset. */
export interface ClientResponse {
  streamId: number;
  /** :status, or undefined when the stream was reset before a response. */
  status: number | undefined;
  headers: HeaderField[];
  /** 1xx responses (103 Early Hints, ...), in order. */
  informational: HeaderField[][];
  body: Buffer;
  trailers: HeaderField[];
  /** The stream was reset (by the server, or by us) with this error code name; 'connection closed' if the connection ended first (a push). */
  reset?: string;
  /** The pushes promised on this stream, in the order of their PUSH_PROMISE frames. */
  pushes: ClientPush[];
}

/** A pushed response the server promised (§8.4). */
export interface ClientPush {
  /** The stream the server reserved for it. */
  readonly promisedStreamId: number;
  /** The stream the PUSH_PROMISE came on. */
  readonly parentId: number;
  /** The promised request's fields, as the PUSH_PROMISE carried them. */
  readonly request: HeaderField[];
  readonly method: string;
  readonly path: string;
  /** Settles when the pushed response is complete (or was reset, or cancelled). */
  readonly response: Promise<ClientResponse>;
  /** Refuse the push: RST_STREAM CANCEL on its stream. */
  cancel(): void;
  readonly cancelled: boolean;
}

/** What a connection knows about itself. */
export interface ClientInfo {
  /** 'h2' (TLS with ALPN) or 'h2c'. */
  protocol: string;
  /** The server's SETTINGS, once they arrived. */
  serverSettings: Settings | undefined;
}

interface Pending {
  response: Omit<ClientResponse, 'body'> & { chunks: Uint8Array[] };
  resolve(r: ClientResponse): void;
  reject(e: Error): void;
  onPush?: (push: ClientPush) => void;
  timer?: NodeJS.Timeout;
}

/** How long a closing connection waits for the server to close its side before it is destroyed. */
const LINGER_MS = 2000;
const DEFAULT_TIMEOUT_MS = 10_000;
const CONNECTION_CLOSED = 'connection closed';
/** Node's longest timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Parse and check a URL for HTTP/2: http: (h2c) or https:, with a message that shows the URL. */
export function parseTarget(url: string | URL): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ClientError('invalid_url', `'${String(url)}' is not a URL: give a full one, such as https://localhost:8443/`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    const guess = /^[\w.-]+:\d+/.test(String(url)) ? ` (did you mean http://${String(url)} or https://${String(url)}?)` : '';
    throw new ClientError('invalid_url', `'${String(url)}' is not an http:// or https:// URL${guess}`);
  }
  return target;
}

/** Connect to an HTTP/2 server: https: with ALPN h2, http: as h2c with prior knowledge. Resolves once the server's SETTINGS arrived. */
export function connect(url: string | URL, options: ClientOptions = {}): Promise<Http2Client> {
  let client: Http2Client;
  try {
    client = new Http2Client(parseTarget(url), options);
  } catch (e) {
    return Promise.reject(e); // an invalid URL, or a key log file it cannot write
  }
  return client.ready.then(() => client);
}

export class Http2Client {
  /** Resolves when the server's SETTINGS arrived (the connection is usable); rejects when connecting failed. */
  readonly ready: Promise<void>;
  readonly url: URL;
  readonly #options: ClientOptions;
  readonly #secure: boolean;
  readonly #endpoint: Http2Endpoint;
  readonly #socket: Socket | TLSSocket;
  readonly #pending = new Map<number, Pending>();
  #serverSettings: Settings | undefined;
  #failure: ClientError | undefined;
  #firstOctets = true;
  #tick: NodeJS.Timeout | undefined;
  #closed: Promise<void>;
  #settleReady!: (error?: Error) => void;

  constructor(url: URL, options: ClientOptions = {}) {
    this.url = url;
    this.#options = options;
    this.#secure = url.protocol === 'https:';
    const tracer = options.trace && new Tracer(options.trace, 'client', { showSecrets: options.traceSecrets === true, detail: options.traceDetail === true });
    tracer?.open(1, this.#secure ? `h2 (TLS) to ${url.host}` : `h2c (cleartext) to ${url.host}`);
    this.#endpoint = new Http2Endpoint({
      role: 'client',
      now: Date.now(),
      settings: { ...options.settings, enablePush: options.push ?? true },
      ...tracer?.hooks(1, () => this.#endpoint),
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.ready.catch(() => {}); // observed by connect(); a bare constructor's user may not look
    const writeKeyLog = this.#secure && options.keyLog !== undefined ? keyLogWriter(options.keyLog) : undefined; // throws now for a path it cannot write
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (this.#secure ? 443 : 80));
    const timeoutMs = Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_TIMER_MS);
    const connectTimer = setTimeout(() => this.#fail(new ClientError('timeout', `no HTTP/2 connection to ${url.host} within ${timeoutMs} ms`)), timeoutMs);
    this.ready.then(
      () => clearTimeout(connectTimer),
      () => clearTimeout(connectTimer),
    );
    this.#socket = this.#secure
      ? tlsConnect(
          {
            ...options.tls,
            host,
            port,
            servername: options.tls?.servername ?? (/^[\d.:]+$/.test(host) ? undefined : host),
            ALPNProtocols: ['h2'],
            rejectUnauthorized: !options.insecure,
            ...(options.ca !== undefined ? { ca: options.ca } : {}),
          },
          () => this.#connected(),
        )
      : netConnect({ host, port }, () => this.#connected());
    if (writeKeyLog) this.#socket.on('keylog', (line: Buffer) => writeKeyLog(line));
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#socket.on('error', (e: NodeJS.ErrnoException) => this.#fail(describeSocketError(e, url)));
    this.#closed = new Promise<void>((resolve) =>
      this.#socket.once('close', () => {
        clearTimeout(this.#tick);
        this.#fail(new ClientError('closed', `the connection to ${url.host} closed before the exchange was complete`));
        tracer?.close(1);
        resolve();
      }),
    );
  }

  /** 'h2' or 'h2c', and the server's SETTINGS. */
  get info(): ClientInfo {
    return { protocol: this.#secure ? (this.#socket as TLSSocket).alpnProtocol || '' : 'h2c', serverSettings: this.#serverSettings };
  }

  /** The engine, to look at (stream states, windows, what it holds). */
  get endpoint(): Http2Endpoint {
    return this.#endpoint;
  }

  /**
   * Send a request for `path` (with its query) on this connection and wait
   * for the complete response. Pushes promised on it are in
   * response.pushes; each has its own `response` promise.
   */
  request(path: string, options: RequestOptions = {}): Promise<ClientResponse> {
    if (this.#failure) return Promise.reject(this.#failure);
    return this.ready.then(
      () =>
        new Promise<ClientResponse>((resolve, reject) => {
          if (this.#failure) return reject(this.#failure);
          const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
          const extra = Array.isArray(options.headers) ? options.headers : Object.entries(options.headers ?? {});
          const fields: HeaderField[] = [
            { name: ':method', value: options.method ?? 'GET' },
            { name: ':scheme', value: this.#secure ? 'https' : 'http' },
            { name: ':authority', value: options.authority ?? this.url.host },
            { name: ':path', value: path },
            ...extra.map(([name, value]) => ({ name: name.toLowerCase(), value })),
          ];
          // The rules the server would apply (§8.2, §8.3.1), checked here so the answer is a sentence, not a reset stream.
          const problem = checkRequest(fields);
          if (isProblem(problem)) return reject(new ClientError('invalid_request', `not a valid HTTP/2 request, so it was not sent: ${problem.reason}`));
          let id: number;
          try {
            id = this.#endpoint.request(fields, { endStream: !body || body.length === 0 });
            if (body && body.length > 0) this.#endpoint.sendData(id, body, { endStream: true });
          } catch (e) {
            return reject(e);
          }
          const pending: Pending = { response: emptyResponse(id), resolve, reject, onPush: options.onPush };
          const timeoutMs = Math.min(this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_TIMER_MS);
          pending.timer = setTimeout(() => {
            this.#pending.delete(id);
            this.#endpoint.resetStream(id, ErrorCode.CANCEL);
            this.#flush();
            reject(new ClientError('timeout', `no complete response to ${fields[0]!.value} ${path} within ${timeoutMs} ms`));
          }, timeoutMs);
          this.#pending.set(id, pending);
          this.#flush();
        }),
    );
  }

  /**
   * Close gracefully: GOAWAY NO_ERROR (§6.8), then our side of the
   * connection; resolves when the socket has closed. Requests still in
   * flight are rejected.
   */
  close(): Promise<void> {
    if (!this.#socket.destroyed && this.#endpoint.state.name !== 'closed') {
      this.#endpoint.close(ErrorCode.NO_ERROR, 'done');
      this.#flush();
    }
    this.#fail(new ClientError('closed', 'the client closed the connection'));
    return this.#closed;
  }

  #connected(): void {
    if (this.#secure) {
      const alpn = (this.#socket as TLSSocket).alpnProtocol;
      if (alpn !== 'h2')
        return this.#fail(
          new ClientError('no_h2', `${this.url.host} did not choose h2 in the TLS handshake (ALPN: ${alpn || 'none'}): it does not speak HTTP/2 over TLS on this port (RFC 9113 §3.2)`),
        );
    }
    this.#flush();
  }

  #receive(chunk: Buffer): void {
    if (this.#firstOctets) {
      this.#firstOctets = false;
      // §3.4: the server's first octets are a SETTINGS frame (type 4 at octet 3). Printable text
      // instead is HTTP/1.x: a status line, or an HTML page from a server that skips the status line.
      const text = chunk.subarray(0, 16).toString('latin1');
      if (chunk[3] !== 0x04 && /^[\t\r\n\x20-\x7e]{4,}$/.test(text)) {
        const line = chunk.toString('latin1').split(/\r?\n/)[0]!.slice(0, 80);
        return this.#fail(
          new ClientError(
            'http1_server',
            `${this.url.host} answered in HTTP/1.x ("${line}"): it does not speak cleartext HTTP/2 with prior knowledge here (http:// means h2c with prior knowledge, RFC 9113 §3.3; try https://)`,
          ),
        );
      }
    }
    this.#handle(this.#endpoint.receive(chunk, Date.now()));
    this.#flush();
  }

  /** Write what the engine queued, handle its events, and keep its deadlines. */
  #flush(): void {
    if (!this.#socket.destroyed) for (const part of this.#endpoint.takeOutput()) this.#socket.write(part);
    this.#handle(this.#endpoint.takeEvents());
    clearTimeout(this.#tick);
    const next = this.#endpoint.nextDeadline;
    if (next !== undefined && !this.#failure) {
      this.#tick = setTimeout(() => {
        this.#handle(this.#endpoint.tick(Date.now()));
        this.#flush();
      }, Math.max(0, next - Date.now()));
      this.#tick.unref();
    }
  }

  #handle(events: readonly EndpointEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'settings':
          this.#serverSettings = e.settings;
          this.#settleReady();
          break;
        case 'push_promise':
          this.#promised(e.parentId, e.promisedStreamId, e.headers);
          break;
        case 'informational':
          this.#find(e.streamId)?.informational.push(e.headers);
          break;
        case 'response': {
          const r = this.#find(e.streamId);
          if (r) {
            r.status = Number(e.headers.find((f) => f.name === ':status')?.value);
            r.headers = e.headers;
          }
          break;
        }
        case 'trailers': {
          const r = this.#find(e.streamId);
          if (r) r.trailers = e.headers;
          break;
        }
        case 'data': {
          const octets = this.#endpoint.readBody(e.streamId); // read at once: the window goes back to the server
          if (octets.length > 0) this.#find(e.streamId)?.chunks.push(octets);
          break;
        }
        case 'stream_reset':
        case 'stream_error': {
          const id = e.type === 'stream_reset' ? e.streamId : e.error.streamId;
          const code = e.type === 'stream_reset' ? e.errorCode : e.error.code;
          const r = this.#find(id);
          if (r) r.reset = errorCodeName(code) ?? `0x${code.toString(16)}`;
          break;
        }
        case 'stream_closed':
          this.#complete(e.streamId);
          break;
        case 'connection_error':
          this.#fail(new ClientError('connection_error', `the server broke a rule of HTTP/2, so we closed the connection: ${e.error.codeName} (${e.error.label}): ${e.error.message}`));
          break;
        case 'goaway':
          if (e.errorCode !== ErrorCode.NO_ERROR)
            this.#fail(
              new ClientError('connection_error', `the server closed the connection: GOAWAY ${errorCodeName(e.errorCode) ?? e.errorCode}${e.debugData.length ? ` (${formatOpaque(e.debugData)})` : ''}`),
            );
          break;
        default:
          break;
      }
    }
  }

  /** The collecting response of a request or a push in flight. */
  #find(id: number): (Omit<ClientResponse, 'body'> & { chunks: Uint8Array[] }) | undefined {
    return this.#pending.get(id)?.response;
  }

  #promised(parentId: number, promisedStreamId: number, request: HeaderField[]): void {
    const field = (name: string) => request.find((f) => f.name === name)?.value ?? '';
    let settle!: (r: ClientResponse) => void;
    const response = new Promise<ClientResponse>((resolve) => (settle = resolve));
    let cancelled = false;
    const client = this;
    const push: ClientPush = {
      promisedStreamId,
      parentId,
      request,
      method: field(':method'),
      path: field(':path'),
      response,
      get cancelled() {
        return cancelled;
      },
      cancel() {
        const pending = client.#pending.get(promisedStreamId);
        if (cancelled || !pending) return; // a push already complete (or ended) has nothing to cancel
        cancelled = true;
        pending.response.reset = 'CANCEL'; // ours: the engine reports no reset it sent itself
        client.#endpoint.resetStream(promisedStreamId, ErrorCode.CANCEL);
        client.#flush();
      },
    };
    // A push's response never rejects (nobody may be waiting for it): a connection that ends first leaves it reset.
    const pending: Pending = {
      response: emptyResponse(promisedStreamId),
      resolve: settle,
      reject: () => settle({ ...finished(pending), reset: pending.response.reset ?? CONNECTION_CLOSED }),
    };
    this.#pending.set(promisedStreamId, pending);
    const parent = this.#pending.get(parentId);
    parent?.response.pushes.push(push);
    parent?.onPush?.(push);
  }

  #complete(id: number): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(finished(pending));
  }

  /** Fail everything still in flight, once; the first failure is the one reported. */
  #fail(error: ClientError): void {
    if (!this.#failure) this.#failure = error;
    this.#settleReady(this.#failure);
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(this.#failure);
    }
    if (this.#socket.destroyed) return;
    // Whatever the engine queued goes out first: on a connection error, its GOAWAY (§5.4.1).
    for (const part of this.#endpoint.takeOutput()) this.#socket.write(part);
    if (error.code === 'timeout') return void this.#socket.destroy(); // a silent server would not close its side either
    this.#socket.end();
    const linger = setTimeout(() => this.#socket.destroy(), LINGER_MS).unref();
    this.#socket.once('close', () => clearTimeout(linger));
  }
}

function emptyResponse(streamId: number): Omit<ClientResponse, 'body'> & { chunks: Uint8Array[] } {
  return { streamId, status: undefined, headers: [], informational: [], trailers: [], pushes: [], chunks: [] };
}

function finished(pending: Pending): ClientResponse {
  const { chunks, ...rest } = pending.response;
  return { ...rest, body: Buffer.concat(chunks) };
}

/** A socket error as a person can act on it; the raw error is the cause. */
function describeSocketError(e: NodeJS.ErrnoException, url: URL): ClientError {
  const code = e.code ?? '';
  const certificate: Record<string, string> = {
    DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed',
    SELF_SIGNED_CERT_IN_CHAIN: 'chains to a self-signed certificate that is not trusted',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is signed by an authority that is not trusted',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is signed by an authority that is not trusted',
    CERT_HAS_EXPIRED: 'has expired',
    CERT_NOT_YET_VALID: 'is not valid yet',
    ERR_TLS_CERT_ALTNAME_INVALID: `does not name ${url.hostname}`,
  };
  if (code in certificate)
    return new ClientError('untrusted_certificate', `the certificate of ${url.host} ${certificate[code]}`, { cause: e, advice: 'trust its CA (the ca option) or skip verification (insecure)' });
  if (code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL')
    return new ClientError('no_h2', `${url.host} does not offer h2 in the TLS handshake (ALPN): it does not speak HTTP/2 over TLS on this port (RFC 9113 §3.2)`, { cause: e });
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO')
    return new ClientError(
      'tls_failed',
      /wrong version number|packet length too long|http request/i.test(e.message)
        ? `${url.host} did not answer in TLS: it may serve cleartext on this port (try http://)`
        : `the TLS handshake with ${url.host} failed (${code})`,
      { cause: e },
    );
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'refused the connection: nothing listens on that port',
    ENOTFOUND: 'is not a known host name',
    EAI_AGAIN: 'could not be resolved (DNS)',
    ECONNRESET: url.protocol === 'http:' ? 'reset the connection (if this port speaks TLS, use https://)' : 'reset the connection',
    ETIMEDOUT: 'did not answer',
    EHOSTUNREACH: 'is unreachable',
    ENETUNREACH: 'is unreachable (network)',
  };
  const why = reasons[code];
  if (why) return new ClientError(code === 'ECONNRESET' ? 'closed' : 'connect_failed', `${url.host} ${why} (${code})`, { cause: e });
  return new ClientError('connect_failed', `connecting to ${url.host} failed: ${e.message}`, { cause: e });
}
