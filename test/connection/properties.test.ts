// Property tests of the engine: random page loads between an in-memory
// client and server (many requests, bodies, pushes, settings changes, tiny
// and large windows, random chunking and interleaving of both byte streams).

import { expect } from 'chai';
import fc from 'fast-check';
import type { EndpointEvent } from '../../src/connection/events.js';
import type { Frame } from '../../src/frames/frame.js';
import { fields, GET, Pair } from './harness.js';

interface Exchange {
  requestBody: number;
  responseBody: number;
  pushes: number[]; // body sizes of pushed responses
}

const window = fc.constantFrom(64, 1000, 16384, 65535, 1 << 20);
const scenario = fc.record({
  client: fc.record({
    initialWindowSize: window,
    maxFrameSize: fc.constantFrom(16384, 20000, 65536),
    enablePush: fc.boolean(),
    headerTableSize: fc.constantFrom(0, 100, 4096),
  }),
  server: fc.record({
    initialWindowSize: window,
    maxFrameSize: fc.constantFrom(16384, 32768),
    headerTableSize: fc.constantFrom(0, 256, 4096),
  }),
  connectionWindow: fc.constantFrom(65535, 100000, 1 << 20),
  exchanges: fc.array(
    fc.record({
      requestBody: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20000 })),
      responseBody: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30000 })),
      pushes: fc.array(fc.integer({ min: 0, max: 10000 }), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  cuts: fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
  interleave: fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 10 }),
  // SETTINGS changed mid-exchange by either side (§6.5.3, §6.9.2, RFC 7541 §4.2).
  clientChange: fc.option(fc.record({ initialWindowSize: window, headerTableSize: fc.constantFrom(0, 64, 8192), maxFrameSize: fc.constantFrom(16384, 50000) }), { nil: undefined }),
  serverChange: fc.option(fc.record({ initialWindowSize: window, headerTableSize: fc.constantFrom(0, 64, 8192) }), { nil: undefined }),
  changeRound: fc.integer({ min: 0, max: 4 }),
});

const pattern = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);

/** Split each transmission at sizes cycling through `cuts`. */
const chunker = (cuts: number[]) => {
  let k = 0;
  return (b: Uint8Array) => {
    const out: Uint8Array[] = [];
    for (let at = 0; at < b.length; ) {
      const n = cuts[k++ % cuts.length]!;
      out.push(b.subarray(at, at + n));
      at += n;
    }
    return out;
  };
};

export type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Run one page-load scenario and check its outcome (exported for replaying counterexamples). */
export function runScenario(sc: Scenario): void {
  const promised: number[] = [];
  const onServerFrame = (dir: 'in' | 'out', f: Frame) => {
    if (dir === 'out' && f.type === 'PUSH_PROMISE') promised.push(f.promisedStreamId);
  };
  const p = new Pair(
    { settings: sc.client, connectionWindowSize: sc.connectionWindow },
    { settings: sc.server, connectionWindowSize: sc.connectionWindow, onFrame: onServerFrame },
    chunker(sc.cuts),
    sc.interleave,
  );
  const byStream = new Map<number, Exchange>();
  for (const [i, ex] of sc.exchanges.entries()) {
    const headers = ex.requestBody ? fields({ ':method': 'POST', ':scheme': 'https', ':authority': 'a', ':path': `/${i}` }) : GET(`/${i}`);
    const id = p.client.request(headers, { endStream: ex.requestBody === 0 });
    if (ex.requestBody) p.client.sendData(id, pattern(ex.requestBody, id), { endStream: true });
    byStream.set(id, ex);
  }
  const received = new Map<number, Uint8Array[]>(); // client side, by stream
  const uploads = new Map<number, Uint8Array[]>(); // server side
  const expected = new Map<number, Uint8Array>(); // what each stream's response body must be
  let changed = false;

  const serve = (id: number) => {
    const ex = byStream.get(id)!;
    for (const size of ex.pushes) {
      if (p.server.pushRefusal(id)) break;
      const pid = p.server.push(id, GET(`/pushed-${id}-${size}`));
      p.server.respond(pid, fields({ ':status': '200' }), { endStream: size === 0 });
      if (size) p.server.sendData(pid, pattern(size, pid), { endStream: true });
      expected.set(pid, pattern(size, pid));
    }
    p.server.respond(id, fields({ ':status': '200' }), { endStream: ex.responseBody === 0 });
    if (ex.responseBody) p.server.sendData(id, pattern(ex.responseBody, id), { endStream: true });
    expected.set(id, pattern(ex.responseBody, id));
  };
  const onServer = (e: EndpointEvent) => {
    if (e.type === 'request' && e.endStream) serve(e.streamId);
    if (e.type === 'data') {
      uploads.set(e.streamId, [...(uploads.get(e.streamId) ?? []), p.server.readBody(e.streamId)]);
      if (e.endStream) serve(e.streamId);
    }
    expect(e.type).to.not.be.oneOf(['connection_error', 'stream_error']);
  };
  const onClient = (e: EndpointEvent) => {
    if (e.type === 'data') received.set(e.streamId, [...(received.get(e.streamId) ?? []), p.client.readBody(e.streamId)]);
    expect(e.type).to.not.be.oneOf(['connection_error', 'stream_error', 'stream_reset']);
  };

  for (let round = 0; round < 3000; round++) {
    const { client, server } = p.pump();
    if (client.length + server.length === 0) break;
    server.forEach(onServer);
    client.forEach(onClient);
    if (!changed && round === sc.changeRound) {
      if (sc.clientChange) p.client.updateSettings(sc.clientChange);
      if (sc.serverChange) p.server.updateSettings(sc.serverChange);
      changed = true;
    }
    for (const id of [...byStream.keys(), ...expected.keys()]) {
      const w = p.server.sendWindow(id);
      if (w) expect(w.stream).to.be.within(-(2 ** 31), 2 ** 31 - 1);
    }
  }

  for (const [id, ex] of byStream) {
    expect(Buffer.concat(uploads.get(id) ?? []).equals(Buffer.from(pattern(ex.requestBody, id))), `upload ${id}`).to.equal(true);
  }
  for (const [id, body] of expected) {
    const got = Buffer.concat(received.get(id) ?? []);
  const where = `response ${id}: ${got.length} of ${body.length} octets; client ${p.client.streamState(id)}, server ${p.server.streamState(id)} with ${p.server.queuedBytes(id)} queued, windows ${JSON.stringify(p.server.sendWindow(id))}`;
  expect(got.equals(Buffer.from(body)), where).to.equal(true);
    expect(p.client.streamState(id), `client stream ${id}`).to.equal('closed');
    expect(p.server.streamState(id), `server stream ${id}`).to.equal('closed');
  }
  expect(promised).to.deep.equal(promised.map((_, i) => 2 * (i + 1)));
  if (!sc.client.enablePush) expect(promised).to.deep.equal([]);
  expect(p.server.heldBytes(), 'the server holds nothing once every exchange is done').to.equal(0);
  expect(p.client.heldBytes(), 'nor does the client').to.equal(0);
}

describe('engine properties: random page loads', () => {
  it('every body arrives intact, every stream closes, windows stay in bounds, promised ids rise by 2', () => {
    fc.assert(fc.property(scenario, runScenario), { numRuns: Number(process.env.H2WIRE_PROPERTY_RUNS ?? 60) });
  });
});
