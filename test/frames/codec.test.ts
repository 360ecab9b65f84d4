// Unit tests of the frame encoder, decoder and formatter.

import { expect } from 'chai';
import {
  decodeFrame,
  decodeFrames,
  encodeFrame,
  encodeFrameParts,
  encodeRawFrame,
  ErrorCode,
  FrameDecoder,
  FrameEncodeError,
  formatFrame,
  SettingId,
  type Frame,
} from '../../src/frames/index.js';
import { ConnectionError } from '../../src/protocol-errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

describe('frame encoder', () => {
  it('writes the 9-octet header of §4.1 and the payload', () => {
    // RFC 9113 §6.9: WINDOW_UPDATE on stream 0, increment 0x0f0001.
    expect(hex(encodeFrame({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 0xf0001 }))).to.equal('000004080000000000000f0001');
    // §6.1: padded DATA: Pad Length field, data, zero padding; flags END_STREAM|PADDED.
    expect(hex(encodeFrame({ type: 'DATA', streamId: 3, endStream: true, data: bytes('6869'), padLength: 2 }))).to.equal(
      '00000500090000000302686900' + '00',
    );
  });

  // Each refusal names the rule it breaks (frame-rules.ts), the same label the decoder raises.
  const refused: Array<[string, Frame, string]> = [
    ['DATA on stream 0', { type: 'DATA', streamId: 0, endStream: false, data: new Uint8Array(1) }, 'frame_needs_stream'],
    ['HEADERS on stream 0', { type: 'HEADERS', streamId: 0, endStream: false, endHeaders: true, headerBlock: new Uint8Array(1) }, 'frame_needs_stream'],
    ['RST_STREAM on stream 0', { type: 'RST_STREAM', streamId: 0, errorCode: 0 }, 'frame_needs_stream'],
    ['CONTINUATION on stream 0', { type: 'CONTINUATION', streamId: 0, endHeaders: true, headerBlock: new Uint8Array(0) }, 'frame_needs_stream'],
    ['SETTINGS on stream 1', { type: 'SETTINGS', streamId: 1, ack: false, settings: [] }, 'frame_needs_stream_0'],
    ['PING on stream 1', { type: 'PING', streamId: 1, ack: false, data: new Uint8Array(8) }, 'frame_needs_stream_0'],
    ['GOAWAY on stream 1', { type: 'GOAWAY', streamId: 1, lastStreamId: 0, errorCode: 0, debugData: new Uint8Array(0) }, 'frame_needs_stream_0'],
    ['DATA over the max frame size', { type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(16385) }, 'frame_too_large'],
    ['padding pushing DATA over the max', { type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(16384 - 10), padLength: 10 }, 'frame_too_large'],
    ['SETTINGS ACK with settings', { type: 'SETTINGS', streamId: 0, ack: true, settings: [{ id: 1, value: 0 }] }, 'settings_ack_with_payload'],
    ['ENABLE_PUSH=2', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.ENABLE_PUSH, value: 2 }] }, 'settings_enable_push'],
    ['INITIAL_WINDOW_SIZE=2^31', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.INITIAL_WINDOW_SIZE, value: 2 ** 31 }] }, 'settings_initial_window_size'],
    ['MAX_FRAME_SIZE=16383', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.MAX_FRAME_SIZE, value: 16383 }] }, 'settings_max_frame_size'],
    ['PING of 7 octets', { type: 'PING', streamId: 0, ack: false, data: new Uint8Array(7) }, 'ping_length'],
    ['WINDOW_UPDATE of 0', { type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 0 }, 'window_update_zero'],
    ['odd promised stream', { type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId: 3, headerBlock: new Uint8Array(0) }, 'push_promise_bad_id'],
    ['self-dependency', { type: 'PRIORITY', streamId: 5, priority: { exclusive: false, dependsOn: 5, weight: 16 } }, 'self_dependency'],
  ];
  for (const [name, frame, label] of refused) {
    it(`refuses ${name} (${label}), and writes it when allowIllegal`, () => {
      for (const encode of [encodeFrame, encodeFrameParts]) {
        let error: unknown;
        try {
          encode(frame);
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(FrameEncodeError);
        expect((error as FrameEncodeError).label).to.equal(label);
        expect((error as Error).message).to.match(/\(RFC \d+ §/);
      }
      const wire = encodeFrame(frame, { allowIllegal: true, maxFrameSize: 16384 });
      expect(wire.length).to.be.greaterThan(8);
    });
  }

  it('refuses an UNKNOWN frame that carries a defined type', () => {
    expect(() => encodeFrame({ type: 'UNKNOWN', frameType: 4, flags: 0, streamId: 0, payload: new Uint8Array(0) })).to.throw(FrameEncodeError, /defined frame type/);
  });

  const unrepresentable: Array<[string, Frame, RegExp]> = [
    ['stream id 2^31', { type: 'RST_STREAM', streamId: 2 ** 31, errorCode: 0 }, /stream id/],
    ['negative stream id', { type: 'RST_STREAM', streamId: -1, errorCode: 0 }, /stream id/],
    ['fractional stream id', { type: 'RST_STREAM', streamId: 1.5, errorCode: 0 }, /stream id/],
    ['pad length 256', { type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(0), padLength: 256 }, /padLength/],
    ['error code 2^32', { type: 'RST_STREAM', streamId: 1, errorCode: 2 ** 32 }, /error code/],
    ['weight 0', { type: 'PRIORITY', streamId: 1, priority: { exclusive: false, dependsOn: 0, weight: 0 } }, /weight/],
    ['setting value 2^32', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 1, value: 2 ** 32 }] }, /32-bit/],
    ['payload over 2^24-1', { type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(2 ** 24) }, /24-bit/],
  ];
  for (const [name, frame, why] of unrepresentable) {
    it(`refuses ${name} even when allowIllegal: the wire cannot hold it`, () => {
      expect(() => encodeFrame(frame, { allowIllegal: true })).to.throw(FrameEncodeError, why);
    });
  }

  it('a frame object of the wrong shape is refused with what is wrong, even with allowIllegal', () => {
    const misspelt = { type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, block: new Uint8Array(3) } as unknown as Frame;
    expect(() => encodeFrame(misspelt, { allowIllegal: true })).to.throw(FrameEncodeError, 'cannot encode HEADERS frame: its headerBlock must be a Uint8Array');
    const text = { type: 'DATA', streamId: 1, endStream: false, data: 'hello' } as unknown as Frame;
    expect(() => encodeFrame(text)).to.throw(FrameEncodeError, 'its data must be a Uint8Array');
    expect(() => encodeFrame({ type: 'HEADER', streamId: 1 } as unknown as Frame)).to.throw(FrameEncodeError, 'a frame of type "HEADER": not a frame type');
  });

  it('encodeRawFrame writes any header: reserved bit, unused flags, a lying length', () => {
    const wire = encodeRawFrame({ type: 0x6, flags: 0xfe, streamId: 0, payload: new Uint8Array(8), reservedBit: true, length: 9 });
    expect(hex(wire.subarray(0, 9))).to.equal('00000906fe80000000');
    expect(() => encodeRawFrame({ type: 256, flags: 0, streamId: 0, payload: new Uint8Array(0) })).to.throw(FrameEncodeError);
  });

  it('encodeFrameParts leaves the body uncopied', () => {
    const data = new Uint8Array(1000).fill(7);
    const parts = encodeFrameParts({ type: 'DATA', streamId: 1, endStream: false, data, padLength: 3 });
    expect(parts).to.have.length(3);
    expect(parts[1]).to.equal(data);
    expect(hex(parts[2]!)).to.equal('000000');
  });
});

describe('frame decoder', () => {
  it('ignores the reserved bit and unused flags (§4.1)', () => {
    const f = decodeFrame(encodeRawFrame({ type: 0x3, flags: 0xff, streamId: 5, payload: bytes('00000008'), reservedBit: true }));
    expect(f).to.deep.equal({ type: 'RST_STREAM', streamId: 5, errorCode: ErrorCode.CANCEL });
  });

  it('keeps an unknown frame type whole (§4.1, §5.5)', () => {
    const f = decodeFrame(encodeRawFrame({ type: 0xfa, flags: 0x81, streamId: 7, payload: bytes('010203') }));
    expect(f.type).to.equal('UNKNOWN');
    expect(f).to.deep.include({ frameType: 0xfa, flags: 0x81, streamId: 7 });
  });

  it('returns payloads inside one chunk as views of it, and copies split ones once', () => {
    const wire = encodeFrame({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(100).fill(1) });
    const d = new FrameDecoder();
    d.push(wire);
    const whole = d.next() as Extract<Frame, { type: 'DATA' }>;
    expect(whole.data.buffer).to.equal(wire.buffer);
    d.push(wire.subarray(0, 50));
    expect(d.next()).to.equal(null);
    expect(d.bufferedBytes, 'the header, and a block of its own for the whole payload, not the chunk').to.equal(9 + 100);
    d.push(wire.subarray(50));
    const split = d.next() as Extract<Frame, { type: 'DATA' }>;
    expect(split.data.buffer).to.not.equal(wire.buffer);
    expect(hex(split.data)).to.equal(hex(whole.data));
  });

  it('follows a raised SETTINGS_MAX_FRAME_SIZE and refuses invalid ones', () => {
    const wire = encodeFrame({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(20000) }, { maxFrameSize: 32768 });
    expect(() => decodeFrame(wire)).to.throw(ConnectionError, /exceeds SETTINGS_MAX_FRAME_SIZE 16384/);
    const d = new FrameDecoder();
    d.maxFrameSize = 32768;
    d.push(wire);
    expect(d.next()?.type).to.equal('DATA');
    expect(() => (d.maxFrameSize = 100)).to.throw(RangeError);
    expect(() => new FrameDecoder({ maxFrameSize: 2 ** 24 })).to.throw(RangeError);
  });

  it('decodeFrames refuses input that ends inside a frame', () => {
    const wire = encodeFrame({ type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) });
    expect(decodeFrames(Buffer.concat([wire, wire]))).to.have.length(2);
    expect(() => decodeFrames(wire.subarray(0, 12))).to.throw(ConnectionError, /ends inside a frame/);
  });

  it('handles many tiny chunks without quadratic buffering', () => {
    const wire = encodeFrame({ type: 'DATA', streamId: 1, endStream: true, data: new Uint8Array(16384).fill(9) });
    const d = new FrameDecoder();
    for (let i = 0; i < wire.length; i++) {
      d.push(wire.subarray(i, i + 1));
      if (i < wire.length - 1) expect(d.next()).to.equal(null);
    }
    const f = d.next() as Extract<Frame, { type: 'DATA' }>;
    expect(f.data.length).to.equal(16384);
    expect(f.data.every((b) => b === 9)).to.equal(true);
  });
});

describe('frame formatter', () => {
  const lines: Array<[Frame, string]> = [
    [
      { type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: new Uint8Array(37) },
      'HEADERS stream=1 len=37 flags=END_STREAM|END_HEADERS block=37B',
    ],
    [
      { type: 'HEADERS', streamId: 3, endStream: false, endHeaders: false, headerBlock: new Uint8Array(10), padLength: 4, priority: { exclusive: true, dependsOn: 1, weight: 256 } },
      'HEADERS stream=3 len=20 flags=PADDED|PRIORITY block=10B depends_on=1 weight=256 exclusive=yes pad=4',
    ],
    [
      { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 3, value: 100 }, { id: 4, value: 65535 }, { id: 0x99, value: 1 }] },
      'SETTINGS stream=0 len=18 flags=- MAX_CONCURRENT_STREAMS=100 INITIAL_WINDOW_SIZE=65535 UNKNOWN_SETTING(0x99)=1',
    ],
    [{ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }, 'SETTINGS stream=0 len=0 flags=ACK'],
    [
      { type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId: 2, headerBlock: new Uint8Array(12) },
      'PUSH_PROMISE stream=1 len=16 flags=END_HEADERS promised_stream=2 block=12B',
    ],
    [{ type: 'RST_STREAM', streamId: 2, errorCode: 8 }, 'RST_STREAM stream=2 len=4 flags=- error=CANCEL(0x8)'],
    [{ type: 'RST_STREAM', streamId: 2, errorCode: 0x77 }, 'RST_STREAM stream=2 len=4 flags=- error=UNKNOWN_ERROR(0x77)'],
    [
      { type: 'GOAWAY', streamId: 0, lastStreamId: 5, errorCode: 1, debugData: new TextEncoder().encode('bad preface') },
      'GOAWAY stream=0 len=19 flags=- last_stream=5 error=PROTOCOL_ERROR(0x1) debug="bad preface"',
    ],
    [
      { type: 'GOAWAY', streamId: 0, lastStreamId: 0, errorCode: 1, debugData: new TextEncoder().encode('no preface (RFC 9113 §3.4)') },
      'GOAWAY stream=0 len=35 flags=- last_stream=0 error=PROTOCOL_ERROR(0x1) debug="no preface (RFC 9113 §3.4)"',
    ],
    [{ type: 'GOAWAY', streamId: 0, lastStreamId: 0, errorCode: 0, debugData: bytes('00ff') }, 'GOAWAY stream=0 len=10 flags=- last_stream=0 error=NO_ERROR(0x0) debug=00ff'],
    [{ type: 'PING', streamId: 0, ack: true, data: bytes('0102030405060708') }, 'PING stream=0 len=8 flags=ACK data=0102030405060708'],
    [{ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 983041 }, 'WINDOW_UPDATE stream=0 len=4 flags=- increment=983041'],
    [{ type: 'DATA', streamId: 1, endStream: true, data: new Uint8Array(1024) }, 'DATA stream=1 len=1024 flags=END_STREAM data=1024B'],
    [{ type: 'CONTINUATION', streamId: 1, endHeaders: true, headerBlock: new Uint8Array(3) }, 'CONTINUATION stream=1 len=3 flags=END_HEADERS block=3B'],
    [{ type: 'UNKNOWN', frameType: 0xfa, flags: 3, streamId: 0, payload: bytes('00ff') }, 'UNKNOWN(type=0xfa) stream=0 len=2 flags=0x03 payload=00ff'],
  ];
  for (const [frame, line] of lines) {
    it(line, () => expect(formatFrame(frame)).to.equal(line));
  }
});
