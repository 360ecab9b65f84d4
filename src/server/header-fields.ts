// Response header maps <-> ordered field lists, and the checks an HTTP/2
// sender owes the wire (RFC 9113 §8.2): lowercase names, no
// connection-specific fields, no CR/LF/NUL in values.

import type { HeaderField } from '../hpack/header-list.js';

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

export type HeaderValue = string | number | readonly string[];

/** Normalise and check one field for sending; throws TypeError for what HTTP/2 cannot carry. */
export function checkOutgoingField(rawName: string, value: HeaderValue): [string, string[]] {
  const name = rawName.toLowerCase();
  if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(rawName)}`);
  if (CONNECTION_SPECIFIC.has(name)) throw new TypeError(`${JSON.stringify(rawName)} is connection-specific and not allowed in HTTP/2 (RFC 9113 §8.2.2)`);
  const values = (typeof value === 'object' ? [...value] : [String(value)]).map((v) => v.trim());
  for (const v of values) {
    if (/[\r\n\0]/.test(v)) throw new TypeError(`header ${name}: value contains CR, LF or NUL (RFC 9113 §8.2.1)`);
    if (/[^\x00-\xff]/.test(v)) throw new TypeError(`header ${name}: value has characters above U+00FF; encode it first (e.g. encodeURIComponent)`);
  }
  if (name === 'te' && values.some((v) => v.toLowerCase() !== 'trailers')) throw new TypeError('te may only be "trailers" in HTTP/2 (RFC 9113 §8.2.2)');
  return [name, values];
}

/** Fields from a map of names to values, in insertion order. */
export function toFields(map: ReadonlyMap<string, string[]>): HeaderField[] {
  const out: HeaderField[] = [];
  for (const [name, values] of map) for (const value of values) out.push({ name, value });
  return out;
}

/** A field's value: the first, or all joined (", ", or "; " for cookie, RFC 9113 §8.2.3). */
export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  const values = fields.filter((f) => f.name === name).map((f) => f.value);
  if (values.length === 0) return undefined;
  return values.join(name === 'cookie' ? '; ' : ', ');
}
