// HTTP/2 field rules (RFC 9113 §8.1-§8.5), a separate concern from
// compression: a decoded list that breaks them is a malformed message, which
// costs one stream (RST_STREAM PROTOCOL_ERROR, §8.1.1), not the connection.
// Each validator returns the first violation as a precise reason, or null.

import { StreamError } from '../protocol-errors.js';
import type { HeaderList } from './header-list.js';

/** A malformed request or response (RFC 9113 §8.1.1): a StreamError of type PROTOCOL_ERROR. */
export class MalformedMessageError extends StreamError {
  /** What the validator found, with the RFC section. */
  readonly reason: string;

  constructor(streamId: number, reason: string) {
    super(streamId, 'PROTOCOL_ERROR', `malformed message: ${reason}`);
    this.reason = reason;
  }
}

export interface RequestValidationOptions {
  /** We sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, which defines ':protocol' (RFC 8441 §4). */
  extendedConnect?: boolean;
}

export interface ResponseValidationOptions {
  /** The HEADERS frame had END_STREAM; an informational status is then malformed (RFC 9113 §8.1). */
  endStream?: boolean;
}

// tchar (RFC 9110 §5.6.2) minus uppercase, which HTTP/2 forbids in names (RFC 9113 §8.2).
const nameChar = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") nameChar[c.charCodeAt(0)] = 1;

// RFC 9113 §8.2.2: connection-specific fields ('te' is handled apart).
const connectionSpecific = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

const requestPseudo = new Set([':method', ':scheme', ':authority', ':path']);
const extendedConnectPseudo = new Set([...requestPseudo, ':protocol']);
const responsePseudo = new Set([':status']);
const noPseudo = new Set<string>();

// Regular expressions made once: a literal is a new RegExp object each time it is evaluated.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^[0-9]+$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const ZEROS = /^0+$/;
const STATUS = /^[1-5][0-9][0-9]$/;

const hex = (c: number) => `0x${c.toString(16).padStart(2, '0')}`;
const show = (s: string) => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
const isToken = (s: string) => TOKEN.test(s);

function nameProblem(name: string): string | null {
  if (name.length === 0) return 'empty field name (RFC 9113 §8.2.1)';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 128 && nameChar[c]) continue;
    if (c >= 0x41 && c <= 0x5a) return `field name ${show(name)} has uppercase characters (RFC 9113 §8.2)`;
    return `field name ${show(name)} has ${hex(c)}, not a token character (RFC 9113 §8.2.1, RFC 9110 §5.1)`;
  }
  return null;
}

function valueProblem(name: string, value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x00 || c === 0x0a || c === 0x0d) return `value of ${show(name)} contains ${hex(c)} (RFC 9113 §8.2.1)`;
  }
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09)
    return `value of ${show(name)} starts or ends with whitespace (RFC 9113 §8.2.1)`;
  return null;
}

/** What checkSection found: the pseudo-headers defined for requests and responses (§8.3), host, content-length. */
interface Checked {
  method: string | undefined;
  scheme: string | undefined;
  authority: string | undefined;
  path: string | undefined;
  protocol: string | undefined;
  status: string | undefined;
  host: string | undefined;
  contentLength: string | undefined;
}

// Validation runs start to finish without yielding: one result object
// serves every call (it ran for every HEADERS frame, a Map each time).
const checked: Checked = {
  method: undefined,
  scheme: undefined,
  authority: undefined,
  path: undefined,
  protocol: undefined,
  status: undefined,
  host: undefined,
  contentLength: undefined,
};

type PseudoKey = 'method' | 'scheme' | 'authority' | 'path' | 'protocol' | 'status';
const PSEUDO_KEY = new Map<string, PseudoKey>([
  [':method', 'method'],
  [':scheme', 'scheme'],
  [':authority', 'authority'],
  [':path', 'path'],
  [':protocol', 'protocol'],
  [':status', 'status'],
]);

/** Record a pseudo-header the section allows (so a defined one); false if it was already there. */
function setPseudo(name: string, value: string): boolean {
  const key = PSEUDO_KEY.get(name)!;
  if (checked[key] !== undefined) return false;
  checked[key] = value;
  return true;
}

/** Rules shared by every field section; `allowed` are the pseudo-headers this section may carry. */
function checkSection(fields: HeaderList, allowed: ReadonlySet<string>, section: string): string | Checked {
  checked.method = checked.scheme = checked.authority = checked.path = checked.protocol = checked.status = undefined;
  checked.host = checked.contentLength = undefined;
  let firstRegular: string | undefined;
  for (const { name, value } of fields) {
    if (name.charCodeAt(0) === 0x3a) {
      if (section === 'trailers') return `pseudo-header ${show(name)} in trailers (RFC 9113 §8.1)`;
      if (!allowed.has(name)) return `pseudo-header ${show(name)} is not defined for ${section} (RFC 9113 §8.3)`;
      if (firstRegular !== undefined) return `pseudo-header ${show(name)} after regular field ${show(firstRegular)} (RFC 9113 §8.3)`;
      if (!setPseudo(name, value)) return `repeated pseudo-header ${show(name)} (RFC 9113 §8.3)`;
    } else {
      const problem = nameProblem(name);
      if (problem) return problem;
      firstRegular ??= name;
      if (connectionSpecific.has(name)) return `connection-specific field ${show(name)} (RFC 9113 §8.2.2)`;
      if (name === 'te' && value.toLowerCase() !== 'trailers') return `te: ${show(value)}; only "trailers" is allowed (RFC 9113 §8.2.2)`;
      if (name === 'host') checked.host = value;
      if (name === 'content-length') {
        if (!DIGITS.test(value)) return `content-length ${show(value)} is not a decimal number (RFC 9110 §8.6)`;
        if (checked.contentLength !== undefined && checked.contentLength !== value)
          return `two content-length values, ${show(checked.contentLength)} and ${show(value)} (RFC 9110 §8.6)`;
        checked.contentLength = value;
      }
    }
    const problem = valueProblem(name, value);
    if (problem) return problem;
  }
  return checked;
}

/** Request header section (RFC 9113 §8.3.1, §8.5). */
export function validateRequestHeaders(fields: HeaderList, options: RequestValidationOptions = {}): string | null {
  const result = checkRequest(fields, options);
  return typeof result === 'string' ? result : null;
}

/** The request rules; what checkSection found when they hold, else the reason. */
function checkRequest(fields: HeaderList, options: RequestValidationOptions): string | Checked {
  const checked = checkSection(fields, options.extendedConnect ? extendedConnectPseudo : requestPseudo, 'requests');
  if (typeof checked === 'string') return checked;
  const { method, scheme, path, authority, protocol, host } = checked;
  if (method === undefined) return 'request without ":method" (RFC 9113 §8.3.1)';
  if (!isToken(method)) return `":method" ${show(method)} is not a token (RFC 9110 §9.1)`;
  if (method === 'CONNECT' && protocol === undefined) {
    if (scheme !== undefined || path !== undefined) return 'CONNECT request with ":scheme" or ":path" (RFC 9113 §8.5)';
    if (authority === undefined) return 'CONNECT request without ":authority" (RFC 9113 §8.5)';
  } else {
    if (protocol !== undefined && method !== 'CONNECT') return `":protocol" on a ${show(method)} request; only CONNECT carries it (RFC 8441 §4)`;
    if (scheme === undefined) return 'request without ":scheme" (RFC 9113 §8.3.1)';
    if (path === undefined) return 'request without ":path" (RFC 9113 §8.3.1)';
    if (!URI_SCHEME.test(scheme)) return `":scheme" ${show(scheme)} is not a URI scheme (RFC 3986 §3.1)`;
    if (path === '') return 'empty ":path" (RFC 9113 §8.3.1)';
    const lowerScheme = scheme.toLowerCase();
    if (lowerScheme === 'http' || lowerScheme === 'https') {
      if (path === '*') {
        if (method !== 'OPTIONS') return `":path" "*" on a ${show(method)} request; only OPTIONS uses it (RFC 9113 §8.3.1)`;
      } else if (path.charCodeAt(0) !== 0x2f) return `":path" ${show(path)} does not start with "/" (RFC 9113 §8.3.1)`;
      if (authority?.includes('@')) return `":authority" ${show(authority)} includes userinfo (RFC 9113 §8.3.1)`;
    }
  }
  if (authority !== undefined && host !== undefined && host.toLowerCase() !== authority.toLowerCase())
    return `host ${show(host)} differs from ":authority" ${show(authority)} (RFC 9113 §8.3.1)`;
  return checked;
}

/** A PUSH_PROMISE's request (RFC 9113 §8.4, §8.4.1): a complete request, safe and cacheable, without content. */
export function validatePushPromiseHeaders(fields: HeaderList): string | null {
  const checked = checkRequest(fields, {});
  if (typeof checked === 'string') return checked;
  const { method, authority, contentLength } = checked;
  if (method !== 'GET' && method !== 'HEAD') return `promised request with ":method" ${show(method ?? '')}; it must be safe and cacheable (RFC 9113 §8.4)`;
  if (authority === undefined) return 'promised request without ":authority" (RFC 9113 §8.4)';
  if (contentLength !== undefined && !ZEROS.test(contentLength)) return `promised request with content-length ${contentLength}; it cannot have content (RFC 9113 §8.4)`;
  return null;
}

/** Response header section, final or interim (RFC 9113 §8.3.2, §8.1, §8.6). */
export function validateResponseHeaders(fields: HeaderList, options: ResponseValidationOptions = {}): string | null {
  const checked = checkSection(fields, responsePseudo, 'responses');
  if (typeof checked === 'string') return checked;
  const status = checked.status;
  if (status === undefined) return 'response without ":status" (RFC 9113 §8.3.2)';
  if (!STATUS.test(status)) return `":status" ${show(status)} is not a status code 100-599 (RFC 9110 §15)`;
  if (status === '101') return '":status" 101 (Switching Protocols) does not exist in HTTP/2 (RFC 9113 §8.6)';
  if (options.endStream && status.charCodeAt(0) === 0x31) return `informational status ${status} with END_STREAM (RFC 9113 §8.1)`;
  return null;
}

/** Trailer section (RFC 9113 §8.1): no pseudo-headers, the usual field rules. */
export function validateTrailers(fields: HeaderList): string | null {
  const checked = checkSection(fields, noPseudo, 'trailers');
  return typeof checked === 'string' ? checked : null;
}
