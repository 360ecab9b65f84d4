// The second attacker's findings over real sockets (127.0.0.1, free ports):
// an oversized trailer section that crashed the process through a handler
// that awaited its body, and a client that never reads making the server
// queue answers to an unbounded flood of HEAD requests (CVE-2019-9517).

import { expect } from 'chai';
import { Duplex } from 'node:stream';
import { h2get } from '../../src/client/h2-get.js';
import { CLIENT_PREFACE } from '../../src/frames/constants.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import type { Handler } from '../../src/server/handler-api.js';
import type { DroppedConnection } from '../../src/server/connection-table.js';
import { createServer, type H2Server, type ServerOptions } from '../../src/server/server.js';
import { FrameBuilders, frameBytes } from '../../src/testing/frame-builders.js';
import { RawSocketPeer } from './raw-socket-peer.js';

async function listening(handler: Handler, options: ServerOptions = {}): Promise<{ server: H2Server; port: number }> {
  const server = createServer({ closeTimeoutMs: 500, ...options }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: server.address().port };
}
const stop = (server: H2Server) => new Promise<void>((resolve) => server.close(resolve));

describe('hardening: the second attacker’s findings (real sockets)', function () {
  this.timeout(20_000);

  it('§8.1 an oversized trailer section to a handler awaiting its body: RST_STREAM, no crash, no unhandled rejection', async () => {
    const failures: unknown[] = [];
    const onFailure = (e: unknown) => failures.push(e);
    process.on('uncaughtException', onFailure);
    process.on('unhandledRejection', onFailure);
    const handlerErrors: unknown[] = [];
    const { server, port } = await listening(async (req, res) => {
      if (req.method === 'POST') {
        await req.body().catch(() => undefined);
        res.statusCode = 204; // returns without end(): the response is complete when the handler is
        return;
      }
      res.end('ok');
    });
    server.on('handlerError', (e) => handlerErrors.push(e));
    try {
      const peer = await RawSocketPeer.connect(port);
      await peer.handshake();
      peer.write(peer.build.headers(1).request('POST', '/'));
      const trailers: Array<[string, string]> = [];
      for (let i = 0; i < 129; i++) trailers.push([`x-t${i}`, '1']);
      peer.write(peer.build.headers(1).fields(trailers).endStream());
      const rst = await peer.waitFor((f) => f.type === 'RST_STREAM' && f.streamId === 1);
      expect(rst.type).to.equal('RST_STREAM');
      await new Promise((r) => setTimeout(r, 100)); // the handler settles
      expect(peer.frames.some((f) => f.type === 'HEADERS' && f.streamId === 1), 'no 431 from the engine on a request being served').to.equal(false);
      const polite = await h2get(`http://127.0.0.1:${port}/`);
      expect(polite.response.body.toString()).to.equal('ok');
      peer.close();
      expect(failures).to.deep.equal([]);
    } finally {
      process.off('uncaughtException', onFailure);
      process.off('unhandledRejection', onFailure);
      await stop(server);
    }
  });

  it('CVE-2019-9517 a client that never reads cannot make the server answer a flood of HEAD requests: reading stops until it reads', async () => {
    let heads = 0;
    const { server } = await listening(
      (_req, res) => {
        heads++;
        res.end('never read');
      },
      { timeouts: { writeStallMs: 1500 } },
    );
    const dropped: DroppedConnection[] = [];
    server.on('dropped', (d) => dropped.push(d));
    // The client's end of an in-memory connection whose writes never complete: it never reads.
    let closed = false;
    const socket = new Duplex({ read() {}, write(_chunk, _encoding, _never) {} });
    Object.assign(socket, { remoteAddress: '127.0.0.1', remotePort: 1 });
    socket.on('close', () => (closed = true));
    server.handleConnection(socket);
    const build = new FrameBuilders({ encoder: new HpackEncoder(), scheme: 'http', authority: 'localhost' });
    socket.push(Buffer.concat([CLIENT_PREFACE, frameBytes(build.settings(), build.settings().ack())]));
    // 50 at a time, each batch answered (its streams closed) before the next: the concurrency limit never stops it.
    let id = 1;
    const started = Date.now();
    while (Date.now() - started < 1000 && !closed) {
      const frames: Buffer[] = [];
      for (let i = 0; i < 50; i++, id += 2) frames.push(frameBytes(build.headers(id).request('HEAD', '/').endStream()));
      socket.push(Buffer.concat(frames));
      await new Promise((r) => setImmediate(r));
    }
    const sent = (id - 1) / 2;
    expect(sent).to.be.greaterThan(5000);
    expect(heads, `HEAD requests answered (of ${sent}) while the client read nothing`).to.be.lessThan(5000);
    // And the stalled writer is cut at its deadline.
    for (let i = 0; i < 40 && dropped.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(dropped.map((d) => d.reason)).to.deep.equal(['write_stall']);
    socket.destroy();
    await stop(server);
  });
});
