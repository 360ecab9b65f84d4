/// <reference types="node" preserve="true" />
// h2wire public API. Its types use Node's (Buffer, node:tls, node:net): the reference above brings them to any project.
export * from './frames/index.js';
export * from './protocol-errors.js';
export * from './error-labels.js';
export * from './hpack/index.js';
export * from './connection/index.js';
export * from './server/index.js';
export * from './trace.js';
export { KeyLogError } from './key-log.js';
export * from './client/index.js';
