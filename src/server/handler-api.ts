// The handler API, modelled on Go's net/http with http.Pusher: one handler
// serves HTTP/2 (with push) and HTTP/1.1 (without) alike.

import type { PushRefusal } from '../connection/push-rules.js';
import type { HeaderField } from '../hpack/header-list.js';

export type Handler = (req: ServerRequest, res: ServerResponse) => void | Promise<void>;

export interface ServerRequest extends AsyncIterable<Uint8Array> {
  readonly method: string;
  /** The request target as sent (:path), query included. */
  readonly path: string;
  /** :authority, or the Host header over HTTP/1.1. */
  readonly authority: string;
  readonly scheme: string;
  /** Every field in order, repeats kept (pseudo-headers excluded). */
  readonly headers: readonly HeaderField[];
  /** 2 for HTTP/2, 1 for HTTP/1.1: like Go's r.ProtoMajor. */
  readonly protoMajor: 1 | 2;
  /** The HTTP/2 stream id (0 over HTTP/1.1). */
  readonly streamId: number;
  /** The server's number for this HTTP/2 connection, the #N of its trace (0 over HTTP/1.1). */
  readonly connection: number;
  /** Set for a request the server pushed (the synthesized request of a PUSH_PROMISE). */
  readonly pushed: boolean;
  /** Fires when the client resets the stream or the connection ends first. */
  readonly signal: AbortSignal;
  /** Trailer fields, once the body has been read to its end. */
  readonly trailers: readonly HeaderField[] | undefined;
  /** A field's values joined with ", " ("; " for cookie), or undefined if absent. */
  header(name: string): string | undefined;
  /** The whole body (reads the async iterator to its end). */
  body(): Promise<Buffer>;
}

export interface PushOptions {
  method?: 'GET' | 'HEAD';
  /** Extra request fields for the promised request (no pseudo-headers, nothing that implies a body). */
  headers?: Record<string, string | readonly string[]>;
}

export type PushOutcome =
  | { status: 'delivered'; bytesSent: number }
  /** The client reset the pushed stream: CANCEL (it had the resource) or REFUSED_STREAM, usually. */
  | { status: 'cancelled'; errorCode: number; errorName: string; bytesSent: number; bytesDropped: number }
  /** The connection ended before the pushed response was complete. */
  | { status: 'aborted'; bytesSent: number };

export interface PushHandle {
  /** The promised (even) stream id. */
  readonly streamId: number;
  readonly path: string;
  readonly method: 'GET' | 'HEAD';
  /** What became of the push, once its stream closes. */
  readonly outcome: Promise<PushOutcome>;
}

export type PushRejection =
  | 'http1' // HTTP/1.1 has no push
  | Exclude<PushRefusal, 'not_server'> // the engine's reasons (push-rules.ts): push_disabled, recursive, stream_closed, concurrency_limit, goaway, connection_closed, ids_exhausted
  | 'invalid_target'
  | 'invalid_method'
  | 'invalid_header';

/**
 * Why res.push() could not push, as a code and a clear message. The
 * refusals that depend only on the connection (push disabled, going away,
 * ...) are values made once, like Go's http.ErrNotSupported (see
 * push-refusals.ts): the same frozen error for every refused push.
 */
export class PushRejectedError extends Error {
  override readonly name = 'PushRejectedError';
  constructor(
    readonly reason: PushRejection,
    message: string,
  ) {
    super(`push rejected (${reason}): ${message}`);
  }
}

export interface ServerResponse {
  /** Status for the response head (default 200); read-only once the head is sent. */
  statusCode: number;
  readonly headersSent: boolean;
  /** end() was called. */
  readonly finished: boolean;
  setHeader(name: string, value: string | number | readonly string[]): this;
  getHeader(name: string): string | readonly string[] | undefined;
  removeHeader(name: string): this;
  hasHeader(name: string): boolean;
  /** Send the head now. */
  writeHead(statusCode: number, headers?: Record<string, string | number | readonly string[]>): this;
  /**
   * Queue body bytes (strings as UTF-8). Returns false when the caller should
   * wait for 'drain' (or `await res.drained()`): flow control reaches here.
   */
  write(chunk: string | Uint8Array): boolean;
  /** Resolves when queued output has gone below the high-water mark, or the stream is gone. */
  drained(): Promise<void>;
  end(chunk?: string | Uint8Array): void;
  /** Set a trailer field, sent after the body (HTTP/2; over HTTP/1.1 only with chunked encoding). */
  setTrailer(name: string, value: string): this;
  /** Send 103 Early Hints (RFC 8297) before the final response. */
  writeEarlyHints(hints: Record<string, string | readonly string[]>): void;
  /** Whether res.push() can succeed now (for a valid target). */
  readonly canPush: boolean;
  /** Why res.push() would be rejected now, whatever the target; undefined if it may push. */
  readonly pushRefusal: { reason: PushRejection; message: string } | undefined;
  /**
   * Push a resource (RFC 9113 §8.4), like Go's http.Pusher: the promised
   * request is dispatched to the same handler. Rejects with PushRejectedError.
   */
  push(target: string, options?: PushOptions): Promise<PushHandle>;
  on(event: 'drain' | 'close', listener: () => void): this;
}
