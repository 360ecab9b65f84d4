// Conformance of the server engine, section by section: a raw-frame peer
// writes hand-made (often illegal) frames and asserts the exact answer.

import { expect } from 'chai';
import { CLIENT_PREFACE, SettingId } from '../../src/frames/constants.js';
import { encodeRawFrame } from '../../src/frames/encode.js';
import type { Frame } from '../../src/frames/frame.js';
import { eventsOf, fields, GET, RawPeer } from './harness.js';

const ready = () => {
  const peer = new RawPeer();
  peer.handshake();
  return peer;
};
const bytes = (n: number) => new Uint8Array(n);
const ping = (): Frame => ({ type: 'PING', streamId: 0, ack: false, data: bytes(8) });

describe('conformance §3.4 connection preface', () => {
  it('sends SETTINGS first and ACKs the client SETTINGS', () => {
    const peer = new RawPeer();
    const got = peer.handshake([{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 10 }]);
    expect(got[0]).to.deep.include({ type: 'SETTINGS', ack: false });
    expect(got.some((f) => f.type === 'SETTINGS' && f.ack)).to.equal(true);
  });

  it('an invalid preface is a connection error PROTOCOL_ERROR', () => {
    const peer = new RawPeer();
    peer.writeBytes(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    peer.expectGoaway('PROTOCOL_ERROR');
  });

  it('a preface not followed by SETTINGS is a connection error PROTOCOL_ERROR', () => {
    const peer = new RawPeer();
    peer.writeBytes(CLIENT_PREFACE).write(ping());
    peer.expectGoaway('PROTOCOL_ERROR');
  });

  it('accepts the preface one octet at a time', () => {
    const peer = new RawPeer();
    for (const b of CLIENT_PREFACE) peer.writeBytes(new Uint8Array([b]));
    peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] });
    expect(peer.server.closedBy).to.equal(undefined);
  });
});

describe('conformance §4 frames', () => {
  it('§4.1 ignores unknown frame types, unused flags and the reserved bit', () => {
    const peer = ready();
    peer.writeBytes(encodeRawFrame({ type: 0xfa, flags: 0xff, streamId: 0, payload: bytes(4) }));
    peer.writeBytes(encodeRawFrame({ type: 0x6, flags: 0xfe, streamId: 0, payload: bytes(8), reservedBit: true }));
    // 0xfe lacks the ACK bit (0x1): a PING, answered; the unknown frame, nothing.
    expect(peer.read()).to.deep.equal([{ type: 'PING', streamId: 0, ack: true, data: bytes(8) }]);
    peer.expectAlive();
  });

  it('§4.2 a frame over SETTINGS_MAX_FRAME_SIZE is a connection error FRAME_SIZE_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: bytes(16385) });
    peer.expectGoaway('FRAME_SIZE_ERROR', 1);
  });

  it('§4.3 a field block that does not decode is a connection error COMPRESSION_ERROR', () => {
    const peer = ready();
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: new Uint8Array([0xff]) });
    peer.expectGoaway('COMPRESSION_ERROR');
  });

  it('§4.3 a frame interleaved in a field block is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    const block = peer.encoder.encode(GET('/'));
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: false, headerBlock: block.subarray(0, 2) });
    peer.write(ping());
    peer.expectGoaway('PROTOCOL_ERROR');
  });

  it('§4.3, §6.10 even a frame malformed only for its own stream may not interrupt a field block: PRIORITY of 4 octets', () => {
    // The issue's reproducer, byte for byte: request 1 complete; stream 3's block
    // opened; PRIORITY of length 4 on stream 1 (a stream error on its own, §6.3);
    // then the CONTINUATION that would complete stream 3's block.
    const wire = Buffer.from(
      (
        '505249202a20485454502f322e300d0a0d0a534d0d0a0d0a 000000040000000000 000000040100000000 00000e010500000001 82868401096c6f63616c686f7374 ' +
        '000002010100000003 8286 000004020000000001 00000000 00000c090400000003 8401096c6f63616c686f7374'
      ).replace(/ /g, ''),
      'hex',
    );
    const peer = new RawPeer();
    peer.writeBytes(wire);
    const goaway = peer.expectGoaway('PROTOCOL_ERROR');
    expect(Buffer.from(goaway.debugData).toString()).to.match(/inside the field block of stream 3/);
    expect(eventsOf(peer.events, 'request').map((e) => e.streamId), 'stream 3 is never served').to.deep.equal([1]);
  });

  it('§4.3, §6.10 a zero WINDOW_UPDATE on an open stream inside a field block: connection error PROTOCOL_ERROR, not RST_STREAM', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    const block = peer.encoder.encode(GET('/'));
    peer.write({ type: 'HEADERS', streamId: 3, endStream: true, endHeaders: false, headerBlock: block.subarray(0, 2) });
    peer.write({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 0 });
    const got = peer.read();
    expect(got.filter((f) => f.type === 'RST_STREAM'), 'no stream error first').to.deep.equal([]);
    const goaway = got.find((f) => f.type === 'GOAWAY');
    expect(goaway).to.deep.include({ errorCode: 1 }); // PROTOCOL_ERROR
    peer.write({ type: 'CONTINUATION', streamId: 3, endHeaders: true, headerBlock: block.subarray(2) });
    expect(eventsOf(peer.events, 'request').map((e) => e.streamId)).to.deep.equal([1]);
  });
});

describe('conformance §5.1 stream states', () => {
  it('idle: DATA is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write({ type: 'DATA', streamId: 1, endStream: true, data: bytes(1) });
    peer.expectGoaway('PROTOCOL_ERROR');
  });

  it('idle: RST_STREAM is a connection error PROTOCOL_ERROR (§6.4)', () => {
    const peer = ready();
    peer.write({ type: 'RST_STREAM', streamId: 1, errorCode: 8 });
    peer.expectGoaway('PROTOCOL_ERROR');
  });

  it('idle: WINDOW_UPDATE is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 1 });
    peer.expectGoaway('PROTOCOL_ERROR');
  });

  it('idle: PRIORITY is allowed and does not open the stream', () => {
    const peer = ready();
    peer.write({ type: 'PRIORITY', streamId: 5, priority: { exclusive: false, dependsOn: 0, weight: 16 } });
    expect(peer.server.streamState(5)).to.equal(undefined);
    peer.write(peer.headers(3, GET('/')));
    expect(eventsOf(peer.events, 'request')).to.have.length(1);
  });

  it('half-closed (remote): DATA is a stream error STREAM_CLOSED', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), true));
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: bytes(1) });
    peer.expectRst(1, 'STREAM_CLOSED');
    peer.expectAlive();
  });

  it('half-closed (remote): HEADERS is a stream error STREAM_CLOSED', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), true));
    peer.write(peer.headers(1, fields({ 'x-late': '1' }), true));
    peer.expectRst(1, 'STREAM_CLOSED');
  });

  it('closed: DATA is a stream error STREAM_CLOSED; WINDOW_UPDATE and RST_STREAM are ignored', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), true));
    peer.server.respond(1, fields({ ':status': '204' }), { endStream: true });
    peer.read();
    expect(peer.server.streamState(1)).to.equal('closed');
    peer.write({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 100 }, { type: 'RST_STREAM', streamId: 1, errorCode: 8 });
    expect(peer.read()).to.deep.equal([]);
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: bytes(1) });
    peer.expectRst(1, 'STREAM_CLOSED');
  });

  it('closed: HEADERS is a connection error STREAM_CLOSED', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), true));
    peer.server.respond(1, fields({ ':status': '204' }), { endStream: true });
    peer.read();
    peer.write(peer.headers(1, GET('/'), true));
    peer.expectGoaway('STREAM_CLOSED');
  });

  it('after we reset a stream, frames the client had in flight are ignored, and their DATA still counts for flow control', () => {
    const peer = new RawPeer({ connectionWindowSize: 65535 });
    peer.handshake();
    peer.write(peer.headers(1, GET('/'), false));
    peer.server.resetStream(1, 8);
    peer.read();
    const chunk: Frame = { type: 'DATA', streamId: 1, endStream: false, data: bytes(16000) };
    peer.write(chunk, chunk, chunk);
    peer.write(peer.headers(1, fields({ 'x-trailer': '1' }), true));
    // §6.9: the ignored DATA is credited back on the connection, nothing else is said.
    expect(peer.read()).to.deep.equal([{ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 48000 }]);
    peer.expectAlive();
  });

  it('a stream closed long ago (forgotten): DATA is STREAM_CLOSED, HEADERS an unexpected id (§5.1.1)', () => {
    const peer = new RawPeer({ limits: { closedStreamsRemembered: 2 } });
    peer.handshake();
    for (const id of [1, 3, 5, 7]) {
      peer.write(peer.headers(id, GET('/'), true));
      peer.server.respond(id, fields({ ':status': '204' }), { endStream: true });
    }
    peer.read();
    expect(peer.server.streamState(1)).to.equal(undefined); // forgotten
    peer.write({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 1 });
    expect(peer.read()).to.deep.equal([]);
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: bytes(1) });
    peer.expectRst(1, 'STREAM_CLOSED');
    peer.write(peer.headers(3, GET('/'), true));
    peer.expectGoaway('PROTOCOL_ERROR', 7);
  });

  it('§5.1.1 an even stream id from a client is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(2, GET('/')));
    peer.expectGoaway('PROTOCOL_ERROR');
  });

  it('§5.1.1 a stream id lower than one already used is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(5, GET('/')));
    peer.write(peer.headers(3, GET('/')));
    peer.expectGoaway('PROTOCOL_ERROR', 5);
  });

  it('§5.1.2 a stream over MAX_CONCURRENT_STREAMS is refused with REFUSED_STREAM', () => {
    const peer = new RawPeer({ settings: { maxConcurrentStreams: 2 } });
    peer.handshake();
    peer.write(peer.headers(1, GET('/'), true), peer.headers(3, GET('/'), true), peer.headers(5, GET('/'), true));
    peer.expectRst(5, 'REFUSED_STREAM');
    expect(eventsOf(peer.events, 'request').map((e) => e.streamId)).to.deep.equal([1, 3]);
  });
});

describe('conformance §5.4 error handling', () => {
  it('after a connection error nothing more is processed', () => {
    const peer = ready();
    peer.write({ type: 'DATA', streamId: 0, endStream: false, data: bytes(1) });
    peer.expectGoaway('PROTOCOL_ERROR');
    peer.write(ping());
    expect(peer.read()).to.deep.equal([]);
  });

  it('§5.5 unknown SETTINGS identifiers are ignored', () => {
    const peer = ready();
    peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 0x99, value: 7 }] });
    expect(peer.read()).to.deep.equal([{ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }]);
  });
});

describe('conformance §6 frame definitions', () => {
  const connectionCases: Array<[string, string, Frame | Uint8Array]> = [
    ['§6.1 DATA on stream 0', 'PROTOCOL_ERROR', { type: 'DATA', streamId: 0, endStream: false, data: bytes(1) }],
    ['§6.2 HEADERS on stream 0', 'PROTOCOL_ERROR', { type: 'HEADERS', streamId: 0, endStream: true, endHeaders: true, headerBlock: new Uint8Array([0x82]) }],
    ['§6.3 PRIORITY on stream 0', 'PROTOCOL_ERROR', { type: 'PRIORITY', streamId: 0, priority: { exclusive: false, dependsOn: 1, weight: 1 } }],
    ['§6.4 RST_STREAM on stream 0', 'PROTOCOL_ERROR', { type: 'RST_STREAM', streamId: 0, errorCode: 0 }],
    ['§6.4 RST_STREAM of 3 octets', 'FRAME_SIZE_ERROR', encodeRawFrame({ type: 3, flags: 0, streamId: 1, payload: bytes(3) })],
    ['§6.5 SETTINGS ACK with a payload', 'FRAME_SIZE_ERROR', encodeRawFrame({ type: 4, flags: 1, streamId: 0, payload: bytes(6) })],
    ['§6.5 SETTINGS on stream 1', 'PROTOCOL_ERROR', { type: 'SETTINGS', streamId: 1, ack: false, settings: [] }],
    ['§6.5 SETTINGS of 5 octets', 'FRAME_SIZE_ERROR', encodeRawFrame({ type: 4, flags: 0, streamId: 0, payload: bytes(5) })],
    ['§6.5.2 ENABLE_PUSH=2', 'PROTOCOL_ERROR', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 2, value: 2 }] }],
    ['§6.5.2 INITIAL_WINDOW_SIZE=2^31', 'FLOW_CONTROL_ERROR', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 4, value: 2 ** 31 }] }],
    ['§6.5.2 MAX_FRAME_SIZE=16383', 'PROTOCOL_ERROR', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 5, value: 16383 }] }],
    ['§6.5.2 MAX_FRAME_SIZE=2^24', 'PROTOCOL_ERROR', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 5, value: 2 ** 24 }] }],
    ['§6.7 PING on stream 1', 'PROTOCOL_ERROR', { type: 'PING', streamId: 1, ack: false, data: bytes(8) }],
    ['§6.7 PING of 7 octets', 'FRAME_SIZE_ERROR', encodeRawFrame({ type: 6, flags: 0, streamId: 0, payload: bytes(7) })],
    ['§6.8 GOAWAY on stream 1', 'PROTOCOL_ERROR', { type: 'GOAWAY', streamId: 1, lastStreamId: 0, errorCode: 0, debugData: bytes(0) }],
    ['§6.9 WINDOW_UPDATE of 0 on the connection', 'PROTOCOL_ERROR', { type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 0 }],
    ['§6.9 WINDOW_UPDATE of 3 octets', 'FRAME_SIZE_ERROR', encodeRawFrame({ type: 8, flags: 0, streamId: 0, payload: bytes(3) })],
    ['§6.9.1 connection window past 2^31-1', 'FLOW_CONTROL_ERROR', { type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 0x7fffffff }],
    ['§6.10 CONTINUATION without HEADERS', 'PROTOCOL_ERROR', { type: 'CONTINUATION', streamId: 1, endHeaders: true, headerBlock: new Uint8Array([0x82]) }],
    ['§8.4 PUSH_PROMISE from a client', 'PROTOCOL_ERROR', { type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId: 2, headerBlock: new Uint8Array([0x82]) }],
  ];
  for (const [name, code, frame] of connectionCases) {
    it(`${name}: connection error ${code}`, () => {
      const peer = ready();
      if (frame instanceof Uint8Array) peer.writeBytes(frame);
      else peer.write(frame);
      peer.expectGoaway(code);
    });
  }

  it('§6.1 DATA whose padding fills the payload: connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    peer.writeBytes(encodeRawFrame({ type: 0, flags: 0x8, streamId: 1, payload: new Uint8Array([6, 1, 2, 3, 4, 5]) }));
    peer.expectGoaway('PROTOCOL_ERROR', 1);
  });

  it('§6.2 HEADERS depending on its own stream: stream error PROTOCOL_ERROR', () => {
    const peer = ready();
    const block = peer.encoder.encode(GET('/'));
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: block, priority: { exclusive: false, dependsOn: 1, weight: 16 } });
    peer.expectRst(1, 'PROTOCOL_ERROR');
    peer.write(peer.headers(3, GET('/'))); // HPACK still in step
    expect(eventsOf(peer.events, 'request').map((e) => e.streamId)).to.deep.equal([3]);
  });

  it('§6.3 PRIORITY of 4 octets on an open stream: stream error FRAME_SIZE_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    peer.writeBytes(encodeRawFrame({ type: 2, flags: 0, streamId: 1, payload: bytes(4) }));
    peer.expectRst(1, 'FRAME_SIZE_ERROR');
  });

  it('§6.5 SETTINGS are acknowledged and applied in order, the last value winning', () => {
    const peer = ready();
    peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 3, value: 5 }, { id: 3, value: 7 }] });
    expect(peer.read()).to.deep.equal([{ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }]);
    expect(peer.server.peerSettings.maxConcurrentStreams).to.equal(7);
  });

  it('§6.7 PING is answered with an ACK carrying the same data; a PING ACK is not answered', () => {
    const peer = ready();
    const data = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2]);
    peer.write({ type: 'PING', streamId: 0, ack: false, data });
    expect(peer.read()).to.deep.equal([{ type: 'PING', streamId: 0, ack: true, data }]);
    peer.write({ type: 'PING', streamId: 0, ack: true, data });
    expect(peer.read()).to.deep.equal([]);
  });

  it('§6.9 WINDOW_UPDATE of 0 on a stream: stream error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    peer.write({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 0 });
    peer.expectRst(1, 'PROTOCOL_ERROR');
  });

  it('§6.9.1 a stream window past 2^31-1: stream error FLOW_CONTROL_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    peer.write({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 0x7fffffff });
    peer.expectRst(1, 'FLOW_CONTROL_ERROR');
  });

  it('§6.9.1 a stream window past 2^31-1 in half-closed (local), after the whole response: stream error FLOW_CONTROL_ERROR', () => {
    // §5.1: in half-closed (local) any frame may be received, and a WINDOW_UPDATE still counts.
    const peer = ready();
    peer.write(peer.headers(1, GET('/style.css'), false));
    peer.server.respond(1, fields({ ':status': '200' }));
    peer.server.sendData(1, new TextEncoder().encode('body{}'), { endStream: true });
    expect(peer.read().at(-1)).to.deep.include({ type: 'DATA', endStream: true });
    expect(peer.server.streamState(1)).to.equal('half_closed_local');
    peer.write({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 0x7fffffff }); // 65,529 + 2^31-1 > 2^31-1
    peer.expectRst(1, 'FLOW_CONTROL_ERROR');
  });

  it('§6.9.1 DATA beyond the stream window: stream error FLOW_CONTROL_ERROR', () => {
    const peer = new RawPeer({ settings: { initialWindowSize: 100 } });
    peer.handshake();
    peer.write(peer.headers(1, GET('/'), false));
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: bytes(101) });
    peer.expectRst(1, 'FLOW_CONTROL_ERROR');
  });

  it('§6.9.2 an INITIAL_WINDOW_SIZE that overflows a stream window: connection error FLOW_CONTROL_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    peer.write({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 0x7fffffff - 65535 });
    peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 4, value: 65536 }] });
    peer.expectGoaway('FLOW_CONTROL_ERROR');
  });

  it('§6.10 HEADERS + CONTINUATION make one field block; CONTINUATION on another stream is PROTOCOL_ERROR', () => {
    const peer = ready();
    const block = peer.encoder.encode(GET('/split'));
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: false, headerBlock: block.subarray(0, 3) });
    peer.write({ type: 'CONTINUATION', streamId: 1, endHeaders: true, headerBlock: block.subarray(3) });
    expect(eventsOf(peer.events, 'request')[0]!.headers.find((f) => f.name === ':path')!.value).to.equal('/split');
    const block2 = peer.encoder.encode(GET('/'));
    peer.write({ type: 'HEADERS', streamId: 3, endStream: true, endHeaders: false, headerBlock: block2.subarray(0, 2) });
    peer.write({ type: 'CONTINUATION', streamId: 5, endHeaders: true, headerBlock: block2.subarray(2) });
    peer.expectGoaway('PROTOCOL_ERROR');
  });
});

describe('conformance §8 HTTP semantics', () => {
  const malformed: Array<[string, Array<[string, string]>]> = [
    ['§8.2 an uppercase field name', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/'], ['X-Upper', '1']]],
    ['§8.2.2 a connection-specific field', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/'], ['connection', 'close']]],
    ['§8.2.2 te other than trailers', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/'], ['te', 'gzip']]],
    ['§8.3 a pseudo-header after a regular field', [[':method', 'GET'], [':scheme', 'https'], ['accept', '*/*'], [':path', '/']]],
    ['§8.3 an unknown pseudo-header', [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':foo', 'x']]],
    ['§8.3.1 no :method', [[':scheme', 'https'], [':authority', 'a'], [':path', '/']]],
    ['§8.3.1 two :path', [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':path', '/']]],
    ['§8.3.1 an empty :path', [[':method', 'GET'], [':scheme', 'https'], [':path', '']]],
  ];
  for (const [name, list] of malformed) {
    it(`${name}: stream error PROTOCOL_ERROR, connection goes on`, () => {
      const peer = ready();
      peer.write(peer.headers(1, fields(list)));
      peer.expectRst(1, 'PROTOCOL_ERROR');
      expect(eventsOf(peer.events, 'request')).to.have.length(0);
      peer.write(peer.headers(3, GET('/')));
      expect(eventsOf(peer.events, 'request')).to.have.length(1);
    });
  }

  it('§8.1 a second HEADERS without END_STREAM: stream error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    peer.write(peer.headers(1, fields({ 'x-trailer': '1' }), false));
    peer.expectRst(1, 'PROTOCOL_ERROR');
  });

  it('§8.1 trailers with a pseudo-header: stream error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.headers(1, GET('/'), false));
    peer.write(peer.headers(1, fields({ ':status': '200' }), true));
    peer.expectRst(1, 'PROTOCOL_ERROR');
  });
});
