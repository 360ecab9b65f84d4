// A client and a server engine joined in memory, each traced with detail:
// what tests of trace records (trace files, qlog, the ladder) start from.

import { Http2Endpoint } from '../../src/connection/endpoint.js';
import { type TraceRecord, Tracer, type TracerOptions } from '../../src/trace.js';

export interface TracedPairOptions {
  showSecrets?: boolean;
  /** Where each side's records go (default: `records.client`, `records.server`). */
  sinks?: { client?: (r: TraceRecord) => void; server?: (r: TraceRecord) => void };
  /** The clock's step per reading, ms (default 1). */
  tick?: number;
}

export function tracedPair(options: TracedPairOptions = {}) {
  const records: { client: TraceRecord[]; server: TraceRecord[] } = { client: [], server: [] };
  let t = 0;
  const tracerOptions: TracerOptions = { detail: true, clock: () => (t += options.tick ?? 1), showSecrets: options.showSecrets === true };
  const clientTracer = new Tracer(options.sinks?.client ?? ((r) => records.client.push(r)), 'client', tracerOptions);
  const serverTracer = new Tracer(options.sinks?.server ?? ((r) => records.server.push(r)), 'server', tracerOptions);
  clientTracer.open(1, 'memory');
  serverTracer.open(1, 'memory');
  const made: { client?: Http2Endpoint; server?: Http2Endpoint } = {};
  const client = (made.client = new Http2Endpoint({ role: 'client', ...clientTracer.hooks(1, () => made.client) }));
  const server = (made.server = new Http2Endpoint({ role: 'server', ...serverTracer.hooks(1, () => made.server) }));
  /** Move octets both ways until neither side has anything to say. */
  const pump = () => {
    for (let i = 0; i < 20; i++) {
      const a = client.takeOutputBytes();
      if (a.length) server.receive(a);
      const b = server.takeOutputBytes();
      if (b.length) client.receive(b);
      if (!a.length && !b.length) return;
    }
  };
  const close = () => {
    clientTracer.close(1);
    serverTracer.close(1);
  };
  return { records, client, server, pump, close, serverTracer };
}
