// Deadlines, with time passed in (the engine owns no clock or timer).

import { expect } from 'chai';
import { Http2Endpoint } from '../../src/connection/endpoint.js';
import { CLIENT_PREFACE, errorCodeName } from '../../src/frames/constants.js';
import { decodeFrames } from '../../src/frames/decode.js';
import { encodeFrame } from '../../src/frames/encode.js';
import type { Frame } from '../../src/frames/frame.js';
import { GET, Pair } from './harness.js';

const goaway = (bytes: Uint8Array) => decodeFrames(bytes).find((f): f is Frame & { type: 'GOAWAY' } => f.type === 'GOAWAY');
const settings = encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] });
const timeouts = { prefaceMs: 1000, settingsAckMs: 2000, idleMs: 5000 };

describe('engine deadlines', () => {
  it('§3.4 no preface in time: GOAWAY PROTOCOL_ERROR', () => {
    const server = new Http2Endpoint({ role: 'server', timeouts, now: 100 });
    expect(server.nextDeadline).to.equal(1100);
    server.tick(1099);
    expect(server.closedBy).to.equal(undefined);
    server.tick(1100);
    expect(errorCodeName(goaway(server.takeOutputBytes())!.errorCode)).to.equal('PROTOCOL_ERROR');
    expect(server.closedBy?.label).to.equal('preface_timeout');
  });

  it('options objects are merged with their own defaults, even one object given for two kinds of option', () => {
    // Each kind is merged with its own defaults; an empty object fits limits and timeouts alike.
    const none = {};
    new Http2Endpoint({ role: 'server', limits: none, now: 0 });
    const server = new Http2Endpoint({ role: 'server', limits: none, timeouts: none, now: 100 });
    expect(server.nextDeadline, 'the default 10 s preface deadline').to.equal(10_100);
  });

  it('§6.5.3 SETTINGS never acknowledged: GOAWAY SETTINGS_TIMEOUT', () => {
    const server = new Http2Endpoint({ role: 'server', timeouts, now: 0 });
    server.receive(Buffer.concat([CLIENT_PREFACE, settings]), 10);
    expect(server.nextDeadline).to.equal(2000);
    server.tick(2000);
    expect(errorCodeName(goaway(server.takeOutputBytes())!.errorCode)).to.equal('SETTINGS_TIMEOUT');
    expect(server.closedBy?.label).to.equal('settings_timeout');
  });

  it('an idle connection is shut down gracefully; an active one is not', () => {
    const p = new Pair({ timeouts }, { timeouts });
    p.pump();
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.tick(10_000);
    expect(p.server.takeOutput()).to.deep.equal([]); // stream 1 is open: not idle
    p.server.respond(1, [{ name: ':status', value: '204' }], { endStream: true });
    p.pump();
    expect(p.server.nextDeadline).to.equal(15_000); // idle from the moment the last stream closed (10,000)
    p.server.tick(14_999);
    expect(p.server.takeOutput()).to.deep.equal([]);
    p.server.tick(15_000);
    const out = p.server.takeOutputBytes();
    expect(goaway(out)).to.deep.include({ lastStreamId: 0x7fffffff, errorCode: 0 });
    p.client.receive(out);
    p.pump();
    expect(p.server.finished).to.equal(true);
  });
});

describe('engine deadlines for a peer that stalls', () => {
  const t = { prefaceMs: 1000, settingsAckMs: 2000, idleMs: 5000, shutdownPingMs: 3000, sendStallMs: 4000 };

  it('§6.8 idle: frames that open no stream do not keep the connection alive', () => {
    const p = new Pair({ timeouts: t }, { timeouts: t });
    p.pump();
    for (let now = 1000; now < 5000; now += 1000) {
      p.client.ping();
      p.client.receive(p.server.takeOutputBytes(), now);
      p.server.receive(p.client.takeOutputBytes(), now);
    }
    expect(p.server.nextDeadline, 'still from the start').to.equal(5000);
    p.server.tick(5000);
    expect(goaway(p.server.takeOutputBytes())).to.deep.include({ lastStreamId: 0x7fffffff, errorCode: 0 });
  });

  it('§6.8 a graceful shutdown whose PING is never answered sends its final GOAWAY after shutdownPingMs', () => {
    const p = new Pair({ timeouts: t }, { timeouts: t });
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.shutdown(); // at time 0; the client never answers from now on
    const first = decodeFrames(p.server.takeOutputBytes());
    expect(first.map((f) => f.type)).to.deep.equal(['GOAWAY', 'PING']);
    expect(p.server.nextDeadline).to.equal(3000);
    p.server.tick(2999);
    expect(p.server.takeOutput()).to.deep.equal([]);
    p.server.tick(3000);
    expect(goaway(p.server.takeOutputBytes())).to.deep.include({ lastStreamId: 1, errorCode: 0 });
    p.server.respond(1, [{ name: ':status', value: '204' }], { endStream: true });
    expect(p.server.finished, 'its last stream done, the connection can close').to.equal(true);
  });

  it('§6.9 DATA waiting on windows the peer keeps shut: GOAWAY ENHANCE_YOUR_CALM after sendStallMs', () => {
    const p = new Pair({ timeouts: t, settings: { initialWindowSize: 0 } }, { timeouts: t });
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.respond(1, [{ name: ':status', value: '200' }]);
    p.server.sendData(1, new Uint8Array(100), { endStream: true });
    p.pump();
    expect(p.server.held().outgoing).to.equal(100);
    expect(p.server.nextDeadline, 'stalled since time 0').to.equal(4000);
    p.server.tick(4000);
    const g = goaway(p.server.takeOutputBytes())!;
    expect(errorCodeName(g.errorCode)).to.equal('ENHANCE_YOUR_CALM');
    expect(Buffer.from(g.debugData).toString()).to.match(/^send_stall: no flow-control window for 4000 ms with 100 octets/);
    expect(p.server.closedBy).to.include({ label: 'send_stall', initiator: 'engine' });
  });

  it('§6.9 a window opened an octet at a time is progress: no stall while DATA goes', () => {
    const p = new Pair({ timeouts: t, settings: { initialWindowSize: 0 } }, { timeouts: t });
    p.client.request(GET('/'), { endStream: true });
    p.pump();
    p.server.respond(1, [{ name: ':status', value: '200' }]);
    p.server.sendData(1, new Uint8Array(10), { endStream: true });
    p.pump();
    const update = encodeFrame({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 1 });
    for (let now = 3000; now <= 30_000; now += 3000) {
      p.server.receive(update, now);
      p.server.tick(now);
      p.server.takeOutput();
      expect(p.server.closedBy, `at ${now}`).to.equal(undefined);
      if (now < 30_000) expect(p.server.nextDeadline).to.equal(now + 4000);
    }
    expect(p.server.streamState(1)).to.equal('closed');
    expect(p.server.held().outgoing).to.equal(0);
    expect(p.server.nextDeadline, 'nothing waits: only the idle deadline').to.equal(30_000 + 5000);
  });
});
