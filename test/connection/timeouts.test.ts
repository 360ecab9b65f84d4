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
  });

  it('options objects are merged with their own defaults, even one object given for two kinds of option', () => {
    // Merged copies are shared per (defaults, options) pair; an empty object fits limits and timeouts alike.
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
    expect(p.server.nextDeadline).to.equal(5000); // last activity was at 0: no times were passed
    p.server.tick(5000);
    const out = p.server.takeOutputBytes();
    expect(goaway(out)).to.deep.include({ lastStreamId: 0x7fffffff, errorCode: 0 });
    p.client.receive(out);
    p.pump();
    expect(p.server.finished).to.equal(true);
  });
});
