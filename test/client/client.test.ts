// The programmatic client (src/client/client.ts) against h2wire's server on
// 127.0.0.1: requests with a method, fields and a body on one connection,
// pushes with their promised request, cancelled or accepted, the trace, a
// graceful close, and failures with stable codes.

import { expect } from 'chai';
import net from 'node:net';
import { ClientError, connect } from '../../src/client/client.js';
import { seedHandler, STYLE_CSS } from '../../src/demo/seed-handler.js';
import type { PushOutcome } from '../../src/server/handler-api.js';
import { createServer, type H2Server } from '../../src/server/server.js';
import type { TraceRecord } from '../../src/trace.js';

describe('client: connect() and Http2Client', function () {
  this.timeout(15_000);
  let server: H2Server;
  let url: string;
  const outcomes: PushOutcome[] = [];

  before(async () => {
    server = createServer({}, async (req, res) => {
      if (req.path === '/echo') {
        const body = Buffer.from(await req.body()).toString();
        return res.end(`${req.method} ${req.header('x-a') ?? '-'} ${body}`);
      }
      if (req.path === '/other.css') return res.end(Buffer.alloc(300_000, 0x20)); // more than a window: it cannot be all sent before the cancel
      if (req.path === '/two') {
        for (const p of ['/style.css', '/other.css']) {
          const handle = await res.push(p);
          void handle.outcome.then((o) => outcomes.push(o));
        }
        return res.end('two pushes');
      }
      return seedHandler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise<void>((r) => server.close(r)));

  it('several requests on one connection, with a method, fields and a body; the server’s SETTINGS in info', async () => {
    const client = await connect(url);
    try {
      const [a, b] = await Promise.all([client.request('/echo', { method: 'PUT', headers: { 'X-A': '1' }, body: 'one' }), client.request('/echo', { method: 'POST', body: new Uint8Array([0x32]) })]);
      expect(a.body.toString()).to.equal('PUT 1 one');
      expect(b.body.toString()).to.equal('POST - 2');
      expect([a.streamId, b.streamId]).to.deep.equal([1, 3]);
      expect(client.info.protocol).to.equal('h2c');
      expect(client.info.serverSettings?.maxConcurrentStreams).to.equal(100);
    } finally {
      await client.close();
    }
  });

  it('pushes come with their promised request; onPush may cancel one (RST_STREAM CANCEL, §8.4.2) and keep the other', async () => {
    const trace: TraceRecord[] = [];
    const client = await connect(url, { trace: (r) => trace.push(r) });
    try {
      const r = await client.request('/two', { onPush: (push) => push.path === '/other.css' && push.cancel() });
      expect(r.body.toString()).to.equal('two pushes');
      expect(r.pushes.map((p) => [p.method, p.path, p.parentId, p.promisedStreamId, p.cancelled])).to.deep.equal([
        ['GET', '/style.css', 1, 2, false],
        ['GET', '/other.css', 1, 4, true],
      ]);
      expect(r.pushes[0]!.request.find((f) => f.name === ':authority')?.value).to.equal(url.slice('http://'.length));
      const [kept, cancelled] = await Promise.all(r.pushes.map((p) => p.response));
      expect(kept!.body.toString()).to.equal(STYLE_CSS);
      expect(cancelled!.reset).to.equal('CANCEL');
      expect(trace.some((t) => /client → server {2}RST_STREAM stream=4 .*CANCEL/.test(t.line))).to.equal(true);
      r.pushes[0]!.cancel(); // complete already: nothing to cancel
      expect(r.pushes[0]!.cancelled).to.equal(false);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(outcomes.map((o) => o.status).sort()).to.deep.equal(['cancelled', 'delivered']);
    } finally {
      await client.close();
    }
  });

  it('close() sends GOAWAY and resolves when the connection has closed; later requests fail with code closed', async () => {
    const trace: TraceRecord[] = [];
    const client = await connect(url, { trace: (r) => trace.push(r) });
    await client.request('/style.css');
    await client.close();
    expect(trace.some((t) => /client → server {2}GOAWAY .*NO_ERROR/.test(t.line))).to.equal(true);
    const error = await client.request('/').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ClientError);
    expect((error as ClientError).code).to.equal('closed');
  });

  it('failures carry a stable code: invalid_url, connect_failed, http1_server, timeout', async () => {
    const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof ClientError ? e.code : String(e)));
    expect(await code(connect('localhost:1/'))).to.equal('invalid_url');
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    expect(await code(connect(`http://127.0.0.1:${port}/`))).to.equal('connect_failed');
    const http1 = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const html = net.createServer((s) => s.end('<!DOCTYPE HTML>\n<html>error 505</html>')); // no status line: Python's http.server to an HTTP/2 preface
    await new Promise<void>((r) => http1.listen(0, '127.0.0.1', r));
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      expect(await code(connect(`http://127.0.0.1:${(http1.address() as net.AddressInfo).port}/`))).to.equal('http1_server');
      await new Promise<void>((r) => html.listen(0, '127.0.0.1', r));
      expect(await code(connect(`http://127.0.0.1:${(html.address() as net.AddressInfo).port}/`))).to.equal('http1_server');
      expect(await code(connect(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`, { timeoutMs: 300 }))).to.equal('timeout');
    } finally {
      http1.close();
      html.close();
      silent.close();
    }
  });
});
