// Huffman-coded length of an octet string (RFC 7541 §5.2, Appendix B), so
// the encoder can use Huffman only where it saves octets.

import hpack from 'hpack.js';

const codeBits = Uint8Array.from(hpack.huffman.encode.slice(0, 256), ([bits]) => bits);

/**
 * Octets the Huffman coding of `s` takes, or -1 if `s` holds a char above
 * U+00FF (not an octet string).
 */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return -1;
    bits += codeBits[c]!;
  }
  return Math.ceil(bits / 8);
}
