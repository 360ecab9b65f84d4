// Test harnesses for the engine: an in-memory client <-> server pair, and a
// raw-frame peer that writes hand-made (also illegal) frames to a server
// engine and reads back exactly the frames it answers with.

import { expect } from 'chai';
import { Http2Endpoint } from '../../src/connection/endpoint.js';
import type { EndpointOptions } from '../../src/connection/options.js';
import type { EndpointEvent } from '../../src/connection/events.js';
import type { ErrorLabel } from '../../src/error-labels.js';
import { CLIENT_PREFACE, type ErrorCodeName, errorCodeName } from '../../src/frames/constants.js';
import { FrameDecoder } from '../../src/frames/decode.js';
import type { Frame, GoawayFrame, RstStreamFrame } from '../../src/frames/frame.js';
import { formatFrame } from '../../src/frames/format.js';
import { HpackDecoder } from '../../src/hpack/decoder.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import type { HeaderField } from '../../src/hpack/header-list.js';
import { FrameBuilders, frameBytes, type FrameOrBuilder } from '../../src/testing/frame-builders.js';

export const fields = (obj: Record<string, string> | Array<[string, string]>): HeaderField[] =>
  (Array.isArray(obj) ? obj : Object.entries(obj)).map(([name, value]) => ({ name, value }));

export const GET = (path = '/', extra: Record<string, string> = {}): HeaderField[] =>
  fields({ ':method': 'GET', ':scheme': 'https', ':authority': 'example.com', ':path': path, ...extra });

export type Chunker = (bytes: Uint8Array) => Uint8Array[];

export class Pair {
  readonly client: Http2Endpoint;
  readonly server: Http2Endpoint;
  readonly clientEvents: EndpointEvent[] = [];
  readonly serverEvents: EndpointEvent[] = [];
  readonly #toServer: Uint8Array[] = [];
  readonly #toClient: Uint8Array[] = [];
  #turn = 0;

  /**
   * `chunk` splits each transmission; `interleave`, if given, is cycled
   * through to decide, each round, how many pending chunks each side delivers
   * (at least one) and which side goes first: the two byte streams then
   * interleave in arbitrary ways, as on a real network.
   */
  constructor(
    clientOptions: Partial<EndpointOptions> = {},
    serverOptions: Partial<EndpointOptions> = {},
    private readonly chunk: Chunker = (b) => [b],
    private readonly interleave: number[] = [],
  ) {
    this.client = new Http2Endpoint({ ...clientOptions, role: 'client' });
    this.server = new Http2Endpoint({ ...serverOptions, role: 'server' });
  }

  #next(): number {
    const v = this.interleave.length ? this.interleave[this.#turn % this.interleave.length]! : 1 << 30;
    this.#turn++;
    return v;
  }

  /** Move bytes both ways until neither side has anything to say. Returns the events of this pump. */
  pump(maxRounds = 100000): { client: EndpointEvent[]; server: EndpointEvent[] } {
    const got = { client: [] as EndpointEvent[], server: [] as EndpointEvent[] };
    for (let round = 0; round < maxRounds; round++) {
      for (const b of this.client.takeOutput()) if (b.length) this.#toServer.push(...this.chunk(b));
      for (const b of this.server.takeOutput()) if (b.length) this.#toClient.push(...this.chunk(b));
      got.client.push(...this.client.takeEvents());
      got.server.push(...this.server.takeEvents());
      if (this.#toServer.length === 0 && this.#toClient.length === 0) {
        this.clientEvents.push(...got.client);
        this.serverEvents.push(...got.server);
        return got;
      }
      const decision = this.#next();
      const deliver = (queue: Uint8Array[], to: Http2Endpoint, into: EndpointEvent[]) => {
        for (let n = Math.max(1, decision >> 1); n > 0 && queue.length; n--) into.push(...to.receive(queue.shift()!));
      };
      if (decision & 1) {
        deliver(this.#toClient, this.client, got.client);
        deliver(this.#toServer, this.server, got.server);
      } else {
        deliver(this.#toServer, this.server, got.server);
        deliver(this.#toClient, this.client, got.client);
      }
    }
    throw new Error('pair did not go quiet');
  }
}

export const eventsOf = <T extends EndpointEvent['type']>(events: readonly EndpointEvent[], type: T) =>
  events.filter((e): e is Extract<EndpointEvent, { type: T }> => e.type === type);

/** What expectGoaway checks besides the error code. */
export interface GoawayExpectation {
  /**
   * The stable label of the error (src/protocol-errors.ts): the GOAWAY's
   * debug data starts with "<label>: " and the engine's closedBy has it.
   */
  label?: ErrorLabel;
  /** §6.8: the GOAWAY's Last-Stream-ID. */
  lastStreamId?: number;
  /** Look among these frames, already read, instead of reading now. */
  among?: Frame[];
}

/** What expectRst checks besides the error code. */
export interface RstExpectation {
  /** The stable label of the stream error, as the 'stream_error' event reports it. */
  label?: ErrorLabel;
}

/** The label at the start of a GOAWAY's debug data ("<label>: <message>", core.ts). */
export const debugLabel = (goaway: GoawayFrame): string => Buffer.from(goaway.debugData).toString('utf8').split(':', 1)[0]!;

/**
 * A client that speaks raw frames to a server engine, like Go's server test
 * harness: write frames (legal or not, Frame objects or builders from
 * `peer.frames`), then assert the frames that come back.
 */
export class RawPeer {
  readonly server: Http2Endpoint;
  readonly events: EndpointEvent[] = [];
  readonly encoder = new HpackEncoder();
  readonly decoder = new HpackDecoder();
  /** Frame builders whose field blocks use this peer's HPACK encoder, so the server's decoder stays in step (RFC 9113 §4.3). */
  readonly frames = new FrameBuilders({ encoder: this.encoder });
  readonly #frames = new FrameDecoder({ maxFrameSize: 16777215 });
  #received: Frame[] = [];

  constructor(options: Partial<EndpointOptions> = {}) {
    this.server = new Http2Endpoint({ ...options, role: 'server' });
  }

  /** Send the preface and an empty SETTINGS, ACK the server's; return what the server said. */
  handshake(settings: Array<{ id: number; value: number }> = []): Frame[] {
    this.writeBytes(CLIENT_PREFACE);
    this.write(this.frames.settings(settings));
    const got = this.read();
    expect(got[0]?.type, 'server preface starts with SETTINGS (§3.4)').to.equal('SETTINGS');
    this.write(this.frames.settings().ack());
    got.push(...this.read());
    return got;
  }

  writeBytes(bytes: Uint8Array): this {
    this.events.push(...this.server.receive(bytes));
    this.#pull();
    return this;
  }

  /** Write frames, legal or not: Frame objects (encoded with allowIllegal) or builders, each delivered on its own. */
  write(...frames: FrameOrBuilder[]): this {
    for (const f of frames) this.writeBytes(frameBytes(f));
    return this;
  }

  #pull(): void {
    const out = Buffer.concat(this.server.takeOutput());
    this.events.push(...this.server.takeEvents());
    this.#frames.push(out);
    this.#received.push(...this.#frames.frames());
  }

  /** Frames the server sent since the last read. */
  read(): Frame[] {
    this.#pull();
    const got = this.#received;
    this.#received = [];
    return got;
  }

  /** A request's HEADERS frame with our HPACK encoder. */
  headers(streamId: number, list: HeaderField[], endStream = true): Frame {
    return this.frames.headers(streamId).fields(list).endStream(endStream).frame();
  }

  /**
   * The server answered with GOAWAY `code` (§5.4.1) and is closed. With a
   * label, the error is that one: in the GOAWAY's debug data and in closedBy.
   */
  expectGoaway(code: ErrorCodeName, expected: GoawayExpectation = {}): GoawayFrame {
    const got = expected.among ?? this.read();
    const goaway = got.find((f): f is GoawayFrame => f.type === 'GOAWAY');
    expect(goaway, `expected GOAWAY ${code}, got: ${got.map(formatFrame).join('; ') || 'nothing'}`).to.not.equal(undefined);
    const debug = Buffer.from(goaway!.debugData).toString();
    expect(errorCodeName(goaway!.errorCode), debug).to.equal(code);
    if (expected.lastStreamId !== undefined) expect(goaway!.lastStreamId, 'GOAWAY Last-Stream-ID (§6.8)').to.equal(expected.lastStreamId);
    const closedBy = this.server.closedBy;
    expect(closedBy, 'the engine is closed after a connection error').to.not.equal(undefined);
    expect(closedBy!.codeName, 'closedBy code').to.equal(code);
    expect(closedBy!.initiator, 'closed by the engine, for what the peer did').to.equal('engine');
    if (expected.label !== undefined) {
      expect(debugLabel(goaway!), `label in the GOAWAY debug data "${debug}"`).to.equal(expected.label);
      expect(closedBy!.label, `closedBy label (${closedBy!.message})`).to.equal(expected.label);
    }
    return goaway!;
  }

  /**
   * The server answered with RST_STREAM `code` on `streamId` (§5.4.2), and
   * the connection goes on. With a label, the 'stream_error' event for
   * that stream carries it.
   */
  expectRst(streamId: number, code: ErrorCodeName, expected: RstExpectation = {}): RstStreamFrame {
    const got = this.read();
    const rst = got.find((f): f is RstStreamFrame => f.type === 'RST_STREAM' && f.streamId === streamId);
    expect(rst, `expected RST_STREAM ${code} on ${streamId}, got: ${got.map(formatFrame).join('; ') || 'nothing'}`).to.not.equal(undefined);
    expect(errorCodeName(rst!.errorCode)).to.equal(code);
    expect(got.some((f) => f.type === 'GOAWAY'), 'no GOAWAY for a stream error').to.equal(false);
    expect(this.server.closedBy).to.equal(undefined);
    if (expected.label !== undefined) {
      const error = eventsOf(this.events, 'stream_error').filter((e) => e.error.streamId === streamId).at(-1)?.error;
      expect(error, `a 'stream_error' event for stream ${streamId}`).to.not.equal(undefined);
      expect(error!.codeName, 'stream_error code').to.equal(code);
      expect(error!.label, `stream_error label (${error!.message})`).to.equal(expected.label);
    }
    return rst!;
  }

  /** The connection is still alive: a PING is answered. */
  expectAlive(): void {
    this.read();
    const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    this.write(this.frames.ping(data));
    const got = this.read();
    expect(got.some((f) => f.type === 'PING' && f.ack), `PING answered, got: ${got.map(formatFrame).join('; ')}`).to.equal(true);
  }
}
