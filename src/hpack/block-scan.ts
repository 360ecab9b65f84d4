// A first pass over a header block (RFC 7541 §6) before hpack.js decodes it.
// hpack.js reads past the end of a truncated block (TypeErrors) and accepts a
// dynamic table size update anywhere; this pass refuses such blocks with a
// precise reason, refuses a string literal too long to ever fit, and counts
// the fields and bounds the header-list size, all before a single string is
// materialised. It reads only integers (§5.1) and string lengths (§5.2),
// never string contents.

import { HpackDecodeError } from './errors.js';
import { FIELD_OVERHEAD } from './header-list.js';
import { decodeInteger, type Cursor } from './integer.js';
import { STATIC_TABLE_LENGTH, staticEntrySize } from './static-table.js';

/** What the scan needs to know about the decoder's state. */
export interface ScanContext {
  /** SETTINGS_HEADER_TABLE_SIZE in effect; no size update may exceed it (RFC 7541 §6.3). */
  readonly maxTableSize: number;
  /** The block must open with a size update (RFC 9113 §4.3.1). */
  readonly sizeUpdateRequired: boolean;
  /** Longest name or value accepted (RFC 7541 §7.4); longer ones are refused undecoded. */
  readonly maxStringLength: number;
  /** The dynamic table's entries when the block starts, oldest first (the newest is index 62). */
  readonly dynamic: readonly { readonly totalSize: number }[];
}

export interface BlockScan {
  /** Field representations in the block (size updates are not fields). */
  fieldCount: number;
  /** An upper bound on the decoded header-list size (RFC 9113 §6.5.2). */
  listSizeBound: number;
}

/** Where a block can be cut, asked for only when it must be decoded piecewise. */
export interface BlockLayout {
  /** End offset of each instruction, in order: where hpack.js can be fed piecewise. */
  readonly ends: number[];
  /** For each instruction, a bound on the size of the field it yields (0 for a size update). */
  readonly sizeBounds: number[];
}

// Huffman codes are 5 to 30 bits long (RFC 7541 Appendix B), so n encoded
// octets decode to between floor(8n/30) and floor(8n/5) octets.
const minHuffmanDecodedLength = (encodedLength: number) => Math.floor((encodedLength * 8) / 30);
const maxHuffmanDecodedLength = (encodedLength: number) => Math.floor((encodedLength * 8) / 5);

/**
 * Read a string literal's header and skip its data; return a bound on its
 * decoded length. A string that surely decodes to more than maxStringLength
 * is refused here, so it is never decoded.
 */
function skipString(block: Uint8Array, cursor: Cursor, maxStringLength: number): number {
  const start = cursor.at;
  const length = decodeInteger(block, cursor, 7);
  if (length > block.length - cursor.at)
    throw new HpackDecodeError(
      'truncated',
      `string literal of ${length} octets at offset ${start} runs past the end of the ${block.length}-octet block (RFC 7541 §5.2)`,
    );
  cursor.at += length;
  const huffman = (block[start]! & 0x80) !== 0;
  const atLeast = huffman ? minHuffmanDecodedLength(length) : length;
  if (atLeast > maxStringLength)
    throw new HpackDecodeError(
      'string-too-long',
      `string literal at offset ${start} decodes to ${huffman ? 'at least ' : ''}${atLeast} octets, more than our limit of ${maxStringLength} (RFC 7541 §7.4)`,
    );
  return huffman ? maxHuffmanDecodedLength(length) : length;
}

/** Bound on the size of the entry at `index` (RFC 7541 §2.3.3); `added` are this block's own insertions so far, oldest first. */
function entrySize(index: number, offset: number, context: ScanContext, added: readonly number[] | undefined): number {
  if (index === 0) throw new HpackDecodeError('invalid-index', `index 0 at offset ${offset} (RFC 7541 §6.1)`);
  if (index <= STATIC_TABLE_LENGTH) return staticEntrySize(index);
  const position = index - STATIC_TABLE_LENGTH - 1;
  const fresh = added?.length ?? 0;
  if (position < fresh) return added![fresh - 1 - position]!;
  const dynamic = context.dynamic;
  if (position - fresh >= dynamic.length)
    throw new HpackDecodeError(
      'invalid-index',
      `index ${index} at offset ${offset} is past the end of the tables (${STATIC_TABLE_LENGTH} static entries, at most ${dynamic.length + fresh} dynamic) (RFC 7541 §2.3.3)`,
    );
  return dynamic[dynamic.length - 1 - (position - fresh)]!.totalSize;
}

/**
 * Check a block's structure and measure it; throws HpackDecodeError. With
 * `layout`, also record where each instruction ends and what it may yield.
 */
export function scanBlock(block: Uint8Array, context: ScanContext, layout?: BlockLayout): BlockScan {
  const cursor: Cursor = { at: 0 };
  let added: number[] | undefined; // size bounds of entries this block inserts, oldest first
  let fieldCount = 0;
  let listSizeBound = 0;

  if (context.sizeUpdateRequired && (block.length === 0 || (block[0]! & 0xe0) !== 0x20))
    throw new HpackDecodeError(
      'size-update-missing',
      `first block after SETTINGS_HEADER_TABLE_SIZE was lowered to ${context.maxTableSize} does not start with a dynamic table size update (RFC 9113 §4.3.1, RFC 7541 §4.2)`,
    );

  while (cursor.at < block.length) {
    const start = cursor.at;
    const first = block[start]!;
    let size = 0;
    if (first & 0x80) {
      // Indexed field, §6.1.
      size = entrySize(decodeInteger(block, cursor, 7), start, context, added);
      fieldCount++;
    } else if ((first & 0xe0) === 0x20) {
      // Dynamic table size update, §6.3; only before the first field (§4.2).
      if (fieldCount > 0)
        throw new HpackDecodeError(
          'size-update-misplaced',
          `dynamic table size update at offset ${start} follows a field representation; it must open the block (RFC 7541 §4.2)`,
        );
      const size = decodeInteger(block, cursor, 5);
      if (size > context.maxTableSize)
        throw new HpackDecodeError(
          'size-update-too-large',
          `dynamic table size update to ${size} exceeds our SETTINGS_HEADER_TABLE_SIZE of ${context.maxTableSize} (RFC 7541 §6.3)`,
        );
    } else {
      // Literal with incremental indexing (§6.2.1), without indexing (§6.2.2) or never indexed (§6.2.3).
      const incremental = (first & 0xc0) === 0x40;
      const nameIndex = decodeInteger(block, cursor, incremental ? 6 : 4);
      const nameBound = nameIndex === 0 ? skipString(block, cursor, context.maxStringLength) : entrySize(nameIndex, start, context, added) - FIELD_OVERHEAD;
      size = nameBound + skipString(block, cursor, context.maxStringLength) + FIELD_OVERHEAD;
      if (incremental) (added ??= []).push(size);
      fieldCount++;
    }
    listSizeBound += size;
    if (layout) {
      layout.ends.push(cursor.at);
      layout.sizeBounds.push(size);
    }
  }
  return { fieldCount, listSizeBound };
}
