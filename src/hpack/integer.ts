// Prefix integers, RFC 7541 §5.1. hpack.js has its own; h2wire needs these
// to write dynamic table size updates and to pre-scan blocks (block-scan.ts).

import { HpackDecodeError } from './errors.js';

/**
 * Continuation octets accepted after the prefix. Four carry 28 bits, far
 * beyond any length or index a block can hold; hpack.js stops at the same
 * point. Longer encodings exceed our implementation limit (§5.1, §7.4).
 */
export const MAX_CONTINUATION_OCTETS = 4;

/**
 * The octets of `value` with an N-bit prefix (§5.1). `firstBits` holds the
 * representation's flag bits above the prefix, e.g. 0x20 for a size update.
 */
export function encodeInteger(value: number, prefixBits: number, firstBits = 0): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value} as an HPACK integer`);
  if (!Number.isInteger(prefixBits) || prefixBits < 1 || prefixBits > 8) throw new RangeError(`prefix of ${prefixBits} bits; N is 1..8 (RFC 7541 §5.1)`);
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstBits | value];
  const out = [firstBits | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** Read position shared by the decoding helpers. */
export interface Cursor {
  at: number;
}

/**
 * Decode an integer with an N-bit prefix starting at `cursor.at` and move
 * the cursor past it. Throws HpackDecodeError if the bytes end first or the
 * encoding is longer than MAX_CONTINUATION_OCTETS.
 */
export function decodeInteger(bytes: Uint8Array, cursor: Cursor, prefixBits: number): number {
  const start = cursor.at;
  if (start >= bytes.length) throw new HpackDecodeError('truncated', `block ends where an integer should start at offset ${start} (RFC 7541 §5.1)`);
  const max = (1 << prefixBits) - 1;
  let value = bytes[start]! & max;
  let at = start + 1;
  if (value === max) {
    let shift = 0;
    for (;;) {
      if (at >= bytes.length) throw new HpackDecodeError('truncated', `block ends inside the integer at offset ${start} (RFC 7541 §5.1)`);
      if (at - start > MAX_CONTINUATION_OCTETS)
        throw new HpackDecodeError('integer-too-large', `integer at offset ${start} has more than ${MAX_CONTINUATION_OCTETS} continuation octets (RFC 7541 §5.1, §7.4)`);
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
  }
  cursor.at = at;
  return value;
}
