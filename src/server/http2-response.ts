// An HTTP/2 response as the handler writes it, on top of the engine's
// respond/sendData/sendTrailers/push. write() reports back-pressure from the
// stream's queued DATA, which only drains as the client's windows allow.

import type { Http2Endpoint } from '../connection/endpoint.js';
import type { PushRefusal } from '../connection/push-rules.js';
import type { HeaderField } from '../hpack/header-list.js';
import { type PushHandle, type PushOptions, PushRejectedError, type PushRejection, type ServerResponse } from './handler-api.js';
import { appendOutgoing, type HeaderValue, outgoingValues, removeOutgoing, setOutgoing, statusField } from './header-fields.js';
import { promisedRequest, type PromisedRequest } from './push-request.js';
import { type ConnectionRefusal, refusalMessage, refusedPush } from './push-refusals.js';

/** What a response needs from its connection. */
export interface ResponsePort {
  readonly endpoint: Http2Endpoint;
  /** Write queued output soon (batched per event-loop turn). */
  scheduleFlush(): void;
  /** Dispatch a promised request to the handler; returns its handle. */
  startPush(parent: Http2Response, promised: PromisedRequest): PushHandle;
  /** A push was refused: say so in the trace, if there is one. */
  tracePushRefused(parentId: number, target: string, reason: string, message: string): void;
}

/** What a response needs of its request (an Http2Request is one). */
export interface ResponseParent {
  readonly scheme: string;
  readonly authority: string;
  readonly method: string;
  readonly pushed: boolean;
}

const END_STREAM = { endStream: true } as const;
const NOT_END_STREAM = { endStream: false } as const;
const EMPTY = new Uint8Array(0);

/** Queued DATA above which write() asks the caller to wait. */
export const HIGH_WATER_MARK = 64 * 1024;


// Buffer.from takes small strings from Node's pool, where TextEncoder allocates each.
const bytesOf = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);

type ResponseEvent = 'drain' | 'close';

export class Http2Response implements ServerResponse {
  statusCode = 200;
  readonly #port: ResponsePort;
  /** The fields to send, in the order first set; a list, not a Map: a Map per held stream was ~300 octets (heap snapshot). */
  readonly #headers: HeaderField[] = [];
  #trailers: HeaderField[] | undefined; // made on first use, like the listeners
  #listeners: Array<[ResponseEvent, () => void]> | undefined;
  #headersSent = false;
  #finished = false;
  #closed = false;

  constructor(
    port: ResponsePort,
    readonly streamId: number,
    /** The request: its scheme and authority are inherited by pushes; a HEAD response has no content. */
    readonly parent: ResponseParent,
  ) {
    this.#port = port;
  }

  // A two-event emitter of its own: most responses never get a listener,
  // and an EventEmitter per stream was a measurable part of its memory.
  on(event: ResponseEvent, listener: () => void): this {
    (this.#listeners ??= []).push([event, listener]);
    return this;
  }

  off(event: ResponseEvent, listener: () => void): this {
    const i = this.#listeners?.findIndex(([e, l]) => e === event && l === listener) ?? -1;
    if (i >= 0) this.#listeners!.splice(i, 1);
    return this;
  }

  emit(event: ResponseEvent): void {
    if (!this.#listeners) return;
    for (const [e, l] of [...this.#listeners]) if (e === event) l();
  }

  get headersSent(): boolean {
    return this.#headersSent;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** The stream is closed (done, or reset by the client). */
  get closed(): boolean {
    return this.#closed;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.#headersSent) throw new Error(`cannot set ${name}: the response head is already sent`);
    setOutgoing(this.#headers, name, value);
    return this;
  }

  getHeader(name: string): string | readonly string[] | undefined {
    const v = outgoingValues(this.#headers, name.toLowerCase());
    return v && (v.length === 1 ? v[0] : v);
  }

  removeHeader(name: string): this {
    if (this.#headersSent) throw new Error(`cannot remove ${name}: the response head is already sent`);
    removeOutgoing(this.#headers, name.toLowerCase());
    return this;
  }

  hasHeader(name: string): boolean {
    return this.#headers.some((f) => f.name === name.toLowerCase());
  }

  setTrailer(name: string, value: string): this {
    if (this.#finished) throw new Error('cannot set a trailer after end()');
    setOutgoing((this.#trailers ??= []), name, value);
    return this;
  }

  writeHead(statusCode: number, headers: Record<string, HeaderValue> = {}): this {
    if (this.#headersSent) throw new Error('the response head is already sent');
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    this.statusCode = statusCode;
    this.#sendHead(false);
    return this;
  }

  writeEarlyHints(hints: Record<string, HeaderValue>): void {
    if (this.#headersSent) throw new Error('early hints must come before the response head (RFC 8297)');
    const fields: HeaderField[] = [statusField(103)];
    for (const [name, value] of Object.entries(hints)) appendOutgoing(fields, name, value);
    this.#port.endpoint.respond(this.streamId, fields);
    this.#port.scheduleFlush();
  }

  #sendHead(endStream: boolean): void {
    const status = this.statusCode;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`invalid final status ${status}: use writeEarlyHints for 1xx`);
    this.#headersSent = true;
    const headers = this.#headers;
    const fields: HeaderField[] = new Array(headers.length + 1);
    fields[0] = statusField(status);
    for (let i = 0; i < headers.length; i++) fields[i + 1] = headers[i]!;
    this.#port.endpoint.respond(this.streamId, fields, endStream ? END_STREAM : NOT_END_STREAM);
    this.#port.scheduleFlush();
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.#finished) throw new Error('write after end()');
    if (!this.#headersSent) this.#sendHead(false);
    const data = bytesOf(chunk);
    if (data.length === 0 || this.parent.method === 'HEAD') return true; // a HEAD response has no content (RFC 9110 §9.3.2)
    const endpoint = this.#port.endpoint;
    if (!endpoint.sendData(this.streamId, data)) return true; // the stream is gone: nothing to wait for
    this.#port.scheduleFlush();
    return endpoint.queuedBytes(this.streamId) < HIGH_WATER_MARK;
  }

  drained(): Promise<void> {
    if (this.#closed || this.#port.endpoint.queuedBytes(this.streamId) < HIGH_WATER_MARK) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.off('drain', done).off('close', done);
        resolve();
      };
      this.on('drain', done).on('close', done);
    });
  }

  end(chunk?: string | Uint8Array): void {
    if (this.#finished) return;
    const data = chunk === undefined ? undefined : bytesOf(chunk);
    const hasData = data !== undefined && data.length > 0 && this.parent.method !== 'HEAD';
    if (data && data.length > 0 && !this.#headersSent && !this.#headers.some((f) => f.name === 'content-length'))
      this.#headers.push({ name: 'content-length', value: String(data.length) });
    const trailers = this.#trailers;
    const hasTrailers = trailers !== undefined && trailers.length > 0;
    this.#finished = true;
    if (!this.#headersSent) {
      if (!hasData && !hasTrailers) return this.#sendHead(true);
      this.#sendHead(false);
    }
    const endpoint = this.#port.endpoint;
    if (hasTrailers) {
      if (hasData) endpoint.sendData(this.streamId, data);
      endpoint.sendTrailers(this.streamId, trailers);
    } else {
      endpoint.sendData(this.streamId, hasData ? data : EMPTY, END_STREAM);
    }
    this.#port.scheduleFlush();
  }

  get canPush(): boolean {
    return this.pushRefusal === undefined;
  }

  get pushRefusal(): { reason: PushRejection; message: string } | undefined {
    const refusal = this.#refusal();
    return refusal && { reason: refusal, message: refusalMessage(refusal) };
  }

  push(target: string, options?: PushOptions): Promise<PushHandle> {
    const refusal = this.#refusal();
    if (refusal) {
      this.#port.tracePushRefused(this.streamId, target, refusal, refusalMessage(refusal));
      return refusedPush(refusal);
    }
    try {
      return Promise.resolve(this.#port.startPush(this, promisedRequest(this.parent, target, options)));
    } catch (e) {
      if (e instanceof PushRejectedError) this.#port.tracePushRefused(this.streamId, target, e.reason, e.message);
      return Promise.reject(e); // an invalid target: a fresh PushRejectedError
    }
  }

  #refusal(): ConnectionRefusal | undefined {
    // A handler's end() is its stream's END_STREAM to the engine: the same 'stream_closed' as a reset stream.
    const refusal: PushRefusal | undefined = this.parent.pushed ? 'recursive' : this.#finished ? 'stream_closed' : this.#port.endpoint.pushRefusal(this.streamId);
    return refusal === 'not_server' ? undefined : refusal;
  }

  // ---- from the session -------------------------------------------------

  /** The stream closed: done, or reset by the client. */
  markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }
}
