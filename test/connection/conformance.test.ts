// Conformance of the server engine, section by section: a raw-frame peer
// writes hand-made (often illegal) frames and asserts the exact answer: the
// error code on the wire and the stable label of the error the engine
// raised (src/protocol-errors.ts), so a test fails if the right code comes
// for the wrong reason.

import { expect } from 'chai';
import { CLIENT_PREFACE, SettingId } from '../../src/frames/constants.js';
import type { ErrorLabel } from '../../src/error-labels.js';
import type { ErrorCodeName } from '../../src/frames/constants.js';
import { frames, type FrameOrBuilder } from '../../src/testing/frame-builders.js';
import { eventsOf, fields, RawPeer } from './harness.js';

const ready = () => {
  const peer = new RawPeer();
  peer.handshake();
  return peer;
};
const bytes = (n: number) => new Uint8Array(n);

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
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'preface_invalid' });
  });

  it('a preface not followed by SETTINGS is a connection error PROTOCOL_ERROR', () => {
    const peer = new RawPeer();
    peer.writeBytes(CLIENT_PREFACE).write(frames.ping());
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'preface_not_settings' });
  });

  it('accepts the preface one octet at a time', () => {
    const peer = new RawPeer();
    for (const b of CLIENT_PREFACE) peer.writeBytes(new Uint8Array([b]));
    peer.write(frames.settings());
    expect(peer.server.closedBy).to.equal(undefined);
  });
});

describe('conformance §4 frames', () => {
  it('§4.1 ignores unknown frame types, unused flags and the reserved bit', () => {
    const peer = ready();
    peer.write(frames.unknown(0xfa).flags(0xff).payload(bytes(4)));
    // 0xfe lacks the ACK bit (0x1): a PING, answered; the unknown frame, nothing.
    peer.write(frames.ping(bytes(8)).raw().flags(0xfe).reservedBit());
    expect(peer.read()).to.deep.equal([{ type: 'PING', streamId: 0, ack: true, data: bytes(8) }]);
    peer.expectAlive();
  });

  it('§4.2 a frame over SETTINGS_MAX_FRAME_SIZE is a connection error FRAME_SIZE_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.write(frames.data(1, bytes(16385)));
    peer.expectGoaway('FRAME_SIZE_ERROR', { label: 'frame_too_large', lastStreamId: 1 });
  });

  it('§4.3 a field block that does not decode is a connection error COMPRESSION_ERROR', () => {
    const peer = ready();
    // 0xff: an indexed field whose 7-bit index says "more octets follow" (RFC 7541 §5.1), and none do.
    peer.write(frames.headers(1).block([0xff]).endStream());
    peer.expectGoaway('COMPRESSION_ERROR', { label: 'hpack_truncated' });
  });

  it('§4.3 a frame interleaved in a field block is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    const [headers] = peer.frames.headers(1).request('GET', '/').endStream().splitBlock(2);
    peer.write(headers);
    peer.write(frames.ping());
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'field_block_interrupted' });
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
    const goaway = peer.expectGoaway('PROTOCOL_ERROR', { label: 'field_block_interrupted' });
    expect(Buffer.from(goaway.debugData).toString()).to.match(/inside the field block of stream 3/);
    expect(eventsOf(peer.events, 'request').map((e) => e.streamId), 'stream 3 is never served').to.deep.equal([1]);
  });

  it('§4.3, §6.10 a zero WINDOW_UPDATE on an open stream inside a field block: connection error PROTOCOL_ERROR, not RST_STREAM', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    const [headers, continuation] = peer.frames.headers(3).request('GET', '/').endStream().splitBlock(2);
    peer.write(headers);
    peer.write(frames.windowUpdate(1, 0));
    const got = peer.read();
    expect(got.filter((f) => f.type === 'RST_STREAM'), 'no stream error first').to.deep.equal([]);
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'field_block_interrupted', among: got });
    peer.write(continuation);
    expect(eventsOf(peer.events, 'request').map((e) => e.streamId)).to.deep.equal([1]);
  });
});

describe('conformance §5.1 stream states', () => {
  it('idle: DATA is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(frames.data(1, bytes(1)).endStream());
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'frame_on_idle_stream' });
  });

  it('idle: RST_STREAM is a connection error PROTOCOL_ERROR (§6.4)', () => {
    const peer = ready();
    peer.write(frames.rstStream(1).cancel());
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'frame_on_idle_stream' });
  });

  it('idle: WINDOW_UPDATE is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(frames.windowUpdate(1, 1));
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'frame_on_idle_stream' });
  });

  it('idle: PRIORITY is allowed and does not open the stream', () => {
    const peer = ready();
    peer.write(frames.priority(5));
    expect(peer.server.streamState(5)).to.equal(undefined);
    peer.write(peer.frames.headers(3).request('GET', '/').endStream());
    expect(eventsOf(peer.events, 'request')).to.have.length(1);
  });

  it('half-closed (remote): DATA is a stream error STREAM_CLOSED', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/').endStream());
    peer.write(frames.data(1, bytes(1)));
    peer.expectRst(1, 'STREAM_CLOSED', { label: 'frame_after_end_stream' });
    peer.expectAlive();
  });

  it('half-closed (remote): HEADERS is a stream error STREAM_CLOSED', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/').endStream());
    peer.write(peer.frames.headers(1).fields({ 'x-late': '1' }).endStream());
    peer.expectRst(1, 'STREAM_CLOSED', { label: 'frame_after_end_stream' });
  });

  it('closed: DATA is a stream error STREAM_CLOSED; WINDOW_UPDATE and RST_STREAM are ignored', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/').endStream());
    peer.server.respond(1, fields({ ':status': '204' }), { endStream: true });
    peer.read();
    expect(peer.server.streamState(1)).to.equal('closed');
    peer.write(frames.windowUpdate(1, 100), frames.rstStream(1).cancel());
    expect(peer.read()).to.deep.equal([]);
    peer.write(frames.data(1, bytes(1)));
    peer.expectRst(1, 'STREAM_CLOSED', { label: 'data_on_closed_stream' });
  });

  it('closed: HEADERS is a connection error STREAM_CLOSED', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/').endStream());
    peer.server.respond(1, fields({ ':status': '204' }), { endStream: true });
    peer.read();
    peer.write(peer.frames.headers(1).request('GET', '/').endStream());
    peer.expectGoaway('STREAM_CLOSED', { label: 'headers_on_closed_stream' });
  });

  it('after we reset a stream, frames the client had in flight are ignored, and their DATA still counts for flow control', () => {
    const peer = new RawPeer({ connectionWindowSize: 65535 });
    peer.handshake();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.server.resetStream(1, 8);
    peer.read();
    const chunk = frames.data(1, bytes(16000));
    peer.write(chunk, chunk, chunk);
    peer.write(peer.frames.headers(1).fields({ 'x-trailer': '1' }).endStream());
    // §6.9: the ignored DATA is credited back on the connection, nothing else is said.
    expect(peer.read()).to.deep.equal([{ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 48000 }]);
    peer.expectAlive();
  });

  it('a stream closed long ago (forgotten): DATA is STREAM_CLOSED, HEADERS an unexpected id (§5.1.1)', () => {
    const peer = new RawPeer({ limits: { closedStreamsRemembered: 2 } });
    peer.handshake();
    for (const id of [1, 3, 5, 7]) {
      peer.write(peer.frames.headers(id).request('GET', '/').endStream());
      peer.server.respond(id, fields({ ':status': '204' }), { endStream: true });
    }
    peer.read();
    expect(peer.server.streamState(1)).to.equal(undefined); // forgotten
    peer.write(frames.windowUpdate(1, 1));
    expect(peer.read()).to.deep.equal([]);
    peer.write(frames.data(1, bytes(1)));
    peer.expectRst(1, 'STREAM_CLOSED', { label: 'data_on_closed_stream' });
    peer.write(peer.frames.headers(3).request('GET', '/').endStream());
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'stream_id_not_increasing', lastStreamId: 7 });
  });

  it('§5.1.1 an even stream id from a client is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(2).request('GET', '/').endStream());
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'stream_id_not_peers' });
  });

  it('§5.1.1 a stream id lower than one already used is a connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(5).request('GET', '/').endStream());
    peer.write(peer.frames.headers(3).request('GET', '/').endStream());
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'stream_id_not_increasing', lastStreamId: 5 });
  });

  it('§5.1.2 a stream over MAX_CONCURRENT_STREAMS is refused with REFUSED_STREAM', () => {
    const peer = new RawPeer({ settings: { maxConcurrentStreams: 2 } });
    peer.handshake();
    const get = (id: number) => peer.frames.headers(id).request('GET', '/').endStream();
    peer.write(get(1), get(3), get(5));
    peer.expectRst(5, 'REFUSED_STREAM', { label: 'refused_stream' });
    expect(eventsOf(peer.events, 'request').map((e) => e.streamId)).to.deep.equal([1, 3]);
  });
});

describe('conformance §5.4 error handling', () => {
  it('after a connection error nothing more is processed', () => {
    const peer = ready();
    peer.write(frames.data(1, bytes(1)).streamId(0));
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'frame_needs_stream' });
    peer.write(frames.ping());
    expect(peer.read()).to.deep.equal([]);
  });

  it('§5.5 unknown SETTINGS identifiers are ignored', () => {
    const peer = ready();
    peer.write(frames.settings().setting(0x99, 7));
    expect(peer.read()).to.deep.equal([{ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }]);
  });
});

describe('conformance §6 frame definitions', () => {
  // [test name, error code, label, the frame]
  const connectionCases: Array<[string, ErrorCodeName, ErrorLabel, FrameOrBuilder]> = [
    ['§6.1 DATA on stream 0', 'PROTOCOL_ERROR', 'frame_needs_stream', frames.data(0, bytes(1))],
    ['§6.2 HEADERS on stream 0', 'PROTOCOL_ERROR', 'frame_needs_stream', frames.headers(0).block([0x82]).endStream()],
    ['§6.3 PRIORITY on stream 0', 'PROTOCOL_ERROR', 'frame_needs_stream', frames.priority(0).dependsOn(1).weight(1)],
    ['§6.4 RST_STREAM on stream 0', 'PROTOCOL_ERROR', 'frame_needs_stream', frames.rstStream(0).noError()],
    ['§6.4 RST_STREAM of 3 octets', 'FRAME_SIZE_ERROR', 'rst_stream_length', frames.raw('RST_STREAM', 1).payload(bytes(3))],
    ['§6.5 SETTINGS ACK with a payload', 'FRAME_SIZE_ERROR', 'settings_ack_with_payload', frames.raw('SETTINGS').flag('ACK').payload(bytes(6))],
    ['§6.5 SETTINGS on stream 1', 'PROTOCOL_ERROR', 'frame_needs_stream_0', frames.settings().streamId(1)],
    ['§6.5 SETTINGS of 5 octets', 'FRAME_SIZE_ERROR', 'settings_length', frames.raw('SETTINGS').payload(bytes(5))],
    ['§6.5.2 ENABLE_PUSH=2', 'PROTOCOL_ERROR', 'settings_enable_push', frames.settings().enablePush(2)],
    ['§6.5.2 INITIAL_WINDOW_SIZE=2^31', 'FLOW_CONTROL_ERROR', 'settings_initial_window_size', frames.settings().initialWindowSize(2 ** 31)],
    ['§6.5.2 MAX_FRAME_SIZE=16383', 'PROTOCOL_ERROR', 'settings_max_frame_size', frames.settings().maxFrameSize(16383)],
    ['§6.5.2 MAX_FRAME_SIZE=2^24', 'PROTOCOL_ERROR', 'settings_max_frame_size', frames.settings().maxFrameSize(2 ** 24)],
    ['§6.7 PING on stream 1', 'PROTOCOL_ERROR', 'frame_needs_stream_0', frames.ping().streamId(1)],
    ['§6.7 PING of 7 octets', 'FRAME_SIZE_ERROR', 'ping_length', frames.raw('PING').payload(bytes(7))],
    ['§6.8 GOAWAY on stream 1', 'PROTOCOL_ERROR', 'frame_needs_stream_0', frames.goaway(0).noError().streamId(1)],
    ['§6.9 WINDOW_UPDATE of 0 on the connection', 'PROTOCOL_ERROR', 'window_update_zero', frames.windowUpdate(0, 0)],
    ['§6.9 WINDOW_UPDATE of 3 octets', 'FRAME_SIZE_ERROR', 'window_update_length', frames.raw('WINDOW_UPDATE').payload(bytes(3))],
    ['§6.9.1 connection window past 2^31-1', 'FLOW_CONTROL_ERROR', 'connection_window_overflow', frames.windowUpdate(0, 0x7fffffff)],
    ['§6.10 CONTINUATION without HEADERS', 'PROTOCOL_ERROR', 'continuation_without_block', frames.continuation(1).block([0x82])],
    ['§8.4 PUSH_PROMISE from a client', 'PROTOCOL_ERROR', 'push_promise_from_client', frames.pushPromise(1, 2).block([0x82])],
  ];
  for (const [name, code, label, frame] of connectionCases) {
    it(`${name}: connection error ${code}`, () => {
      const peer = ready();
      peer.write(frame);
      peer.expectGoaway(code, { label });
    });
  }

  it('§6.1 DATA whose padding fills the payload: connection error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    // Pad Length 6 in a 6-octet payload: no room for the Pad Length octet itself.
    peer.write(frames.raw('DATA', 1).flag('PADDED').payload([6, 1, 2, 3, 4, 5]));
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'padding_too_long', lastStreamId: 1 });
  });

  it('§6.2 HEADERS depending on its own stream: stream error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/').endStream().priority({ dependsOn: 1 }));
    peer.expectRst(1, 'PROTOCOL_ERROR', { label: 'self_dependency' });
    peer.write(peer.frames.headers(3).request('GET', '/').endStream()); // HPACK still in step
    expect(eventsOf(peer.events, 'request').map((e) => e.streamId)).to.deep.equal([3]);
  });

  it('§6.3 PRIORITY of 4 octets on an open stream: stream error FRAME_SIZE_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.write(frames.raw('PRIORITY', 1).payload(bytes(4)));
    peer.expectRst(1, 'FRAME_SIZE_ERROR', { label: 'priority_length' });
  });

  it('§6.5 SETTINGS are acknowledged and applied in order, the last value winning', () => {
    const peer = ready();
    peer.write(frames.settings().maxConcurrentStreams(5).maxConcurrentStreams(7));
    expect(peer.read()).to.deep.equal([{ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }]);
    expect(peer.server.peerSettings.maxConcurrentStreams).to.equal(7);
  });

  it('§6.7 PING is answered with an ACK carrying the same data; a PING ACK is not answered', () => {
    const peer = ready();
    const data = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2]);
    peer.write(frames.ping(data));
    expect(peer.read()).to.deep.equal([{ type: 'PING', streamId: 0, ack: true, data }]);
    peer.write(frames.ping(data).ack());
    expect(peer.read()).to.deep.equal([]);
  });

  it('§6.9 WINDOW_UPDATE of 0 on a stream: stream error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.write(frames.windowUpdate(1, 0));
    peer.expectRst(1, 'PROTOCOL_ERROR', { label: 'window_update_zero' });
  });

  it('§6.9.1 a stream window past 2^31-1: stream error FLOW_CONTROL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.write(frames.windowUpdate(1, 0x7fffffff));
    peer.expectRst(1, 'FLOW_CONTROL_ERROR', { label: 'stream_window_overflow' });
  });

  it('§6.9.1 a stream window past 2^31-1 in half-closed (local), after the whole response: stream error FLOW_CONTROL_ERROR', () => {
    // §5.1: in half-closed (local) any frame may be received, and a WINDOW_UPDATE still counts.
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/style.css'));
    peer.server.respond(1, fields({ ':status': '200' }));
    peer.server.sendData(1, new TextEncoder().encode('body{}'), { endStream: true });
    expect(peer.read().at(-1)).to.deep.include({ type: 'DATA', endStream: true });
    expect(peer.server.streamState(1)).to.equal('half_closed_local');
    peer.write(frames.windowUpdate(1, 0x7fffffff)); // 65,529 + 2^31-1 > 2^31-1
    peer.expectRst(1, 'FLOW_CONTROL_ERROR', { label: 'stream_window_overflow' });
  });

  it('§6.9.1 DATA beyond the stream window: stream error FLOW_CONTROL_ERROR', () => {
    const peer = new RawPeer({ settings: { initialWindowSize: 100 } });
    peer.handshake();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.write(frames.data(1, bytes(101)));
    peer.expectRst(1, 'FLOW_CONTROL_ERROR', { label: 'stream_window_exceeded' });
  });

  it('§6.9.2 an INITIAL_WINDOW_SIZE that overflows a stream window: connection error FLOW_CONTROL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.write(frames.windowUpdate(1, 0x7fffffff - 65535));
    peer.write(frames.settings().initialWindowSize(65536));
    peer.expectGoaway('FLOW_CONTROL_ERROR', { label: 'initial_window_overflow' });
  });

  it('§6.10 HEADERS + CONTINUATION make one field block; CONTINUATION on another stream is PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(...peer.frames.headers(1).request('GET', '/split').endStream().splitBlock(3));
    expect(eventsOf(peer.events, 'request')[0]!.headers.find((f) => f.name === ':path')!.value).to.equal('/split');
    const [headers, continuation] = peer.frames.headers(3).request('GET', '/').endStream().splitBlock(2);
    peer.write(headers);
    peer.write(continuation.streamId(5));
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'field_block_interrupted' });
  });
});

describe('conformance §8 HTTP semantics', () => {
  // [test name, error label, the request's fields]
  const malformed: Array<[string, ErrorLabel, Array<[string, string]>]> = [
    ['§8.2 an uppercase field name', 'uppercase_field_name', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/'], ['X-Upper', '1']]],
    ['§8.2.2 a connection-specific field', 'connection_specific_field', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/'], ['connection', 'close']]],
    ['§8.2.2 te other than trailers', 'te_not_trailers', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/'], ['te', 'gzip']]],
    ['§8.3 a pseudo-header after a regular field', 'pseudo_after_regular', [[':method', 'GET'], [':scheme', 'https'], ['accept', '*/*'], [':path', '/']]],
    ['§8.3 an unknown pseudo-header', 'undefined_pseudo_header', [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':foo', 'x']]],
    ['§8.3.1 no :method', 'missing_method', [[':scheme', 'https'], [':authority', 'a'], [':path', '/']]],
    ['§8.3.1 two :path', 'repeated_pseudo_header', [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':path', '/']]],
    ['§8.3.1 an empty :path', 'empty_path', [[':method', 'GET'], [':scheme', 'https'], [':path', '']]],
  ];
  for (const [name, label, list] of malformed) {
    it(`${name}: stream error PROTOCOL_ERROR, connection goes on`, () => {
      const peer = ready();
      peer.write(peer.frames.headers(1).fields(list).endStream());
      peer.expectRst(1, 'PROTOCOL_ERROR', { label });
      expect(eventsOf(peer.events, 'request')).to.have.length(0);
      peer.write(peer.frames.headers(3).request('GET', '/').endStream());
      expect(eventsOf(peer.events, 'request')).to.have.length(1);
    });
  }

  it('§8.1 a second HEADERS without END_STREAM: stream error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.write(peer.frames.headers(1).fields({ 'x-trailer': '1' }));
    peer.expectRst(1, 'PROTOCOL_ERROR', { label: 'trailers_without_end_stream' });
  });

  it('§8.1 trailers with a pseudo-header: stream error PROTOCOL_ERROR', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/'));
    peer.write(peer.frames.headers(1).response(200).endStream());
    peer.expectRst(1, 'PROTOCOL_ERROR', { label: 'pseudo_in_trailers' });
  });
});
