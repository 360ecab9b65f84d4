// The static table, RFC 7541 Appendix A, read from hpack.js so that the
// sizes block-scan.ts assumes are the ones hpack.js decodes with.

import hpack from 'hpack.js';

const entries = hpack['static-table'].table;

/** Number of static entries; dynamic indices start after it (RFC 7541 §2.3.3). */
export const STATIC_TABLE_LENGTH = entries.length;

/** Size (name + value + 32, RFC 7541 §4.1) of static entry 1..61. */
export function staticEntrySize(index: number): number {
  return entries[index - 1]!.totalSize;
}
