// The HTTP message rules of RFC 9113 §8 (§8.1-§8.5), next to the engine
// that enforces them: what a field section must and must not carry, by
// section (request, response, trailers, promised request). HPACK only
// compresses; a decoded list that breaks these rules is a malformed
// message, which costs one stream (RST_STREAM PROTOCOL_ERROR, §8.1.1).
//
// Each validator returns null, or the first problem found: a stable label
// and a precise reason citing the section.

import type { ErrorLabel } from '../error-labels.js';
import type { HeaderList } from '../hpack/header-list.js';
import { StreamError } from '../protocol-errors.js';

export interface MessageProblem {
  /** Stable, e.g. "uppercase_field_name". */
  label: ErrorLabel;
  /** What is wrong, with the RFC section. */
  reason: string;
}

/** A malformed request or response (RFC 9113 §8.1.1): a StreamError of type PROTOCOL_ERROR. */
export class MalformedMessageError extends StreamError {
  /** What the validator found, with the RFC section. */
  readonly reason: string;

  constructor(streamId: number, problem: MessageProblem) {
    super(streamId, 'PROTOCOL_ERROR', problem.label, `malformed message: ${problem.reason}`);
    this.reason = problem.reason;
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

/** What a valid section says that the engine uses: its pseudo-headers (§8.3), host and content-length. */
export interface MessageFacts {
  method: string | undefined;
  scheme: string | undefined;
  authority: string | undefined;
  path: string | undefined;
  protocol: string | undefined;
  status: string | undefined;
  host: string | undefined;
  contentLength: number | undefined;
}

const problem = (label: ErrorLabel, reason: string): MessageProblem => ({ label, reason });

// tchar (RFC 9110 §5.6.2) minus uppercase, which HTTP/2 forbids in names (RFC 9113 §8.2).
const NAME_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") NAME_CHAR[c.charCodeAt(0)] = 1;

// RFC 9113 §8.2.2: connection-specific fields ('te' is handled apart).
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

const REQUEST_PSEUDO: ReadonlySet<string> = new Set([':method', ':scheme', ':authority', ':path']);
const EXTENDED_CONNECT_PSEUDO: ReadonlySet<string> = new Set([...REQUEST_PSEUDO, ':protocol']);
const RESPONSE_PSEUDO: ReadonlySet<string> = new Set([':status']);
const NO_PSEUDO: ReadonlySet<string> = new Set<string>();

type PseudoKey = 'method' | 'scheme' | 'authority' | 'path' | 'protocol' | 'status';
const PSEUDO_KEY: ReadonlyMap<string, PseudoKey> = new Map([
  [':method', 'method'],
  [':scheme', 'scheme'],
  [':authority', 'authority'],
  [':path', 'path'],
  [':protocol', 'protocol'],
  [':status', 'status'],
]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LENGTH = /^[0-9]{1,15}$/; // below 2^53, so read exactly
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const STATUS = /^[1-5][0-9][0-9]$/;

const hex = (c: number) => `0x${c.toString(16).padStart(2, '0')}`;
const show = (s: string) => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);

function nameProblem(name: string): MessageProblem | null {
  if (name.length === 0) return problem('empty_field_name', 'empty field name (RFC 9113 §8.2.1)');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 128 && NAME_CHAR[c]) continue;
    if (c >= 0x41 && c <= 0x5a) return problem('uppercase_field_name', `field name ${show(name)} has uppercase characters (RFC 9113 §8.2)`);
    return problem('invalid_field_name', `field name ${show(name)} has ${hex(c)}, not a token character (RFC 9113 §8.2.1, RFC 9110 §5.1)`);
  }
  return null;
}

function valueProblem(name: string, value: string): MessageProblem | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x00 || c === 0x0a || c === 0x0d) return problem('invalid_field_value', `value of ${show(name)} contains ${hex(c)} (RFC 9113 §8.2.1)`);
  }
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09)
    return problem('field_value_whitespace', `value of ${show(name)} starts or ends with whitespace (RFC 9113 §8.2.1)`);
  return null;
}

/** The rules every section shares; `allowed` are the pseudo-headers this section may carry. */
function checkSection(fields: HeaderList, allowed: ReadonlySet<string>, section: string): MessageProblem | MessageFacts {
  const facts: MessageFacts = {
    method: undefined,
    scheme: undefined,
    authority: undefined,
    path: undefined,
    protocol: undefined,
    status: undefined,
    host: undefined,
    contentLength: undefined,
  };
  let firstRegular: string | undefined;
  for (const { name, value } of fields) {
    if (name.charCodeAt(0) === 0x3a) {
      if (section === 'trailers') return problem('pseudo_in_trailers', `pseudo-header ${show(name)} in trailers (RFC 9113 §8.1)`);
      if (!allowed.has(name)) return problem('undefined_pseudo_header', `pseudo-header ${show(name)} is not defined for ${section} (RFC 9113 §8.3)`);
      if (firstRegular !== undefined) return problem('pseudo_after_regular', `pseudo-header ${show(name)} after regular field ${show(firstRegular)} (RFC 9113 §8.3)`);
      const key = PSEUDO_KEY.get(name)!;
      if (facts[key] !== undefined) return problem('repeated_pseudo_header', `repeated pseudo-header ${show(name)} (RFC 9113 §8.3)`);
      facts[key] = value;
    } else {
      const bad = nameProblem(name);
      if (bad) return bad;
      firstRegular ??= name;
      if (CONNECTION_SPECIFIC.has(name)) return problem('connection_specific_field', `connection-specific field ${show(name)} (RFC 9113 §8.2.2)`);
      if (name === 'te' && value.toLowerCase() !== 'trailers') return problem('te_not_trailers', `te: ${show(value)}; only "trailers" is allowed (RFC 9113 §8.2.2)`);
      if (name === 'host') facts.host = value;
      if (name === 'content-length') {
        if (!LENGTH.test(value)) return problem('content_length_invalid', `content-length ${show(value)} is not a decimal number (RFC 9110 §8.6)`);
        const n = Number(value);
        if (facts.contentLength !== undefined && facts.contentLength !== n)
          return problem('content_length_conflict', `two content-length values, ${facts.contentLength} and ${n} (RFC 9110 §8.6)`);
        facts.contentLength = n;
      }
    }
    const bad = valueProblem(name, value);
    if (bad) return bad;
  }
  return facts;
}

/** Whether a check found a problem (or the facts of a valid message). */
export const isProblem = (r: MessageProblem | MessageFacts): r is MessageProblem => 'label' in r;

/** The request rules (RFC 9113 §8.3.1, §8.5): the facts when they hold, else the problem. */
export function checkRequest(fields: HeaderList, options: RequestValidationOptions = {}): MessageProblem | MessageFacts {
  const facts = checkSection(fields, options.extendedConnect ? EXTENDED_CONNECT_PSEUDO : REQUEST_PSEUDO, 'requests');
  if (isProblem(facts)) return facts;
  const { method, scheme, path, authority, protocol, host } = facts;
  if (method === undefined) return problem('missing_method', 'request without ":method" (RFC 9113 §8.3.1)');
  if (!TOKEN.test(method)) return problem('method_not_token', `":method" ${show(method)} is not a token (RFC 9110 §9.1)`);
  if (method === 'CONNECT' && protocol === undefined) {
    if (scheme !== undefined || path !== undefined) return problem('connect_with_scheme_or_path', 'CONNECT request with ":scheme" or ":path" (RFC 9113 §8.5)');
    if (authority === undefined) return problem('connect_without_authority', 'CONNECT request without ":authority" (RFC 9113 §8.5)');
  } else {
    if (protocol !== undefined && method !== 'CONNECT') return problem('protocol_without_connect', `":protocol" on a ${show(method)} request; only CONNECT carries it (RFC 8441 §4)`);
    if (scheme === undefined) return problem('missing_scheme', 'request without ":scheme" (RFC 9113 §8.3.1)');
    if (path === undefined) return problem('missing_path', 'request without ":path" (RFC 9113 §8.3.1)');
    if (!URI_SCHEME.test(scheme)) return problem('scheme_invalid', `":scheme" ${show(scheme)} is not a URI scheme (RFC 3986 §3.1)`);
    if (path === '') return problem('empty_path', 'empty ":path" (RFC 9113 §8.3.1)');
    const lowerScheme = scheme.toLowerCase();
    if (lowerScheme === 'http' || lowerScheme === 'https') {
      if (path === '*') {
        if (method !== 'OPTIONS') return problem('asterisk_path', `":path" "*" on a ${show(method)} request; only OPTIONS uses it (RFC 9113 §8.3.1)`);
      } else if (path.charCodeAt(0) !== 0x2f) return problem('path_not_absolute', `":path" ${show(path)} does not start with "/" (RFC 9113 §8.3.1)`);
      if (authority?.includes('@')) return problem('authority_with_userinfo', `":authority" ${show(authority)} includes userinfo (RFC 9113 §8.3.1)`);
    }
  }
  if (authority !== undefined && host !== undefined && host.toLowerCase() !== authority.toLowerCase())
    return problem('host_authority_mismatch', `host ${show(host)} differs from ":authority" ${show(authority)} (RFC 9113 §8.3.1)`);
  return facts;
}

/** A PUSH_PROMISE's request (RFC 9113 §8.4, §8.4.1): a complete request, safe and cacheable, without content. */
export function checkPromisedRequest(fields: HeaderList): MessageProblem | MessageFacts {
  const facts = checkRequest(fields);
  if (isProblem(facts)) return facts;
  const { method, authority, contentLength } = facts;
  if (method !== 'GET' && method !== 'HEAD') return problem('push_method_unsafe', `promised request with ":method" ${show(method ?? '')}; it must be safe and cacheable (RFC 9113 §8.4)`);
  if (authority === undefined) return problem('push_without_authority', 'promised request without ":authority" (RFC 9113 §8.4)');
  if (contentLength !== undefined && contentLength !== 0) return problem('push_with_content', `promised request with content-length ${contentLength}; it cannot have content (RFC 9113 §8.4)`);
  return facts;
}

/** A response header section, final or interim (RFC 9113 §8.3.2, §8.1, §8.6). */
export function checkResponse(fields: HeaderList, options: ResponseValidationOptions = {}): MessageProblem | MessageFacts {
  const facts = checkSection(fields, RESPONSE_PSEUDO, 'responses');
  if (isProblem(facts)) return facts;
  const status = facts.status;
  if (status === undefined) return problem('missing_status', 'response without ":status" (RFC 9113 §8.3.2)');
  if (!STATUS.test(status)) return problem('status_invalid', `":status" ${show(status)} is not a status code 100-599 (RFC 9110 §15)`);
  if (status === '101') return problem('status_101', '":status" 101 (Switching Protocols) does not exist in HTTP/2 (RFC 9113 §8.6)');
  if (options.endStream && status.charCodeAt(0) === 0x31) return problem('informational_end_stream', `informational status ${status} with END_STREAM (RFC 9113 §8.1)`);
  return facts;
}

/** A trailer section (RFC 9113 §8.1): no pseudo-headers, the usual field rules. */
export function checkTrailers(fields: HeaderList): MessageProblem | MessageFacts {
  return checkSection(fields, NO_PSEUDO, 'trailers');
}

const orNull = (r: MessageProblem | MessageFacts): MessageProblem | null => (isProblem(r) ? r : null);

/** Request header section (RFC 9113 §8.3.1, §8.5): the problem, or null. */
export const validateRequestHeaders = (fields: HeaderList, options: RequestValidationOptions = {}): MessageProblem | null => orNull(checkRequest(fields, options));
/** A PUSH_PROMISE's request (RFC 9113 §8.4, §8.4.1): the problem, or null. */
export const validatePushPromiseHeaders = (fields: HeaderList): MessageProblem | null => orNull(checkPromisedRequest(fields));
/** Response header section (RFC 9113 §8.3.2, §8.1, §8.6): the problem, or null. */
export const validateResponseHeaders = (fields: HeaderList, options: ResponseValidationOptions = {}): MessageProblem | null => orNull(checkResponse(fields, options));
/** Trailer section (RFC 9113 §8.1): the problem, or null. */
export const validateTrailers = (fields: HeaderList): MessageProblem | null => orNull(checkTrailers(fields));

/** The facts of a valid section, or a MalformedMessageError for the stream. */
export function requireValid(streamId: number, result: MessageProblem | MessageFacts): MessageFacts {
  if (isProblem(result)) throw new MalformedMessageError(streamId, result);
  return result;
}

/** §8.1.1: the DATA of a message must add up to its content-length. */
export function contentLengthProblem(expected: number | undefined, received: number, ended: boolean): MessageProblem | null {
  if (expected === undefined) return null;
  if (received <= expected && (!ended || received === expected)) return null;
  return problem('content_length_mismatch', `content-length ${expected} but ${received} octets of DATA${ended ? '' : ' so far'} (RFC 9113 §8.1.1)`);
}
