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
}

/** Copy hpack.js's table (held oldest first) into a DynamicTableState. */
export function snapshotTable(table: Pick<Table, 'dynamic' | 'size' | 'maxSize'>): DynamicTableState {
  const entries: DynamicTableEntry[] = [];
  for (let i = table.dynamic.length - 1; i >= 0; i--) {
    const e = table.dynamic[i]!;
    entries.push({ name: e.name, value: e.value, size: e.totalSize });
  }
  return { entries, size: table.size, maxSize: table.maxSize };
}
