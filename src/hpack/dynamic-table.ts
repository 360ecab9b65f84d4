// A read-only view of a dynamic table (RFC 7541 §2.3.2), for tests, the
// CLI and anyone who wants to see what the compression state holds.

import type { Table } from './hpack-js.js';

export interface DynamicTableEntry {
  readonly name: string;
  readonly value: string;
  /** name + value + 32 (RFC 7541 §4.1). */
  readonly size: number;
}

export interface DynamicTableState {
  /** Newest first: entries[0] is index 62 (RFC 7541 §2.3.3). */
  readonly entries: readonly DynamicTableEntry[];
  /** Sum of the entry sizes. */
  readonly size: number;
  /** The maximum size currently in effect (last size update, RFC 7541 §4.2). */
  readonly maxSize: number;
  /**
   * Entries inserted since the table began (RFC 7541 §4.4): with two
   * snapshots, what a header block inserted and what it evicted can be told
   * apart even when it inserts an entry the table already holds.
   */
  readonly insertions: number;
}

/** Copy hpack.js's table (held oldest first) into a DynamicTableState. */
export function snapshotTable(table: Pick<Table, 'dynamic' | 'size' | 'maxSize'>, insertions: number): DynamicTableState {
  const entries: DynamicTableEntry[] = [];
  for (let i = table.dynamic.length - 1; i >= 0; i--) {
    const e = table.dynamic[i]!;
    entries.push({ name: e.name, value: e.value, size: e.totalSize });
  }
  return { entries, size: table.size, maxSize: table.maxSize, insertions };
}

/** What one header block did to a dynamic table (RFC 7541 §4.3, §4.4, §6.2.1, §6.3). */
export interface TableChange {
  /** Entries the block inserted that are still in the table, newest first. */
  readonly inserted: readonly DynamicTableEntry[];
  /** Entries that were in the table before the block and were evicted by it, newest first. */
  readonly evicted: readonly DynamicTableEntry[];
  /** Entries the block inserted and then evicted itself (a block that overfills the table). */
  readonly insertedAndEvicted: number;
  /** The maximum size before the block, when a size update changed it (§6.3). */
  readonly resizedFrom: number | undefined;
  /** The table after the block. */
  readonly size: number;
  readonly maxSize: number;
  readonly length: number;
}

/**
 * Compare the table before and after one header block. The newest entries
 * of `after` are the block's insertions (it inserted `after.insertions -
 * before.insertions` entries); what is left of `before` is its newest
 * entries, the rest were evicted from the oldest end (§4.4).
 */
export function tableChange(before: DynamicTableState, after: DynamicTableState): TableChange {
  const added = after.insertions - before.insertions;
  const kept = Math.min(added, after.entries.length);
  const survivors = after.entries.length - kept;
  return {
    inserted: after.entries.slice(0, kept),
    evicted: before.entries.slice(survivors),
    insertedAndEvicted: added - kept,
    resizedFrom: before.maxSize !== after.maxSize ? before.maxSize : undefined,
    size: after.size,
    maxSize: after.maxSize,
    length: after.entries.length,
  };
}
