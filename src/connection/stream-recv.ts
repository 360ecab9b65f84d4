// What the peer sends on one stream (RFC 9113 §8.1, §5.2): where its
// message stands, the window we granted, and the body held until the
// application reads it.
//
// The phase says where the peer's message is: 'head' until its final
// HEADERS (a client may first get informational 1xx ones), 'body' after it
// (DATA, then perhaps trailers), 'ended' with END_STREAM. It decides what a
// HEADERS frame means: a request or response head, or a trailer section.

import type { HeaderField } from '../hpack/header-list.js';
import { StreamError } from '../protocol-errors.js';
import type { EndpointEvent } from './events.js';
import { ReceiveWindow } from './flow-control.js';
import { checkRequest, checkResponse, checkTrailers, contentLengthProblem, MalformedMessageError, requireValid } from './message-rules.js';
import type { OctetBuffer } from './octet-buffer.js';
import type { Role } from './options.js';

export type RecvPhase = 'head' | 'body' | 'ended';

export class RecvHalf {
  phase: RecvPhase = 'head';
  /** The peer's permission to send DATA on the stream, as we keep it (§6.9). */
  readonly window: ReceiveWindow;
  /** Body octets received and not yet read (made with the first DATA). */
  body: OctetBuffer | undefined;
  /** The application reads no more of the body: what arrives is discarded (stopReading). */
  discarding = false;
  /** The response can have no content whatever its content-length says (the request was HEAD, §8.1.1). */
  noContent = false;
  /** The content-length of the peer's message, and the DATA octets seen (§8.1.1). */
  expectedLength: number | undefined;
  receivedLength = 0;
  /** Size of the field sections received (§6.5.2 counting), held while the stream is open. */
  fieldBytes = 0;
  /** When the peer's message last made progress (its HEADERS, or DATA): the receive-stall deadline counts from it. */
  lastArrival = 0;

  constructor(window: number) {
    this.window = new ReceiveWindow(window);
  }

  /**
   * A complete field section arrived on the stream: what it is, checked
   * against the message rules (§8.1-§8.3), as the event to report. Throws a
   * StreamError when it is malformed.
   */
  onFields(role: Role, streamId: number, fields: HeaderField[], endStream: boolean): EndpointEvent {
    if (this.phase !== 'head') {
      // A trailer section: it must end the stream (§8.1).
      if (!endStream) throw new StreamError(streamId, 'PROTOCOL_ERROR', 'trailers_without_end_stream', 'a second HEADERS without END_STREAM: trailers must end the stream (RFC 9113 §8.1)');
      requireValid(streamId, checkTrailers(fields));
      this.#end(streamId);
      return { type: 'trailers', streamId, headers: fields };
    }
    if (role === 'server') {
      const request = requireValid(streamId, checkRequest(fields));
      this.expectedLength = request.contentLength;
      if (endStream) this.#end(streamId);
      else this.phase = 'body';
      return { type: 'request', streamId, headers: fields, endStream };
    }
    const response = requireValid(streamId, checkResponse(fields, { endStream }));
    const status = Number(response.status);
    if (status < 200) return { type: 'informational', streamId, headers: fields }; // more heads to come (§8.1)
    // §8.1.1: a response defined to have no content may still carry content-length.
    if (status === 204 || status === 304) this.noContent = true;
    this.expectedLength = this.noContent ? undefined : response.contentLength;
    if (endStream) this.#end(streamId);
    else this.phase = 'body';
    return { type: 'response', streamId, headers: fields, endStream, pushed: streamId % 2 === 0 };
  }

  /** DATA octets arrived (§8.1.1: they must add up to content-length). Throws a StreamError when they do not. */
  onData(streamId: number, length: number, endStream: boolean): void {
    this.receivedLength += length;
    if (endStream) this.#end(streamId);
    else this.#checkLength(streamId, false);
  }

  #end(streamId: number): void {
    this.phase = 'ended';
    this.#checkLength(streamId, true);
  }

  #checkLength(streamId: number, ended: boolean): void {
    const bad = contentLengthProblem(this.expectedLength, this.receivedLength, ended);
    if (bad) throw new MalformedMessageError(streamId, bad);
  }
}
