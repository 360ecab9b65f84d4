// h2wire check against servers: h2wire's own (everything passes), node:http2
// and nghttpd (their divergences found, named and pinned here, so that a
// regression of the checker shows), and h2wire with a bug planted between
// it and the checker (found, and named by the case it breaks).

import { expect } from 'chai';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConversations } from '../../src/check/conversation.js';
import { type CheckReport, runChecks } from '../../src/check/run.js';
import { seedHandler } from '../../src/demo/seed-handler.js';
import { FrameDecoder } from '../../src/frames/decode.js';
import { encodeFrame } from '../../src/frames/encode.js';
import type { Frame } from '../../src/frames/frame.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server } from '../../src/server/server.js';
import { runProcess } from '../helpers/child-process.js';
import { requirePeer } from '../interop/peers.js';

const failing = (r: CheckReport) => r.results.filter((x) => x.status !== 'pass').map((x) => `${x.id}: ${x.status} (${x.actual})`);
const failingIds = (r: CheckReport) => r.results.filter((x) => x.status !== 'pass').map((x) => x.id);

async function listen(server: H2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server.address().port;
}

describe('h2wire check', function () {
  this.timeout(120000);

  it('h2wire itself, over h2c: every case passes, push included (the seed pushes on /)', async () => {
    const server = createServer({}, seedHandler);
    const port = await listen(server);
    try {
      const report = await runChecks(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 });
      expect(failing(report)).to.deep.equal([]);
      expect(report.results.length).to.be.at.least(40);
      expect(report.mustFailures).to.equal(0);
    } finally {
      await new Promise<void>((r) => server.close(r));
    }
  });

  it('h2wire itself, over TLS (ALPN h2, --insecure for its self-signed certificate)', async () => {
    const server = createServer({ tls: createSelfSignedCertificate() }, seedHandler);
    const port = await listen(server);
    try {
      const report = await runChecks(`https://localhost:${port}/`, { timeoutMs: 2000, insecure: true, only: ['3.4', '6.5', '8.4'] });
      expect(failing(report)).to.deep.equal([]);
      // Without --insecure: said once, before any case.
      const refused = await runChecks(`https://localhost:${port}/`, { timeoutMs: 2000, only: ['6.7'] }).then(
        () => 'ran',
        (e: Error) => e.message,
      );
      expect(refused).to.match(/certificate.*--insecure skips verification/);
    } finally {
      await new Promise<void>((r) => server.close(r));
    }
  });

  describe('a bug planted between h2wire and the checker is found, and named by the rule it breaks', () => {
    /** A proxy that rewrites (or drops: null) each frame the server sends. */
    async function planted(mutate: (f: Frame) => Frame | null): Promise<{ port: number; close(): Promise<void> }> {
      const server = createServer({}, seedHandler);
      const upstream = await listen(server);
      const sockets: Socket[] = [];
      const proxy: Server = netServer((client) => {
        const up = connect(upstream, '127.0.0.1');
        sockets.push(client, up);
        const decoder = new FrameDecoder({ maxFrameSize: 16777215 });
        client.on('data', (b) => up.write(b));
        up.on('data', (b) => {
          decoder.push(b);
          for (const f of decoder.frames()) {
            const out = mutate(f);
            if (out) client.write(encodeFrame(out, { allowIllegal: true, maxFrameSize: 16777215 }));
          }
        });
        for (const s of [client, up]) s.on('error', () => {}).on('close', () => (s === client ? up : client).destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      return {
        port: (proxy.address() as { port: number }).port,
        close: async () => {
          for (const s of sockets) s.destroy();
          await new Promise<void>((r) => proxy.close(() => r()));
          await new Promise<void>((r) => server.close(r));
        },
      };
    }

    it('a server that promises an odd stream id: push/ids-even-increasing (RFC 9113 §5.1.1)', async () => {
      const p = await planted((f) => (f.type === 'PUSH_PROMISE' ? { ...f, promisedStreamId: 3 } : f));
      try {
        const report = await runChecks(`http://127.0.0.1:${p.port}/`, { timeoutMs: 1500, only: ['push/ids-even-increasing'] });
        expect(report.results.map((r) => [r.id, r.status])).to.deep.equal([['push/ids-even-increasing', 'fail']]);
        expect(report.results[0]!.actual).to.equal('the server sent a frame that breaks RFC 9113: PUSH_PROMISE promises stream 3; servers promise non-zero even ids (RFC 9113 §5.1.1, §6.6)');
        expect(report.mustFailures).to.equal(1);
      } finally {
        await p.close();
      }
    });

    it('a server that never acknowledges SETTINGS: settings/acknowledged (RFC 9113 §6.5.3)', async () => {
      const p = await planted((f) => (f.type === 'SETTINGS' && f.ack ? null : f));
      try {
        const report = await runChecks(`http://127.0.0.1:${p.port}/`, { timeoutMs: 500, only: ['settings/acknowledged'] });
        expect(report.results.map((r) => [r.id, r.status])).to.deep.equal([['settings/acknowledged', 'fail']]);
        expect(report.results[0]!.actual).to.match(/^SETTINGS, .*WINDOW_UPDATE/);
      } finally {
        await p.close();
      }
    });

    it('a server that never resets a malformed request: message/uppercase-field-name (RFC 9113 §8.2.1)', async () => {
      const p = await planted((f) => (f.type === 'RST_STREAM' ? null : f));
      try {
        const report = await runChecks(`http://127.0.0.1:${p.port}/`, { timeoutMs: 500, only: ['message/uppercase-field-name'] });
        expect(report.results.map((r) => [r.id, r.status])).to.deep.equal([['message/uppercase-field-name', 'fail']]);
        expect(report.results[0]!.actual).to.match(/^no answer on stream 1/);
      } finally {
        await p.close();
      }
    });
  });

  it('a server that never stops sending is cut off: the checker keeps at most 20,000 frames of a connection', async () => {
    const flood = netServer((s) => {
      s.on('error', () => {});
      s.write(encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] }));
      const chunk = Buffer.concat(Array.from({ length: 64 }, () => encodeFrame({ type: 'PING', streamId: 0, ack: true, data: new Uint8Array(8) })));
      const pump = () => {
        while (!s.destroyed && s.write(chunk));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((r) => flood.listen(0, '127.0.0.1', r));
    try {
      const report = await runChecks(`http://127.0.0.1:${(flood.address() as { port: number }).port}/`, { timeoutMs: 2000, only: ['settings/acknowledged'] });
      expect(report.results[0]!.status).to.equal('fail');
      expect(report.results[0]!.actual).to.match(/… 19988 more.*the server sent more than 20000 frames on one connection of a check/);
    } finally {
      await new Promise<void>((r) => flood.close(() => r()));
    }
  });

  it('node:http2 (Node 20, nghttp2 inside): its divergences, pinned', async () => {
    const program = fileURLToPath(new URL('./node-http2-server.js', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, [program, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout!.setEncoding('utf8').on('data', (t: string) => {
          const m = /ready (\d+)/.exec(t);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', () => reject(new Error('the node:http2 server exited')));
      });
      const report = await runChecks(`http://127.0.0.1:${port}/`, { timeoutMs: 1500 });
      // node:http2 closes with GOAWAY INTERNAL_ERROR where RFC 9113 names PROTOCOL_ERROR or FLOW_CONTROL_ERROR (the
      // connection is still ended, with the wrong code); ignores HEADERS and DATA after the client's END_STREAM
      // (§5.1 wants STREAM_CLOSED); and, as nghttpd, ignores a stream id lower than one before.
      expect(failingIds(report).sort()).to.deep.equal(
        [
          'flow-control/connection-window-overflow',
          'flow-control/zero-increment-connection',
          'flow-control/zero-increment-stream',
          'ping/on-a-stream',
          'preface/invalid',
          'settings/enable-push-2',
          'settings/initial-window-too-large',
          'settings/max-frame-size-too-small',
          'settings/on-a-stream',
          'streams/even-id-from-client',
          'streams/id-decreasing',
          'states/closed-reset/push-promise',
          'states/half-closed-remote/data',
          'states/half-closed-remote/headers',
          'states/half-closed-remote/push-promise',
          'states/idle/push-promise',
          'states/idle/rst-stream',
          'states/idle/window-update',
        ].sort(),
        failing(report).join('\n'),
      );
      expect(report.results.find((r) => r.id === 'settings/on-a-stream')!.actual).to.match(/^GOAWAY INTERNAL_ERROR/);
      // Generated conversations find the same divergence, shrunk to the one action that shows it.
      const fuzz = await runConversations({ url: new URL(`http://127.0.0.1:${port}/`), insecure: false, timeoutMs: 1500 }, { runs: 100 });
      expect(fuzz.ok).to.equal(false);
      expect(fuzz.failure!.actions, fuzz.failure!.message).to.have.length(1);
      expect(fuzz.failure!.message).to.match(/got GOAWAY INTERNAL_ERROR/);
    } finally {
      child.kill();
    }
  });

  it('nghttpd (Debian nghttp2-server): one divergence, pinned: a lower stream id is ignored, not a connection error (§5.1.1)', async function () {
    const nghttpd = requirePeer(this, 'nghttpd', 'nghttp2-server');
    const root = mkdtempSync(join(tmpdir(), 'h2wire-nghttpd-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><link rel="stylesheet" href="/style.css"><h1>nghttpd</h1>\n');
    writeFileSync(join(root, 'style.css'), 'h1 { color: #0b6e4f; }\n');
    const probe = netServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const child = spawn(nghttpd, ['--no-tls', '-a', '127.0.0.1', '-p', '/=/style.css', '-d', root, String(port)], { stdio: 'ignore' });
    try {
      const until = Date.now() + 5000;
      for (;;) {
        const up = await new Promise<boolean>((resolve) => connect(port, '127.0.0.1').once('connect', function (this: Socket) { this.destroy(); resolve(true); }).once('error', () => resolve(false)));
        if (up) break;
        if (Date.now() > until) throw new Error('nghttpd did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      const report = await runChecks(`http://127.0.0.1:${port}/`, { timeoutMs: 1500 });
      expect(failingIds(report), failing(report).join('\n')).to.deep.equal(['streams/id-decreasing']);
      expect(report.results.filter((r) => r.id.startsWith('push/')).every((r) => r.status === 'pass'), 'nghttpd pushes /style.css on /').to.equal(true);
      const fuzz = await runConversations({ url: new URL(`http://127.0.0.1:${port}/`), insecure: false, timeoutMs: 1500 }, { runs: 40 });
      expect(fuzz, fuzz.failure?.message).to.deep.equal({ runs: 40, ok: true });
    } finally {
      child.kill();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the command: a report by section, --json for CI, exit 1 on a MUST failure, 2 on a usage error', async () => {
    const server = createServer({}, seedHandler);
    const port = await listen(server);
    const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
    try {
      const text = await runProcess(process.execPath, [cli, 'check', `http://127.0.0.1:${port}/`, '--only', '6.7,3.4']);
      expect(text.code, text.stderr).to.equal(0);
      expect(text.stdout).to.match(/RFC 9113 §3\.4 {2}\(2\/2 pass\)/).and.match(/5 cases: 5 pass, 0 fail/);
      const json = await runProcess(process.execPath, [cli, 'check', `http://127.0.0.1:${port}/`, '--only', 'ping', '--json']);
      const report = JSON.parse(json.stdout) as CheckReport;
      expect(report.results.map((r) => r.id)).to.deep.equal(['ping/acknowledged', 'ping/length', 'ping/on-a-stream']);
      expect((await runProcess(process.execPath, [cli, 'check', 'ftp://x/'])).code).to.equal(2);
      const mute = netServer((s) => s.destroy()); // speaks no HTTP/2 at all
      await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
      const failed = await runProcess(process.execPath, [cli, 'check', `http://127.0.0.1:${(mute.address() as { port: number }).port}/`, '--only', 'ping/acknowledged', '--timeout', '1']);
      await new Promise<void>((r) => mute.close(() => r()));
      expect(failed.code, failed.stdout).to.equal(1);
      expect(failed.stderr).to.match(/did not answer our HTTP\/2 preface with SETTINGS \(nothing, then closed\)/);
      const http1 = netServer((s) => s.on('error', () => {}).resume().end('HTTP/1.1 400 Bad Request\r\n\r\n')); // reading, or it never sees the close
      await new Promise<void>((r) => http1.listen(0, '127.0.0.1', r));
      const old = await runProcess(process.execPath, [cli, 'check', `http://127.0.0.1:${(http1.address() as { port: number }).port}/`]);
      await new Promise<void>((r) => http1.close(() => r()));
      expect(old.code).to.equal(1);
      expect(old.stderr).to.include('the server answered in HTTP/1.x, not HTTP/2: "HTTP/1.1 400 Bad Request"');
      expect((await runProcess(process.execPath, [cli, 'check', `http://127.0.0.1:${port}/`, '--skip', 'bogus'])).stderr).to.include('--skip bogus: no section or case matches it');
    } finally {
      await new Promise<void>((r) => server.close(r));
    }
  });
});
