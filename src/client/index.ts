// The client: connect() and Http2Client, and h2get() for one GET with its pushes.
export * from './client.js';
export * from './h2-get.js';
