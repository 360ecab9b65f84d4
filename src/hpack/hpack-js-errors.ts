// hpack.js reports bad input as plain Errors (from its assert) and, when it
// reads past the end of its buffer, as TypeErrors. This turns whatever it
// throws into an HpackDecodeError with the RFC's reason.

import { HpackDecodeError, type HpackDecodeReason } from './errors.js';

// hpack.js 2.1.6 assert messages -> [reason, what the RFC says].
const known: Readonly<Record<string, readonly [HpackDecodeReason, string]>> = {
  'Zero indexed field': ['invalid-index', 'index 0 (RFC 7541 §6.1)'],
  'Indexed field OOB': ['invalid-index', 'index past the end of the static and dynamic tables (RFC 7541 §2.3.3)'],
  'EOS in encoding': ['invalid-huffman', 'Huffman-coded string contains the EOS symbol (RFC 7541 §5.2)'],
  '8-bit EOS': ['invalid-huffman', 'Huffman padding longer than 7 bits (RFC 7541 §5.2)'],
  'Final sequence is not EOS': ['invalid-huffman', 'Huffman padding is not a prefix of the EOS code (RFC 7541 §5.2)'],
  'Integer does not fit into 32 bits': ['integer-too-large', 'integer longer than our implementation limit (RFC 7541 §5.1)'],
  'Not enough octets for string': ['truncated', 'string literal runs past the end of the block (RFC 7541 §5.2)'],
  'Buffer too small for an int': ['truncated', 'block ends inside a representation (RFC 7541 §5.1)'],
  'Table size bigger than maximum': ['size-update-too-large', 'dynamic table size update above our limit (RFC 7541 §6.3)'],
};

export function fromHpackJsError(e: unknown): HpackDecodeError {
  if (e instanceof HpackDecodeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const entry = known[message];
  if (entry && Object.hasOwn(known, message)) return new HpackDecodeError(entry[0], entry[1]);
  const kind = e instanceof Error ? e.name : typeof e;
  return new HpackDecodeError('unexpected', `hpack.js failed: ${kind}: ${message}`);
}
