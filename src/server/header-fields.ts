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
  const values = typeof value === 'object' ? value.map((v) => checkValue(name, v)) : [checkValue(name, String(value))];
  if (name === 'te' && values.some((v) => v.toLowerCase() !== 'trailers')) throw new TypeError('te may only be "trailers" in HTTP/2 (RFC 9113 §8.2.2)');
  return [name, values];
}

function checkValue(name: string, raw: string): string {
  const v = raw.trim();
  if (/[\r\n\0]/.test(v)) throw new TypeError(`header ${name}: value contains CR, LF or NUL (RFC 9113 §8.2.1)`);
  if (/[^\x00-\xff]/.test(v)) throw new TypeError(`header ${name}: value has characters above U+00FF; encode it first (e.g. encodeURIComponent)`);
  return v;
}

/** Names (lowercase, checked) and their values, flat: name, values, name, values... */
export type HeaderFieldList = (string | string[])[];

export function getField(list: HeaderFieldList, name: string): string[] | undefined {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1] as string[];
  return undefined;
}

/** Replace the values of `name`, keeping its place, or add it at the end. */
export function setField(list: HeaderFieldList, name: string, values: string[]): void {
  for (let i = 0; i < list.length; i += 2)
    if (list[i] === name) {
      list[i + 1] = values;
      return;
    }
  list.push(name, values);
}

export function removeField(list: HeaderFieldList, name: string): void {
  for (let i = 0; i < list.length; i += 2)
    if (list[i] === name) {
      list.splice(i, 2);
      return;
    }
}

/** The fields of a list, in order, after `first` if given. */
export function toFields(list: HeaderFieldList, first?: HeaderField): HeaderField[] {
  const out: HeaderField[] = first ? [first] : [];
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string;
    for (const value of list[i + 1] as string[]) out.push({ name, value });
  }
  return out;
}

/** A field's value: the first, or all joined (", ", or "; " for cookie, RFC 9113 §8.2.3). */
export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  const values = fields.filter((f) => f.name === name).map((f) => f.value);
  if (values.length === 0) return undefined;
  return values.join(name === 'cookie' ? '; ' : ', ');
}
