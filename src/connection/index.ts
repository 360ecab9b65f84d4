// The protocol engine: pure HTTP/2 endpoint logic, no I/O.
export * from './endpoint.js';
export * from './options.js';
export type * from './events.js';
export * from './connection-state.js';
export * from './message-rules.js';
export * from './push-rules.js';
export * from './settings.js';
export * from './stream-states.js';
export type { FrameHook } from './output-queue.js';
