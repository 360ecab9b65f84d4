// The known HTTP/2 denial-of-service attacks, each from a raw-frame client
// on a real socket: the server must answer promptly with the right GOAWAY
// (or close), hold bounded memory meanwhile, and keep serving a
// well-behaved client on another connection.

import { expect } from 'chai';
import { setImmediate as tick } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { h2get } from '../../src/client/h2-get.js';
import { seedHandler } from '../../src/demo/seed-handler.js';
import type { ErrorLabel } from '../../src/error-labels.js';
import { errorCodeName } from '../../src/frames/constants.js';
import type { Frame } from '../../src/frames/frame.js';
import type { Handler } from '../../src/server/handler-api.js';
import type { DroppedConnection } from '../../src/server/connection-table.js';
import { createServer, type H2Server, type ServerOptions } from '../../src/server/server.js';
import { frames, type FrameOrBuilder } from '../../src/testing/frame-builders.js';
import { debugLabel } from '../connection/harness.js';
import { GET, RawSocketPeer } from './raw-socket-peer.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

interface AttackReport {
  /** The GOAWAY's error code; 'closed' if the server closed without one. */
  code: string | undefined;
  /** The stable label of the error that cut the connection: the start of the GOAWAY's debug data ("<label>: <message>"). */
  label: string | undefined;
  elapsedMs: number;
  maxBufferedBytes: number;
  wellBehavedServed: number;
  peer: RawSocketPeer;
}

const handler: Handler = async (req, res) => {
  if (req.path === '/slow') await new Promise((r) => setTimeout(r, 5000));
  if (req.path === '/big') {
    for (let i = 0; i < 16 && !res.finished; i++) {
      if (!res.write(new Uint8Array(64 * 1024))) await res.drained();
      if (req.signal.aborted) return;
    }
  }
  return seedHandler(req, res);
};

async function withServer<T>(options: ServerOptions, body: (server: H2Server, port: number) => Promise<T>): Promise<T> {
  const server = createServer({ closeTimeoutMs: 500, ...options }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await body(server, server.address().port);
  } finally {
    await new Promise<void>((r) => server.close(r));
  }
}

/** Run an attack; meanwhile sample the server's buffered bytes and serve a polite client on another connection. */
async function attack(options: ServerOptions, run: (peer: RawSocketPeer) => Promise<void>, waitMs = 5000): Promise<AttackReport> {
  return withServer(options, async (server, port) => {
    let maxBufferedBytes = 0;
    const sampler = setInterval(() => (maxBufferedBytes = Math.max(maxBufferedBytes, server.heldBytes)), 2);
    let polite = true;
    let wellBehavedServed = 0;
    const politeLoop = (async () => {
      while (polite) {
        const r = await h2get(`http://127.0.0.1:${port}/style.css`, { timeoutMs: 5000 });
        if (r.response.status === 200) wellBehavedServed++;
      }
    })();
    const peer = await RawSocketPeer.connect(port);
    await peer.handshake();
    const start = performance.now();
    const running = run(peer);
    let code: string | undefined;
    let label: string | undefined;
    try {
      const g = await Promise.race([peer.goaway(waitMs), peer.closed.then(() => undefined)]);
      code = g ? errorCodeName(g.errorCode) : 'closed';
      label = g && debugLabel(g);
    } catch {
      code = undefined;
    }
    const elapsedMs = performance.now() - start;
    await running.catch(() => {});
    // One more polite exchange after the attack, then stop.
    const after = await h2get(`http://127.0.0.1:${port}/style.css`);
    if (after.response.status === 200) wellBehavedServed++;
    polite = false;
    await politeLoop;
    clearInterval(sampler);
    peer.close();
    return { code, label, elapsedMs, maxBufferedBytes, wellBehavedServed, peer };
  });
}

/** Write `make(i)` frames in batches until the peer is answered with GOAWAY or closed, or `limit` is reached. */
async function flood(peer: RawSocketPeer, make: (i: number) => FrameOrBuilder | FrameOrBuilder[], limit = 100_000, batch = 200): Promise<number> {
  let i = 0;
  while (i < limit && !peer.isClosed && !peer.frames.some((f) => f.type === 'GOAWAY')) {
    const burst: FrameOrBuilder[] = [];
    for (let k = 0; k < batch && i < limit; k++, i++) burst.push(...[make(i)].flat());
    if (!peer.write(...burst)) await new Promise((r) => peer.socket.once('drain', r));
    await tick();
  }
  return i;
}

const measured: string[] = [];

/** GOAWAY ENHANCE_YOUR_CALM for the error `label` (within attack()'s wait), with bounded memory, while a polite client was served. */
function expectFastCalm(r: AttackReport, label: ErrorLabel, maxBuffered = 256 * 1024): void {
  measured.push(`${r.code} (${r.label}) after ${r.elapsedMs.toFixed(0)} ms, ${r.peer.frames.length} frames back, max ${(r.maxBufferedBytes / 1024).toFixed(1)} KiB buffered, polite client served ${r.wellBehavedServed}x`);
  expect(r.code, `GOAWAY code (frames: ${r.peer.frames.length})`).to.equal('ENHANCE_YOUR_CALM');
  expect(r.label, 'the error label, in the GOAWAY debug data').to.equal(label);
  expect(r.maxBufferedBytes, 'memory the server held for connections').to.be.below(maxBuffered);
  expect(r.wellBehavedServed, 'a well-behaved client was served meanwhile').to.be.greaterThan(0);
}

describe('hardening: HTTP/2 denial-of-service attacks (raw frames over 127.0.0.1)', function () {
  this.timeout(30000);
  after(() => {
    if (process.env.H2WIRE_ATTACK_REPORT) console.log(measured.map((m) => `      ${m}`).join('\n'));
  });
  const ping = (i: number) => frames.ping(new Uint8Array(8).fill(i & 0xff));

  it('ping flood (CVE-2019-9512): GOAWAY ENHANCE_YOUR_CALM', async () => {
    expectFastCalm(await attack({}, async (peer) => void (await flood(peer, ping))), 'flood_useless_frames');
  });

  it('settings flood (CVE-2019-9515): GOAWAY ENHANCE_YOUR_CALM', async () => {
    expectFastCalm(await attack({}, async (peer) => void (await flood(peer, () => frames.settings().maxConcurrentStreams(100)))), 'flood_useless_frames');
  });

  it('empty-frames flood (CVE-2019-9518): zero-length DATA, PRIORITY, unknown types', async () => {
    const r1 = await attack({}, async (peer) => {
      peer.write(peer.build.headers(1).request('GET', '/'));
      await flood(peer, () => frames.data(1));
    });
    expectFastCalm(r1, 'flood_useless_frames');
    const r2 = await attack({}, async (peer) => void (await flood(peer, (i) => frames.priority(2 * (i % 1000) + 1))));
    expectFastCalm(r2, 'flood_useless_frames');
    const r3 = await attack({}, async (peer) => void (await flood(peer, () => frames.unknown(0xfa))));
    expectFastCalm(r3, 'flood_useless_frames');
  });

  it('reset flood / Rapid Reset (CVE-2019-9514, CVE-2023-44487): HEADERS then RST_STREAM, over and over', async () => {
    let started = 0;
    const r = await attack({}, async (peer) => {
      await flood(peer, (i) => [peer.build.headers(2 * i + 1).request('GET', '/slow').endStream(), frames.rstStream(2 * i + 1).cancel()], 100_000, 50);
      started = peer.frames.length;
    });
    expectFastCalm(r, 'flood_resets');
    expect(started).to.be.greaterThan(0);
  });

  it('MadeYouReset (CVE-2025-8671): frames that make the server reset streams itself', async () => {
    const r = await attack({}, async (peer) => {
      // A zero WINDOW_UPDATE on an open stream forces RST_STREAM PROTOCOL_ERROR (RFC 9113 §6.9).
      await flood(peer, (i) => [peer.build.headers(2 * i + 1).request('GET', '/slow').endStream(), frames.windowUpdate(2 * i + 1, 0)], 100_000, 50);
    });
    // The stream errors the attacker provoked count as resets (abuse-limits.ts), under a label of their own.
    expectFastCalm(r, 'flood_stream_errors');
    expect(r.peer.frames.filter((f) => f.type === 'RST_STREAM').length).to.be.at.most(250);
  });

  it('CONTINUATION flood (CVE-2024-27316 family): bounded frames per field block', async () => {
    const r = await attack({}, async (peer) => {
      peer.write(peer.build.headers(1).request('GET', '/').endStream().noEndHeaders());
      await flood(peer, () => frames.continuation(1).block(new Uint8Array(100).fill(0x40)).noEndHeaders());
    });
    expectFastCalm(r, 'too_many_continuations');
  });

  it('CONTINUATION bytes: a field block over the byte limit is refused as it accumulates', async () => {
    const r = await attack({ limits: { maxContinuations: 1000 } }, async (peer) => {
      peer.write(frames.headers(1).block(new Uint8Array(16000).fill(0x40)).endStream().noEndHeaders());
      await flood(peer, () => frames.continuation(1).block(new Uint8Array(16000).fill(0x40)).noEndHeaders(), 1000, 1);
    });
    expectFastCalm(r, 'field_block_too_large', 200 * 1024);
  });

  it('HPACK bomb: a small block that decodes past MAX_HEADER_LIST_SIZE gets 431, the connection goes on', async () => {
    await withServer({}, async (_server, port) => {
      const peer = await RawSocketPeer.connect(port);
      await peer.handshake();
      // One 4 KiB value into the dynamic table, then 40 one-octet references to it: ~160 KiB decoded from ~4 KiB.
      const refs = new Uint8Array(40).fill(0x80 | 62); // indexed field: dynamic table entry 62 (RFC 7541 §6.1)
      peer.write(peer.build.headers(1).request('GET', '/', { 'x-bomb': 'a'.repeat(4000) }).endStream());
      peer.write(frames.headers(3).block(Buffer.concat([peer.encoder.encode(GET('/')), refs])).endStream());
      const fieldsFor3 = await peer.waitFor((f) => f.type === 'HEADERS' && f.streamId === 3);
      expect(fieldsFor3.type).to.equal('HEADERS');
      const status = new (await import('../../src/hpack/decoder.js')).HpackDecoder();
      const decoded: Array<{ name: string; value: string }> = [];
      for (const f of peer.frames) if (f.type === 'HEADERS') decoded.push(...status.decode(f.headerBlock).filter((x) => x.name === ':status'));
      expect(decoded.map((d) => d.value)).to.include('431');
      peer.write(peer.build.headers(5).request('GET', '/style.css').endStream());
      await peer.waitFor((f) => f.type === 'DATA' && f.streamId === 5);
      peer.close();
    });
  });

  it('too many concurrent streams: REFUSED_STREAM beyond MAX_CONCURRENT_STREAMS', async () => {
    await withServer({ settings: { maxConcurrentStreams: 10 } }, async (_server, port) => {
      const peer = await RawSocketPeer.connect(port);
      await peer.handshake();
      for (let i = 0; i < 15; i++) peer.write(peer.build.headers(2 * i + 1).request('GET', '/slow').endStream());
      await peer.waitFor((f) => f.type === 'RST_STREAM' && f.streamId === 29);
      const refused = peer.frames.filter((f) => f.type === 'RST_STREAM' && f.errorCode === 7).map((f) => f.streamId);
      expect(refused).to.deep.equal([21, 23, 25, 27, 29]);
      peer.close();
    });
  });

  it('slowloris: a field block never finished is cut off after headerBlockMs', async () => {
    const r = await attack({ timeouts: { headerBlockMs: 300 } }, async (peer) => {
      const [headers] = peer.build.headers(1).request('GET', '/').endStream().splitBlock(3); // and its CONTINUATION never comes
      peer.write(headers);
    });
    expect(r.code).to.equal('ENHANCE_YOUR_CALM');
    expect(r.label, 'the error label, in the GOAWAY debug data').to.equal('field_block_timeout');
    expect(r.wellBehavedServed).to.be.greaterThan(0);
  });

  it('data dribble (CVE-2019-9511/9517): a 1-octet window gets 1-octet DATA, memory stays bounded', async () => {
    await withServer({}, async (server, port) => {
      const peer = await RawSocketPeer.connect(port);
      await peer.handshake([{ id: 4, value: 1 }]); // INITIAL_WINDOW_SIZE = 1
      peer.write(peer.build.headers(1).request('GET', '/big').endStream());
      await peer.waitFor((f) => f.type === 'DATA' && f.streamId === 1);
      let maxBuffered = 0;
      for (let i = 0; i < 50; i++) {
        peer.write(frames.windowUpdate(1, 1));
        await tick();
        maxBuffered = Math.max(maxBuffered, server.heldBytes);
      }
      await new Promise((r) => setTimeout(r, 50));
      const data = peer.frames.filter((f): f is Frame & { type: 'DATA' } => f.type === 'DATA');
      expect(data.every((f) => f.data.length === 1)).to.equal(true);
      expect(data.length).to.be.within(40, 51);
      // The handler waits on back-pressure: at most its 64 KiB high-water mark plus one chunk is queued.
      expect(maxBuffered).to.be.below(200 * 1024);
      const polite = await h2get(`http://127.0.0.1:${port}/style.css`);
      expect(polite.response.status).to.equal(200);
      peer.close();
    });
  });

  it('a peer that never reads: the connection is destroyed once writes stall past writeStallMs (CVE-2019-9517)', async () => {
    const server = createServer({ writeStallMs: 400 }, async (_req, res) => {
      const chunk = new Uint8Array(1 << 20);
      for (let i = 0; i < 256 && !_req.signal.aborted; i++) if (!res.write(chunk)) await res.drained();
      res.end();
    });
    const dropped: DroppedConnection[] = [];
    server.on('dropped', (info) => dropped.push(info));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const peer = await RawSocketPeer.connect(server.address().port);
      await peer.handshake([{ id: 4, value: 0x7fffffff }]); // INITIAL_WINDOW_SIZE 2^31-1
      peer.write(frames.windowUpdate(0, 0x7fffffff - 65535));
      peer.write(peer.build.headers(1).request('GET', '/').endStream());
      await peer.waitFor((f) => f.type === 'DATA');
      peer.socket.pause(); // and never read again
      const start = performance.now();
      // The paused client cannot see the close; the server's side tells.
      while (server.connections > 0 && performance.now() - start < 10000) await new Promise((r) => setTimeout(r, 50));
      expect(server.connections, 'the stalled connection was destroyed').to.equal(0);
      expect(dropped.map((d) => d.reason), "the server's reason, in its 'dropped' event").to.deep.equal(['write_stall']);
      expect(server.heldBytes).to.equal(0);
      peer.close();
    } finally {
      await new Promise<void>((r) => server.close(r));
    }
  });

  it("stream id exhaustion, the peer's: the last id 2^31-1 is served, nothing after it can open a stream", async () => {
    await withServer({}, async (_server, port) => {
      const peer = await RawSocketPeer.connect(port);
      await peer.handshake();
      peer.write(peer.build.headers(0x7fffffff).request('GET', '/style.css').endStream());
      await peer.waitFor((f) => f.type === 'DATA' && f.streamId === 0x7fffffff && f.endStream);
      peer.write(peer.build.headers(0x7ffffffd).request('GET', '/style.css').endStream()); // ids only go up (§5.1.1)
      const g = await peer.goaway();
      expect(errorCodeName(g.errorCode)).to.equal('PROTOCOL_ERROR');
      expect(debugLabel(g), 'the error label, in the GOAWAY debug data').to.equal('stream_id_not_increasing');
      expect(g.lastStreamId).to.equal(0x7fffffff);
      peer.close();
    });
  });

  it('repeated attacks do not make the process keep growing', async () => {
    const rounds: number[] = [];
    for (let round = 0; round < 6; round++) {
      const r = await attack({}, async (peer) => {
        await flood(peer, (i) => [peer.build.headers(2 * i + 1).request('GET', '/slow').endStream(), frames.rstStream(2 * i + 1).cancel()], 100_000, 50);
      });
      expect(r.code).to.equal('ENHANCE_YOUR_CALM');
      expect(r.label).to.equal('flood_resets');
      gc();
      rounds.push(process.memoryUsage().heapUsed);
    }
    const growth = rounds.at(-1)! - rounds[1]!;
    expect(growth, `heap after each round: ${rounds.map((b) => (b / 1e6).toFixed(1)).join(', ')} MB`).to.be.below(8e6);
  });
});
