// Each error label, raised: the scenarios for the labels the conformance,
// deadline and budget tests do not reach (those assert theirs where they
// are), and a check that every label in the catalogue (src/error-labels.ts)
// is asserted by some test, so a new rule comes with a test that names it.

import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Http2Endpoint } from '../../src/connection/endpoint.js';
import { RECEIVE_TABLE, STREAM_STATES, isViolation } from '../../src/connection/stream-states.js';
import { ERROR_LABELS } from '../../src/error-labels.js';
import { CLIENT_PREFACE, ErrorCode, SettingId } from '../../src/frames/constants.js';
import { decodeFrames, FrameDecoder } from '../../src/frames/decode.js';
import { encodeFrame } from '../../src/frames/encode.js';
import { ConnectionError } from '../../src/protocol-errors.js';
import { frames } from '../../src/testing/frame-builders.js';
import { RawPeer } from './harness.js';

const ready = (options: ConstructorParameters<typeof RawPeer>[0] = {}) => {
  const peer = new RawPeer(options);
  peer.handshake();
  return peer;
};

describe('error labels, raised', () => {
  it('frame_too_short: HEADERS with PRIORITY and fewer than its 5 octets (RFC 9113 §4.2, §6.2)', () => {
    const peer = ready();
    peer.write(frames.raw('HEADERS', 1).flag('PRIORITY', 'END_HEADERS').payload([0, 0, 0]));
    peer.expectGoaway('FRAME_SIZE_ERROR', { label: 'frame_too_short' });
  });

  it('goaway_length: a GOAWAY of 4 octets (§6.8)', () => {
    const peer = ready();
    peer.write(frames.raw('GOAWAY', 0).payload([0, 0, 0, 0]));
    peer.expectGoaway('FRAME_SIZE_ERROR', { label: 'goaway_length' });
  });

  it('truncated_input: decodeFrames() given octets that end inside a frame', () => {
    const bytes = encodeFrame({ type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) });
    expect(() => decodeFrames(bytes.subarray(0, 12)))
      .to.throw(ConnectionError)
      .with.property('label', 'truncated_input');
    const decoder = new FrameDecoder();
    decoder.push(bytes.subarray(0, 12));
    expect(decoder.next(), 'the incremental decoder just waits').to.equal(null);
  });

  it('frame_on_reserved_stream: DATA from the client on a stream the server reserved (§5.1 reserved (local))', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('GET', '/').endStream());
    const promised = peer.server.push(1, [
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: 'https' },
      { name: ':authority', value: 'example.com' },
      { name: ':path', value: '/style.css' },
    ]);
    expect(peer.server.streamState(promised)).to.equal('reserved_local');
    peer.read();
    peer.write(frames.data(promised, 'x'));
    peer.expectGoaway('PROTOCOL_ERROR', { label: 'frame_on_reserved_stream' });
  });

  it('promised_stream_not_idle: the table names it for every state but idle (the engine raises it: client-conformance §5.1.1)', () => {
    for (const state of STREAM_STATES) {
      const cell = RECEIVE_TABLE[state].recv_promised;
      if (state === 'idle') expect(cell).to.equal('reserved_remote');
      else expect(isViolation(cell) && cell.label, state).to.equal('promised_stream_not_idle');
    }
  });

  it('field_list_too_large: trailers over SETTINGS_MAX_HEADER_LIST_SIZE once the response has begun (§6.5.2, §10.5.1)', () => {
    const peer = ready({ settings: { maxHeaderListSize: 200 } });
    peer.write(peer.frames.headers(1).request('POST', '/upload'));
    peer.server.respond(1, [{ name: ':status', value: '200' }]);
    peer.read();
    // Three fields of 100 octets: each fits, the list does not.
    const trailers = { 'x-a': 'a'.repeat(60), 'x-b': 'b'.repeat(60), 'x-c': 'c'.repeat(60) };
    peer.write(peer.frames.headers(1).fields(trailers).endStream());
    peer.expectRst(1, 'PROTOCOL_ERROR', { label: 'field_list_too_large' });
  });

  it('content_length_mismatch: END_STREAM before content-length octets of DATA (§8.1.1)', () => {
    const peer = ready();
    peer.write(peer.frames.headers(1).request('POST', '/upload', { 'content-length': '5' }));
    peer.write(frames.data(1, 'abc').endStream());
    peer.expectRst(1, 'PROTOCOL_ERROR', { label: 'content_length_mismatch' });
  });

  it('connection_window_exceeded: DATA within each stream window but beyond the connection window (§6.9.1)', () => {
    const peer = ready({ connectionWindowSize: 65_535 });
    for (const id of [1, 3]) peer.write(peer.frames.headers(id).request('POST', '/upload'));
    peer.write(frames.data(1, new Uint8Array(16_384)), frames.data(1, new Uint8Array(16_384)), frames.data(1, new Uint8Array(16_384)));
    peer.write(frames.data(3, new Uint8Array(16_384)), frames.data(3, new Uint8Array(16_384)));
    peer.expectGoaway('FLOW_CONTROL_ERROR', { label: 'connection_window_exceeded' });
  });

  it('control_frames_piling_up: PINGs from a peer that never reads the answers (CVE-2019-9512)', () => {
    const server = new Http2Endpoint({ role: 'server', limits: { maxQueuedControlFrames: 20, uselessFrameBurst: 1000 } });
    const ping = frames.ping().encode();
    server.receive(Buffer.concat([CLIENT_PREFACE, frames.settings().encode(), frames.settings().ack().encode()]));
    for (let i = 0; i < 30 && !server.closedBy; i++) server.receive(ping); // takeOutput() never called
    expect(server.closedBy).to.include({ label: 'control_frames_piling_up', codeName: 'ENHANCE_YOUR_CALM' });
  });

  it('internal_error: a fault inside the engine (here a hook that throws) is GOAWAY INTERNAL_ERROR, never a crash', () => {
    const peer = new RawPeer({
      onFields: () => {
        throw new Error('the hook broke');
      },
    });
    peer.handshake();
    peer.write(peer.frames.headers(1).request('GET', '/').endStream());
    const goaway = peer.expectGoaway('INTERNAL_ERROR', { label: 'internal_error' });
    expect(Buffer.from(goaway.debugData).toString()).to.equal('internal_error: internal error: the hook broke');
  });

  it('closed_by_application: close() sends GOAWAY with the label, and the initiator is the application', () => {
    const peer = ready();
    peer.server.close(ErrorCode.NO_ERROR, 'maintenance');
    const goaway = peer.read().find((f) => f.type === 'GOAWAY');
    expect(Buffer.from((goaway as { debugData: Uint8Array }).debugData).toString()).to.equal('closed_by_application: maintenance');
    expect(peer.server.closedBy).to.include({ label: 'closed_by_application', initiator: 'application', codeName: 'NO_ERROR' });
    const state = peer.server.state;
    expect(state.name === 'closed' && state.error?.label).to.equal('closed_by_application');
  });

  it('settings_initial_window_size: a SETTINGS value §6.5.2 forbids, with its own label (§6.5.2)', () => {
    const peer = ready();
    peer.write(frames.settings().setting(SettingId.INITIAL_WINDOW_SIZE, 2 ** 31));
    peer.expectGoaway('FLOW_CONTROL_ERROR', { label: 'settings_initial_window_size' });
  });
});

describe('error labels, covered', () => {
  function testSources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? testSources(path) : path.endsWith('.test.ts') ? [path] : [];
    });
  }

  it('every label in the catalogue is asserted by some test', () => {
    const dir = new URL('../../../test/', import.meta.url).pathname;
    const tests = testSources(dir)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const untested = Object.keys(ERROR_LABELS).filter((label) => !tests.includes(`'${label}'`));
    expect(untested, 'labels no test names').to.deep.equal([]);
  });
});
