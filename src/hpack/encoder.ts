// Header list -> header block (RFC 7541 §2, §6), over hpack.js's compressor.
// One encoder per connection. Every block changes the dynamic table the next
// one refers to, so blocks must reach the wire in the order they were
// encoded, each one whole (RFC 9113 §4.3).
//
// What the wrapper adds to hpack.js: it writes the dynamic table size
// updates itself (hpack.js sends none when the table shrinks), picks the
// never-indexed representation for sensitive fields, uses Huffman only where
// it is shorter, checks that every string is an octet string, and steers
// around names and values that hpack.js's table lookup cannot handle.

import { Buffer } from 'node:buffer';
import hpack from 'hpack.js';
import { DEFAULT_SETTINGS, MAX_UINT32 } from '../frames/constants.js';
import { snapshotTable, type DynamicTableState } from './dynamic-table.js';
import { HpackEncodeError } from './errors.js';
import type { HeaderField, HeaderList } from './header-list.js';
import { huffmanLength } from './huffman-length.js';
import { encodeInteger } from './integer.js';
import { isSensitiveByDefault } from './sensitive.js';

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

const rethrow = (error?: unknown) => {
  if (error) throw error;
};

/** Dynamic Table Size Update, RFC 7541 §6.3: '001' and a 5-bit prefix integer. */
const sizeUpdate = (size: number): number[] => encodeInteger(size, 5, 0x20);

export class HpackEncoder {
  readonly #compressor: hpack.Compressor;
  readonly #chunks: Buffer[] = [];
  readonly #maxTableSize: number;
  readonly #huffman: boolean;
  readonly #isSensitive: (name: string, value: string) => boolean;
  /** The table's maximum size as the peer's decoder knows it (last signalled). */
  #tableSize: number = DEFAULT_SETTINGS.HEADER_TABLE_SIZE;
  /** Changes not yet signalled: the smallest size since the last block, and the latest (RFC 7541 §4.2). */
  #pendingMin: number | undefined;
  #pendingFinal: number | undefined;
  #failed: HpackEncodeError | undefined;

  constructor(options: HpackEncoderOptions = {}) {
    this.#maxTableSize = checkSize('maxTableSize', options.maxTableSize ?? DEFAULT_SETTINGS.HEADER_TABLE_SIZE);
    this.#huffman = options.huffman ?? true;
    this.#isSensitive = options.isSensitive ?? isSensitiveByDefault;
    // hpack.js writes a size update of its own only when asked for its
    // `maxSize` (and none when shrinking); with no reachable maximum it never
    // does, and every update is written here. Both sides start at 4,096
    // (RFC 9113 §4.3.1).
    this.#compressor = hpack.compressor.create({ table: { maxSize: Infinity } });
    // Encoding calls hpack.js's _write directly and takes its chunks through
    // push(), bypassing the stream machinery (profiled: it cost more than
    // the encoding itself).
    this.#compressor.push = (chunk) => {
      this.#chunks.push(chunk);
      return true;
    };
    this.#compressor.updateTableSize(this.#tableSize);
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
    return snapshotTable(this.#compressor._table);
  }

  /**
   * Encode one header list as one header block. Throws HpackEncodeError,
   * before any state changes, if a name or value is not an octet string.
   */
  encode(fields: HeaderList): Uint8Array {
    if (this.#failed) throw this.#failed;
    const input = fields.map((f, i) => this.#prepare(f, i));
    const updates = this.#takeSizeUpdates();
    let body: Buffer | null;
    try {
      this.#chunks.length = 0;
      this.#compressor._write(input, undefined, rethrow);
      body = this.#chunks.length === 0 ? null : this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    } catch (e) {
      // Half a block went into the table: the peer's decoder can no longer follow.
      this.#failed = new HpackEncodeError(`hpack.js failed mid-block, the encoder is unusable: ${e instanceof Error ? e.message : String(e)}`);
      throw this.#failed;
    }
    if (updates.length === 0) return body ? new Uint8Array(body.buffer, body.byteOffset, body.length) : new Uint8Array(0);
    const block = new Uint8Array(updates.length + (body?.length ?? 0));
    block.set(updates);
    if (body) block.set(body, updates.length);
    return block;
  }

  #prepare(field: HeaderField, i: number): hpack.CompressorField {
    const { name, value } = field;
    if (typeof name !== 'string' || typeof value !== 'string') throw new HpackEncodeError(`field ${i}: name and value must be strings`);
    const nameHuffman = huffmanLength(name);
    const valueHuffman = huffmanLength(value);
    if (nameHuffman < 0 || valueHuffman < 0)
      throw new HpackEncodeError(
        `field ${i} (${JSON.stringify(name.slice(0, 40))}): its ${nameHuffman < 0 ? 'name' : 'value'} holds a char above U+00FF; names and values are octet strings (see header-list.ts)`,
      );
    return {
      name,
      value,
      // hpack.js looks names and values up in plain objects: 'constructor'
      // comes out as a wrong index and '__proto__' throws. A never-indexed
      // literal skips the lookup.
      neverIndex: field.sensitive === true || this.#isSensitive(name, value) || name in Object.prototype || value in Object.prototype,
      huffman: this.#huffman && nameHuffman + valueHuffman < name.length + value.length,
    };
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
   */
  #takeSizeUpdates(): number[] {
    const final = this.#pendingFinal;
    if (final === undefined) return [];
    const min = this.#pendingMin!;
    this.#pendingMin = this.#pendingFinal = undefined;
    const out: number[] = [];
    if (min < final && min < this.#tableSize) {
      out.push(...sizeUpdate(min));
      this.#compressor.updateTableSize(min);
    }
    if (final !== this.#tableSize || out.length > 0) {
      out.push(...sizeUpdate(final));
      this.#compressor.updateTableSize(final);
    }
    this.#tableSize = final;
    return out;
  }
}
