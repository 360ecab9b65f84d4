// The frame layer: RFC 9113 frames typed, encoded, decoded, validated, formatted.
export * from './constants.js';
export type * from './frame.js';
export * from './encode.js';
export * from './decode.js';
export * from './format.js';
export * from './json.js';
