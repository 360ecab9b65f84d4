// What an attacker found against the redesigned engine (second round),
// each a test that failed before its fix: a trailer section over our
// limits answered like a request head, a frame in error that kept its
// window, a request body that could stall for ever, streams that cost more
// than heldBytes() said, cancelled pushes counted as Rapid Reset, and a
// SETTINGS change applied to closed streams.

import { expect } from 'chai';
import { Http2Endpoint } from '../../src/connection/endpoint.js';
import { DEFAULT_LIMITS } from '../../src/connection/options.js';
import { CLIENT_PREFACE, SettingId } from '../../src/frames/constants.js';
import { eventsOf, fields, Pair, RawPeer } from './harness.js';

const POST = (extra: Record<string, string> = {}) => fields({ ':method': 'POST', ':scheme': 'https', ':authority': 'a', ':path': '/', ...extra });

describe('attacker findings, second round (engine)', () => {
  it('§8.1, §10.5.1 a trailer section over SETTINGS_MAX_HEADER_LIST_SIZE: RST_STREAM, not a 431 on a response the application owns', () => {
    const peer = new RawPeer({ limits: { maxFieldCount: 128 } });
    peer.handshake();
    peer.write(peer.headers(1, POST(), false));
    expect(eventsOf(peer.events, 'request')).to.have.length(1); // the application has the request
    const trailers: Array<[string, string]> = [];
    for (let i = 0; i < 129; i++) trailers.push([`x-t${i}`, '1']);
    peer.write(peer.frames.headers(1).fields(trailers).endStream());
    const got = peer.read();
    expect(got.some((f) => f.type === 'HEADERS'), 'no response head from the engine').to.equal(false);
    const rst = got.find((f) => f.type === 'RST_STREAM');
    expect(rst, 'RST_STREAM').to.not.equal(undefined);
    expect(eventsOf(peer.events, 'stream_error').at(-1)?.error.label).to.equal('field_list_too_large');
    // The application's own response on the reset stream is dropped, not an error.
    expect(peer.server.respond(1, fields({ ':status': '204' }), { endStream: true })).to.equal(false);
    peer.expectAlive();
  });

  it('§6.9 DATA in error for its content-length gives its window back: 80 such streams cannot close the connection window', () => {
    const peer = new RawPeer();
    peer.handshake();
    for (let i = 0; i < 80; i++) {
      const id = 1 + 2 * i;
      peer.write(peer.headers(id, POST({ 'content-length': '0' }), false));
      peer.write(peer.frames.data(id, new Uint8Array(16_000)));
      peer.read();
    }
    expect(peer.server.closedBy, 'no FLOW_CONTROL_ERROR').to.equal(undefined);
    expect(eventsOf(peer.events, 'stream_error').every((e) => e.error.label === 'content_length_mismatch')).to.equal(true);
    // A legitimate upload still fits.
    peer.write(peer.headers(201, POST(), false));
    for (let i = 0; i < 4; i++) peer.write(peer.frames.data(201, new Uint8Array(15_000)).endStream(i === 3));
    expect(eventsOf(peer.events, 'data').filter((e) => e.streamId === 201).reduce((n, e) => n + e.length, 0)).to.equal(60_000);
    peer.expectAlive();
  });

  it('a request body with no DATA for receiveStallMs: RST_STREAM CANCEL (request_body_stalled); one still moving is kept', () => {
    const server = new Http2Endpoint({ role: 'server', timeouts: { receiveStallMs: 1000 }, now: 0 });
    const peer = new RawPeer();
    const enc = peer.frames;
    server.receive(Buffer.concat([CLIENT_PREFACE, enc.settings().encode(), enc.settings().ack().encode()]), 0);
    server.receive(enc.headers(1).fields(POST()).encode(), 100); // silent after its HEADERS
    server.receive(enc.headers(3).fields(POST()).encode(), 200); // will keep sending
    server.takeOutput();
    server.takeEvents();
    expect(server.nextDeadline).to.equal(1100);
    server.receive(enc.data(3, 'a').encode(), 900);
    const events = server.tick(1100);
    expect(server.streamState(1)).to.equal('closed_reset');
    expect(eventsOf(events, 'stream_error').map((e) => [e.error.streamId, e.error.codeName, e.error.label])).to.deep.equal([[1, 'CANCEL', 'request_body_stalled']]);
    expect(server.streamState(3), 'DATA at 900: still within its time').to.equal('open');
    expect(server.nextDeadline, 'counted again from stream 3’s last DATA').to.equal(1900);
    server.receive(enc.data(3, 'b').endStream().encode(), 1500);
    server.tick(1900);
    expect(server.streamState(3)).to.equal('half_closed_remote');
    expect(server.closedBy).to.equal(undefined);
    expect(server.nextDeadline, 'no body awaited: only the idle deadline would remain once streams close').to.not.equal(1900);
  });

  it('every stream in use is charged streamCostBytes in heldBytes(), so many small streams meet the budget', () => {
    const peer = new RawPeer({ limits: { streamCostBytes: 4096, maxHeldBytes: 64 * 1024 } });
    peer.handshake();
    const before = peer.server.heldBytes();
    peer.write(peer.headers(1, POST(), false));
    expect(peer.server.held().streams).to.equal(4096);
    expect(peer.server.heldBytes() - before).to.be.greaterThan(4096);
    for (let id = 3; id < 2 * 20; id += 2) peer.write(peer.headers(id, POST(), false));
    peer.expectGoaway('ENHANCE_YOUR_CALM', { label: 'held_over_budget' });
    expect(DEFAULT_LIMITS.streamCostBytes).to.equal(3072);
  });

  it('§8.4.2 a client cancelling many pushes is not a Rapid Reset flood', () => {
    const p = new Pair({}, {});
    p.pump();
    const parent = p.client.request(fields({ ':method': 'GET', ':scheme': 'https', ':authority': 'a', ':path': '/' }), { endStream: true });
    p.pump();
    const promised: number[] = [];
    for (let i = 0; i < 400; i++) {
      promised.push(p.server.push(parent, fields({ ':method': 'GET', ':scheme': 'https', ':authority': 'a', ':path': `/r/${i}` })));
      p.pump();
      p.client.resetStream(promised.at(-1)!); // CANCEL
      p.pump();
    }
    expect(p.server.closedBy, 'no ENHANCE_YOUR_CALM flood_resets').to.equal(undefined);
    expect(eventsOf(p.serverEvents, 'push_cancelled')).to.have.length(400);
  });

  it('§6.9.2 SETTINGS_INITIAL_WINDOW_SIZE changes only the windows of streams still open, not of closed ones', () => {
    const peer = new RawPeer();
    peer.handshake();
    peer.write(peer.headers(1, POST(), false));
    peer.write(peer.frames.windowUpdate(1, 2 ** 31 - 1 - 65_535)); // stream 1's send window at the maximum
    peer.write(peer.frames.rstStream(1).cancel());
    expect(peer.server.streamState(1)).to.equal('closed');
    peer.write(peer.frames.settings([{ id: SettingId.INITIAL_WINDOW_SIZE, value: 65_536 }]));
    expect(peer.server.closedBy, 'no FLOW_CONTROL_ERROR for a stream we no longer keep').to.equal(undefined);
    peer.expectAlive();
  });
});
