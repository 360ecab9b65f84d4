// Loads the RFC 7541 Appendix C vectors from spec-vectors/hpack/.

import { readFileSync } from 'node:fs';

const dir = new URL('../../../spec-vectors/hpack/', import.meta.url);

export type Pair = [name: string, value: string];

export interface TableEntryVector {
  name: string;
  value: string;
  size: number;
}

export interface IntegerVector {
  section: string;
  value: number;
  prefixBits: number;
  octets: string;
}

export interface BlockVector {
  section: string;
  headers: Pair[];
  wire: string;
  dynamicTable: TableEntryVector[];
  tableSize: number;
}

export interface SequenceVector {
  section: string;
  huffman: boolean;
  maxTableSize: number;
  blocks: BlockVector[];
}

function load<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as T;
}

export const integerVectors = (): IntegerVector[] => load<{ examples: IntegerVector[] }>('c1-integers.json').examples;
export const fieldVectors = (): BlockVector[] => load<{ examples: BlockVector[] }>('c2-field-representations.json').examples;
export const sequenceVectors = (): SequenceVector[] =>
  ['c3-requests.json', 'c4-requests-huffman.json', 'c5-responses.json', 'c6-responses-huffman.json'].map((f) => load<SequenceVector>(f));
