// The two servers of the server benchmark, each run alone in a child process
// started by server.bench.ts (pinned to a CPU with taskset when it can) and
// driven over the IPC channel:
//
//   h2wire      createServer() with the bench routes, the seed handler for the rest
//   node        node:http2 with the same routes, bodies, certificate and settings
//
// Routes (both servers, same status, fields and bodies):
//   GET /          the seed's demo page (h2wire: seedHandler itself, which pushes
//                  /style.css when it may; node: the same page, with pushStream)
//   GET /static    the same page as / (no push), sent as is: no push check on either side
//   GET /big       1 MiB of application/octet-stream
//   GET /push-N    pushes /r/0 .. /r/N-1 (4 KiB of text/css each), then a small page
//   GET /r/I       the pushed resource, also served on request
//   GET /hold      sends a 200 head and holds the stream open until 'release'
//
// IPC: the parent sends { op, seq, ... }; the child answers { seq, ... }.
//   start  { impl, tls? }  -> { port }
//   stats  { gc? }         -> ChildStats
//   release                -> {}   (ends every held stream)
//   mark                   -> { us } (CLOCK_MONOTONIC in µs, the clock of --cpu-prof samples)
//   exit                   -> (no answer) the process exits, writing a --cpu-prof profile if asked
//
// The child is `node build/bench/servers.js --serve`, spawned with an IPC channel;
// importing this module elsewhere only brings the constants and fetchSeedPages().

import http2 from 'node:http2';
import { seedHandler, STYLE_CSS } from '../src/demo/seed-handler.js';
import { h2get } from '../src/client/h2-get.js';
import type { Handler } from '../src/server/handler-api.js';
import { createServer, type H2Server } from '../src/server/server.js';

export type Impl = 'h2wire' | 'node';
export const IMPLS: readonly Impl[] = ['h2wire', 'node'];

/** Settings both servers advertise (h2wire's defaults, set explicitly on node:http2). */
export const SETTINGS = { maxConcurrentStreams: 100, initialWindowSize: 65535, maxHeaderListSize: 65536 } as const;
/** The :authority the seed page is rendered for when the two servers' pages are compared. */
export const PAGE_AUTHORITY = 'localhost:8443';

/** The connection-level receive window both keep open (h2wire's default). */
export const CONNECTION_WINDOW = 1 << 20;

export const BIG_BYTES = 1 << 20;
export const PUSHED_BYTES = 4096;

const BIG = Buffer.alloc(BIG_BYTES, 'h2wire benchmark body, 1 MiB of it.\n');
const PUSHED = Buffer.alloc(PUSHED_BYTES, '.c { color: #0b6e4f; margin: 0 }\n');
const pushPages = new Map<number, Buffer>();
const pushPage = (n: number): Buffer => {
  let page = pushPages.get(n);
  if (!page) {
    const links = Array.from({ length: n }, (_, i) => `<link rel="stylesheet" href="/r/${i}">`).join('\n');
    page = Buffer.from(`<!doctype html>\n<html><head><title>${n} pushed</title>\n${links}\n</head><body><p>${n} resources pushed.</p></body></html>\n`);
    pushPages.set(n, page);
  }
  return page;
};

/** The seed page as h2wire serves it on one transport, without and with the push of /style.css. */
export interface SeedPages {
  contentType: string;
  /** For a client that refuses pushes (h2load, browsers). */
  noPush: Buffer;
  /** For a client that accepts them: request on stream 1, /style.css promised on stream 2. */
  pushed: Buffer;
}

/**
 * The seed page exactly as h2wire serves it, for the node:http2 server (which
 * cannot run an h2wire handler) and for /static: fetched once, at start-up,
 * from a throw-away in-process h2wire server running seedHandler, with h2get
 * refusing and then accepting pushes. Whatever the seed handler writes,
 * both servers then send the same octets.
 */
export async function fetchSeedPages(tls: { key: string; cert: string } | undefined): Promise<SeedPages> {
  const reference = createServer(tls ? { tls } : {}, seedHandler);
  await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
  try {
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${reference.address().port}/`;
    // The page names the URL it was served on: rendered for a fixed authority, which checkEquivalence asks with too.
    const noPush = await h2get(url, { push: false, insecure: true, authority: PAGE_AUTHORITY });
    const pushed = await h2get(url, { push: true, insecure: true, authority: PAGE_AUTHORITY });
    const contentType = noPush.response.headers.find((f) => f.name === 'content-type')?.value ?? 'text/html';
    return { contentType, noPush: noPush.response.body, pushed: pushed.response.body };
  } finally {
    await new Promise<void>((resolve) => reference.close(() => resolve()));
  }
}

export interface ChildStats {
  /** Live HTTP/2 connections. */
  connections: number;
  /** Streams held open by /hold. */
  held: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** process.cpuUsage(), microseconds. */
  cpuUser: number;
  cpuSystem: number;
  /** Errors swallowed (stream and session errors when clients go away). */
  errors: number;
}

interface Running {
  connections(): number;
  held(): number;
  release(): void;
  close(): Promise<void>;
}

let errors = 0;

// ---- h2wire ---------------------------------------------------------------

function startH2wire(tls: { key: string; cert: string } | undefined, port: (p: number) => void): Running {
  // Held streams wait on one shared promise, settled by 'release': the
  // cheapest hold the handler API allows, as node:http2's side keeps its
  // held streams in an array.
  let held = 0;
  let release = () => {};
  let released = new Promise<void>((resolve) => (release = resolve));
  const serve: Handler = async (req, res) => {
    const path = req.path;
    if (path === '/big') {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(BIG);
      return;
    }
    if (path.startsWith('/r/')) {
      res.setHeader('content-type', 'text/css');
      res.end(PUSHED);
      return;
    }
    if (path.startsWith('/push-')) {
      const n = Number(path.slice('/push-'.length));
      for (let i = 0; i < n && res.canPush; i++) await res.push(`/r/${i}`);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(pushPage(n));
      return;
    }
    if (path === '/static') {
      res.setHeader('content-type', staticType);
      res.end(staticPage);
      return;
    }
    return seedHandler(req, res);
  };
  const handler: Handler = (req, res) => {
    if (req.path !== '/hold') return serve(req, res);
    res.writeHead(200, { 'content-type': 'text/plain' });
    held++;
    return released; // the response ends when the handler's promise settles
  };
  const server: H2Server = createServer(tls ? { tls } : {}, handler);
  server.on('handlerError', () => errors++);
  server.listen(0, '127.0.0.1', () => port(server.address().port));
  return {
    connections: () => server.connections,
    held: () => held,
    release: () => {
      release();
      held = 0;
      released = new Promise<void>((resolve) => (release = resolve));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The seed page as seedHandler renders it on this server's transport, rendered once. */
let staticPage: Buffer = Buffer.alloc(0);
let staticType = 'text/html; charset=utf-8';

// ---- node:http2 -----------------------------------------------------------

function startNode(tls: { key: string; cert: string } | undefined, port: (p: number) => void, pages: SeedPages): Running {
  const seedPage = pages.noPush;
  const held: http2.ServerHttp2Stream[] = [];
  let sessions = 0;
  // sendDate is honoured by respond() though @types/node does not list it: h2wire sends no date header either.
  const noDate = { sendDate: false } as http2.ServerStreamResponseOptions;
  const send = (stream: http2.ServerHttp2Stream, status: number, contentType: string, body: Buffer, extra?: Record<string, string>) => {
    stream.respond({ ':status': status, 'content-type': contentType, ...extra, 'content-length': body.length }, noDate);
    stream.end(body);
  };
  const seed = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    if (!stream.pushAllowed) return send(stream, 200, pages.contentType, seedPage);
    // A client that accepts pushes: as seedHandler, push the stylesheet and say so on the page.
    const pushHeaders = { ':path': '/style.css', ':authority': headers[':authority'] ?? '', ':scheme': headers[':scheme'] ?? 'http' };
    stream.pushStream(pushHeaders, (error, pushed) => {
      if (error) return send(stream, 200, pages.contentType, seedPage);
      send(pushed, 200, 'text/css; charset=utf-8', Buffer.from(STYLE_CSS), { 'cache-control': 'max-age=60' });
      const page = pages.pushed.toString('latin1').replace('on stream 1, promising stream 2', `on stream ${stream.id}, promising stream ${pushed.id}`);
      send(stream, 200, pages.contentType, Buffer.from(page, 'latin1'));
    });
  };
  const onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    const path = headers[':path'] ?? '';
    if (path === '/') return seed(stream, headers);
    if (path === '/big') return send(stream, 200, 'application/octet-stream', BIG);
    if (path.startsWith('/r/')) return send(stream, 200, 'text/css', PUSHED);
    if (path.startsWith('/push-')) {
      const n = Number(path.slice('/push-'.length));
      const authority = headers[':authority'] ?? '';
      const scheme = headers[':scheme'] ?? 'http';
      for (let i = 0; i < n && stream.pushAllowed; i++) {
        stream.pushStream({ ':path': `/r/${i}`, ':authority': authority, ':scheme': scheme }, (error, pushed) => {
          if (!error) send(pushed, 200, 'text/css', PUSHED);
        });
      }
      return send(stream, 200, 'text/html; charset=utf-8', pushPage(n));
    }
    if (path === '/static') return send(stream, 200, pages.contentType, seedPage);
    if (path === '/hold') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, noDate);
      held.push(stream);
      return;
    }
    if (path === '/style.css') return send(stream, 200, 'text/css; charset=utf-8', Buffer.from(STYLE_CSS), { 'cache-control': 'max-age=60' });
    return send(stream, 404, 'text/plain; charset=utf-8', Buffer.from('not found\n'));
  };
  const options: http2.SecureServerOptions = { settings: { ...SETTINGS }, allowHTTP1: true };
  const server = tls ? http2.createSecureServer({ ...options, key: tls.key, cert: tls.cert }) : http2.createServer({ settings: { ...SETTINGS } });
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions++;
    session.setLocalWindowSize(CONNECTION_WINDOW);
    session.on('error', () => errors++);
    session.on('close', () => sessions--);
  });
  server.on('stream', onStream);
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    port(typeof a === 'object' && a ? a.port : 0);
  });
  return {
    connections: () => sessions,
    held: () => held.length,
    release: () => {
      for (const s of held.splice(0)) if (!s.destroyed) s.end();
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        setTimeout(resolve, 2000).unref();
      }),
  };
}

// ---- the IPC loop ---------------------------------------------------------

type Message = { seq: number; op: 'start'; impl: Impl; tls?: { key: string; cert: string } } | { seq: number; op: 'stats'; gc?: boolean } | { seq: number; op: 'release' | 'exit' | 'mark' };

function stats(running: Running | undefined): ChildStats {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    connections: running?.connections() ?? 0,
    held: running?.held() ?? 0,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    cpuUser: cpu.user,
    cpuSystem: cpu.system,
    errors,
  };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  gc();
}

if (process.argv[2] === '--serve' && process.send) {
  process.on('uncaughtException', (error) => {
    // node:http2 streams emit 'error' when h2load resets or drops them at the end of a run.
    errors++;
    if (errors <= 3) process.stderr.write(`bench server: ${String(error)}\n`);
  });
  process.on('disconnect', () => process.exit(0)); // the harness is gone: do not linger as an orphan
  let running: Running | undefined;
  const reply = (seq: number, body: object) => process.send!({ seq, ...body });
  process.on('message', (message: Message) => {
    switch (message.op) {
      case 'start': {
        void fetchSeedPages(message.tls).then((pages) => {
          staticPage = pages.noPush;
          staticType = pages.contentType;
          const onPort = (port: number) => reply(message.seq, { port });
          running = message.impl === 'h2wire' ? startH2wire(message.tls, onPort) : startNode(message.tls, onPort, pages);
        });
        return;
      }
      case 'stats':
        if (message.gc) collectGarbage();
        return reply(message.seq, stats(running));
      case 'release':
        running?.release();
        return reply(message.seq, {});
      case 'mark':
        return reply(message.seq, { us: Number(process.hrtime.bigint() / 1000n) });
      case 'exit': {
        // The parent waits for the process to exit; exiting writes the --cpu-prof profile, if asked for.
        const done = () => process.exit(0);
        if (!running) return done();
        running.release();
        void running.close().then(done);
        setTimeout(done, 2500).unref();
        return;
      }
    }
  });
}
