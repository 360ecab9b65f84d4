// What the engine tells its user after receive(): one discriminated union.

import type { HeaderField } from '../hpack/header-list.js';
import type { ConnectionError, StreamError } from '../protocol-errors.js';
import type { Settings } from './settings.js';

export type EndpointEvent =
  /** Server: a request's HEADERS arrived (validated, RFC 9113 §8.3.1). */
  | { type: 'request'; streamId: number; headers: HeaderField[]; endStream: boolean }
  /** Client: a final response's HEADERS arrived; `pushed` for a promised stream. */
  | { type: 'response'; streamId: number; headers: HeaderField[]; endStream: boolean; pushed: boolean }
  /** Client: a 1xx response (§8.1). */
  | { type: 'informational'; streamId: number; headers: HeaderField[] }
  /** A trailer section (§8.1); it always ends the stream. */
  | { type: 'trailers'; streamId: number; headers: HeaderField[] }
  /**
   * DATA arrived: `length` body octets more are held for the stream (padding
   * is never held). Take them with readBody(streamId): until then they are
   * charged to the flow-control windows (§5.2), which bounds what is held.
   */
  | { type: 'data'; streamId: number; length: number; endStream: boolean }
  /** The peer reset a stream (RST_STREAM). For a pushed stream see push_cancelled. */
  | { type: 'stream_reset'; streamId: number; errorCode: number }
  /** Server: the client refused or cancelled a pushed stream. */
  | { type: 'push_cancelled'; streamId: number; parentId: number; errorCode: number; bytesSent: number; bytesDropped: number }
  /** Client: the server promised a stream (§8.4). */
  | { type: 'push_promise'; parentId: number; promisedStreamId: number; headers: HeaderField[] }
  /** A stream reached "closed" (both ends done, or reset). */
  | { type: 'stream_closed'; streamId: number }
  /** All DATA queued on a stream has gone out (its queue drained): the application may write more. */
  | { type: 'writable'; streamId: number }
  /** The peer's SETTINGS were applied (and acknowledged). */
  | { type: 'settings'; settings: Settings }
  /** The peer acknowledged our SETTINGS; they are now in force. */
  | { type: 'settings_acked'; settings: Settings }
  | { type: 'ping'; data: Uint8Array }
  | { type: 'ping_ack'; data: Uint8Array }
  | { type: 'goaway'; lastStreamId: number; errorCode: number; debugData: Uint8Array }
  /** The peer broke a rule that costs one stream; RST_STREAM was sent. */
  | { type: 'stream_error'; error: StreamError }
  /** The peer broke a rule that costs the connection; GOAWAY was sent and input is no longer read. */
  | { type: 'connection_error'; error: ConnectionError };

export type EndpointEventType = EndpointEvent['type'];
