// The server on real sockets (127.0.0.1, free ports): the seed scenario with
// our own client and node:http2's, HTTP/1.1 fallback, push refusals,
// handler errors, bodies, trailers, early hints, graceful close, embedding.

import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { PassThrough, Duplex } from 'node:stream';
import { h2get } from '../../src/client/h2-get.js';
import { seedHandler, STYLE_CSS } from '../../src/demo/seed-handler.js';
import { CLIENT_PREFACE } from '../../src/frames/constants.js';
import { encodeFrame } from '../../src/frames/encode.js';
import { PushRejectedError, type Handler, type PushOutcome, type ServerRequest } from '../../src/server/handler-api.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server, type ServerOptions } from '../../src/server/server.js';
import type { TraceRecord } from '../../src/trace.js';

const cert = createSelfSignedCertificate();

async function start(handler: Handler, options: ServerOptions = {}): Promise<{ server: H2Server; port: number; errors: unknown[]; trace: TraceRecord[] }> {
  const trace: TraceRecord[] = [];
  const server = createServer({ trace: (r) => trace.push(r), ...options }, handler);
  const errors: unknown[] = [];
  server.on('handlerError', (e) => errors.push(e));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: server.address().port, errors, trace };
}

const stop = (server: H2Server) => new Promise<void>((resolve) => server.close(resolve));

function nodeRequest(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<{ headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = client.request(headers, { endStream: body === undefined });
    let text = '';
    let head: http2.IncomingHttpHeaders = {};
    req.setEncoding('utf8');
    req.on('response', (h) => (head = h));
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve({ headers: head, body: text }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

const outFrames = (trace: TraceRecord[]) => trace.filter((r): r is TraceRecord & { kind: 'frame' } => r.kind === 'frame' && r.direction === 'out').map((r) => r.frame);

describe('server: the seed scenario', () => {
  for (const secure of [false, true]) {
    const label = secure ? 'TLS (ALPN h2)' : 'h2c';
    it(`${label}: our client receives the push of /style.css before the page's DATA`, async () => {
      const { server, port, trace } = await start(seedHandler, secure ? { tls: cert } : {});
      try {
        const result = await h2get(`${secure ? 'https' : 'http'}://localhost:${port}/`, { ca: cert.cert });
        expect(result.protocol).to.equal(secure ? 'h2' : 'h2c');
        expect(result.response.status).to.equal(200);
        expect(result.response.body.toString()).to.contain('PUSH_PROMISE');
        expect(result.pushes).to.have.length(1);
        expect(result.pushes[0]).to.deep.include({ path: '/style.css', status: 200, streamId: 2 });
        expect(result.pushes[0]!.body.toString()).to.equal(STYLE_CSS);
        const frames = outFrames(trace).map((f) => `${f.type}:${f.streamId}`);
        const promise = frames.indexOf('PUSH_PROMISE:1');
        expect(promise).to.be.greaterThan(-1);
        expect(promise).to.be.lessThan(frames.indexOf('DATA:1'));
        expect(frames.indexOf('DATA:1')).to.be.lessThan(frames.indexOf('HEADERS:2'));
      } finally {
        await stop(server);
      }
    });
  }

  it('node:http2 client: the push arrives as a stream event', async () => {
    const { server, port } = await start(seedHandler, { tls: cert });
    const client = http2.connect(`https://localhost:${port}`, { ca: cert.cert });
    try {
      const pushed = new Promise<{ path: string; body: string }>((resolve) => {
        client.on('stream', (stream, headers) => {
          let body = '';
          stream.setEncoding('utf8');
          stream.on('data', (d: string) => (body += d));
          stream.on('end', () => resolve({ path: String(headers[':path']), body }));
        });
      });
      const page = await nodeRequest(client, { ':path': '/' });
      expect(page.headers[':status']).to.equal(200);
      expect(await pushed).to.deep.equal({ path: '/style.css', body: STYLE_CSS });
    } finally {
      client.close();
      await stop(server);
    }
  });

  it('a client that disables push gets no PUSH_PROMISE, and fetches /style.css itself', async () => {
    const { server, port, trace } = await start(seedHandler);
    const client = http2.connect(`http://127.0.0.1:${port}`, { settings: { enablePush: false } });
    try {
      const page = await nodeRequest(client, { ':path': '/' });
      expect(page.body).to.match(/No push on this connection: .*SETTINGS_ENABLE_PUSH=0/);
      const css = await nodeRequest(client, { ':path': '/style.css' });
      expect(css.body).to.equal(STYLE_CSS);
      expect(outFrames(trace).some((f) => f.type === 'PUSH_PROMISE')).to.equal(false);
    } finally {
      client.close();
      await stop(server);
    }
  });

  it('an HTTP/1.1 client (cleartext) gets the fallback: protoMajor 1, no push', async () => {
    const seen: Array<{ protoMajor: number; reason?: string }> = [];
    const { server, port } = await start(async (req, res) => {
      const entry: { protoMajor: number; reason?: string } = { protoMajor: req.protoMajor };
      seen.push(entry);
      expect(res.canPush).to.equal(false);
      await res.push('/style.css').catch((e: PushRejectedError) => (entry.reason = e.reason));
      return seedHandler(req, res);
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      expect(body).to.contain('HTTP/1.1 has no server push');
      expect(seen).to.deep.equal([{ protoMajor: 1, reason: 'http1' }]);
    } finally {
      await stop(server);
    }
  });
});

describe('server: push rules (res.push)', () => {
  async function pushAttempt(target: string, options?: Parameters<import('../../src/server/handler-api.js').ServerResponse['push']>[1], clientSettings: http2.Settings = {}) {
    let rejection: PushRejectedError | undefined;
    const { server, port } = await start(async (req, res) => {
      if (req.path === '/') {
        try {
          await res.push(target, options);
        } catch (e) {
          rejection = e as PushRejectedError;
        }
      }
      res.end('ok');
    });
    const client = http2.connect(`http://127.0.0.1:${port}`, { settings: clientSettings });
    client.on('stream', (s) => s.resume());
    try {
      await nodeRequest(client, { ':path': '/' });
    } finally {
      client.close();
      await stop(server);
    }
    return rejection;
  }

  const cases: Array<[string, string, Parameters<import('../../src/server/handler-api.js').ServerResponse['push']>[1], string]> = [
    ['a relative target', 'style.css', undefined, 'invalid_target'],
    ['a scheme-relative target', '//evil.example/x', undefined, 'invalid_target'],
    ['another scheme', 'https://localhost/x', undefined, 'invalid_target'],
    ['POST', '/x', { method: 'POST' as 'GET' }, 'invalid_method'],
    ['a pseudo-header', '/x', { headers: { ':path': '/y' } }, 'invalid_header'],
    ['content-length', '/x', { headers: { 'content-length': '3' } }, 'invalid_header'],
    ['host', '/x', { headers: { host: 'a' } }, 'invalid_header'],
  ];
  for (const [name, target, options, reason] of cases) {
    it(`refuses ${name}: ${reason}`, async () => {
      const r = await pushAttempt(target, options);
      expect(r).to.be.instanceOf(PushRejectedError);
      expect(r!.reason).to.equal(reason);
    });
  }

  it('accepts a same-scheme absolute URL, taking its authority', async () => {
    expect(await pushAttempt('http://other.example:81/a.js?v=1')).to.equal(undefined);
  });

  it('refuses when the client disabled push: push_disabled', async () => {
    expect((await pushAttempt('/x', undefined, { enablePush: false }))?.reason).to.equal('push_disabled');
  });

  it('a refusal of the connection is one value, as Go returns http.ErrNotSupported: frozen, no stack trace, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const first = await pushAttempt('/x', undefined, { enablePush: false });
      const second = await pushAttempt('/y', undefined, { enablePush: false });
      expect(first).to.equal(second);
      expect(first).to.be.instanceOf(PushRejectedError);
      expect(first!.message).to.equal('push rejected (push_disabled): the client disabled push with SETTINGS_ENABLE_PUSH=0 (RFC 9113 §6.5.2); browsers do');
      expect(Object.isFrozen(first)).to.equal(true);
      expect(first!.stack).to.not.match(/\n\s+at /);
      // A mistake in the call is the caller's: a fresh error, with the trace that points at it.
      const invalid = await pushAttempt('style.css');
      expect(Object.isFrozen(invalid)).to.equal(false);
      expect(invalid!.stack).to.match(/\n\s+at /);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses past the client SETTINGS_MAX_CONCURRENT_STREAMS: concurrency_limit', async () => {
    let second: PushRejectedError | undefined;
    const { server, port } = await start(async (req, res) => {
      if (req.path === '/') {
        await res.push('/a');
        await res.push('/b').catch((e: PushRejectedError) => (second = e));
      }
      res.end('x');
    });
    const client = http2.connect(`http://127.0.0.1:${port}`, { settings: { maxConcurrentStreams: 1 } });
    client.on('stream', (s) => s.resume());
    try {
      await nodeRequest(client, { ':path': '/' });
      expect(second?.reason).to.equal('concurrency_limit');
    } finally {
      client.close();
      await stop(server);
    }
  });

  it('refuses a push from a pushed response: recursive', async () => {
    let nested: PushRejectedError | undefined;
    const { server, port } = await start(async (req, res) => {
      if (req.path === '/') await res.push('/a');
      if (req.path === '/a') await res.push('/b').catch((e: PushRejectedError) => (nested = e));
      res.end('x');
    });
    try {
      const r = await h2get(`http://127.0.0.1:${port}/`);
      expect(r.pushes.map((p) => p.path)).to.deep.equal(['/a']);
      expect(nested?.reason).to.equal('recursive');
      expect(nested?.message).to.match(/cannot push/);
    } finally {
      await stop(server);
    }
  });

  it('reports the outcome: delivered with bytes sent, or cancelled by the client', async () => {
    const outcomes: PushOutcome[] = [];
    const { server, port } = await start(async (req, res) => {
      if (req.path === '/') {
        const a = await res.push('/small');
        const b = await res.push('/big');
        void a.outcome.then((o) => outcomes.push(o));
        void b.outcome.then((o) => outcomes.push(o));
      }
      if (req.path === '/big') {
        res.write(new Uint8Array(60000));
        await new Promise((r) => setTimeout(r, 50));
      }
      res.end(req.path === '/small' ? 'tiny' : 'page');
    });
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('stream', (s, headers) => {
      if (headers[':path'] === '/big') s.close(http2.constants.NGHTTP2_CANCEL);
      else s.resume();
    });
    try {
      await nodeRequest(client, { ':path': '/' });
      for (let i = 0; i < 50 && outcomes.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(outcomes).to.deep.include({ status: 'delivered', bytesSent: 4 });
      const cancelled = outcomes.find((o) => o.status === 'cancelled');
      expect(cancelled).to.deep.include({ status: 'cancelled', errorName: 'CANCEL' });
    } finally {
      client.close();
      await stop(server);
    }
  });
});

describe('server: handlers', () => {
  it('a handler that throws gives a 500 and a handlerError event', async () => {
    const { server, port, errors } = await start(() => {
      throw new Error('boom');
    });
    try {
      const r = await h2get(`http://127.0.0.1:${port}/`);
      expect(r.response.status).to.equal(500);
      expect((errors[0] as Error).message).to.equal('boom');
    } finally {
      await stop(server);
    }
  });

  it('a handler that fails after the head resets the stream with INTERNAL_ERROR', async () => {
    const { server, port, errors } = await start(async (_req, res) => {
      res.write('partial');
      await new Promise((r) => setTimeout(r, 10));
      throw new Error('late boom');
    });
    try {
      const r = await h2get(`http://127.0.0.1:${port}/`);
      expect(r.response.reset).to.equal('INTERNAL_ERROR');
      expect(errors).to.have.length(1);
    } finally {
      await stop(server);
    }
  });

  it('reads request bodies and trailers, and sends trailers', async () => {
    let seen: ServerRequest | undefined;
    const { server, port } = await start(async (req, res) => {
      seen = req;
      const body = await req.body();
      res.setTrailer('x-length', String(body.length));
      res.end(body.toString().toUpperCase());
    });
    const client = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const response = await new Promise<{ body: string; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
        const req = client.request({ ':method': 'POST', ':path': '/echo' }, { waitForTrailers: true });
        let body = '';
        let trailers: http2.IncomingHttpHeaders = {};
        req.setEncoding('utf8');
        req.on('wantTrailers', () => req.sendTrailers({ 'x-checksum': 'abc' }));
        req.on('data', (d: string) => (body += d));
        req.on('trailers', (t) => (trailers = t));
        req.on('end', () => resolve({ body, trailers }));
        req.on('error', reject);
        req.end('hello body');
      });
      expect(response.body).to.equal('HELLO BODY');
      expect(response.trailers['x-length']).to.equal('10');
      expect(seen!.trailers).to.deep.equal([{ name: 'x-checksum', value: 'abc' }]);
      expect(seen!.method).to.equal('POST');
    } finally {
      client.close();
      await stop(server);
    }
  });

  it('sends 103 Early Hints before the response (RFC 8297)', async () => {
    const { server, port } = await start((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.end('page');
    });
    const client = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const hints = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const req = client.request({ ':path': '/' });
        req.on('headers', (h) => resolve(h));
        req.on('error', reject);
        req.resume();
      });
      expect(hints[':status']).to.equal(103);
      expect(hints.link).to.equal('</style.css>; rel=preload; as=style');
    } finally {
      client.close();
      await stop(server);
    }
  });

  it('write() reports back-pressure from flow control; drained() resolves as the client reads', async () => {
    const results: boolean[] = [];
    const { server, port } = await start(async (_req, res) => {
      const chunk = new Uint8Array(32 * 1024);
      for (let i = 0; i < 8; i++) {
        const more = res.write(chunk);
        results.push(more);
        if (!more) await res.drained();
      }
      res.end();
    });
    try {
      const r = await h2get(`http://127.0.0.1:${port}/`);
      expect(r.response.body.length).to.equal(8 * 32 * 1024);
      expect(results).to.include(false);
    } finally {
      await stop(server);
    }
  });

  it('the request signal fires when the client resets the stream', async () => {
    let aborted: Promise<void> | undefined;
    const { server, port } = await start((req) => {
      aborted = new Promise((resolve) => req.signal.addEventListener('abort', () => resolve()));
      return aborted;
    });
    const client = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const req = client.request({ ':path': '/slow' });
      req.on('error', () => {});
      await new Promise((r) => setTimeout(r, 50));
      req.close(http2.constants.NGHTTP2_CANCEL);
      await aborted;
    } finally {
      client.close();
      await stop(server);
    }
  });
});

describe('server: lifecycle and embedding', () => {
  it('close() is graceful: a response in flight completes, then the server closes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { server, port, trace } = await start(async (_req, res) => {
      res.write('first half, ');
      await gate;
      res.end('second half');
    });
    try {
      const pending = h2get(`http://127.0.0.1:${port}/`);
      await new Promise((r) => setTimeout(r, 50));
      const closed = stop(server);
      await new Promise((r) => setTimeout(r, 20));
      release();
      const r = await pending;
      expect(r.response.body.toString()).to.equal('first half, second half');
      await closed;
      const goaways = outFrames(trace).filter((f) => f.type === 'GOAWAY');
      expect(goaways.map((g) => (g as { lastStreamId: number }).lastStreamId)).to.deep.equal([0x7fffffff, 1]);
    } finally {
      release();
    }
  });

  it('serves a connection handed over by the embedding program (an in-memory duplex)', async () => {
    const server = createServer({}, seedHandler);
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const serverSide = Duplex.from({ readable: toServer, writable: toClient });
    const clientSide = Duplex.from({ readable: toClient, writable: toServer });
    server.handleConnection(serverSide);
    const client = http2.connect('http://in-memory', { createConnection: () => clientSide as unknown as import('node:net').Socket });
    try {
      const page = await nodeRequest(client, { ':path': '/style.css' });
      expect(page.body).to.equal(STYLE_CSS);
    } finally {
      client.destroy();
      serverSide.destroy();
      await stop(server);
    }
  });
});

describe('server: more of the handler API', () => {
  it('answers HEAD with the head only (content-length kept, no DATA)', async () => {
    const { server, port, trace } = await start(seedHandler);
    try {
      const r = await h2get(`http://127.0.0.1:${port}/style.css`, { method: 'HEAD' });
      expect(r.response.status).to.equal(200);
      expect(r.response.headers.find((f) => f.name === 'content-length')?.value).to.equal(String(Buffer.byteLength(STYLE_CSS)));
      expect(r.response.body.length).to.equal(0);
      expect(outFrames(trace).some((f) => f.type === 'DATA')).to.equal(false);
    } finally {
      await stop(server);
    }
  });

  it('refuses a push once the server is closing: goaway', async () => {
    let rejection: PushRejectedError | undefined;
    let closing: Promise<void> | undefined;
    const { server, port } = await start(async (_req, res) => {
      closing = stop(server);
      await res.push('/late').catch((e: PushRejectedError) => (rejection = e));
      res.end('bye');
    });
    const r = await h2get(`http://127.0.0.1:${port}/`);
    await closing;
    expect(r.response.status).to.equal(200);
    expect(rejection?.reason).to.equal('goaway');
  });

  it('closes a connection that never sends the preface, after the preface timeout', async () => {
    const { server, port } = await start(seedHandler, { timeouts: { prefaceMs: 100 } });
    const { connect } = await import('node:net');
    try {
      const got = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (d) => chunks.push(d));
        socket.on('close', () => resolve(Buffer.concat(chunks)));
        socket.on('error', reject);
        socket.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')); // the preface, then nothing
      });
      const { decodeFrames } = await import('../../src/frames/decode.js');
      const goaway = decodeFrames(got).find((f) => f.type === 'GOAWAY');
      expect(goaway).to.deep.include({ errorCode: 1 });
    } finally {
      await stop(server);
    }
  });
});

describe('server: the trace', () => {
  it("shows the connection's own state, and the label of the rule that ended it (RFC 9113 §3.4, §5.1)", async () => {
    const { server, port, trace } = await start(seedHandler);
    try {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.write(CLIENT_PREFACE);
      socket.write(encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] }));
      // DATA on an idle stream: a connection error PROTOCOL_ERROR (§5.1).
      socket.write(encodeFrame({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(1) }));
      await closed;
      const states = trace.filter((r): r is TraceRecord & { kind: 'connection_state' } => r.kind === 'connection_state');
      expect(states.map((r) => [r.from.name, r.to.name])).to.deep.equal([
        ['awaiting_preface', 'open'],
        ['open', 'closed'],
      ]);
      expect(states[1]!.line).to.contain('connection: open → closed (frame_on_idle_stream: PROTOCOL_ERROR)');
      const goaway = outFrames(trace).find((f) => f.type === 'GOAWAY');
      expect(goaway && Buffer.from((goaway as { debugData: Uint8Array }).debugData).toString()).to.match(/^frame_on_idle_stream: /);
      expect(trace.some((r) => r.kind === 'note' && r.line.includes('connection error PROTOCOL_ERROR (frame_on_idle_stream)'))).to.equal(true);
    } finally {
      await stop(server);
    }
  });
});
