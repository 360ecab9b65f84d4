// Conformance of the client engine: a raw-frame "server" writes hand-made
// frames to it and checks the answer (the client is what the CLI and the
// push tests rely on): the error code on the wire and the stable label of
// the error the engine raised (src/protocol-errors.ts).

import { expect } from 'chai';
import { Http2Endpoint } from '../../src/connection/endpoint.js';
import type { EndpointEvent } from '../../src/connection/events.js';
import type { ErrorLabel } from '../../src/error-labels.js';
import { ErrorCode, errorCodeName, type ErrorCodeName } from '../../src/frames/constants.js';
import { decodeFrames } from '../../src/frames/decode.js';
import type { Frame, GoawayFrame } from '../../src/frames/frame.js';
import { formatFrame } from '../../src/frames/format.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import { FrameBuilders, frameBytes, type FrameOrBuilder } from '../../src/testing/frame-builders.js';
import { debugLabel, eventsOf, GET } from './harness.js';

class RawServer {
  readonly client: Http2Endpoint;
  readonly encoder = new HpackEncoder();
  /** Frame builders whose field blocks use this server's HPACK encoder (RFC 9113 §4.3). */
  readonly frames = new FrameBuilders({ encoder: this.encoder });
  events: EndpointEvent[] = [];

  constructor(enablePush = true) {
    this.client = new Http2Endpoint({ role: 'client', settings: { enablePush } });
  }

  /** Write frames (legal or not), each on its own; return what the client answered. */
  write(...frames: FrameOrBuilder[]): Frame[] {
    for (const f of frames) this.events.push(...this.client.receive(frameBytes(f)));
    return this.read();
  }

  read(): Frame[] {
    const out = Buffer.concat(this.client.takeOutput());
    const preface = out.subarray(0, 24).toString() === 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' ? 24 : 0;
    return decodeFrames(out.subarray(preface));
  }

  /** Server SETTINGS, and the ACK of the client's. */
  handshake(): void {
    this.read();
    this.write(this.frames.settings(), this.frames.settings().ack());
  }

  /** The client's answer `got` is GOAWAY `code` (§5.4.1) for the error `label`: in the debug data and in closedBy. */
  expectGoaway(got: Frame[], code: ErrorCodeName, label: ErrorLabel): void {
    const goaway = got.find((f): f is GoawayFrame => f.type === 'GOAWAY');
    expect(goaway, `expected GOAWAY ${code}, got: ${got.map(formatFrame).join('; ') || 'nothing'}`).to.not.equal(undefined);
    const debug = Buffer.from(goaway!.debugData).toString();
    expect(errorCodeName(goaway!.errorCode), debug).to.equal(code);
    expect(debugLabel(goaway!), `label in the GOAWAY debug data "${debug}"`).to.equal(label);
    const closedBy = this.client.closedBy;
    expect(closedBy, 'the engine is closed after a connection error').to.not.equal(undefined);
    expect(closedBy!.codeName).to.equal(code);
    expect(closedBy!.label, `closedBy label (${closedBy!.message})`).to.equal(label);
    expect(closedBy!.initiator).to.equal('engine');
  }

  /** The client's answer `got` is RST_STREAM `code` on `streamId` (§5.4.2) for the error `label`, and the connection goes on. */
  expectRst(got: Frame[], streamId: number, code: ErrorCodeName, label: ErrorLabel): void {
    expect(got).to.deep.include({ type: 'RST_STREAM', streamId, errorCode: ErrorCode[code] });
    expect(got.some((f) => f.type === 'GOAWAY'), 'no GOAWAY for a stream error').to.equal(false);
    expect(this.client.closedBy).to.equal(undefined);
    const error = eventsOf(this.events, 'stream_error').filter((e) => e.error.streamId === streamId).at(-1)?.error;
    expect(error, `a 'stream_error' event for stream ${streamId}`).to.not.equal(undefined);
    expect(error!.codeName).to.equal(code);
    expect(error!.label, `stream_error label (${error!.message})`).to.equal(label);
  }
}

describe('client conformance', () => {
  it('§3.4 a server preface that is not SETTINGS: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.read();
    s.expectGoaway(s.write(s.frames.ping()), 'PROTOCOL_ERROR', 'preface_not_settings');
  });

  it('§6.5.2 a server sending SETTINGS_ENABLE_PUSH=1: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.read();
    s.expectGoaway(s.write(s.frames.settings().enablePush(1)), 'PROTOCOL_ERROR', 'enable_push_from_server');
  });

  it('§6.6 PUSH_PROMISE after the client disabled push: PROTOCOL_ERROR', () => {
    const s = new RawServer(false);
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    const got = s.write(s.frames.pushPromise(1, 2).request('GET', '/a'));
    s.expectGoaway(got, 'PROTOCOL_ERROR', 'push_promise_when_disabled');
  });

  it('§6.6 PUSH_PROMISE on a stream the client did not open: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.handshake();
    const got = s.write(s.frames.pushPromise(3, 2).request('GET', '/a'));
    s.expectGoaway(got, 'PROTOCOL_ERROR', 'push_promise_on_bad_stream');
  });

  it('§5.1.1, §5.1 promised stream ids must increase (a lower id is closed, not idle): PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    s.write(s.frames.pushPromise(1, 4).request('GET', '/a'));
    const got = s.write(s.frames.pushPromise(1, 2).request('GET', '/b'));
    s.expectGoaway(got, 'PROTOCOL_ERROR', 'promised_stream_not_idle');
  });

  it('§8.4.1 a promised request that is not safe: stream error PROTOCOL_ERROR on the promised stream', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    const got = s.write(s.frames.pushPromise(1, 2).request('POST', '/', { ':authority': 'a' }));
    s.expectRst(got, 2, 'PROTOCOL_ERROR', 'push_method_unsafe');
    expect(eventsOf(s.events, 'push_promise')).to.deep.equal([]);
  });

  it('§5.1 HEADERS on a server stream that was never promised: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.handshake();
    const got = s.write(s.frames.headers(2).response(200).endStream());
    s.expectGoaway(got, 'PROTOCOL_ERROR', 'headers_on_unpromised_stream');
  });

  it('§8.6 a 101 response: stream error PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    const got = s.write(s.frames.headers(1).response(101).endStream());
    s.expectRst(got, 1, 'PROTOCOL_ERROR', 'status_101');
  });

  it('receives a promise, then the pushed response, as events', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    s.write(
      s.frames.pushPromise(1, 2).request('GET', '/style.css'),
      s.frames.headers(1).response(200).endStream(),
      s.frames.headers(2).response(200),
      s.frames.data(2, 'body{}').endStream(),
    );
    expect(s.events.map((e) => e.type).filter((t) => t !== 'stream_closed' && t !== 'settings' && t !== 'settings_acked')).to.deep.equal([
      'push_promise',
      'response',
      'response',
      'data',
    ]);
    expect(eventsOf(s.events, 'response')[1]).to.deep.include({ streamId: 2, pushed: true });
  });

  it('§6.8 GOAWAY below an open request: that request is reported refused, safe to retry', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.client.request(GET('/'), { endStream: true });
    s.read();
    s.write(s.frames.goaway(1).noError());
    expect(eventsOf(s.events, 'stream_reset')).to.deep.equal([{ type: 'stream_reset', streamId: 3, errorCode: 7 }]);
    expect(s.client.streamState(1)).to.equal('half_closed_local');
  });
});
