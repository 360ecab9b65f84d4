// What a connection holds for its peer, and its budget: every octet a peer
// can make the engine keep is counted in heldBytes() and bounded by
// limits.maxHeldBytes; bodies by the windows granted (RFC 9113 §5.2).

import { expect } from 'chai';
import { errorCodeName } from '../../src/frames/constants.js';
import { encodeFrame } from '../../src/frames/encode.js';
import type { Frame } from '../../src/frames/frame.js';
import type { EndpointOptions } from '../../src/connection/options.js';
import { eventsOf, fields, GET, RawPeer } from './harness.js';

const POST = (path = '/') => fields({ ':method': 'POST', ':scheme': 'https', ':authority': 'example.com', ':path': path });

/** `count` copies of one frame's octets, written at once (far quicker than frame by frame). */
const repeated = (frame: Frame, count: number) => {
  const one = encodeFrame(frame, { allowIllegal: true });
  const out = Buffer.allocUnsafe(one.length * count);
  for (let i = 0; i < count; i++) out.set(one, i * one.length);
  return out;
};

const windowUpdates = (frames: Frame[], streamId: number) =>
  frames.filter((f): f is Extract<Frame, { type: 'WINDOW_UPDATE' }> => f.type === 'WINDOW_UPDATE' && f.streamId === streamId).reduce((n, f) => n + f.windowSizeIncrement, 0);

/**
 * A connection holding only a partial frame (a DATA frame's header and the first 11 of its 16,384
 * octets, held as its header and a block for its payload), `slack` octets under limits.maxHeldBytes.
 */
function partialFrameUnderBudget(slack: number, options: Partial<EndpointOptions> = {}): { peer: RawPeer; maxHeldBytes: number } {
  const maxHeldBytes = 9 + 16_384 + slack;
  const peer = new RawPeer({ ...options, limits: { maxHeldBytes } });
  peer.handshake();
  peer.writeBytes(encodeFrame({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(16_384) }).subarray(0, 20));
  expect(peer.server.heldBytes(), 'the partial frame: its header and a block for its payload').to.equal(9 + 16_384);
  return { peer, maxHeldBytes };
}

describe('engine holdings: what a peer can make a connection hold', () => {
  it('1-octet DATA frames on 16 unread streams: one octet held per octet, never more than the windows granted', () => {
    // The reproducer of the tiny-DATA defect, in memory: 16 POSTs, then each stream's whole window in 1-octet frames.
    const peer = new RawPeer();
    peer.handshake();
    for (let i = 0; i < 16; i++) peer.write(peer.headers(2 * i + 1, POST(), false));
    for (let i = 0; i < 16; i++) peer.writeBytes(repeated({ type: 'DATA', streamId: 2 * i + 1, endStream: false, data: new Uint8Array([0x79]) }, 65_535));
    expect(peer.server.closedBy).to.equal(undefined);
    const held = peer.server.held();
    const octets = 16 * 65_535;
    expect(peer.server.bodyLength(1)).to.equal(65_535);
    expect(held.body, 'unread body: the octets and at most 16 KiB of slack per stream').to.be.within(octets, octets + 16 * 16_384);
    expect(held.input, 'no partial frame left').to.equal(0);
    expect(peer.server.heldBytes()).to.be.below(1.5 * 1024 * 1024);
    // One more octet on a stream is beyond its window: the window, not our memory, is what runs out (§6.9.1).
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(1) });
    peer.expectRst(1, 'FLOW_CONTROL_ERROR');
    expect(peer.server.held().body, 'the reset stream holds nothing any more').to.be.below(held.body);
  });

  it('§6.1 padding is never held, and its window is given back at once', () => {
    const peer = new RawPeer();
    peer.handshake();
    peer.write(peer.headers(1, POST(), false));
    // 600 frames of 1 octet and 254 of padding: 153,000 flow-controlled octets through a 65,535-octet window.
    peer.writeBytes(repeated({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array([0x79]), padLength: 254 }, 600));
    expect(peer.server.closedBy).to.equal(undefined);
    expect(peer.server.bodyLength(1)).to.equal(600);
    expect(peer.server.held().body).to.equal(1024); // a block grown for 600 octets of body; none of the padding
    expect(windowUpdates(peer.read(), 1), 'the padding (and its length octet) credited as it came').to.be.at.least(600 * 255 - 65_535);
    peer.expectAlive();
  });

  it('reading a body gives the windows back; the body of a closed stream stays readable until read', () => {
    const peer = new RawPeer();
    peer.handshake();
    peer.write(peer.headers(1, POST(), false));
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(16_000).fill(1) });
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(16_000).fill(1) });
    peer.write({ type: 'DATA', streamId: 1, endStream: true, data: new Uint8Array(8_000).fill(1) });
    peer.server.respond(1, fields({ ':status': '204' }), { endStream: true });
    expect(peer.server.streamState(1)).to.equal('closed');
    expect(eventsOf(peer.events, 'data').map((e) => e.length)).to.deep.equal([16_000, 16_000, 8_000]);
    const body = peer.server.readBody(1);
    expect(body.length).to.equal(40_000);
    expect(peer.server.held().body).to.equal(0);
    expect(peer.server.readBody(1).length).to.equal(0);
  });

  it('a stream the peer resets gives its unread body back to the connection window', () => {
    // 20 streams of 60,000 unread octets each, every one reset: 1.2 MB through a 1 MiB connection window.
    const peer = new RawPeer();
    peer.handshake();
    for (let i = 0; i < 20; i++) {
      const id = 2 * i + 1;
      peer.write(peer.headers(id, POST(), false));
      peer.write({ type: 'DATA', streamId: id, endStream: false, data: new Uint8Array(16_000) });
      peer.write({ type: 'DATA', streamId: id, endStream: false, data: new Uint8Array(16_000) });
      peer.write({ type: 'DATA', streamId: id, endStream: false, data: new Uint8Array(16_000) });
      peer.write({ type: 'DATA', streamId: id, endStream: false, data: new Uint8Array(12_000) });
      peer.write({ type: 'RST_STREAM', streamId: id, errorCode: 8 });
    }
    expect(peer.server.closedBy, 'the connection window was not used up').to.equal(undefined);
    expect(peer.server.held().body).to.equal(0);
    expect(windowUpdates(peer.read(), 0), 'the dropped octets credited to the connection').to.be.at.least(524_288);
  });

  it('§8.1 stopReading: the body is dropped, and once the response is out the request is reset with NO_ERROR', () => {
    const peer = new RawPeer();
    peer.handshake();
    peer.write(peer.headers(1, POST(), false));
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(1000) });
    peer.server.respond(1, fields({ ':status': '200' }));
    peer.server.sendData(1, new Uint8Array(10), { endStream: false });
    peer.server.stopReading(1);
    expect(peer.server.held().body).to.equal(0);
    peer.write({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(500) });
    expect(peer.server.bodyLength(1), 'what arrives is discarded').to.equal(0);
    expect(peer.read().some((f) => f.type === 'RST_STREAM'), 'the response is not complete yet: no reset').to.equal(false);
    peer.server.sendData(1, new Uint8Array(10), { endStream: true });
    const got = peer.read();
    const end = got.findIndex((f) => f.type === 'DATA' && f.endStream);
    const rst = got.findIndex((f) => f.type === 'RST_STREAM');
    expect(end).to.be.at.least(0);
    expect(rst, 'RST_STREAM after the response').to.be.greaterThan(end);
    expect(errorCodeName((got[rst] as Extract<Frame, { type: 'RST_STREAM' }>).errorCode)).to.equal('NO_ERROR');
    expect(peer.server.streamState(1)).to.equal('closed_reset');
  });

  it('the field sections of open streams are counted until the stream closes', () => {
    const peer = new RawPeer();
    peer.handshake();
    const big = GET('/', { 'x-big': 'a'.repeat(1000) });
    peer.write(peer.headers(1, big, true));
    const size = big.reduce((n, f) => n + f.name.length + f.value.length + 32, 0);
    expect(peer.server.held().fields).to.equal(size);
    peer.server.respond(1, fields({ ':status': '204' }), { endStream: true });
    expect(peer.server.held().fields).to.equal(0);
  });

  it('a field block split over CONTINUATION frames is held in a block of its own, counted as it grows', () => {
    const peer = new RawPeer();
    peer.handshake();
    const block = peer.encoder.encode(GET('/', { 'x-long': 'b'.repeat(3000) }));
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: false, headerBlock: block.subarray(0, 1000) });
    peer.write({ type: 'CONTINUATION', streamId: 1, endHeaders: false, headerBlock: block.subarray(1000, 2000) });
    expect(peer.server.held().fieldBlock).to.be.within(2000, 4096);
    peer.write({ type: 'CONTINUATION', streamId: 1, endHeaders: true, headerBlock: block.subarray(2000) });
    expect(peer.server.held().fieldBlock).to.equal(0);
    expect(eventsOf(peer.events, 'request')[0]!.headers.find((f) => f.name === 'x-long')?.value).to.have.length(3000);
  });

  it('a partial frame is held as the octets of that frame, not the read buffer it came in', () => {
    const peer = new RawPeer();
    peer.handshake();
    peer.write(peer.headers(1, POST(), false));
    const frame = encodeFrame({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(1000) });
    const chunk = Buffer.concat([Buffer.alloc(0), frame.subarray(0, 20)]);
    peer.writeBytes(chunk);
    expect(peer.server.held().input, 'its header and a block for its 1,000 octets').to.equal(9 + 1000);
  });

  it('the frames a deadline makes us owe count too: an idle shutdown that would pass the budget ends the connection instead', () => {
    // Found by the adversary property: a partial frame held to within a few octets of the budget,
    // then the idle deadline's GOAWAY and PING (§6.8) put the connection 1 octet over it.
    const { peer, maxHeldBytes } = partialFrameUnderBudget(20, { timeouts: { idleMs: 1000 } });
    peer.server.tick(1000);
    expect(peer.server.heldBytes(), 'within the budget after the deadline').to.be.at.most(maxHeldBytes);
    const sent = peer.read();
    expect(sent.map((f) => f.type), 'the shutdown it began (GOAWAY, PING), then the GOAWAY that ends it').to.deep.equal(['GOAWAY', 'PING', 'GOAWAY']);
    peer.expectGoaway('ENHANCE_YOUR_CALM', { label: 'held_over_budget', among: sent.slice(2) });
  });

  it("a PING the application asks for counts too: past the budget, the next tick() ends the connection", () => {
    const { peer, maxHeldBytes } = partialFrameUnderBudget(10);
    peer.server.ping();
    expect(peer.server.heldBytes(), 'the PING is held until taken').to.equal(9 + 16_384 + 17);
    peer.server.tick(1);
    expect(peer.server.heldBytes()).to.be.at.most(maxHeldBytes);
    const sent = peer.read();
    expect(sent.map((f) => f.type)).to.deep.equal(['PING', 'GOAWAY']);
    peer.expectGoaway('ENHANCE_YOUR_CALM', { label: 'held_over_budget', among: sent });
  });

  it('past limits.maxHeldBytes: GOAWAY ENHANCE_YOUR_CALM, and the connection then holds only its GOAWAY', () => {
    const peer = new RawPeer({ limits: { maxHeldBytes: 100_000 } });
    peer.handshake();
    for (let i = 0; i < 3; i++) {
      peer.write(peer.headers(2 * i + 1, POST(), false));
      for (let k = 0; k < 4; k++) peer.write({ type: 'DATA', streamId: 2 * i + 1, endStream: false, data: new Uint8Array(15_000) });
    }
    const goaway = peer.expectGoaway('ENHANCE_YOUR_CALM', { label: 'held_over_budget' });
    expect(Buffer.from(goaway.debugData).toString()).to.match(/over its budget of 100000/);
    expect(peer.server.heldBytes()).to.equal(0);
    expect(peer.server.held()).to.deep.equal({ input: 0, fieldBlock: 0, fields: 0, body: 0, streams: 0, control: 0, outgoing: 0 });
  });
});
