// One stream's record: its state in the §5.1 table, its windows in both
// directions, and what waits to be sent on it.

import type { HeaderList } from '../hpack/header-list.js';
import type { OctetBuffer } from './octet-buffer.js';
import { ReceiveWindow, SendWindow } from './flow-control.js';
import type { StreamState } from './stream-states.js';

/** Something queued for the wire on one stream, in order. */
export type OutboundItem =
  | { kind: 'data'; data: Uint8Array; offset: number; endStream: boolean }
  | { kind: 'trailers'; fields: HeaderList };

export class Stream {
  state: StreamState = 'idle';
  readonly send: SendWindow;
  readonly recv: ReceiveWindow;
  readonly queue: OutboundItem[] = [];
  /** Octets of DATA queued and not yet sent. */
  queuedBytes = 0;
  /** The local side has queued its END_STREAM (the state changes when it is sent). */
  localEnded = false;
  /** For a pushed stream: the client stream it was promised on. */
  parentId: number | undefined;
  /** Our response (server) or request (client) HEADERS have been sent. */
  headersSent = false;
  /** A final (non-1xx) response was seen on this stream (client) or sent (server). */
  finalResponse = false;
  /** Client: the request was HEAD, so the response has no content whatever its content-length (§8.1.1). */
  headRequest = false;
  /** content-length of the peer's message, for the §8.1.1 check, and DATA octets seen. */
  expectedLength: number | undefined;
  receivedLength = 0;
  /** DATA octets we sent on this stream (reported when a push is cancelled). */
  sentBytes = 0;
  /** Body octets received and not yet read by the application (made with the first DATA). */
  body: OctetBuffer | undefined;
  /** The application reads no more of the body: what arrives is discarded (stopReading). */
  discarding = false;
  /** Size of the field sections received on this stream (§6.5.2 counting), held while it is open. */
  fieldBytes = 0;

  constructor(
    readonly id: number,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.send = new SendWindow(sendWindow);
    this.recv = new ReceiveWindow(recvWindow);
  }

  /** Forget everything queued (the stream was reset); returns the octets dropped. */
  dropQueue(): number {
    const dropped = this.queuedBytes;
    this.queue.length = 0;
    this.queuedBytes = 0;
    return dropped;
  }
}
