// Outgoing header fields as the response keeps them, and the checks an HTTP/2
// sender owes the wire (RFC 9113 §8.2): lowercase names, no
// connection-specific fields, no CR/LF/NUL in values.

import { isOctetString, type HeaderField } from '../hpack/header-list.js';

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const CR_LF_NUL = /[\r\n\0]/; // made once: a literal is a new RegExp at each evaluation

export type HeaderValue = string | number | readonly string[];

/** Normalise and check a field name for sending; throws TypeError for what HTTP/2 cannot carry. */
export function checkOutgoingName(rawName: string): string {
  const name = rawName.toLowerCase();
  if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(rawName)}`);
  if (CONNECTION_SPECIFIC.has(name)) throw new TypeError(`${JSON.stringify(rawName)} is connection-specific and not allowed in HTTP/2 (RFC 9113 §8.2.2)`);
  return name;
}

/** Check one value of a (checked) field name for sending; returns it trimmed. */
export function checkOutgoingValue(name: string, raw: string): string {
  const v = raw.trim();
  if (CR_LF_NUL.test(v)) throw new TypeError(`header ${name}: value contains CR, LF or NUL (RFC 9113 §8.2.1)`);
  if (!isOctetString(v)) throw new TypeError(`header ${name}: value has characters above U+00FF; encode it first (e.g. encodeURIComponent)`);
  if (name === 'te' && v.toLowerCase() !== 'trailers') throw new TypeError('te may only be "trailers" in HTTP/2 (RFC 9113 §8.2.2)');
  return v;
}

/** Append the checked fields for `rawName: value` (one per value) to `out`. */
export function appendOutgoing(out: HeaderField[], rawName: string, value: HeaderValue): void {
  appendChecked(out, checkOutgoingName(rawName), value);
}

/** Fields for a checked name; every value is checked before any is added. */
function appendChecked(out: HeaderField[], name: string, value: HeaderValue): void {
  if (typeof value !== 'object') {
    out.push({ name, value: checkOutgoingValue(name, String(value)) });
    return;
  }
  const checked = value.map((v) => checkOutgoingValue(name, v));
  for (const v of checked) out.push({ name, value: v });
}

/**
 * Set `rawName` to `value` in a list of outgoing fields (the values of one
 * name kept together): its fields replace the old ones where the first
 * was, or go at the end. The fields are what is sent, so nothing is
 * rebuilt when the head goes out.
 */
export function setOutgoing(list: HeaderField[], rawName: string, value: HeaderValue): void {
  const name = checkOutgoingName(rawName);
  const at = list.findIndex((f) => f.name === name);
  if (at < 0) return appendChecked(list, name, value);
  const fresh: HeaderField[] = [];
  appendChecked(fresh, name, value);
  removeOutgoing(list, name);
  list.splice(at, 0, ...fresh);
}

/** The values of `name` (lowercase) in a list of outgoing fields, if any. */
export function outgoingValues(list: readonly HeaderField[], name: string): string[] | undefined {
  let values: string[] | undefined;
  for (const f of list) if (f.name === name) (values ??= []).push(f.value);
  return values;
}

export function removeOutgoing(list: HeaderField[], name: string): void {
  let to = 0;
  for (const f of list) if (f.name !== name) list[to++] = f;
  list.length = to;
}

/**
 * Status fields, made once per code and shared by every connection: every
 * response starts with one. Safe to share because each is frozen and the
 * same for everyone; only the application picks the codes (100..999).
 */
const statusFields: Array<Readonly<HeaderField>> = [];

export function statusField(status: number): Readonly<HeaderField> {
  return (statusFields[status] ??= Object.freeze({ name: ':status', value: String(status) }));
}

/** A field's value: the first, or all joined (", ", or "; " for cookie, RFC 9113 §8.2.3). */
export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  const values = fields.filter((f) => f.name === name).map((f) => f.value);
  if (values.length === 0) return undefined;
  return values.join(name === 'cookie' ? '; ' : ', ');
}
