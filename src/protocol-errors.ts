// The two kinds of HTTP/2 error (RFC 9113 §5.4). Every layer reports bad
// input as one of these; the connection turns a ConnectionError into GOAWAY
// and a StreamError into RST_STREAM, in one place.
//
// Each error has the RFC's code (what goes on the wire), a stable label
// (what tests assert and logs count, like Go's countError names: the message
// may be reworded, the label is kept), and its initiator: the engine,
// because of what the peer sent or of a limit of ours, or the application.

import type { ErrorLabel } from './error-labels.js';
import { ErrorCode, errorCodeName, type ErrorCodeName } from './frames/constants.js';

export type ErrorScope = 'connection' | 'stream';

/** Who ended the connection or stream: h2wire's engine (for what the peer did, or a limit), or the application. */
export type Initiator = 'engine' | 'application';

/** A protocol error: what the peer sent broke a rule, or passed a limit. */
export abstract class H2ProtocolError extends Error {
  abstract readonly scope: ErrorScope;
  /** Error code for GOAWAY or RST_STREAM (RFC 9113 §7). */
  readonly code: number;
  /** A stable name for what happened, e.g. "frame_too_large" (error-labels.ts lists them all). */
  readonly label: ErrorLabel;
  readonly initiator: Initiator;

  constructor(code: number, label: ErrorLabel, message: string, initiator: Initiator) {
    super(message);
    this.code = code;
    this.label = label;
    this.initiator = initiator;
  }

  /** The RFC's name for the code, e.g. "FRAME_SIZE_ERROR". */
  get codeName(): string {
    return errorCodeName(this.code) ?? `0x${this.code.toString(16)}`;
  }
}

const codeOf = (code: ErrorCodeName | number) => (typeof code === 'number' ? code : ErrorCode[code]);

/** RFC 9113 §5.4.1: ends the whole connection with GOAWAY. */
export class ConnectionError extends H2ProtocolError {
  readonly scope = 'connection' as const;
  override readonly name = 'ConnectionError';

  constructor(code: ErrorCodeName | number, label: ErrorLabel, message: string, initiator: Initiator = 'engine') {
    super(codeOf(code), label, message, initiator);
  }
}

/** RFC 9113 §5.4.2: ends one stream with RST_STREAM; the connection goes on. */
export class StreamError extends H2ProtocolError {
  readonly scope = 'stream' as const;
  override readonly name = 'StreamError';
  readonly streamId: number;

  constructor(streamId: number, code: ErrorCodeName | number, label: ErrorLabel, message: string, initiator: Initiator = 'engine') {
    super(codeOf(code), label, message, initiator);
    this.streamId = streamId;
  }
}

export function isH2ProtocolError(e: unknown): e is ConnectionError | StreamError {
  return e instanceof ConnectionError || e instanceof StreamError;
}
