// Unit tests of the fluent frame builders (h2wire/testing): each builder
// makes the Frame object one would write by hand, and the octets of
// RFC 9113 §4.1 and §6 (and RFC 7541 Appendix C for field blocks).

import { expect } from 'chai';
import { ErrorCode, type ErrorCodeName, SettingId } from '../../src/frames/constants.js';
import { FrameDecoder } from '../../src/frames/decode.js';
import { encodeFrame, FrameEncodeError } from '../../src/frames/encode.js';
import type { Frame } from '../../src/frames/frame.js';
import { HpackDecoder } from '../../src/hpack/decoder.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import { ConnectionError } from '../../src/protocol-errors.js';
import { FrameBuilders, frameBytes, frames, isEncodable } from '../../src/testing/frame-builders.js';
import * as testing from '../../src/testing/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const octets = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const decodeOne = (bytes: Uint8Array): Frame => {
  const decoder = new FrameDecoder({ maxFrameSize: 16777215 });
  decoder.push(bytes);
  const [frame, ...rest] = [...decoder.frames()];
  expect(rest).to.deep.equal([]);
  return frame!;
};

describe('frame builders: the Frame objects they make', () => {
  const cases: Array<[string, { frame(): Frame; encode(): Buffer }, Frame]> = [
    ['DATA', frames.data(1, 'hi').endStream().padded(2), { type: 'DATA', streamId: 1, endStream: true, data: new TextEncoder().encode('hi'), padLength: 2 }],
    [
      'HEADERS with a hand-made block',
      frames.headers(3).block([0x82]).endStream().priority({ dependsOn: 1, exclusive: true }),
      { type: 'HEADERS', streamId: 3, endStream: true, endHeaders: true, headerBlock: octets('82'), priority: { exclusive: true, dependsOn: 1, weight: 16 } },
    ],
    ['PRIORITY', frames.priority(5).dependsOn(3).weight(200).exclusive(), { type: 'PRIORITY', streamId: 5, priority: { exclusive: true, dependsOn: 3, weight: 200 } }],
    ['RST_STREAM', frames.rstStream(7).cancel(), { type: 'RST_STREAM', streamId: 7, errorCode: ErrorCode.CANCEL }],
    [
      'SETTINGS',
      frames.settings().maxConcurrentStreams(100).initialWindowSize(65535).setting(0x99, 7),
      {
        type: 'SETTINGS',
        streamId: 0,
        ack: false,
        settings: [
          { id: SettingId.MAX_CONCURRENT_STREAMS, value: 100 },
          { id: SettingId.INITIAL_WINDOW_SIZE, value: 65535 },
          { id: 0x99, value: 7 },
        ],
      },
    ],
    ['SETTINGS ACK', frames.settings().ack(), { type: 'SETTINGS', streamId: 0, ack: true, settings: [] }],
    [
      'PUSH_PROMISE',
      frames.pushPromise(1, 2).block([0x82, 0x84]).noEndHeaders().padded(0),
      { type: 'PUSH_PROMISE', streamId: 1, endHeaders: false, promisedStreamId: 2, headerBlock: octets('8284'), padLength: 0 },
    ],
    ['PING ACK', frames.ping('pingpong').ack(), { type: 'PING', streamId: 0, ack: true, data: new TextEncoder().encode('pingpong') }],
    [
      'GOAWAY',
      frames.goaway(5).enhanceYourCalm().debugData('calm down'),
      { type: 'GOAWAY', streamId: 0, lastStreamId: 5, errorCode: ErrorCode.ENHANCE_YOUR_CALM, debugData: new TextEncoder().encode('calm down') },
    ],
    ['WINDOW_UPDATE', frames.windowUpdate(0, 1000), { type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 1000 }],
    ['CONTINUATION', frames.continuation(1).block([0x86]), { type: 'CONTINUATION', streamId: 1, endHeaders: true, headerBlock: octets('86') }],
    ['an unknown type', frames.unknown(0xfa).flags(0xff).payload([1, 2]), { type: 'UNKNOWN', frameType: 0xfa, flags: 0xff, streamId: 0, payload: octets('0102') }],
  ];
  for (const [name, builder, expected] of cases) {
    it(`${name}: frame() is the hand-written Frame, encode() its octets`, () => {
      expect(builder.frame()).to.deep.equal(expected);
      expect(hex(builder.encode())).to.equal(hex(encodeFrame(expected)));
    });
  }

  it('start from the frame the RFC calls plain: HEADERS with END_HEADERS, no END_STREAM; codes NO_ERROR; PRIORITY weight 16', () => {
    expect(frames.headers(1).frame()).to.deep.include({ endStream: false, endHeaders: true });
    expect(frames.data(1).frame()).to.deep.equal({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(0) });
    expect(frames.rstStream(1).frame().errorCode).to.equal(ErrorCode.NO_ERROR);
    expect(frames.goaway().frame()).to.deep.equal({ type: 'GOAWAY', streamId: 0, lastStreamId: 0, errorCode: 0, debugData: new Uint8Array(0) });
    expect(frames.priority(3).frame().priority).to.deep.equal({ exclusive: false, dependsOn: 0, weight: 16 });
    expect(frames.ping().frame().data).to.deep.equal(new Uint8Array(8));
  });

  it('every error code of RFC 9113 §7 has a shorthand named like it', () => {
    const camel = (name: string) => name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    for (const [name, code] of Object.entries(ErrorCode) as Array<[ErrorCodeName, number]>) {
      const builder = frames.rstStream(1) as unknown as Record<string, () => { frame(): Frame }>;
      expect(builder[camel(name)], `${camel(name)}() for ${name}`).to.be.a('function');
      expect(builder[camel(name)]!.call(builder).frame()).to.deep.include({ errorCode: code });
      expect(frames.goaway().code(name).frame()).to.deep.include({ errorCode: code });
    }
    expect(frames.goaway().code(0xdead).frame().errorCode, '§7: unknown codes are legal').to.equal(0xdead);
  });

  it('frame() is a copy: the builder can go on without changing frames already taken', () => {
    const builder = frames.settings().maxConcurrentStreams(1);
    const first = builder.frame();
    builder.maxConcurrentStreams(2).ack();
    expect(first).to.deep.equal({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 1 }] });
    const headers = frames.headers(1).block([0x82]).priority();
    const taken = headers.frame();
    headers.priority({ weight: 1 });
    expect(taken.priority!.weight).to.equal(16);
  });
});

describe('frame builders: octets (RFC 9113 §4.1, §6)', () => {
  it('§6.5 SETTINGS ACK: an empty payload, flag ACK, stream 0', () => {
    expect(hex(frames.settings().ack().encode())).to.equal('000000040100000000');
  });

  it('§6.1 padded DATA: Pad Length, data, zero padding; flags END_STREAM|PADDED', () => {
    expect(hex(frames.data(1, 'hello').padded(4).endStream().encode())).to.equal('00000a' + '00' + '09' + '00000001' + '04' + '68656c6c6f' + '00000000');
  });

  it('§6.8 GOAWAY PROTOCOL_ERROR: last stream id, error code, debug data', () => {
    expect(hex(frames.goaway(3).protocolError().debugData('x').encode())).to.equal('000009' + '07' + '00' + '00000000' + '00000003' + '00000001' + '78');
  });

  it('§6.9 WINDOW_UPDATE and §6.4 RST_STREAM: one 32-bit field each', () => {
    expect(hex(frames.windowUpdate(0, 0xf0001).encode())).to.equal('000004080000000000000f0001');
    expect(hex(frames.rstStream(5).refusedStream().encode())).to.equal('000004030000000005' + '00000007');
  });

  it('§6.2 HEADERS with PRIORITY: the E bit and stream dependency, then weight - 1, before the block', () => {
    expect(hex(frames.headers(3).block([0x82]).priority({ dependsOn: 1, exclusive: true, weight: 256 }).encode())).to.equal('000006' + '01' + '24' + '00000003' + '80000001' + 'ff' + '82');
  });

  it('§6.6 PUSH_PROMISE: the promised stream id before the block', () => {
    expect(hex(frames.pushPromise(1, 2).block([0x82]).encode())).to.equal('000005' + '05' + '04' + '00000001' + '00000002' + '82');
  });

  it('§6.10 CONTINUATION without END_HEADERS', () => {
    expect(hex(frames.continuation(1).block([0x86]).noEndHeaders().encode())).to.equal('000001' + '09' + '00' + '00000001' + '86');
  });
});

describe('frame builders: illegal frames, on purpose', () => {
  it('§6.1 DATA on stream 0: built and written; the encoder refuses it unless told, and a decoder rejects it', () => {
    const frame = frames.data(1, 'x').streamId(0);
    expect(() => encodeFrame(frame.frame())).to.throw(FrameEncodeError);
    expect(() => frame.encode({ allowIllegal: false })).to.throw(FrameEncodeError);
    expect(hex(frame.encode())).to.equal('000001000000000000' + '78');
    expect(() => decodeOne(frame.encode()))
      .to.throw(ConnectionError)
      .with.property('label', 'frame_needs_stream');
  });

  it('§6.5.2 a SETTINGS value out of range, and §6.9 a zero WINDOW_UPDATE', () => {
    expect(hex(frames.settings().initialWindowSize(2 ** 31).encode())).to.equal('000006040000000000' + '0004' + '80000000');
    expect(hex(frames.windowUpdate(1, 0).encode())).to.equal('000004080000000001' + '00000000');
  });

  it('§4.1 raw frames: any type, flags by value or name, the reserved bit, a Length that lies', () => {
    expect(hex(frames.raw('PING').payload(new Uint8Array(7)).encode()), '§6.7: a PING of 7 octets').to.equal('000007060000000000' + '00000000000000');
    expect(hex(frames.raw('DATA', 1).flag('PADDED', 'END_STREAM').payload([6, 1]).encode())).to.equal('000002000900000001' + '0601');
    expect(hex(frames.raw(0xfa).flags(0xff).reservedBit().streamId(3).encode())).to.equal('000000faff80000003');
    expect(hex(frames.raw('RST_STREAM', 1).length(4).payload([0, 0]).encode()), 'claims 4 octets, carries 2').to.equal('000004030000000001' + '0000');
    expect(frames.raw('SETTINGS').flag('ACK').rawFrame()).to.deep.equal({ type: 4, flags: 1, streamId: 0, payload: new Uint8Array(0) });
  });

  it('raw() hands a typed frame over as octets to tamper with', () => {
    const ping = frames.ping(octets('0102030405060708'));
    expect(hex(ping.raw().encode())).to.equal(hex(ping.encode()));
    expect(hex(ping.raw().flags(0xfe).reservedBit().encode())).to.equal('000008' + '06' + 'fe' + '80000000' + '0102030405060708');
  });

  it('field helpers write what they are given, unchecked: uppercase names, pseudo-headers anywhere', () => {
    const fields = new HpackDecoder().decode(frames.headers(1).fields([['X-Upper', '1']]).fields({ ':path': '' }).frame().headerBlock);
    expect(fields.map(({ name, value }) => [name, value])).to.deep.equal([
      ['X-Upper', '1'],
      [':path', ''],
    ]);
  });

  it('fields and a hand-made block do not mix', () => {
    expect(() => frames.headers(1).request('GET', '/').block([0x82])).to.throw(/fields were given/);
    expect(() => frames.headers(1).block([0x82]).fields({ a: 'b' })).to.throw(/block\(\) was given/);
  });
});

describe('frame builders: field blocks (RFC 9113 §4.3, RFC 7541)', () => {
  const request = [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ] as const;

  it('bound to a connection encoder: RFC 7541 C.3.1 and C.3.2, the second block indexing the first one\'s entry', () => {
    const build = new FrameBuilders({ encoder: new HpackEncoder({ huffman: false }) });
    const first = build.headers(1).fields(request).endStream();
    const second = build.headers(3).fields(request).fields({ 'cache-control': 'no-cache' }).endStream();
    expect(hex(first.frame().headerBlock)).to.equal('828684410f7777772e6578616d706c652e636f6d');
    expect(hex(second.frame().headerBlock)).to.equal('828684be58086e6f2d6361636865');
  });

  it('encodes a block when the frame is first taken, so blocks follow the order frames are written in', () => {
    const encoder = new HpackEncoder();
    const build = new FrameBuilders({ encoder });
    const a = build.headers(1).request('GET', '/a', { 'x-tag': 'one' });
    const b = build.headers(3).request('GET', '/b', { 'x-tag': 'one' });
    const wire = frameBytes(b, a); // b written first
    const decoder = new HpackDecoder();
    const frameList = new FrameDecoder();
    frameList.push(wire);
    const paths = [...frameList.frames()].map((f) => decoder.decode((f as Frame & { type: 'HEADERS' }).headerBlock).find((x) => x.name === ':path')!.value);
    expect(paths).to.deep.equal(['/b', '/a']);
    expect(hex(a.frame().headerBlock), 'taken twice: the same block').to.equal(hex(a.encode().subarray(9)));
  });

  it('without an encoder: literals never indexed, the same octets every time, no dynamic table touched', () => {
    const block = () => frames.headers(1).request('GET', '/', { 'x-a': 'b' }).frame().headerBlock;
    expect(hex(block())).to.equal(hex(block()));
    const decoder = new HpackDecoder();
    const fields = decoder.decode(block());
    expect(fields.map(({ name, value }) => [name, value])).to.deep.equal([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':authority', 'example.com'],
      [':path', '/'],
      ['x-a', 'b'],
    ]);
    expect(fields.every((f) => f.sensitive)).to.equal(true);
    expect(decoder.dynamicTable.entries).to.deep.equal([]);
  });

  it('request() fills :scheme and :authority from the options, extra pseudo-headers replacing them in place; response() gives :status', () => {
    const build = new FrameBuilders({ scheme: 'http', authority: 'localhost' });
    const decode = (b: { frame(): { headerBlock: Uint8Array } }) => new HpackDecoder().decode(b.frame().headerBlock).map(({ name, value }) => `${name}: ${value}`);
    expect(decode(build.headers(1).request('POST', '/up', { ':authority': 'a', 'content-length': '0' }))).to.deep.equal([
      ':method: POST',
      ':scheme: http',
      ':authority: a',
      ':path: /up',
      'content-length: 0',
    ]);
    expect(decode(build.headers(2).response(204, { server: 'h2wire' }))).to.deep.equal([':status: 204', 'server: h2wire']);
  });

  it('splitBlock(): HEADERS without END_HEADERS, then CONTINUATION frames, END_HEADERS on the last (§6.10)', () => {
    const whole = frames.headers(5).request('GET', '/split').endStream().frame();
    const [headers, ...continuations] = frames.headers(5).request('GET', '/split').endStream().splitBlock(3, 10);
    expect(continuations).to.have.length(2);
    expect(headers.frame()).to.deep.include({ type: 'HEADERS', streamId: 5, endStream: true, endHeaders: false });
    expect(continuations.map((c) => c.frame().endHeaders)).to.deep.equal([false, true]);
    expect(continuations.every((c) => c.frame().streamId === 5)).to.equal(true);
    const joined = Buffer.concat([headers.frame().headerBlock, ...continuations.map((c) => c.frame().headerBlock)]);
    expect(hex(joined)).to.equal(hex(whole.headerBlock));
    expect(hex(headers.frame().headerBlock)).to.equal(hex(whole.headerBlock.subarray(0, 3)));
    expect(() => frames.headers(1).block([1, 2, 3]).splitBlock(2, 1)).to.throw(RangeError);
    expect(() => frames.headers(1).block([1, 2, 3]).splitBlock(4)).to.throw(RangeError);
    const [alone] = frames.headers(1).block([1, 2]).noEndHeaders().splitBlock();
    expect(alone.frame().endHeaders, 'no cut: one frame, which ends the block').to.equal(true);
  });
});

describe('frame builders: writing them', () => {
  it('frameBytes() takes Frame objects and builders alike, back to back', () => {
    const ping: Frame = { type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) };
    expect(hex(frameBytes(ping, frames.settings().ack(), frames.raw(0xfa)))).to.equal(hex(encodeFrame(ping)) + '000000040100000000' + '000000fa0000000000');
    expect(isEncodable(ping)).to.equal(false);
    expect(isEncodable(frames.ping())).to.equal(true);
  });

  it('is public as h2wire/testing', () => {
    for (const name of ['frames', 'FrameBuilders', 'frameBytes', 'isEncodable', 'RawFrameBuilder', 'HeadersFrameBuilder', 'arbFrame'])
      expect(testing, name).to.have.property(name);
  });
});
