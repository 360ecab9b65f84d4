/// <reference types="node" preserve="true" />
// h2wire/testing: tools for tests of HTTP/2 frame handling. Fluent frame
// builders for hand-made (also illegal) frames, and fast-check arbitraries
// for property-based tests; fast-check is a peer dependency of this entry
// point only.
export * from './frame-arbitraries.js';
export * from './frame-builders.js';
