// HTTP message rules the engine applies to what it receives (RFC 9113 §8.1,
// §8.3, §8.4.1): field validation (src/hpack/validate.ts) and content-length
// (§8.1.1). A violation is a malformed message: StreamError PROTOCOL_ERROR.

import type { HeaderList } from '../hpack/header-list.js';
import {
  MalformedMessageError,
  validatePushPromiseHeaders,
  validateRequestHeaders,
  validateResponseHeaders,
  validateTrailers,
} from '../hpack/validate.js';

export type FieldSection = 'request' | 'response' | 'pushed-response' | 'trailers';

/**
 * Check a received field section; throws MalformedMessageError. For a
 * response, returns its status code (0 otherwise).
 */
export function checkReceivedFields(streamId: number, section: FieldSection, fields: HeaderList, endStream = false): number {
  const problem =
    section === 'request'
      ? validateRequestHeaders(fields)
      : section === 'trailers'
        ? validateTrailers(fields)
        : validateResponseHeaders(fields, { endStream });
  if (problem) throw new MalformedMessageError(streamId, problem);
  if (section !== 'response' && section !== 'pushed-response') return 0;
  return Number(fields.find((f) => f.name === ':status')!.value);
}

/** §8.4.1: a promised request must be complete, safe and cacheable; else a stream error on the promised stream. */
export function checkPushedRequest(promisedStreamId: number, fields: HeaderList): void {
  const problem = validatePushPromiseHeaders(fields);
  if (problem) throw new MalformedMessageError(promisedStreamId, problem);
}

const LENGTH_DIGITS = /^[0-9]{1,15}$/; // made once: a literal is a new RegExp at each evaluation

/**
 * The content-length a message declares, if any (§8.1.1). Repeated values
 * must agree (RFC 9110 §8.6); anything but digits is malformed.
 */
export function contentLength(streamId: number, fields: HeaderList): number | undefined {
  let length: number | undefined;
  for (const { name, value } of fields) {
    if (name !== 'content-length') continue;
    for (const part of value.split(',')) {
      const text = part.trim();
      if (!LENGTH_DIGITS.test(text)) throw new MalformedMessageError(streamId, `content-length ${JSON.stringify(value)} is not a number (RFC 9110 §8.6)`);
      const n = Number(text);
      if (length !== undefined && n !== length) throw new MalformedMessageError(streamId, `conflicting content-length values ${length} and ${n} (RFC 9110 §8.6)`);
      length = n;
    }
  }
  return length;
}
