// The protocol engine: pure HTTP/2 endpoint logic, no I/O.
export * from './endpoint.js';
export type * from './events.js';
export * from './push-rules.js';
export * from './settings.js';
export * from './stream-states.js';
export type { FrameHook } from './outbound.js';
