// h2wire/testing: fast-check arbitraries for property-based tests of HTTP/2
// frame handling. fast-check is a peer dependency of this entry point only.
export * from './frame-arbitraries.js';
