// Fetch handlers on h2wire: a Hono app runs unchanged (routing, middleware,
// a streamed response, a request body, a push from a route through the
// context Hono calls c.env), and the web Request/Response round-trip keeps
// fields, cookies and back-pressure.

import { expect } from 'chai';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { connect } from '../../src/client/client.js';
import { PushRejectedError } from '../../src/server/handler-api.js';
import { type FetchContext, serve } from '../../src/server/fetch.js';
import type { H2Server } from '../../src/server/server.js';

const listening = (server: H2Server) => new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', resolve)));
const stop = (server: H2Server) => new Promise<void>((resolve) => server.close(resolve));

function app(): Hono<{ Bindings: FetchContext }> {
  const hono = new Hono<{ Bindings: FetchContext }>();
  hono.use('*', async (c, next) => {
    await next();
    c.header('x-powered-by', 'hono on h2wire');
  });
  hono.get('/', async (c) => {
    try {
      await c.env.push('/style.css');
    } catch (e) {
      if (!(e instanceof PushRejectedError)) throw e;
      c.header('x-push', e.reason);
    }
    return c.html('<link rel="stylesheet" href="/style.css"><p>hello</p>');
  });
  hono.get('/style.css', (c) => {
    c.header('content-type', 'text/css');
    return c.body(`p { color: green } /* pushed: ${c.env.pushed} */`);
  });
  hono.post('/echo', async (c) => {
    const body = await c.req.json<{ name: string }>();
    return c.json({ hello: body.name, method: c.req.method, query: c.req.query('q') });
  });
  hono.get('/stream', (c) =>
    stream(c, async (s) => {
      for (let i = 0; i < 5; i++) await s.write(`chunk ${i}\n`);
    }),
  );
  hono.get('/big', () => new Response(new Uint8Array(1 << 20).fill(0x61))); // more than one window: back-pressure
  hono.get('/cookies', (c) => {
    c.header('set-cookie', 'a=1', { append: true });
    c.header('set-cookie', 'b=2', { append: true });
    return c.text('ok');
  });
  hono.get('/cookie', (c) => c.text(c.req.header('cookie') ?? '-'));
  hono.get('/hints', (c) => {
    c.env.earlyHints({ link: '</style.css>; rel=preload; as=style' });
    return c.text('hinted');
  });
  return hono;
}

describe('server: fetch handlers (a Hono app, unchanged)', function () {
  this.timeout(20_000);
  let server: H2Server;
  let url: string;

  before(async () => {
    server = serve({ fetch: app().fetch, port: 0 });
    await listening(server);
    url = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => stop(server));

  it('routing and middleware; a push from a route, served by the same app', async () => {
    const client = await connect(url);
    try {
      const page = await client.request('/');
      expect(page.status).to.equal(200);
      expect(page.headers.find((f) => f.name === 'x-powered-by')?.value).to.equal('hono on h2wire');
      expect(page.body.toString()).to.equal('<link rel="stylesheet" href="/style.css"><p>hello</p>');
      expect(page.pushes.map((p) => [p.method, p.path])).to.deep.equal([['GET', '/style.css']]);
      const pushed = await page.pushes[0]!.response;
      expect(pushed.status).to.equal(200);
      expect(pushed.body.toString()).to.equal('p { color: green } /* pushed: true */');
      expect((await client.request('/nope')).status).to.equal(404);
    } finally {
      await client.close();
    }
  });

  it('a client refusing pushes: the route learns why (push_disabled) and still answers', async () => {
    const client = await connect(url, { push: false });
    try {
      const page = await client.request('/');
      expect(page.headers.find((f) => f.name === 'x-push')?.value).to.equal('push_disabled');
      expect(page.pushes).to.deep.equal([]);
    } finally {
      await client.close();
    }
  });

  it('a request body (JSON) and the query reach the route', async () => {
    const client = await connect(url);
    try {
      const r = await client.request('/echo?q=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'h2' }) });
      expect(r.status).to.equal(200);
      expect(JSON.parse(r.body.toString())).to.deep.equal({ hello: 'h2', method: 'POST', query: '1' });
    } finally {
      await client.close();
    }
  });

  it('a streamed response arrives whole; 1 MiB goes out within the flow-control windows', async () => {
    const client = await connect(url);
    try {
      const streamed = await client.request('/stream');
      expect(streamed.body.toString()).to.equal('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
      const big = await client.request('/big');
      expect(big.body.length).to.equal(1 << 20);
      expect(big.body.every((b) => b === 0x61)).to.equal(true);
    } finally {
      await client.close();
    }
  });

  it('set-cookie stays two fields; 103 Early Hints from the context', async () => {
    const client = await connect(url);
    try {
      const cookies = await client.request('/cookies');
      expect(cookies.headers.filter((f) => f.name === 'set-cookie').map((f) => f.value)).to.deep.equal(['a=1', 'b=2']);
      const split = await client.request('/cookie', { headers: [['cookie', 'a=1'], ['cookie', 'b=2']] });
      expect(split.body.toString(), '§8.2.3: split cookie fields joined with "; "').to.equal('a=1; b=2');
      const hinted = await client.request('/hints');
      expect(hinted.informational.map((h) => h.find((f) => f.name === 'link')?.value)).to.deep.equal(['</style.css>; rel=preload; as=style']);
      expect(hinted.body.toString()).to.equal('hinted');
    } finally {
      await client.close();
    }
  });
});
