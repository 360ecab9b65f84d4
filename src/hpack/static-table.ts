// The static table, RFC 7541 §2.3.1 and Appendix A, read from hpack.js so
// that the sizes block-scan.ts assumes are the ones hpack.js decodes with,
// and indexed in Maps for the encoder's lookups: any string is a safe key
// (hpack.js's own index is a plain object, see encoder.ts).

import { hpack } from './hpack-js.js';

const entries = hpack['static-table'].table;

/** Number of static entries; dynamic indices start after it (RFC 7541 §2.3.3). */
export const STATIC_TABLE_LENGTH = entries.length;

/** Size (name + value + 32, RFC 7541 §4.1) of static entry 1..61. */
export function staticEntrySize(index: number): number {
  return entries[index - 1]!.totalSize;
}

interface ByName {
  /** The lowest index with this name. */
  index: number;
  values: Map<string, number>;
}

const byName = new Map<string, ByName>();
entries.forEach(({ name, value }, i) => {
  let entry = byName.get(name);
  if (!entry) byName.set(name, (entry = { index: i + 1, values: new Map() }));
  if (!entry.values.has(value)) entry.values.set(value, i + 1);
});

/** The index of an entry matching name and value (> 0), minus the index of one matching the name only (< 0), or 0. */
export function findInStaticTable(name: string, value: string): number {
  const entry = byName.get(name);
  if (!entry) return 0;
  return entry.values.get(value) ?? -entry.index;
}
