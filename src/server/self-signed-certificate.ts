// A self-signed TLS certificate for the demo server, so nobody has to run
// openssl before `h2wire demo`. Node's crypto makes the key and the signature;
// the X.509 v3 certificate around them (RFC 5280 §4.1) is built here with a
// small DER encoder (ITU-T X.690).

import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { makeDirectories } from '../make-directory.js';

// ---------------------------------------------------------------------------
// DER encoder (X.690 §8 basic rules, §10-11 DER restrictions). Every function
// returns the complete encoding: identifier octet, length octets, contents.
// Only low tag numbers (< 31, X.690 §8.1.2.2) are needed for certificates.

/** Identifier octets of the universal types used here (X.680 §8.4, X.690 §8.1.2). */
const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30, // constructed bit (0x20) set
  SET: 0x31,
} as const;

const CONSTRUCTED = 0x20;
const CONTEXT_SPECIFIC = 0x80;

/** Length octets (X.690 §8.1.3, §10.1): short form below 128, else 0x80|n then n big-endian octets. */
function derLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`DER length ${length} is not a non-negative integer`);
  if (length < 0x80) return Buffer.of(length);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One tag-length-value: `tag` is the whole (single) identifier octet. */
function tlv(tag: number, contents: Uint8Array): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) throw new RangeError(`unsupported DER tag 0x${tag.toString(16)}`);
  return Buffer.concat([Buffer.of(tag), derLength(contents.length), contents]);
}

/** SEQUENCE / SEQUENCE OF (X.690 §8.9, §8.10). */
function sequence(...elements: Uint8Array[]): Buffer {
  return tlv(Tag.SEQUENCE, Buffer.concat(elements));
}

/** SET OF (X.690 §8.12); DER sorts the encodings as octet strings (§11.6). */
function setOf(...elements: Uint8Array[]): Buffer {
  const sorted = elements.map((e) => Buffer.from(e)).sort(Buffer.compare);
  return tlv(Tag.SET, Buffer.concat(sorted));
}

/**
 * INTEGER (X.690 §8.3): two's complement in the fewest octets. Given a
 * non-negative number, or the big-endian magnitude of a non-negative integer
 * as bytes: redundant leading zero octets are dropped, and one zero octet is
 * prepended when the top bit is set so the value stays positive (§8.3.2).
 */
function integer(value: number | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`INTEGER ${value} is not a non-negative safe integer`);
    const octets: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
    bytes = Buffer.from(octets);
  } else {
    bytes = Buffer.from(value);
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.length === 0 ? Buffer.of(0) : bytes.subarray(start);
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  return tlv(Tag.INTEGER, bytes);
}

/**
 * OBJECT IDENTIFIER (X.690 §8.19): the first two arcs fold into 40*a + b, then
 * every arc is written base 128, most significant group first, with the high
 * bit set on all octets but the last of each arc.
 */
function oid(dotted: string): Buffer {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(dotted)) throw new RangeError(`malformed OID "${dotted}"`);
  const arcs = dotted.split('.').map(Number);
  const [first, second, ...rest] = arcs as [number, number, ...number[]];
  if (first < 2 && second > 39) throw new RangeError(`malformed OID "${dotted}": second arc above 39`);
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    if (!Number.isSafeInteger(arc)) throw new RangeError(`OID arc ${arc} is too large`);
    const groups = [arc % 128];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift((n % 128) | 0x80);
    out.push(...groups);
  }
  return tlv(Tag.OID, Buffer.from(out));
}

/** BOOLEAN (X.690 §8.2); DER writes TRUE as 0xFF (§11.1). */
function boolean(value: boolean): Buffer {
  return tlv(Tag.BOOLEAN, Buffer.of(value ? 0xff : 0x00));
}

/** OCTET STRING (X.690 §8.7), primitive form as DER requires (§10.2). */
function octetString(bytes: Uint8Array): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

/** BIT STRING (X.690 §8.6): an initial octet counting the unused bits of the last octet. */
function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`BIT STRING cannot have ${unusedBits} unused bits here`);
  }
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    throw new RangeError('DER requires the unused bits of a BIT STRING to be zero (X.690 §11.2.1)');
  }
  return tlv(Tag.BIT_STRING, Buffer.concat([Buffer.of(unusedBits), bytes]));
}

/**
 * A named-bit BIT STRING such as KeyUsage: bit 0 is the most significant bit
 * of the first octet, and DER drops trailing zero bits (X.690 §11.2.2).
 */
function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(-1, ...bits);
  const bytes = Buffer.alloc(Math.ceil((highest + 1) / 8));
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return bitString(bytes, bytes.length * 8 - (highest + 1));
}

/** UTF8String (X.690 §8.23). */
function utf8String(text: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** IA5String (X.690 §8.23): International Alphabet No. 5, i.e. 7-bit ASCII. */
function ia5String(text: string): Buffer {
  return tlv(Tag.IA5_STRING, ia5Bytes(text));
}

function ia5Bytes(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`"${text}" is not IA5 (ASCII) text`);
  return Buffer.from(text, 'latin1');
}

const two = (n: number): string => String(n).padStart(2, '0');

/** UTCTime YYMMDDHHMMSSZ (X.690 §11.8; RFC 5280 §4.1.2.5.1): seconds present, always Zulu. */
function utcTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime cannot hold the year ${year}`);
  return tlv(Tag.UTC_TIME, Buffer.from(`${two(year % 100)}${dateTimeDigits(date)}Z`, 'latin1'));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ (X.690 §11.7; RFC 5280 §4.1.2.5.2): no fractional seconds. */
function generalizedTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`GeneralizedTime cannot hold the year ${year}`);
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(`${String(year).padStart(4, '0')}${dateTimeDigits(date)}Z`, 'latin1'));
}

function dateTimeDigits(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid Date');
  return `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}`;
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on (and before 1950). */
function certificateTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date);
}

/** [n] EXPLICIT: a constructed context-specific tag wrapping a complete encoding (X.690 §8.14.2). */
function explicit(tagNumber: number, encoding: Uint8Array): Buffer {
  return tlv(CONTEXT_SPECIFIC | CONSTRUCTED | contextTagNumber(tagNumber), encoding);
}

/**
 * [n] IMPLICIT: the context-specific tag replaces the underlying type's tag
 * (X.690 §8.14.3); `contents` are the underlying contents octets. Primitive
 * unless `constructed` (an implicitly tagged SEQUENCE stays constructed).
 */
function implicit(tagNumber: number, contents: Uint8Array, constructed = false): Buffer {
  return tlv(CONTEXT_SPECIFIC | (constructed ? CONSTRUCTED : 0) | contextTagNumber(tagNumber), contents);
}

function contextTagNumber(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] needs the high-tag-number form`);
  return n;
}

/** The DER encoder, exported for its unit tests and for curious readers. */
export const der = {
  length: derLength,
  tlv,
  sequence,
  setOf,
  integer,
  oid,
  boolean,
  octetString,
  bitString,
  namedBits,
  utf8String,
  ia5String,
  utcTime,
  generalizedTime,
  certificateTime,
  explicit,
  implicit,
} as const;

/**
 * Just enough of a DER reader to pull the subjectPublicKey BIT STRING out of a
 * SubjectPublicKeyInfo (for the key identifier). Returns the element at
 * `offset`: its tag, where its contents start, and where it ends.
 */
function readElement(bytes: Buffer, offset: number): { tag: number; start: number; end: number } {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError('truncated DER');
  let start = offset + 2;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || start + count > bytes.length) throw new RangeError('unsupported DER length');
    length = bytes.readUIntBE(start, count);
    start += count;
  }
  if (start + length > bytes.length) throw new RangeError('truncated DER');
  return { tag, start, end: start + length };
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), unused-bits octet removed. */
function subjectPublicKeyBits(spki: Buffer): Buffer {
  const outer = readElement(spki, 0);
  const algorithm = readElement(spki, outer.start);
  const key = readElement(spki, algorithm.end);
  if (outer.tag !== Tag.SEQUENCE || algorithm.tag !== Tag.SEQUENCE || key.tag !== Tag.BIT_STRING || spki[key.start] !== 0) {
    throw new Error('unexpected SubjectPublicKeyInfo layout');
  }
  return spki.subarray(key.start + 1, key.end);
}

// ---------------------------------------------------------------------------
// The certificate (RFC 5280 §4.1).

const OID = {
  commonName: '2.5.4.3', // RFC 5280 Appendix A.1 (id-at-commonName)
  ecdsaWithSha256: '1.2.840.10045.4.3.2', // RFC 5758 §3.2
  subjectKeyIdentifier: '2.5.29.14', // §4.2.1.2
  keyUsage: '2.5.29.15', // §4.2.1.3
  subjectAltName: '2.5.29.17', // §4.2.1.6
  basicConstraints: '2.5.29.19', // §4.2.1.9
  extKeyUsage: '2.5.29.37', // §4.2.1.12
  serverAuth: '1.3.6.1.5.5.7.3.1', // §4.2.1.12 id-kp-serverAuth
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SelfSignedCertificateOptions {
  /** Subject (and issuer) common name. Default 'localhost'. */
  commonName?: string;
  /** subjectAltName dNSName entries (ASCII; punycode for IDNs). Default ['localhost']. */
  dnsNames?: string[];
  /** subjectAltName iPAddress entries, IPv4 or IPv6 text. Default ['127.0.0.1', '::1']. */
  ipAddresses?: string[];
  /** Validity: notAfter is `now` plus this many days. Default 365. */
  days?: number;
  /** The moment of issue; notBefore is one day earlier, to tolerate clock skew. Default: the current time. */
  now?: Date;
}

export interface KeyAndCertificate {
  /** PKCS#8 private key, PEM 'PRIVATE KEY'. */
  key: string;
  /** X.509 v3 certificate, PEM 'CERTIFICATE'. */
  cert: string;
}

/**
 * A fresh ECDSA P-256 key and a self-signed X.509 v3 server certificate for
 * it (ecdsa-with-SHA256), ready for `tls.createServer({ key, cert })`.
 */
export function createSelfSignedCertificate(options: SelfSignedCertificateOptions = {}): KeyAndCertificate {
  const commonName = options.commonName ?? 'localhost';
  const dnsNames = options.dnsNames ?? ['localhost'];
  const ipAddresses = options.ipAddresses ?? ['127.0.0.1', '::1'];
  const days = options.days ?? 365;
  const now = options.now ?? new Date();
  // ub-common-name (RFC 5280 Appendix A.1): 1..64 characters.
  if (commonName.length < 1 || [...commonName].length > 64) throw new RangeError('commonName must be 1 to 64 characters');
  if (!Number.isFinite(days) || days <= 0) throw new RangeError(`days must be a positive number, got ${days}`);
  if (Number.isNaN(now.getTime())) throw new RangeError('now is an invalid Date');

  // Whole seconds: the DER times carry no fractions.
  const issued = Math.floor(now.getTime() / 1000) * 1000;
  const notBefore = new Date(issued - DAY_MS);
  const notAfter = new Date(issued + Math.round(days * DAY_MS / 1000) * 1000);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });

  // CertificateSerialNumber (§4.1.2.2): positive, at most 20 octets. 16 random
  // octets, top bit clear and a non-zero first octet so it stays 16 octets.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f || 0x01;

  // Name (§4.1.2.4): one RelativeDistinguishedName holding the common name.
  const name = sequence(setOf(sequence(oid(OID.commonName), utf8String(commonName))));
  // AlgorithmIdentifier for ecdsa-with-SHA256: parameters absent (RFC 5758 §3.2).
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256));

  // GeneralNames (§4.2.1.6): dNSName [2] IA5String, iPAddress [7] OCTET STRING.
  const altNames = [
    ...dnsNames.map((dns) => implicit(2, dnsNameBytes(dns))),
    ...ipAddresses.map((ip) => implicit(7, ipAddressBytes(ip))),
  ];

  const extensions = [
    extension(OID.basicConstraints, true, sequence()), // cA FALSE is the DEFAULT, so omitted (X.690 §11.5)
    extension(OID.keyUsage, true, namedBits([0])), // digitalSignature (0)
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
    ...(altNames.length > 0 ? [extension(OID.subjectAltName, false, sequence(...altNames))] : []),
    // §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
    extension(OID.subjectKeyIdentifier, false, octetString(createHash('sha1').update(subjectPublicKeyBits(spki)).digest())),
  ];

  // TBSCertificate (§4.1.2).
  const tbs = sequence(
    explicit(0, integer(2)), // version v3
    integer(serial),
    signatureAlgorithm,
    name, // issuer
    sequence(certificateTime(notBefore), certificateTime(notAfter)), // Validity
    name, // subject
    spki, // SubjectPublicKeyInfo, already DER from Node
    explicit(3, sequence(...extensions)),
  );

  // Certificate (§4.1.1); Node's ECDSA signature is the DER Ecdsa-Sig-Value (RFC 5758 §3.2).
  const certificate = sequence(tbs, signatureAlgorithm, bitString(sign('sha256', tbs, privateKey)));

  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: pem('CERTIFICATE', certificate),
  };
}

/** Extension (§4.1.2.9): extnID, critical (omitted when FALSE, its DEFAULT), extnValue wrapping the DER value. */
function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** dNSName contents (§4.2.1.6): IA5String, so ASCII only (internationalized names in A-label/punycode form); never empty or " ". */
function dnsNameBytes(dns: string): Buffer {
  if (dns.trim() === '') throw new RangeError('a dNSName must not be empty');
  return ia5Bytes(dns);
}

/** iPAddress contents (§4.2.1.6): 4 octets for IPv4, 16 for IPv6, network order. */
function ipAddressBytes(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) throw new RangeError(`"${text}" is not an IPv4 or IPv6 address (without zone)`);
  let groups = text;
  // A trailing dotted quad (e.g. ::ffff:192.0.2.1) stands for the last two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(groups);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    groups = groups.slice(0, quad.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = groups.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const all = [...headGroups, ...zeros, ...tailGroups];
  if (all.length !== 8) throw new RangeError(`"${text}" is not an IPv6 address`);
  const out = Buffer.alloc(16);
  all.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

/** PEM text encoding (RFC 7468 §2): base64 in 64-character lines between the labels. */
function pem(label: string, bytes: Buffer): string {
  const lines = bytes.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// ---------------------------------------------------------------------------
// Loading from / saving to a directory.

/** A certificate directory h2wire cannot use, with what to do about it. */
export class CertificateDirectoryError extends Error {
  override readonly name = 'CertificateDirectoryError';
}

export interface CertificateFiles extends KeyAndCertificate {
  keyPath: string;
  certPath: string;
  /** True when this call made the pair (first run, or it replaced one it had made before that expired). */
  created: boolean;
}

/** The file that says which key.pem and cert.pem h2wire made: only those does it ever replace. */
const MARKER = 'made-by-h2wire.txt';

/**
 * The key and certificate in `dir` (key.pem, cert.pem), or a fresh pair
 * written there when there is none, or when the pair h2wire made there
 * earlier no longer serves (the files do not match, or the certificate is
 * not valid for at least one more day). Files h2wire did not make are
 * never overwritten: a pair there that does not serve is an error to act
 * on. The directory is created if needed (mode 0o700), key.pem gets 0o600.
 * Throws CertificateDirectoryError when the directory cannot be used.
 */
export function loadOrCreateCertificate(dir: string): CertificateFiles {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const hasKey = existsSync(keyPath);
  const hasCert = existsSync(certPath);
  if (hasKey || hasCert) {
    const key = hasKey ? readText(keyPath) : undefined;
    const cert = hasCert ? readText(certPath) : undefined;
    if (key !== undefined && cert !== undefined && isUsable(key, cert)) return { key, cert, keyPath, certPath, created: false };
    if (!madeByUs(dir, key, cert))
      throw new CertificateDirectoryError(
        `${dir} holds ${[hasKey && 'key.pem', hasCert && 'cert.pem'].filter(Boolean).join(' and ')} that h2wire did not make and cannot use ` +
          `(${key === undefined || cert === undefined ? 'one of the pair is missing' : 'not a matching key and certificate valid for another day'}); ` +
          `h2wire will not overwrite ${hasKey && hasCert ? 'them: remove them' : 'it: remove it'}, or choose another directory (--cert-dir)`,
      );
  }
  const fresh = createSelfSignedCertificate();
  writeCertificate(dir, fresh);
  return { ...fresh, keyPath, certPath, created: true };
}

/** Write a pair to `dir` as h2wire's own (key.pem, cert.pem and the marker that lets h2wire replace them later). */
export function writeCertificate(dir: string, pair: KeyAndCertificate): void {
  makeDirectory(dir);
  try {
    // Key first: if we stop between the writes, the pair no longer matches and the next run replaces both.
    writeAtomically(join(dir, 'key.pem'), pair.key, 0o600);
    writeAtomically(join(dir, 'cert.pem'), pair.cert, 0o644);
    writeAtomically(join(dir, MARKER), markerText(pair.key, pair.cert), 0o644);
  } catch (e) {
    throw new CertificateDirectoryError(`cannot write the certificate to ${dir}: ${(e as Error).message}`);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CertificateDirectoryError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function markerText(key: string, cert: string): string {
  return `key.pem and cert.pem in this directory were made by h2wire (a self-signed certificate for its demo); it replaces them when they expire.\nkey.pem sha256 ${sha256(key)}\ncert.pem sha256 ${sha256(cert)}\n`;
}

/** Whether the files present are the ones h2wire's marker describes. */
function madeByUs(dir: string, key: string | undefined, cert: string | undefined): boolean {
  let marker: string;
  try {
    marker = readFileSync(join(dir, MARKER), 'utf8');
  } catch {
    return false;
  }
  return (key === undefined || marker.includes(`key.pem sha256 ${sha256(key)}`)) && (cert === undefined || marker.includes(`cert.pem sha256 ${sha256(cert)}`));
}

/** The directory made if needed, or a CertificateDirectoryError that says why it cannot be. */
function makeDirectory(dir: string): void {
  try {
    makeDirectories(dir, 'the certificate');
  } catch (e) {
    throw new CertificateDirectoryError((e as Error).message);
  }
}

function isUsable(key: string, cert: string): boolean {
  try {
    const x509 = new X509Certificate(cert);
    const now = Date.now();
    const validFrom = Date.parse(x509.validFrom);
    const validTo = Date.parse(x509.validTo);
    if (!(validFrom <= now && validTo - now >= DAY_MS)) return false;
    return x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    return false; // unparsable key or certificate
  }
}

/** Write to a temporary file created with `mode`, then rename over the target. */
function writeAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode, flag: 'wx' }); // a new file, so `mode` applies (narrowed by the umask only)
  renameSync(temporary, path);
}
