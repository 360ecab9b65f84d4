// The part of hpack.js 2.1.6 that h2wire uses, typed (the package ships no
// types). Only files in src/hpack import it, through this module; these
// types are ours, so a declaration that mentions one never sends a
// TypeScript consumer looking for types of hpack.js (skipLibCheck: false).

import type { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';

export interface TableOptions {
  /** The limit hpack.js reads. Its README's `size` is ignored (no limit at all). */
  maxSize: number;
}

/** A field as the compressor takes it. Strings are octet strings: one char per octet. */
export interface CompressorField {
  name: string;
  value: string;
  /** Literal never indexed (RFC 7541 §6.2.3); also skips every table lookup. */
  neverIndex?: boolean;
  /** false: raw string literals; otherwise both strings are Huffman-coded. */
  huffman?: boolean;
  /** false: literal without indexing instead of incremental indexing. */
  incremental?: boolean;
}

/** A field as the decompressor emits it; strings hold one char per octet. */
export interface DecompressorField {
  name: string;
  value: string;
  neverIndex: boolean;
}

/** Internal state, read only for introspection (`_table`, not part of its API). */
export interface TableEntry {
  name: string;
  value: string;
  nameSize: number;
  totalSize: number;
}
/** The dynamic table (RFC 7541 §2.3.2), oldest entry first; the static table is reached through `length`. */
export interface Table {
  readonly dynamic: readonly TableEntry[];
  readonly size: number;
  readonly maxSize: number;
  /** Entry 1..61 static, 62.. dynamic newest first; throws ('Zero indexed field', 'Indexed field OOB') otherwise. */
  lookup(index: number): TableEntry;
  /** Add an entry, evicting the oldest until it fits (§4.4); sizes are octet counts. */
  add(name: string, value: string, nameSize: number, valueSize: number): void;
  /** Set the maximum size, evicting as needed (§4.3). */
  updateSize(size: number): void;
}

export interface BitReader {
  push(chunk: Buffer): void;
  isEmpty(): boolean;
  decodeBit(): number;
  /** An integer whose prefix is the rest of the current octet (§5.1). */
  decodeInt(): number;
  /** A string literal: raw octets as a Buffer, Huffman-decoded ones as an array (§5.2). */
  decodeStr(): Buffer | number[];
}

/** A readable-stream Duplex: write() a field array, read() the block. */
export interface Compressor {
  write(fields: CompressorField[]): boolean;
  /** Everything buffered since the last read, or null. */
  read(): Buffer | null;
  /** Sets the table's maximum size; writes a size update only when it equals the `maxSize` option. */
  updateTableSize(size: number): void;
  readonly _table: Table;
  /** Internal: encodes one field list at once, handing each output chunk to push(). */
  _write(fields: CompressorField[], encoding: unknown, callback: (error?: unknown) => void): void;
  /** Readable.push, which h2wire replaces to take the chunks directly. */
  push(chunk: Buffer): boolean;
}

/** A readable-stream Duplex: write() block bytes, execute(), read() fields one by one. */
export interface Decompressor {
  write(chunk: Buffer): boolean;
  /** Decodes everything written; a failure is emitted as 'error', not thrown. */
  execute(): void;
  read(): DecompressorField | null;
  updateTableSize(size: number): void;
  on(event: 'error', listener: (error: unknown) => void): this;
  readonly _table: Table;
  /** Internal: the bit reader holding bytes not yet decoded. */
  readonly _decoder: { push(chunk: Buffer): void; isEmpty(): boolean };
  /** Internal: decodes one representation, handing a field to push(); throws on bad input. */
  _execute(): void;
  /** Readable.push, which h2wire replaces to take the fields directly. */
  push(field: DecompressorField): boolean;
}

export interface StaticEntry {
  name: string;
  value: string;
  nameSize: number;
  totalSize: number;
}

/** hpack.js's entry points that h2wire calls. */
export interface HpackJs {
  compressor: { create(options: { table: TableOptions }): Compressor };
  table: { create(options: TableOptions): Table };
  decompressor: { create(options: { table: TableOptions }): Decompressor };
  /** The bit reader the decompressor decodes from (RFC 7541 §5: prefix integers, string literals). */
  decoder: { create(): BitReader };
  /** RFC 7541 Appendix A, index 1 first. */
  'static-table': { table: readonly StaticEntry[] };
  /** RFC 7541 Appendix B, per symbol 0..256: [code length in bits, code]. */
  huffman: { encode: ReadonlyArray<readonly [number, number]> };
}

export const hpack = createRequire(import.meta.url)('hpack.js') as HpackJs;
