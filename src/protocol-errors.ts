// The two kinds of HTTP/2 error a peer can cause (RFC 9113 §5.4). Every layer
// reports bad input as one of these; the connection turns a ConnectionError
// into GOAWAY and a StreamError into RST_STREAM, in one place.

import { ErrorCode, errorCodeName, type ErrorCodeName } from './frames/constants.js';

export type ErrorScope = 'connection' | 'stream';

/** A protocol error caused by what the peer sent. */
export abstract class H2ProtocolError extends Error {
  abstract readonly scope: ErrorScope;
  /** Error code for GOAWAY or RST_STREAM (RFC 9113 §7). */
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }

  /** The RFC's name for the code, e.g. "FRAME_SIZE_ERROR". */
  get codeName(): string {
    return errorCodeName(this.code) ?? `0x${this.code.toString(16)}`;
  }
}

/** RFC 9113 §5.4.1: ends the whole connection with GOAWAY. */
export class ConnectionError extends H2ProtocolError {
  readonly scope = 'connection' as const;
  override readonly name = 'ConnectionError';

  constructor(code: ErrorCodeName | number, message: string) {
    super(typeof code === 'number' ? code : ErrorCode[code], message);
  }
}

/** RFC 9113 §5.4.2: ends one stream with RST_STREAM; the connection goes on. */
export class StreamError extends H2ProtocolError {
  readonly scope = 'stream' as const;
  override readonly name = 'StreamError';
  readonly streamId: number;

  constructor(streamId: number, code: ErrorCodeName | number, message: string) {
    super(typeof code === 'number' ? code : ErrorCode[code], message);
    this.streamId = streamId;
  }
}

export function isH2ProtocolError(e: unknown): e is ConnectionError | StreamError {
  return e instanceof ConnectionError || e instanceof StreamError;
}
