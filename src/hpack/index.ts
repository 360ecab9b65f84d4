// The HPACK layer: header lists compressed and decompressed over hpack.js
// (RFC 7541). The HTTP/2 message rules (RFC 9113 §8) are the engine's:
// src/connection/message-rules.ts.
export * from './header-list.js';
export * from './errors.js';
export { HpackEncoder, type HpackEncoderOptions, checkEncodable } from './encoder.js';
export * from './decoder.js';
export type * from './dynamic-table.js';
export * from './sensitive.js';
