// The HPACK layer: header lists compressed and decompressed over hpack.js
// (RFC 7541), with the HTTP/2 field rules checked apart (RFC 9113 §8).
export * from './header-list.js';
export * from './errors.js';
export * from './encoder.js';
export * from './decoder.js';
export type * from './dynamic-table.js';
export * from './sensitive.js';
export * from './validate.js';
