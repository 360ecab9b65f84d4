// What the HPACK layer throws. A decoding failure is always an
// HpackDecodeError; the connection turns it into a COMPRESSION_ERROR
// (RFC 9113 §4.3) or, for the two limits, may refuse just the stream
// (RFC 9113 §10.5.1). An HpackEncodeError is a bug in the caller.

import type { ErrorLabel } from '../error-labels.js';
import { ConnectionError, StreamError } from '../protocol-errors.js';

/** Why a header block could not be decoded. */
export type HpackDecodeReason =
  /** The block ends inside a representation (RFC 7541 §5.1, §5.2). */
  | 'truncated'
  /** An integer longer than our implementation limit (RFC 7541 §5.1, §7.4). */
  | 'integer-too-large'
  /** A name or value that alone exceeds the header-list limit, refused undecoded (RFC 7541 §7.4). */
  | 'string-too-long'
  /** Index 0, or one past the static and dynamic tables (RFC 7541 §2.3.3). */
  | 'invalid-index'
  /** Huffman data holding EOS or bad padding (RFC 7541 §5.2). */
  | 'invalid-huffman'
  /** A dynamic table size update after a field representation (RFC 7541 §4.2). */
  | 'size-update-misplaced'
  /** A size update above our SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §6.3). */
  | 'size-update-too-large'
  /** No size update at the start of the first block after we lowered the limit (RFC 9113 §4.3.1). */
  | 'size-update-missing'
  /** Over our maximum header-list size (RFC 9113 §6.5.2 counting). Decoding context intact. */
  | 'header-list-too-large'
  /** More fields than our maximum field count. Decoding context intact. */
  | 'too-many-fields'
  /** hpack.js failed in a way not classified above. */
  | 'unexpected';

/** The error label of each reason (error-labels.ts). */
const HPACK_LABEL: Readonly<Record<HpackDecodeReason, ErrorLabel>> = {
  truncated: 'hpack_truncated',
  'integer-too-large': 'hpack_integer_too_large',
  'string-too-long': 'hpack_string_too_long',
  'invalid-index': 'hpack_invalid_index',
  'invalid-huffman': 'hpack_invalid_huffman',
  'size-update-misplaced': 'hpack_size_update_misplaced',
  'size-update-too-large': 'hpack_size_update_too_large',
  'size-update-missing': 'hpack_size_update_missing',
  'header-list-too-large': 'hpack_header_list_too_large',
  'too-many-fields': 'hpack_too_many_fields',
  unexpected: 'hpack_unexpected',
};

/** A header block that could not be decoded. */
export class HpackDecodeError extends Error {
  override readonly name = 'HpackDecodeError';
  readonly reason: HpackDecodeReason;
  /**
   * True for the two limits: the whole block was still processed, so the
   * dynamic table matches the peer's and the connection can go on after
   * refusing this one stream (RFC 9113 §10.5.1). False for every other
   * reason: the decoder is out of step with the peer and is now unusable.
   */
  readonly contextIntact: boolean;

  constructor(reason: HpackDecodeReason, message: string) {
    super(message);
    this.reason = reason;
    this.contextIntact = reason === 'header-list-too-large' || reason === 'too-many-fields';
  }

  /** COMPRESSION_ERROR for GOAWAY (RFC 9113 §4.3, §5.4.1). Always valid. */
  toConnectionError(): ConnectionError {
    return new ConnectionError('COMPRESSION_ERROR', HPACK_LABEL[this.reason], `header block: ${this.message}`);
  }

  /**
   * The narrowest error the RFC allows: a limit overflow makes the message
   * malformed, a stream error PROTOCOL_ERROR (RFC 9113 §10.5.1, §8.1.1); a
   * server may send 431 instead. Anything else is a COMPRESSION_ERROR.
   */
  toProtocolError(streamId: number): ConnectionError | StreamError {
    if (!this.contextIntact) return this.toConnectionError();
    return new StreamError(streamId, 'PROTOCOL_ERROR', HPACK_LABEL[this.reason], `header block: ${this.message}`);
  }
}

/** The encoder was handed something it cannot encode, or is no longer usable. */
export class HpackEncodeError extends Error {
  override readonly name = 'HpackEncodeError';
}
