// Header block -> header list (RFC 7541 §3), decoded by decoding-loop.ts over hpack.js.
// One decoder per connection, fed every block in the order received.
//
// Each block is first scanned (block-scan.ts): structure, size-update rules,
// field count and a bound on the header-list size are checked before
// hpack.js runs, and a string literal that would alone exceed the header-list
// limit is refused undecoded, as a COMPRESSION_ERROR (RFC 7541 §7.4). A block
// whose bound fits the limits is handed to hpack.js in one piece. Otherwise
// it is fed in runs of representations that fit the limits on their own, and
// fields are kept only while they fit; once a limit is passed the rest of the
// block is still decoded, so the
// dynamic table stays in step with the peer's encoder (RFC 9113 §4.3,
// §10.5.1), and then the limit error is thrown. Either way no more than
// about the limits' worth of strings is ever materialised, whatever the
// block's size.

import { Buffer } from 'node:buffer';
import { DEFAULT_SETTINGS, MAX_UINT32 } from '../frames/constants.js';
import { scanBlock, type BlockLayout, type ScanContext } from './block-scan.js';
import { snapshotTable, type DynamicTableState } from './dynamic-table.js';
import { HpackDecodeError } from './errors.js';
import { FIELD_OVERHEAD, type HeaderField } from './header-list.js';
import { DecodingLoop } from './decoding-loop.js';
import { fromHpackJsError } from './hpack-js-errors.js';

export interface HpackDecoderOptions {
  /**
   * SETTINGS_HEADER_TABLE_SIZE in effect for our decoder: no size update may
   * exceed it, and the table starts at this size. Default 4,096, the value
   * in effect until the peer acknowledges our SETTINGS (RFC 9113 §4.3.1);
   * call setMaxTableSize() on that acknowledgement.
   */
  maxTableSize?: number;
  /**
   * Largest header list accepted, counted as name + value + 32 per field
   * (RFC 9113 §6.5.2). Default 65,536. A list over it is a stream-level
   * error, except that a single name or value longer than it is refused
   * before decoding, as a COMPRESSION_ERROR.
   */
  maxHeaderListSize?: number;
  /** Most fields accepted in one header list. Default 128. */
  maxFieldCount?: number;
}

export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;
export const DEFAULT_MAX_FIELD_COUNT = 128;

/** Most representations handed to hpack.js at once on the limited path: what it buffers before we read. */
const MAX_RUN = 256;

function checkLimit(what: string, n: number, max: number): number {
  if (!(Number.isInteger(n) || n === Infinity) || n < 0 || n > max) throw new RangeError(`${what} must be an integer in 0..${max}, got ${n}`);
  return n;
}

export class HpackDecoder {
  readonly maxHeaderListSize: number;
  readonly maxFieldCount: number;
  #maxTableSize: number;
  #sizeUpdateRequired = false;
  #failed: HpackDecodeError | undefined;
  readonly #loop = new DecodingLoop();

  constructor(options: HpackDecoderOptions = {}) {
    this.#maxTableSize = checkLimit('maxTableSize', options.maxTableSize ?? DEFAULT_SETTINGS.HEADER_TABLE_SIZE, MAX_UINT32);
    this.maxHeaderListSize = checkLimit('maxHeaderListSize', options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE, Infinity);
    this.maxFieldCount = checkLimit('maxFieldCount', options.maxFieldCount ?? DEFAULT_MAX_FIELD_COUNT, Infinity);
    this.#loop.table.updateSize(this.#maxTableSize);
  }

  /** Our SETTINGS_HEADER_TABLE_SIZE currently in effect. */
  get maxTableSize(): number {
    return this.#maxTableSize;
  }

  /**
   * Apply a new SETTINGS_HEADER_TABLE_SIZE once the peer has acknowledged it
   * (RFC 9113 §4.3.1). If it is below the table's current maximum, the next
   * block must start with a size update (else COMPRESSION_ERROR).
   */
  setMaxTableSize(n: number): void {
    checkLimit('maxTableSize', n, MAX_UINT32);
    if (n < this.#loop.table.maxSize) this.#sizeUpdateRequired = true;
    this.#maxTableSize = n;
  }

  /** The dynamic table as it stands after the last block. */
  get dynamicTable(): DynamicTableState {
    return snapshotTable(this.#loop.table, this.#loop.insertions);
  }

  /** The error that made this decoder unusable, if any. */
  get error(): HpackDecodeError | undefined {
    return this.#failed;
  }

  /**
   * Decode one complete header block (the HEADERS or PUSH_PROMISE fragment
   * and its CONTINUATIONs, joined). Throws only HpackDecodeError. After an
   * error whose contextIntact is false, every later call throws it again.
   */
  decode(block: Uint8Array): HeaderField[] {
    if (this.#failed) throw this.#failed;
    try {
      return this.#decode(block);
    } catch (e) {
      const error = fromHpackJsError(e);
      if (!error.contextIntact) this.#failed = error;
      throw error;
    }
  }

  #decode(block: Uint8Array): HeaderField[] {
    const context = this.#scanContext();
    const scan = scanBlock(block, context);
    this.#sizeUpdateRequired = false;
    const fields: HeaderField[] = [];
    if (block.length === 0) return fields;
    // hpack.js reads Buffers; frame payloads already are (views into the socket's chunks).
    const bytes = Buffer.isBuffer(block) ? block : Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    if (scan.fieldCount <= this.maxFieldCount && scan.listSizeBound <= this.maxHeaderListSize) {
      this.#loop.run(bytes, fields);
      return fields;
    }
    // Over a limit, maybe: scan again, noting where the block can be cut.
    const layout: BlockLayout = { ends: [], sizeBounds: [] };
    scanBlock(block, context, layout);
    return this.#decodeWithinLimits(bytes, layout);
  }

  #scanContext(): ScanContext {
    return {
      maxTableSize: this.#maxTableSize,
      sizeUpdateRequired: this.#sizeUpdateRequired,
      maxStringLength: this.maxHeaderListSize,
      dynamic: this.#loop.table.dynamic,
    };
  }

  /**
   * Feed hpack.js runs of representations whose size bounds fit the limits
   * (one at least), so it never holds more than a header list's worth; keep
   * fields only while both limits hold.
   */
  #decodeWithinLimits(bytes: Buffer, { ends, sizeBounds }: BlockLayout): HeaderField[] {
    const fields: HeaderField[] = [];
    let count = 0;
    let size = 0;
    let start = 0;
    for (let i = 0; i < ends.length; ) {
      let runBound = sizeBounds[i]!;
      let end = ends[i++]!;
      for (let n = 1; i < ends.length && n < MAX_RUN && runBound + sizeBounds[i]! <= this.maxHeaderListSize; n++) {
        runBound += sizeBounds[i]!;
        end = ends[i++]!;
      }
      const decoded: HeaderField[] = [];
      this.#loop.run(bytes.subarray(start, end), decoded);
      start = end;
      for (const f of decoded) {
        count++;
        size += f.name.length + f.value.length + FIELD_OVERHEAD;
        if (count <= this.maxFieldCount && size <= this.maxHeaderListSize) fields.push(f);
        else fields.length = 0; // over a limit: keep decoding for the table, keep nothing
      }
    }
    if (count > this.maxFieldCount)
      throw new HpackDecodeError('too-many-fields', `header list has ${count} fields, more than our limit of ${this.maxFieldCount}`);
    if (size > this.maxHeaderListSize)
      throw new HpackDecodeError(
        'header-list-too-large',
        `header list of ${size} octets exceeds our limit of ${this.maxHeaderListSize} (name + value + 32 per field, RFC 9113 §6.5.2)`,
      );
    return fields;
  }
}
