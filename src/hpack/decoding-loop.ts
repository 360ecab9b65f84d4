// The representation loop of HPACK decoding (RFC 7541 §6) over hpack.js's
// bit reader, Huffman decoder and dynamic table. hpack.js has a loop of its
// own, inside a stream object per connection that hands out its own field
// objects and builds strings a char at a time; this one yields h2wire's
// HeaderField directly and makes each string in one step (bench/README.md).

import type { Buffer } from 'node:buffer';
import { hpack, type Table } from './hpack-js.js';
import type { HeaderField } from './header-list.js';

/** Chars per String.fromCharCode call: well inside any engine's argument limit. */
const CHUNK = 4096;

/** A decoded string literal: raw octets come as a Buffer, Huffman-decoded ones as an array. */
function octetString(octets: Buffer | number[]): string {
  if (!Array.isArray(octets)) return octets.toString('latin1');
  if (octets.length <= CHUNK) return String.fromCharCode.apply(null, octets);
  let s = '';
  for (let i = 0; i < octets.length; i += CHUNK) s += String.fromCharCode.apply(null, octets.slice(i, i + CHUNK));
  return s;
}

export class DecodingLoop {
  readonly #reader = hpack.decoder.create();
  /** The dynamic table; no ceiling of hpack.js's own (the pre-scan enforces ours). */
  readonly table: Table = hpack.table.create({ maxSize: Infinity });
  /** Entries inserted so far (literals with incremental indexing, §6.2.1). */
  insertions = 0;

  /**
   * Decode every representation in `bytes`, appending fields to `out`.
   * Throws what hpack.js throws on bad input (see hpack-js-errors.ts).
   */
  run(bytes: Buffer, out: HeaderField[]): void {
    const r = this.#reader;
    r.push(bytes);
    while (!r.isEmpty()) this.#one(out);
  }

  #one(out: HeaderField[]): void {
    const r = this.#reader;
    if (r.decodeBit()) {
      // Indexed field, §6.1.
      const entry = this.table.lookup(r.decodeInt());
      out.push({ name: entry.name, value: entry.value });
      return;
    }
    const incremental = r.decodeBit(); // '01': literal with incremental indexing, §6.2.1
    let never = 0;
    if (!incremental) {
      if (r.decodeBit()) {
        // '001': dynamic table size update, §6.3.
        this.table.updateSize(r.decodeInt());
        return;
      }
      never = r.decodeBit(); // '0001': never indexed (§6.2.3); '0000': without indexing (§6.2.2)
    }
    const nameIndex = r.decodeInt();
    let name: string;
    let nameSize: number;
    if (nameIndex === 0) {
      const octets = r.decodeStr();
      name = octetString(octets);
      nameSize = octets.length;
    } else {
      const entry = this.table.lookup(nameIndex);
      name = entry.name;
      nameSize = entry.nameSize;
    }
    const octets = r.decodeStr();
    const value = octetString(octets);
    if (incremental) {
      this.table.add(name, value, nameSize, octets.length);
      this.insertions++;
    }
    out.push(never ? { name, value, sensitive: true } : { name, value });
  }
}
