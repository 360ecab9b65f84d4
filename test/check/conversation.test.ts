// Generated conversations (h2wire check --fuzz): h2wire answers every one as
// the model says a server must; a bug planted between it and the checker
// that needs two actions in a row to show (PING ACKs stop after the client's
// first connection WINDOW_UPDATE) is found, shrunk to those actions, and
// replayed from the seed and path printed.

import { expect } from 'chai';
import { createServer as netServer, connect, type Socket } from 'node:net';
import { runConversations } from '../../src/check/conversation.js';
import { seedHandler } from '../../src/demo/seed-handler.js';
import { CLIENT_PREFACE } from '../../src/frames/constants.js';
import { FrameDecoder } from '../../src/frames/decode.js';
import { encodeFrame } from '../../src/frames/encode.js';
import { traceFileSvg } from '../../src/ladder/page.js';
import { createServer } from '../../src/server/server.js';
import { parseTraceFile, traceHeader } from '../../src/trace-format.js';

describe('h2wire check --fuzz: generated conversations', function () {
  this.timeout(120000);

  it('h2wire answers every generated conversation as the model expects', async () => {
    const server = createServer({}, seedHandler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const report = await runConversations({ url: new URL(`http://127.0.0.1:${server.address().port}/`), insecure: false, timeoutMs: 1500 }, { runs: 40 });
      expect(report, JSON.stringify(report.failure)).to.deep.equal({ runs: 40, ok: true });
    } finally {
      await new Promise<void>((r) => server.close(r));
    }
  });

  it('a planted bug that needs a WINDOW_UPDATE then a PING is found, shrunk to those two actions, and replays', async () => {
    const server = createServer({}, seedHandler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sockets: Socket[] = [];
    const proxy = netServer((client) => {
      const up = connect(server.address().port, '127.0.0.1');
      sockets.push(client, up);
      const fromClient = new FrameDecoder({ maxFrameSize: 16777215 });
      const fromServer = new FrameDecoder({ maxFrameSize: 16777215 });
      let preface = CLIENT_PREFACE.length;
      let broken = false; // the planted bug: once the client grew the connection window, PING ACKs are lost
      client.on('data', (b: Buffer) => {
        up.write(b);
        const rest = b.subarray(Math.min(preface, b.length));
        preface -= Math.min(preface, b.length);
        try {
          fromClient.push(rest);
          for (const f of fromClient.frames()) if (f.type === 'WINDOW_UPDATE' && f.streamId === 0) broken = true;
        } catch {
          /* the checker's own illegal frames: the server judges those */
        }
      });
      up.on('data', (b: Buffer) => {
        fromServer.push(b);
        for (const f of fromServer.frames()) if (!(broken && f.type === 'PING' && f.ack)) client.write(encodeFrame(f, { allowIllegal: true, maxFrameSize: 16777215 }));
      });
      for (const s of [client, up]) s.on('error', () => {}).on('close', () => (s === client ? up : client).destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const target = { url: new URL(`http://127.0.0.1:${(proxy.address() as { port: number }).port}/`), insecure: false, timeoutMs: 1000 };
    try {
      const report = await runConversations(target, { runs: 200 });
      expect(report.ok).to.equal(false);
      const f = report.failure!;
      expect(f.actions.map((a) => a.replace(/\(.*\)/, '')), f.message).to.deep.equal(['windowUpdate', 'ping']);
      expect(f.message).to.match(/^§6\.7: a PING MUST be answered with a PING ACK/);
      expect(f.message).to.contain('WINDOW_UPDATE stream=0 increment=1');
      // Its frames, in the trace format: what view draws.
      const file = parseTraceFile([JSON.stringify(traceHeader('client', 'test')), ...f.trace.map((r) => JSON.stringify(r))].join('\n'));
      const frames = file.records.filter((r) => r.kind === 'frame');
      expect(frames.some((r) => r.kind === 'frame' && r.direction === 'out' && r.type === 'WINDOW_UPDATE')).to.equal(true);
      expect(frames.filter((r) => r.kind === 'frame' && r.type === 'PING').map((r) => (r as { direction: string }).direction), 'our PING, no ACK').to.deep.equal(['out']);
      expect(traceFileSvg(file.header, file.records, 1, 'the failure').match(/<g class="arrow"/g)?.length).to.equal(frames.length);
      const again = await runConversations(target, { replay: f.replay });
      expect(again.ok, 'the replay fails the same way').to.equal(false);
      expect(again.failure!.message.split('\n')[0]).to.equal(f.message.split('\n')[0]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
      await new Promise<void>((r) => server.close(r));
    }
  });
});
