// h2wire public API.
export * from './frames/index.js';
export * from './protocol-errors.js';
export * from './error-labels.js';
export * from './hpack/index.js';
export * from './connection/index.js';
export * from './server/index.js';
export * from './trace.js';
