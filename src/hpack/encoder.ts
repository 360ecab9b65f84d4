// Header list -> header block (RFC 7541 §2, §6). One encoder per
// connection. Every block changes the dynamic table the next one refers to,
// so blocks must reach the wire in the order they were encoded, each one
// whole (RFC 9113 §4.3).
//
// The dynamic table is hpack.js's (its Table: entries, sizes, eviction), and
// so is the Huffman code; the representations are chosen here and written
// by block-writer.ts. What this adds to hpack.js's compressor: dynamic table
// size updates on every change (hpack.js sends none when the table shrinks),
// never-indexed literals for sensitive fields, Huffman per string unless it
// is longer, a check that every string is an octet string, a lookup that
// takes any name (hpack.js's is a plain object: 'constructor' gave a wrong
// index, '__proto__' threw), and one copy per block instead of a bit-by-bit
// writer.

import { hpack, type Table } from './hpack-js.js';
import { DEFAULT_SETTINGS, MAX_UINT32 } from '../frames/constants.js';
import { BlockWriter, huffmanLength } from './block-writer.js';
import { snapshotTable, type DynamicTableState } from './dynamic-table.js';
import { HpackEncodeError } from './errors.js';
import type { HeaderField, HeaderList } from './header-list.js';
import { isSensitiveByDefault } from './sensitive.js';
import { findInStaticTable, STATIC_TABLE_LENGTH } from './static-table.js';

export interface HpackEncoderOptions {
  /**
   * The most of the peer's dynamic table we use, whatever its
   * SETTINGS_HEADER_TABLE_SIZE allows (RFC 7541 §4.2: an encoder may use
   * less). Bounds this encoder's memory. Default 4,096.
   */
  maxTableSize?: number;
  /** Huffman-code string literals when that makes the field shorter (RFC 7541 §5.2). Default true. */
  huffman?: boolean;
  /**
   * Fields to send as never-indexed literals, besides those marked
   * `sensitive`. Default isSensitiveByDefault (credentials, set-cookie,
   * short cookies).
   */
  isSensitive?: (name: string, value: string) => boolean;
}

function checkSize(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_UINT32) throw new RangeError(`${what} must be an integer in 0..2^32-1, got ${n}`);
  return n;
}

/** Dynamic entries searched for a match, newest first (as hpack.js's compressor does): bounds the cost per field. */
const LOOKUP_DEPTH = 32;

/**
 * A block writer and a plan array, lent to one encode() at a time. Every
 * encoder in the process shares the one instance, so a connection needs no
 * scratch of its own; that is safe because encode() runs from start to
 * finish without yielding, and borrow() refuses a second borrower (an
 * isSensitive callback that encodes, say) instead of letting it overwrite
 * the first's plans.
 */
export class EncodingScratch {
  static readonly shared = new EncodingScratch();
  readonly writer = new BlockWriter();
  /**
   * Per field i, decided before anything is written: at 3i and 3i+1 the
   * Huffman length of the name and value (-1: raw), at 3i+2 1 if the field
   * is never indexed.
   */
  #plans = new Int32Array(3 * 64);
  #lent = false;

  borrow(fields: number): Int32Array {
    if (this.#lent) throw new Error('HpackEncoder.encode() called from inside an encode() (an isSensitive callback?)');
    this.#lent = true;
    if (3 * fields > this.#plans.length) this.#plans = new Int32Array(3 * fields);
    return this.#plans;
  }

  giveBack(): void {
    this.#lent = false;
  }
}

/**
 * The Huffman-coded length of `s`, field i's name or value (`part`), or
 * HpackEncodeError when it is not an octet string (see header-list.ts).
 */
function huffmanLengthOf(s: unknown, field: HeaderField, i: number, part: 'name' | 'value'): number {
  if (typeof s !== 'string') throw new HpackEncodeError(`field ${i}: name and value must be strings`);
  const n = huffmanLength(s);
  if (n < 0)
    throw new HpackEncodeError(
      `field ${i} (${JSON.stringify(String(field.name).slice(0, 40))}): its ${part} holds a char above U+00FF; names and values are octet strings (see header-list.ts)`,
    );
  return n;
}

/** Throws the HpackEncodeError encode() would, for fields to be encoded later (trailers, say). */
export function checkEncodable(fields: HeaderList): void {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    huffmanLengthOf(field.name, field, i, 'name');
    huffmanLengthOf(field.value, field, i, 'value');
  }
}

export class HpackEncoder {
  readonly #table: Table;
  readonly #maxTableSize: number;
  readonly #huffman: boolean;
  readonly #isSensitive: (name: string, value: string) => boolean;
  /** The table's maximum size as the peer's decoder knows it (last signalled). */
  #tableSize: number = DEFAULT_SETTINGS.HEADER_TABLE_SIZE;
  /** Changes not yet signalled: the smallest size since the last block, and the latest (RFC 7541 §4.2). */
  #pendingMin: number | undefined;
  #pendingFinal: number | undefined;
  /** Entries inserted so far (literals with incremental indexing, §6.2.1). */
  #insertions = 0;

  constructor(options: HpackEncoderOptions = {}) {
    this.#maxTableSize = checkSize('maxTableSize', options.maxTableSize ?? DEFAULT_SETTINGS.HEADER_TABLE_SIZE);
    this.#huffman = options.huffman ?? true;
    this.#isSensitive = options.isSensitive ?? isSensitiveByDefault;
    // Both sides start at 4,096 (RFC 9113 §4.3.1); no ceiling of hpack.js's own.
    this.#table = hpack.table.create({ maxSize: Infinity });
    this.#table.updateSize(this.#tableSize);
    this.#resize(Math.min(this.#tableSize, this.#maxTableSize));
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE, applied when we acknowledge its
   * SETTINGS (RFC 9113 §4.3.1). The next block starts with the size
   * update(s) it calls for.
   */
  setPeerTableSize(n: number): void {
    this.#resize(Math.min(checkSize('SETTINGS_HEADER_TABLE_SIZE', n), this.#maxTableSize));
  }

  /** The dynamic table as it stands after the last block. */
  get dynamicTable(): DynamicTableState {
    return snapshotTable(this.#table, this.#insertions);
  }

  /**
   * Encode one header list as one header block. Throws HpackEncodeError,
   * before any state changes, if a name or value is not an octet string.
   */
  encode(fields: HeaderList): Uint8Array {
    const scratch = EncodingScratch.shared;
    const plans = scratch.borrow(fields.length);
    try {
      let bound = 12; // two size updates
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i]!;
        this.#plan(field, i, plans);
        bound += BlockWriter.fieldBound(field.name.length, field.value.length);
      }
      const writer = scratch.writer;
      writer.begin(bound);
      this.#writeSizeUpdates(writer);
      for (let i = 0; i < fields.length; i++) this.#writeField(writer, fields[i]!, i, plans);
      return writer.finish();
    } finally {
      scratch.giveBack();
    }
  }

  /** How field i will be written, decided (and checked) before anything is. */
  #plan(field: HeaderField, i: number, plans: Int32Array): void {
    const nameHuffman = huffmanLengthOf(field.name, field, i, 'name');
    const valueHuffman = huffmanLengthOf(field.value, field, i, 'value');
    // Each string on its own: Huffman unless it is longer (RFC 7541 §5.2; at
    // equal length Huffman, as the RFC's examples in Appendix C do).
    plans[3 * i] = this.#huffman && nameHuffman <= field.name.length ? nameHuffman : -1;
    plans[3 * i + 1] = this.#huffman && valueHuffman <= field.value.length ? valueHuffman : -1;
    plans[3 * i + 2] = field.sensitive === true || this.#isSensitive(field.name, field.value) ? 1 : 0;
  }

  /** One field (RFC 7541 §6.1, §6.2.1, §6.2.3). */
  #writeField(w: BlockWriter, field: HeaderField, i: number, plans: Int32Array): void {
    const { name, value } = field;
    const nameHuffman = plans[3 * i]!;
    const valueHuffman = plans[3 * i + 1]!;
    const found = findInStaticTable(name, value);
    if (plans[3 * i + 2] === 1) {
      // Never indexed, §6.2.3: '0001' and a 4-bit name index (0: literal name).
      // A whole match in the static table still lends its name (§2.3.1).
      const nameIndex = Math.abs(found);
      w.integer(nameIndex, 4, 0x10);
      if (nameIndex === 0) w.string(name, nameHuffman);
      w.string(value, valueHuffman);
      return;
    }
    if (found > 0) return w.integer(found, 7, 0x80); // indexed, §6.1
    const table = this.#table;
    let nameIndex = -found;
    const dynamic = table.dynamic;
    const stop = Math.max(0, dynamic.length - LOOKUP_DEPTH);
    for (let j = dynamic.length - 1; j >= stop; j--) {
      const entry = dynamic[j]!;
      if (entry.name !== name) continue;
      const index = STATIC_TABLE_LENGTH + dynamic.length - j; // newest is 62 (§2.3.3)
      if (entry.value === value) return w.integer(index, 7, 0x80);
      if (nameIndex === 0) nameIndex = index; // a static name index is smaller: keep it
    }
    // Literal with incremental indexing, §6.2.1: '01' and a 6-bit name index.
    w.integer(nameIndex, 6, 0x40);
    if (nameIndex === 0) w.string(name, nameHuffman);
    w.string(value, valueHuffman);
    table.add(name, value, name.length, value.length);
    this.#insertions++;
  }

  /** Record a new table size; it is signalled at the start of the next block. */
  #resize(size: number): void {
    if (this.#pendingFinal === undefined && size === this.#tableSize) return;
    this.#pendingMin = Math.min(this.#pendingMin ?? this.#tableSize, size);
    this.#pendingFinal = size;
  }

  /**
   * The size updates that open the next block, applied to our table as
   * written: the smallest size since the last block if the table went below
   * both the old and the final size, then the final size (RFC 7541 §4.2).
   * Dynamic Table Size Update, §6.3: '001' and a 5-bit prefix integer.
   */
  #writeSizeUpdates(w: BlockWriter): void {
    const final = this.#pendingFinal;
    if (final === undefined) return;
    const min = this.#pendingMin!;
    this.#pendingMin = this.#pendingFinal = undefined;
    let wrote = false;
    if (min < final && min < this.#tableSize) {
      w.integer(min, 5, 0x20);
      this.#table.updateSize(min);
      wrote = true;
    }
    if (final !== this.#tableSize || wrote) {
      w.integer(final, 5, 0x20);
      this.#table.updateSize(final);
    }
    this.#tableSize = final;
  }
}
