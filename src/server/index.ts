// The server: createServer, the handler API and push.
export * from './server.js';
export * from './handler-api.js';
export { HIGH_WATER_MARK } from './http2-response.js';
export { createSelfSignedCertificate, loadOrCreateCertificate } from './self-signed-certificate.js';
export type { ConnectionPhase, ConnectionTimeouts, DropReason, DroppedConnection } from './connection-table.js';
export { DEFAULT_CONNECTION_TIMEOUTS, defaultMaxConnections } from './connection-table.js';
export * from './fetch.js';
