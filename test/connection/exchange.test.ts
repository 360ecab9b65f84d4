// Client and server engines wired together in memory: requests, responses,
// push, flow control, settings, shutdown.

import { expect } from 'chai';
import { PushError } from '../../src/connection/push-rules.js';
import { eventsOf, fields, GET, Pair } from './harness.js';

const text = (s: string) => new TextEncoder().encode(s);
const joined = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString();

describe('engine pair: request and response', () => {
  it('exchanges SETTINGS and acknowledges them (RFC 9113 §3.4, §6.5.3)', () => {
    const p = new Pair();
    p.pump();
    expect(eventsOf(p.serverEvents, 'settings')).to.have.length(1);
    expect(eventsOf(p.clientEvents, 'settings_acked')).to.have.length(1);
    expect(p.client.localSettings.maxConcurrentStreams).to.equal(100);
    expect(p.server.peerSettings.maxConcurrentStreams).to.equal(100);
    expect(p.client.peerSettings.enablePush).to.equal(true); // servers never send ENABLE_PUSH
  });

  it('engines share nothing through their lazily made stream collections', () => {
    // Each engine starts on shared empty collections and makes its own with its first stream.
    const busy = new Pair();
    busy.client.request(GET('/'), { endStream: true });
    busy.pump();
    busy.server.respond(1, fields({ ':status': '200' }));
    busy.server.sendData(1, text('x'));
    const fresh = new Pair();
    expect(fresh.server.streamState(1)).to.equal(undefined);
    expect(fresh.client.streamState(1)).to.equal(undefined);
    expect(busy.server.held().outgoing, "busy's response head and one queued octet").to.be.greaterThan(1);
    fresh.pump();
    expect(fresh.server.held().outgoing, 'nothing of busy counted as queued here').to.equal(0);
    fresh.client.request(GET('/'), { endStream: true });
    fresh.pump();
    expect(fresh.server.streamState(1)).to.equal('half_closed_remote');
    expect(busy.server.streamState(1)).to.equal('half_closed_remote');
  });

  it('serves a GET with a body; both sides end with the stream closed', () => {
    const p = new Pair();
    const id = p.client.request(GET('/'), { endStream: true });
    expect(id).to.equal(1);
    const { server } = p.pump();
    const [req] = eventsOf(server, 'request');
    expect(req).to.deep.include({ streamId: 1, endStream: true });
    expect(req!.headers.map((f) => f.name)).to.deep.equal([':method', ':scheme', ':authority', ':path']);
    p.server.respond(1, fields({ ':status': '200', 'content-type': 'text/plain' }));
    p.server.sendData(1, text('hello '));
    p.server.sendData(1, text('world'), { endStream: true });
    const { client } = p.pump();
    const [res] = eventsOf(client, 'response');
    expect(res).to.deep.include({ streamId: 1, endStream: false, pushed: false });
    expect(eventsOf(client, 'data').map((e) => e.length)).to.deep.equal([6, 5]);
    expect(p.client.bodyLength(1)).to.equal(11);
    expect(joined([p.client.readBody(1)]), 'the body of a closed stream stays readable').to.equal('hello world');
    expect(p.client.readBody(1).length, 'read once').to.equal(0);
    expect(p.client.streamState(1)).to.equal('closed');
    expect(p.server.streamState(1)).to.equal('closed');
  });

  it('carries a request body and trailers', () => {
    const p = new Pair();
    const id = p.client.request(fields({ ':method': 'POST', ':scheme': 'https', ':authority': 'a', ':path': '/up', 'content-length': '6' }));
    p.client.sendData(id, text('abc'));
    p.client.sendData(id, text('def'));
    p.client.sendTrailers(id, fields({ 'x-checksum': '42' }));
    const { server } = p.pump();
    expect(joined([p.server.readBody(id)])).to.equal('abcdef');
    expect(eventsOf(server, 'trailers')[0]!.headers).to.deep.equal(fields({ 'x-checksum': '42' }));
    expect(p.server.streamState(id)).to.equal('half_closed_remote');
  });

  it('sends a 103 before the final response (RFC 9113 §8.1)', () => {
    const p = new Pair();
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.respond(1, fields({ ':status': '103', link: '</style.css>; rel=preload' }));
    p.server.respond(1, fields({ ':status': '204' }), { endStream: true });
    const { client } = p.pump();
    expect(eventsOf(client, 'informational')[0]!.headers[0]).to.deep.equal({ name: ':status', value: '103' });
    expect(eventsOf(client, 'response')[0]).to.deep.include({ endStream: true });
  });

  it('refuses a content-length that the DATA does not match (RFC 9113 §8.1.1)', () => {
    const p = new Pair();
    const id = p.client.request(fields({ ':method': 'POST', ':scheme': 'https', ':authority': 'a', ':path': '/', 'content-length': '3' }));
    p.client.sendData(id, text('toolong'), { endStream: true });
    const { server, client } = p.pump();
    expect(eventsOf(server, 'stream_error')[0]!.error.message).to.match(/content-length 3/);
    expect(eventsOf(client, 'stream_reset')[0]).to.deep.include({ streamId: id, errorCode: 1 });
  });
});

describe('engine pair: server push (RFC 9113 §8.4)', () => {
  it('promises /style.css on the request stream before the page, on stream 2', () => {
    const p = new Pair();
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    const promised = p.server.push(1, GET('/style.css'));
    expect(promised).to.equal(2);
    expect(p.server.streamState(2)).to.equal('reserved_local');
    p.server.respond(1, fields({ ':status': '200' }));
    p.server.sendData(1, text('<link rel=stylesheet href=/style.css>'), { endStream: true });
    p.server.respond(2, fields({ ':status': '200', 'content-type': 'text/css' }));
    expect(p.server.streamState(2)).to.equal('half_closed_remote');
    p.server.sendData(2, text('body{}'), { endStream: true });
    const { client } = p.pump();
    const order = client.map((e) => e.type).filter((t) => t !== 'stream_closed');
    expect(order.indexOf('push_promise')).to.be.lessThan(order.indexOf('data'));
    expect(eventsOf(client, 'push_promise')[0]).to.deep.include({ parentId: 1, promisedStreamId: 2 });
    const pushed = eventsOf(client, 'response').find((e) => e.streamId === 2);
    expect(pushed).to.deep.include({ pushed: true });
    expect(joined([p.client.readBody(2)])).to.equal('body{}');
    expect(p.client.streamState(2)).to.equal('closed');
    expect(p.server.streamState(2)).to.equal('closed');
  });

  it('gives each push the next even id', () => {
    const p = new Pair();
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    expect([p.server.push(1, GET('/a')), p.server.push(1, GET('/b')), p.server.push(1, GET('/c'))]).to.deep.equal([2, 4, 6]);
  });

  it('refuses to push when the client disabled it, with a reason', () => {
    const p = new Pair({ settings: { enablePush: false } });
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    expect(p.server.pushRefusal(1)).to.equal('push_disabled');
    expect(() => p.server.push(1, GET('/x'))).to.throw(PushError, /SETTINGS_ENABLE_PUSH=0/);
  });

  it('refuses a push from a pushed stream, past the client limit, and after GOAWAY', () => {
    const p = new Pair({ settings: { maxConcurrentStreams: 1 } });
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.push(1, GET('/a'));
    expect(p.server.pushRefusal(2)).to.equal('recursive');
    expect(p.server.pushRefusal(1)).to.equal('concurrency_limit');
    p.server.shutdown();
    expect(p.server.pushRefusal(1)).to.equal('goaway');
  });

  it('reports a client cancelling a push, with the bytes it had sent and dropped', () => {
    const p = new Pair();
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.push(1, GET('/big'));
    p.server.respond(2, fields({ ':status': '200' }));
    p.server.sendData(2, new Uint8Array(200000), { endStream: true });
    p.pump();
    p.client.resetStream(2, 8);
    const { server } = p.pump();
    const [cancel] = eventsOf(server, 'push_cancelled');
    expect(cancel).to.deep.include({ streamId: 2, parentId: 1, errorCode: 8, bytesSent: 65535, bytesDropped: 200000 - 65535 });
    expect(p.server.queuedBytes(2)).to.equal(0);
  });
});

describe('engine pair: flow control (RFC 9113 §5.2, §6.9)', () => {
  it('stops at the window until the application consumes, then completes', () => {
    const p = new Pair();
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.respond(1, fields({ ':status': '200' }));
    const body = new Uint8Array(300000).map((_, i) => i & 0xff);
    p.server.sendData(1, body, { endStream: true });
    const arrived = eventsOf(p.pump().client, 'data').reduce((n, e) => n + e.length, 0);
    expect(arrived).to.equal(65535); // the stream's initial window
    expect(p.server.queuedBytes(1)).to.equal(300000 - 65535);
    expect(p.client.held().body, 'held, unread: no more than the window').to.be.within(65535, 65535 + 16384);
    const read: Uint8Array[] = [];
    for (let round = 0; round < 100 && p.server.streamState(1) !== 'closed'; round++) {
      read.push(p.client.readBody(1)); // the application reads what arrived: that credits it back
      p.pump();
    }
    read.push(p.client.readBody(1));
    expect(Buffer.concat(read).equals(Buffer.from(body))).to.equal(true);
    expect(p.client.held().body).to.equal(0);
    expect(p.server.streamState(1)).to.equal('closed');
  });

  it('splits DATA to the peer MAX_FRAME_SIZE', () => {
    const frames: number[] = [];
    const p = new Pair({ settings: { initialWindowSize: 1 << 20 } }, { onFrame: (dir, f) => dir === 'out' && f.type === 'DATA' && frames.push(f.data.length) });
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.respond(1, fields({ ':status': '200' }));
    p.server.sendData(1, new Uint8Array(40000), { endStream: true });
    p.pump();
    expect(frames).to.deep.equal([16384, 16384, 40000 - 32768]);
  });

  it('lets SETTINGS_INITIAL_WINDOW_SIZE make a send window negative (RFC 9113 §6.9.2)', () => {
    const p = new Pair();
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.respond(1, fields({ ':status': '200' }));
    p.server.sendData(1, new Uint8Array(60000));
    p.pump();
    p.client.updateSettings({ initialWindowSize: 1000 });
    p.pump();
    expect(p.server.sendWindow(1)!.stream).to.equal(1000 - 60000);
  });
});

describe('engine pair: shutdown (RFC 9113 §6.8)', () => {
  it('sends two GOAWAYs; streams in flight finish; then the engine is finished', () => {
    const goaways: number[] = [];
    const p = new Pair({}, { onFrame: (dir, f) => dir === 'out' && f.type === 'GOAWAY' && goaways.push(f.lastStreamId) });
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.shutdown();
    p.pump();
    expect(goaways).to.deep.equal([0x7fffffff, 1]);
    expect(p.server.finished).to.equal(false);
    p.server.respond(1, fields({ ':status': '200' }), { endStream: true });
    p.pump();
    expect(p.server.finished).to.equal(true);
    // §6.8: both ends reach the named closed state, without an error.
    expect(p.server.state).to.deep.equal({ name: 'closed', error: undefined });
    expect(p.client.state).to.deep.equal({ name: 'closed', error: undefined });
    expect(p.server.closedBy).to.equal(undefined);
    expect(() => p.client.request(GET('/'))).to.throw(/GOAWAY/);
  });
});
