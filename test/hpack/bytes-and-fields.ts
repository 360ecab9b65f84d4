// Small conversions the HPACK tests share.

import type { HeaderField } from '../../src/hpack/index.js';

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** [name, value] pairs -> fields. */
export const fields = (pairs: ReadonlyArray<readonly [string, string]>): HeaderField[] => pairs.map(([name, value]) => ({ name, value }));

/** Fields -> [name, value] pairs, dropping the sensitive flag. */
export const pairs = (list: readonly HeaderField[]): [string, string][] => list.map((f) => [f.name, f.value]);
