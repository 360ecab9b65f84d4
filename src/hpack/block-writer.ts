// Writes HPACK representations (RFC 7541 §6) into one reusable buffer:
// prefix integers (§5.1), string literals raw or Huffman-coded (§5.2,
// Appendix B, the code table taken from hpack.js), a whole octet at a time
// where hpack.js's writer goes bit by bit. Each block is copied out once,
// when it is finished (bench/README.md).

import { Buffer } from 'node:buffer';
import { hpack } from './hpack-js.js';

const CODE_BITS = Uint8Array.from(hpack.huffman.encode.slice(0, 256), ([bits]) => bits);
const CODES = Uint32Array.from(hpack.huffman.encode.slice(0, 256), ([, code]) => code);

/** Most octets a prefix integer takes for a value below 2^32 (prefix octet + 5). */
const MAX_INTEGER_OCTETS = 6;

/** Octets `s` takes Huffman-coded, or -1 if it holds a char above U+00FF (not an octet string). */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return -1;
    bits += CODE_BITS[c]!;
  }
  return (bits + 7) >>> 3;
}

export class BlockWriter {
  #buf: Buffer = Buffer.allocUnsafe(1024);
  #at = 0;

  /** Start a block that will take at most `bound` octets. */
  begin(bound: number): void {
    if (bound > this.#buf.length) this.#buf = Buffer.allocUnsafe(Math.max(bound, this.#buf.length * 2));
    this.#at = 0;
  }

  /**
   * The block written since begin(), as a buffer of its own. The scratch
   * buffer is kept, but a large one is let go so one huge block does not
   * pin its memory for the connection's life.
   */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafe(this.#at);
    this.#buf.copy(out, 0, 0, this.#at);
    if (this.#buf.length > 16 * 1024) this.#buf = Buffer.allocUnsafe(1024);
    return out;
  }

  /** Upper bound on what a field with these string lengths takes as any representation. */
  static fieldBound(nameLength: number, valueLength: number): number {
    return 1 + 3 * MAX_INTEGER_OCTETS + nameLength + valueLength;
  }

  /** An integer with an N-bit prefix; `flags` holds the bits above the prefix (§5.1). */
  integer(value: number, prefixBits: number, flags: number): void {
    const buf = this.#buf;
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      buf[this.#at++] = flags | value;
      return;
    }
    buf[this.#at++] = flags | max;
    let rest = value - max;
    while (rest >= 128) {
      buf[this.#at++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    buf[this.#at++] = rest;
  }

  /** A string literal (§5.2): Huffman-coded when `huffmanOctets` >= 0, else raw. */
  string(s: string, huffmanOctets: number): void {
    if (huffmanOctets < 0) {
      this.integer(s.length, 7, 0);
      // latin1: one octet per char, which the caller has checked are all <= U+00FF.
      this.#at += this.#buf.write(s, this.#at, "latin1");
      return;
    }
    this.integer(huffmanOctets, 7, 0x80);
    const buf = this.#buf;
    let at = this.#at;
    let acc = 0; // fewer than 8 pending bits between symbols
    let pending = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      let bits = CODE_BITS[c]!;
      let code = CODES[c]!;
      if (bits > 24) {
        // Keep acc within 31 bits: the top of a long code first.
        const high = bits - 16;
        acc = (acc << high) | (code >>> 16);
        pending += high;
        while (pending >= 8) {
          pending -= 8;
          buf[at++] = acc >>> pending;
        }
        acc &= (1 << pending) - 1;
        bits = 16;
        code &= 0xffff;
      }
      acc = (acc << bits) | code;
      pending += bits;
      while (pending >= 8) {
        pending -= 8;
        buf[at++] = acc >>> pending;
      }
      acc &= (1 << pending) - 1;
    }
    // Pad with the most significant bits of EOS, all ones (§5.2).
    if (pending > 0) buf[at++] = (acc << (8 - pending)) | (0xff >>> pending);
    this.#at = at;
  }
}
