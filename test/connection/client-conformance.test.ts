// Conformance of the client engine: a raw-frame "server" writes hand-made
// frames to it and checks the answer (the client is what the CLI and the
// push tests rely on).

import { expect } from 'chai';
import { Http2Endpoint } from '../../src/connection/endpoint.js';
import type { EndpointEvent } from '../../src/connection/events.js';
import { errorCodeName } from '../../src/frames/constants.js';
import { decodeFrames } from '../../src/frames/decode.js';
import { encodeFrame } from '../../src/frames/encode.js';
import type { Frame } from '../../src/frames/frame.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import { eventsOf, fields, GET } from './harness.js';

class RawServer {
  readonly client: Http2Endpoint;
  readonly encoder = new HpackEncoder();
  events: EndpointEvent[] = [];

  constructor(enablePush = true) {
    this.client = new Http2Endpoint({ role: 'client', settings: { enablePush } });
  }

  write(...frames: Frame[]): Frame[] {
    for (const f of frames) this.events.push(...this.client.receive(encodeFrame(f, { allowIllegal: true })));
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
    this.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] }, { type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
  }

  block(list: ReturnType<typeof fields>): Uint8Array {
    return this.encoder.encode(list);
  }
}

const goawayCode = (frames: Frame[]) => {
  const g = frames.find((f) => f.type === 'GOAWAY');
  return g && errorCodeName(g.errorCode);
};

describe('client conformance', () => {
  it('§3.4 a server preface that is not SETTINGS: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.read();
    expect(goawayCode(s.write({ type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) }))).to.equal('PROTOCOL_ERROR');
  });

  it('§6.5.2 a server sending SETTINGS_ENABLE_PUSH=1: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.read();
    expect(goawayCode(s.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 2, value: 1 }] }))).to.equal('PROTOCOL_ERROR');
  });

  it('§6.6 PUSH_PROMISE after the client disabled push: PROTOCOL_ERROR', () => {
    const s = new RawServer(false);
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    const got = s.write({ type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId: 2, headerBlock: s.block(GET('/a')) });
    expect(goawayCode(got)).to.equal('PROTOCOL_ERROR');
  });

  it('§6.6 PUSH_PROMISE on a stream the client did not open: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.handshake();
    const got = s.write({ type: 'PUSH_PROMISE', streamId: 3, endHeaders: true, promisedStreamId: 2, headerBlock: s.block(GET('/a')) });
    expect(goawayCode(got)).to.equal('PROTOCOL_ERROR');
  });

  it('§5.1.1 promised stream ids must increase: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    s.write({ type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId: 4, headerBlock: s.block(GET('/a')) });
    const got = s.write({ type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId: 2, headerBlock: s.block(GET('/b')) });
    expect(goawayCode(got)).to.equal('PROTOCOL_ERROR');
  });

  it('§8.4.1 a promised request that is not safe: stream error PROTOCOL_ERROR on the promised stream', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    const post = fields({ ':method': 'POST', ':scheme': 'https', ':authority': 'a', ':path': '/' });
    const got = s.write({ type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId: 2, headerBlock: s.block(post) });
    expect(got).to.deep.include({ type: 'RST_STREAM', streamId: 2, errorCode: 1 });
    expect(eventsOf(s.events, 'push_promise')).to.deep.equal([]);
  });

  it('§5.1 HEADERS on a server stream that was never promised: PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.handshake();
    const got = s.write({ type: 'HEADERS', streamId: 2, endStream: true, endHeaders: true, headerBlock: s.block(fields({ ':status': '200' })) });
    expect(goawayCode(got)).to.equal('PROTOCOL_ERROR');
  });

  it('§8.6 a 101 response: stream error PROTOCOL_ERROR', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    const got = s.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: s.block(fields({ ':status': '101' })) });
    expect(got).to.deep.include({ type: 'RST_STREAM', streamId: 1, errorCode: 1 });
  });

  it('receives a promise, then the pushed response, as events', () => {
    const s = new RawServer();
    s.handshake();
    s.client.request(GET('/'), { endStream: true });
    s.read();
    s.write(
      { type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId: 2, headerBlock: s.block(GET('/style.css')) },
      { type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: s.block(fields({ ':status': '200' })) },
      { type: 'HEADERS', streamId: 2, endStream: false, endHeaders: true, headerBlock: s.block(fields({ ':status': '200' })) },
      { type: 'DATA', streamId: 2, endStream: true, data: new TextEncoder().encode('body{}') },
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
    s.write({ type: 'GOAWAY', streamId: 0, lastStreamId: 1, errorCode: 0, debugData: new Uint8Array(0) });
    expect(eventsOf(s.events, 'stream_reset')).to.deep.equal([{ type: 'stream_reset', streamId: 3, errorCode: 7 }]);
    expect(s.client.streamState(1)).to.equal('half_closed_local');
  });
});
