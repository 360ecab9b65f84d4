// Header lists as the HPACK layer sees them (RFC 7541 §1.3, RFC 9113 §8.2):
// an ordered list of name/value pairs, duplicates allowed, order kept.
//
// HPACK carries octets, not text, so names and values are *octet strings*:
// JavaScript strings with one char per octet, char codes 0-255 (what Node
// calls 'latin1'). ASCII text is unchanged by this; other octets (obs-text,
// RFC 9110 §5.5) arrive as chars U+0080-U+00FF. The encoder refuses chars
// above U+00FF rather than guess an encoding; utf8ToOctets()/octetsToUtf8()
// convert when a value is meant as UTF-8 text.

/** One field line. */
export interface HeaderField {
  /** Octet string; lowercase in HTTP/2 (RFC 9113 §8.2), which validate.ts checks. */
  readonly name: string;
  /** Octet string; may be empty. */
  readonly value: string;
  /**
   * Never index this field (RFC 7541 §6.2.3, §7.1.3). Set by the decoder when
   * the peer sent it that way, so an intermediary can keep it so.
   */
  readonly sensitive?: boolean;
}

/** A header block's fields in wire order. */
export type HeaderList = readonly HeaderField[];

/** Per-field overhead in table and header-list sizes (RFC 7541 §4.1, RFC 9113 §6.5.2). */
export const FIELD_OVERHEAD = 32;

/** A field's size as SETTINGS_MAX_HEADER_LIST_SIZE counts it: name + value + 32 (RFC 9113 §6.5.2). */
export function fieldSize(field: HeaderField): number {
  return field.name.length + field.value.length + FIELD_OVERHEAD;
}

/** The header-list size of RFC 9113 §6.5.2: the sum of fieldSize over the list. */
export function headerListSize(fields: HeaderList): number {
  let size = 0;
  for (const f of fields) size += fieldSize(f);
  return size;
}

const NOT_OCTET = /[^\x00-\xff]/; // made once: a literal is a new RegExp at each evaluation

/** True when every char is an octet (U+0000-U+00FF). */
export function isOctetString(s: string): boolean {
  return !NOT_OCTET.test(s);
}

/** Bytes -> octet string. */
export function bytesToOctets(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/** Octet string -> bytes. Throws RangeError on a char above U+00FF. */
export function octetsToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`char U+${c.toString(16).padStart(4, '0')} at ${i} is not an octet`);
    out[i] = c;
  }
  return out;
}

/** Text -> its UTF-8 octets as an octet string, ready to send as a value. */
export function utf8ToOctets(text: string): string {
  return bytesToOctets(new TextEncoder().encode(text));
}

/** A value's octets read as UTF-8; invalid sequences become U+FFFD. */
export function octetsToUtf8(s: string): string {
  return new TextDecoder().decode(octetsToBytes(s));
}
