// The robustness invariant as a property: a fast-check adversary composes
// hostile primitives against a server engine (and an application that
// behaves as the real server's handlers do), and after every step what the
// engine holds for the peer stays within its budget; when the adversary
// falls silent, the connection ends by its deadlines. Nothing here depends
// on a clock: time is passed in.
//
// H2WIRE_ADVERSARY_RUNS sets the number of runs (10,000 by default), and
// H2WIRE_ADVERSARY_STATS=1 prints how the runs ended (to see the adversary
// reach each limit and deadline);
// `make fuzz` runs many more.

import { expect } from 'chai';
import fc from 'fast-check';
import { Http2Endpoint } from '../../src/connection/endpoint.js';
import type { EndpointOptions } from '../../src/connection/options.js';
import type { EndpointEvent } from '../../src/connection/events.js';
import { CLIENT_PREFACE, SettingId } from '../../src/frames/constants.js';
import { FrameDecoder } from '../../src/frames/decode.js';
import { encodeFrame } from '../../src/frames/encode.js';
import type { Frame } from '../../src/frames/frame.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import type { HeaderField } from '../../src/hpack/header-list.js';
import { arbInvalidFrame } from '../../src/testing/index.js';

const BUDGET = 32 * 1024;
const TIMEOUTS = { prefaceMs: 1000, settingsAckMs: 1500, idleMs: 2000, headerBlockMs: 1000, shutdownPingMs: 1000, sendStallMs: 3000 };
const SERVER: EndpointOptions = {
  role: 'server',
  settings: { maxConcurrentStreams: 8, maxHeaderListSize: 8192, initialWindowSize: 16384 },
  limits: { maxHeldBytes: BUDGET, resetBurst: 50, uselessFrameBurst: 200 },
  timeouts: TIMEOUTS,
};
/** Longest the engine may take to end a silent connection: every deadline in turn. */
const SILENCE_BOUND = Object.values(TIMEOUTS).reduce((a, b) => a + b, 0);
/**
 * A peer that stops reading is not the engine's to see (it has no socket):
 * the server's write-stall deadline (writeStallMs) destroys the connection
 * when its output has waited this long. Modelled here as the server does it.
 */
const WRITE_STALL = 5000;

type Primitive =
  | { kind: 'request'; path: '/' | '/read' | '/hold'; endStream: boolean; extra: number }
  | { kind: 'tinyData'; stream: number; count: number; size: number; padLength: number | undefined }
  | { kind: 'bigData'; stream: number; count: number } // frames of 4,000 octets
  | { kind: 'endStream'; stream: number }
  | { kind: 'shrinkWindow'; size: number }
  | { kind: 'dribble'; stream: number; increment: number; count: number }
  | { kind: 'hpackBomb'; refs: number }
  | { kind: 'reset'; stream: number }
  | { kind: 'continuations'; count: number; finish: boolean }
  | { kind: 'settingsChurn'; tableSize: number; frameSize: number; window: number }
  | { kind: 'ping'; count: number }
  | { kind: 'partialFrame'; cut: number }
  | { kind: 'invalid'; bytes: Uint8Array }
  | { kind: 'ack' }
  | { kind: 'stopReading' }
  | { kind: 'stall'; ms: number };

const stream = fc.integer({ min: 0, max: 9 }); // an index into the streams opened so far (wrapping)

const arbPrimitive: fc.Arbitrary<Primitive> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('request' as const), path: fc.constantFrom('/' as const, '/read' as const, '/hold' as const, '/hold' as const), endStream: fc.boolean(), extra: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 7000 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tinyData' as const), stream, count: fc.integer({ min: 1, max: 400 }), size: fc.integer({ min: 1, max: 3 }), padLength: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('bigData' as const), stream, count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('endStream' as const), stream }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('shrinkWindow' as const), size: fc.constantFrom(0, 1, 10, 100) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dribble' as const), stream: fc.integer({ min: -1, max: 9 }), increment: fc.integer({ min: 1, max: 50 }), count: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hpackBomb' as const), refs: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), stream }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('continuations' as const), count: fc.integer({ min: 0, max: 40 }), finish: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settingsChurn' as const), tableSize: fc.constantFrom(0, 100, 4096), frameSize: fc.constantFrom(16384, 20000), window: fc.constantFrom(0, 5, 65535, 1 << 20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ping' as const), count: fc.integer({ min: 1, max: 50 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partialFrame' as const), cut: fc.integer({ min: 1, max: 16000 }) }) },
  { weight: 1, arbitrary: fc.nat(9).chain((n): fc.Arbitrary<Primitive> => (n === 0 ? arbInvalidFrame().map((c) => ({ kind: 'invalid', bytes: c.bytes })) : fc.constant({ kind: 'ping', count: n }))) },
  { weight: 1, arbitrary: fc.constant({ kind: 'ack' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stopReading' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stall' as const), ms: fc.integer({ min: 0, max: 5000 }) }) },
);

const request = (path: string, extra: number): HeaderField[] => [
  { name: ':method', value: path === '/' ? 'GET' : 'POST' },
  { name: ':scheme', value: 'https' },
  { name: ':authority', value: 'example.com' },
  { name: ':path', value: path },
  ...(extra > 0 ? [{ name: 'x-extra', value: 'e'.repeat(extra) }] : []),
];

/** The hostile client: a real HPACK encoder (its blocks must decode) and the streams it opened. */
class Adversary {
  readonly encoder = new HpackEncoder();
  now = 0;
  readonly opened: number[] = [];
  #next = 1;
  #bombed = false;
  /** It stops reading our output (a peer that never reads), since when. */
  deaf = false;
  deafSince = 0;

  #id(): number {
    const id = this.#next;
    this.#next += 2;
    this.opened.push(id);
    return id;
  }

  /** One of the streams opened so far (the i-th, wrapping); the first primitive to need one opens it. */
  #pick(i: number, prelude: Uint8Array[]): number {
    if (this.opened.length === 0) {
      const id = this.#id();
      prelude.push(encodeFrame({ type: 'HEADERS', streamId: id, endStream: false, endHeaders: true, headerBlock: this.encoder.encode(request('/hold', 0)) }));
      return id;
    }
    return this.opened[i % this.opened.length]!;
  }

  bytes(p: Primitive): Uint8Array {
    const prelude: Uint8Array[] = [];
    const body = this.#bytes(p, prelude);
    return prelude.length ? Buffer.concat([...prelude, body]) : body;
  }

  #bytes(p: Primitive, prelude: Uint8Array[]): Uint8Array {
    const f = (...frames: Frame[]) => Buffer.concat(frames.map((x) => encodeFrame(x, { allowIllegal: true, maxFrameSize: (1 << 24) - 1 })));
    switch (p.kind) {
      case 'request':
        return f({ type: 'HEADERS', streamId: this.#id(), endStream: p.endStream, endHeaders: true, headerBlock: this.encoder.encode(request(p.path, p.extra)) });
      case 'tinyData': {
        const one = f({ type: 'DATA', streamId: this.#pick(p.stream, prelude), endStream: false, data: new Uint8Array(p.size).fill(0x79), ...(p.padLength !== undefined ? { padLength: p.padLength } : {}) });
        return Buffer.concat(Array.from({ length: p.count }, () => one));
      }
      case 'bigData':
        return Buffer.concat(Array.from({ length: p.count }, () => f({ type: 'DATA', streamId: this.#pick(p.stream, prelude), endStream: false, data: new Uint8Array(4000) })));
      case 'endStream':
        return f({ type: 'DATA', streamId: this.#pick(p.stream, prelude), endStream: true, data: new Uint8Array(0) });
      case 'shrinkWindow':
        return f({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.INITIAL_WINDOW_SIZE, value: p.size }] });
      case 'dribble': {
        const streamId = p.stream < 0 ? 0 : this.#pick(p.stream, prelude);
        return Buffer.concat(Array.from({ length: p.count }, () => f({ type: 'WINDOW_UPDATE', streamId, windowSizeIncrement: p.increment })));
      }
      case 'hpackBomb': {
        // A ~4 KB field into the table, then a request of 1-octet references to it (RFC 7541 §6.1).
        const parts: Uint8Array[] = [];
        if (!this.#bombed) {
          parts.push(f({ type: 'HEADERS', streamId: this.#id(), endStream: true, endHeaders: true, headerBlock: this.encoder.encode([...request('/', 0), { name: 'x-bomb', value: 'b'.repeat(4000) }]) }));
          this.#bombed = true;
        }
        const refs = new Uint8Array(p.refs).fill(0x80 | 62);
        parts.push(f({ type: 'HEADERS', streamId: this.#id(), endStream: true, endHeaders: true, headerBlock: Buffer.concat([this.encoder.encode(request('/', 0)), refs]) }));
        return Buffer.concat(parts);
      }
      case 'reset':
        return f({ type: 'RST_STREAM', streamId: this.#pick(p.stream, prelude), errorCode: 8 });
      case 'continuations': {
        const block = this.encoder.encode(request('/', 200));
        const id = this.#id();
        const frames: Frame[] = [{ type: 'HEADERS', streamId: id, endStream: true, endHeaders: false, headerBlock: block.subarray(0, 1) }];
        for (let i = 0; i < p.count; i++) frames.push({ type: 'CONTINUATION', streamId: id, endHeaders: false, headerBlock: new Uint8Array(0) });
        if (p.finish) frames.push({ type: 'CONTINUATION', streamId: id, endHeaders: true, headerBlock: block.subarray(1) });
        return f(...frames);
      }
      case 'settingsChurn':
        return f({
          type: 'SETTINGS',
          streamId: 0,
          ack: false,
          settings: [
            { id: SettingId.HEADER_TABLE_SIZE, value: p.tableSize },
            { id: SettingId.MAX_FRAME_SIZE, value: p.frameSize },
            { id: SettingId.INITIAL_WINDOW_SIZE, value: p.window },
          ],
        });
      case 'ping':
        return Buffer.concat(Array.from({ length: p.count }, (_, i) => f({ type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8).fill(i) })));
      case 'partialFrame':
        // The first octets of a 16 KiB DATA frame; the rest never comes.
        return f({ type: 'DATA', streamId: this.#pick(0, prelude), endStream: false, data: new Uint8Array(16384) }).subarray(0, Math.min(p.cut, 16384 + 8));
      case 'invalid':
        return p.bytes;
      case 'ack':
        return f({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
      case 'stopReading':
        this.deaf = !this.deaf;
        this.deafSince = this.now;
        return new Uint8Array(0);
      case 'stall':
        return new Uint8Array(0);
    }
  }
}

/** The application, as the real server's handlers behave: '/' answers without reading, '/read' reads then answers, '/hold' waits. */
class Application {
  readonly #waiting = new Map<number, string>();

  constructor(private readonly server: Http2Endpoint) {}

  on(events: readonly EndpointEvent[]): void {
    for (const e of events) {
      if (e.type === 'request') {
        const path = e.headers.find((h) => h.name === ':path')?.value ?? '/';
        if (path === '/' || (path === '/read' && e.endStream)) this.#answer(e.streamId);
        else this.#waiting.set(e.streamId, path);
      } else if (e.type === 'data' || e.type === 'trailers') {
        const path = this.#waiting.get(e.streamId);
        if (path === '/read') this.server.readBody(e.streamId);
        if ((e.type === 'trailers' || e.endStream) && path === '/read') this.#answer(e.streamId);
      } else if (e.type === 'stream_closed') {
        this.#waiting.delete(e.streamId); // reset, or done: the handler sees it aborted
      }
    }
  }

  /** Every handler still running returns now (the test's way of saying the application did its part). */
  finishAll(): void {
    for (const id of [...this.#waiting.keys()]) this.#answer(id);
  }

  /** Respond, then stop reading: what the server does when a handler returns. */
  #answer(id: number): void {
    this.#waiting.delete(id);
    if (this.server.closedBy) return;
    this.server.respond(id, [{ name: ':status', value: '200' }]);
    this.server.sendData(id, new Uint8Array(3000).fill(0x61), { endStream: true });
    this.server.stopReading(id);
  }
}

function run(primitives: Primitive[]): void {
  let now = 0;
  const server = new Http2Endpoint({ ...SERVER, now });
  const app = new Application(server);
  const adversary = new Adversary();
  const out = new FrameDecoder({ maxFrameSize: (1 << 24) - 1 });
  let lastGoaway = Infinity;
  let errorGoaway = false;
  const read = () => {
    if (adversary.deaf) return;
    out.push(Buffer.concat(server.takeOutput()));
    for (const frame of out.frames()) {
      expect(errorGoaway, `nothing after a GOAWAY with an error code, got ${frame.type}`).to.equal(false);
      if (frame.type !== 'GOAWAY') continue;
      expect(frame.lastStreamId, '§6.8: the last stream id of GOAWAYs never rises').to.be.at.most(lastGoaway);
      lastGoaway = frame.lastStreamId;
      errorGoaway = frame.errorCode !== 0;
    }
  };
  const check = (after: string) => {
    const held = server.heldBytes();
    expect(held, `held after ${after}: ${JSON.stringify(server.held())}`).to.be.at.most(BUDGET);
  };

  // The preface and SETTINGS; the ACK of ours when the adversary decides (its 'ack' primitive), or at once.
  const acks = primitives.some((p) => p.kind === 'ack');
  app.on(server.receive(Buffer.concat([CLIENT_PREFACE, encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] })]), now));
  if (!acks) app.on(server.receive(encodeFrame({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }), now));
  read();
  let cut = false; // after a partial frame, whatever follows would be read as its payload: the adversary only waits
  for (const p of primitives) {
    now += p.kind === 'stall' ? p.ms : 1;
    adversary.now = now;
    if (cut && p.kind !== 'stall' && p.kind !== 'stopReading') continue;
    cut ||= p.kind === 'partialFrame';
    const bytes = adversary.bytes(p);
    if (bytes.length > 0) app.on(server.receive(bytes, now));
    app.on(server.tick(now));
    read();
    app.on(server.takeEvents());
    check(p.kind);
  }

  // The adversary falls silent (reading or not, as it last chose); the application finishes what it holds.
  app.finishAll();
  const silentFrom = now;
  let cutForStalledWrites = false;
  for (let i = 0; i < 50 && !server.finished; i++) {
    read();
    app.on(server.takeEvents());
    if (server.finished) break;
    const held = server.held();
    const writeStall = adversary.deaf && held.control + held.outgoing > 0 ? Math.max(now, adversary.deafSince + WRITE_STALL) : undefined;
    const next = server.nextDeadline;
    expect(next ?? writeStall, `a deadline is pending while the connection lives (after ${primitives.length} steps: ${JSON.stringify(held)})`).to.not.equal(undefined);
    if (writeStall !== undefined && (next === undefined || writeStall <= next)) {
      cutForStalledWrites = true;
      now = writeStall;
      break;
    }
    now = Math.max(now, next!);
    app.on(server.tick(now));
    check('silence');
  }
  expect(server.finished || cutForStalledWrites, 'the silent connection ended').to.equal(true);
  if (process.env.H2WIRE_ADVERSARY_STATS) outcomes.set(outcomeOf(server, cutForStalledWrites), (outcomes.get(outcomeOf(server, cutForStalledWrites)) ?? 0) + 1);
  expect(now - silentFrom, 'within the sum of its deadlines').to.be.at.most(SILENCE_BOUND + WRITE_STALL);
}

const outcomes = new Map<string, number>();
const outcomeOf = (server: Http2Endpoint, cut: boolean) =>
  cut ? 'write stall (server)' : server.closedBy ? `${server.closedBy.codeName}: ${server.closedBy.message.replace(/\d+/g, 'N').slice(0, 60)}` : 'graceful shutdown';

describe('engine robustness property: a hostile peer against the budget and the deadlines', function () {
  this.timeout(600_000);
  it('after every step the engine holds at most limits.maxHeldBytes; a silent peer is cut by a deadline', () => {
    fc.assert(fc.property(fc.array(arbPrimitive, { maxLength: 24, size: 'max' }), run), { numRuns: Number(process.env.H2WIRE_ADVERSARY_RUNS ?? 10_000) });
    if (process.env.H2WIRE_ADVERSARY_STATS) console.log([...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `      ${n}  ${k}`).join('\n'));
  });
});
