// The explorer as a server feature: it serves the visitor's connection,
// follows it live, does not feed itself (its own DATA is folded, so a
// watcher of its own connection goes quiet when nothing else happens),
// keeps within its budget, and the server stays responsive while a busy
// connection is watched.

import { expect } from 'chai';
import http2 from 'node:http2';
import { Explorer } from '../../src/explorer/explorer.js';
import { createServer, type H2Server } from '../../src/server/server.js';

interface Watch {
  messages: number;
  records: Array<{ kind: string; type?: string; connection: number }>;
  folds: Array<{ streamId: number; count: number }>;
  skipped: number;
  stream: http2.ClientHttp2Stream;
}

/** Follow /_wire/events for a connection over a node:http2 session (a peer, as a browser would be). */
function watch(session: http2.ClientHttp2Session, connection: number): Promise<Watch> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': `/_wire/events?connection=${connection}&from=0` });
    const w: Watch = { messages: 0, records: [], folds: [], skipped: 0, stream };
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (h[':status'] === 200 ? resolve(w) : reject(new Error(`status ${h[':status']}`))));
    stream.on('data', (chunk: string) => {
      text += chunk;
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const event = text.slice(0, end);
        text = text.slice(end + 2);
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (!data || event.startsWith('event: error')) continue;
        const update = JSON.parse(data) as { records: Watch['records']; folds: Watch['folds']; skipped: number };
        w.messages++;
        w.skipped = update.skipped;
        w.records.push(...update.records);
        w.folds = update.folds;
      }
    });
    stream.on('error', () => {});
  });
}

const get = (session: http2.ClientHttp2Session, path: string) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    const s = session.request({ ':path': path });
    s.setEncoding('utf8');
    s.on('data', (d: string) => (body += d));
    s.on('end', () => resolve(body));
    s.on('error', reject);
  });

const until = async (check: () => boolean, what: string, ms = 10000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('explorer', function () {
  this.timeout(60000);
  let server: H2Server;
  let explorer: Explorer;
  let url: string;
  const sessions: http2.ClientHttp2Session[] = [];
  /** A peer with a browser's windows (Chromium: 6 MiB per stream, 15 MiB per connection), not node:http2's 64 KiB. */
  const open = (windows: 'browser' | 'small' = 'browser') => {
    const s = windows === 'browser' ? http2.connect(url, { settings: { initialWindowSize: 6 * 1024 * 1024 } }) : http2.connect(url);
    if (windows === 'browser') s.on('connect', () => s.setLocalWindowSize(15 * 1024 * 1024));
    s.on('error', () => {});
    sessions.push(s);
    return s;
  };

  beforeEach(async () => {
    explorer = new Explorer({ intervalMs: 20 });
    server = createServer({ traceDetail: true, trace: explorer.sink }, (req, res) => {
      if (explorer.owns(req)) return explorer.serve(req, res);
      if (req.path === '/whoami') return res.end(String(req.connection));
      res.setHeader('content-type', 'text/plain');
      res.end('hello\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${server.address().port}`;
  });

  afterEach(async () => {
    explorer.close();
    for (const s of sessions.splice(0)) s.destroy();
    await new Promise<void>((r) => server.close(r));
  });

  it('serves the page for the visitor’s own connection, with its frames so far', async () => {
    const s = open();
    const me = Number(await get(s, '/whoami'));
    const html = await get(s, '/_wire/');
    expect(html).to.contain(`h2wire explorer: connection #${me} (yours)`);
    expect(html).to.match(/<g class="arrow" id="f\d+" data-seq="\d+" data-type="SETTINGS" data-stream="0" data-from="client"/);
    expect(html).to.contain(`/_wire/events?connection=${me}`);
  });

  it('a watcher of its own connection does not feed itself: its DATA is folded and, when nothing else happens, it goes quiet', async () => {
    const s = open();
    const me = Number(await get(s, '/whoami'));
    const w = await watch(s, me);
    await get(s, '/a');
    await until(() => w.records.some((r) => r.kind === 'frame' && r.type === 'DATA'), "the response's DATA");
    await new Promise((r) => setTimeout(r, 300));
    const settled = w.messages;
    await new Promise((r) => setTimeout(r, 1000));
    expect(w.messages, 'no update caused by an update').to.equal(settled);
    expect(w.folds.length).to.equal(1);
    expect(w.records.filter((r) => r.kind === 'frame' && r.type === 'DATA').length, 'only the DATA of /whoami and /a').to.equal(2);
  });

  it('stays responsive: 1,000 requests on a watched connection all complete, the watcher sees every one, the explorer within its budget', async () => {
    const busy = open();
    const busyId = Number(await get(busy, '/whoami'));
    const watcher = open();
    const w = await watch(watcher, busyId);
    const total = 1000;
    let done = 0;
    const worker = async () => {
      while (done < total) {
        done++;
        expect(await get(busy, `/load/${done}`)).to.equal('hello\n');
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const headers = () => w.records.filter((r) => r.kind === 'frame' && r.type === 'HEADERS').length;
    await until(() => headers() >= 2 * (total + 1), `the watcher to see every request and response (${headers()} HEADERS seen, ${w.skipped} records skipped, ${w.messages} messages; ${JSON.stringify(watcher.state)} ${JSON.stringify(w.stream.state)} ${w.stream.readableLength} ${w.stream.isPaused()})`, 20000);
    expect(w.skipped).to.equal(0);
    expect(explorer.watchers).to.equal(1);
    const limit = 32 * 1024 * 1024; // the recorder's default: 1 MiB per connection, 32 connections at most, whatever comes
    expect(explorer.heldBytes()).to.be.at.most(limit);
  });

  it('what waits for a watcher that reads nothing stays within its budget, whatever the records weigh; pages are rate-limited', async () => {
    explorer.close();
    await new Promise<void>((r) => server.close(r));
    explorer = new Explorer({ intervalMs: 5, maxBacklogBytes: 256 * 1024, stallMs: 60000, pagesPerSecond: 3 });
    server = createServer({ traceDetail: true, trace: explorer.sink }, (req, res) => (explorer.owns(req) ? explorer.serve(req, res) : res.end('ok')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${server.address().port}`;
    const load = open();
    await get(load, '/');
    const w = await watch(open('small'), 1);
    w.stream.pause();
    let most = 0;
    const fat = '\u0001'.repeat(4000); // six octets of JSON each
    for (let i = 0; i < 300; i++) {
      await new Promise<void>((resolve) => load.request({ ':path': '/', 'x-fat': fat }).on('data', () => {}).on('end', resolve).on('error', resolve));
      most = Math.max(most, explorer.heldBytes());
    }
    // The recorder's budget (1 MiB for this connection, and the watcher's own) and one backlog.
    expect(most).to.be.at.most(2 * 1024 * 1024 + 256 * 1024);
    const statuses = await Promise.all(Array.from({ length: 6 }, () => new Promise<number>((resolve) => load.request({ ':path': '/_wire/' }).on('response', (h) => resolve(Number(h[':status']))).on('data', () => {}))));
    expect(statuses.filter((s) => s === 503).length, String(statuses)).to.be.at.least(3);
  });

  it('a watcher that does not read is let go; watchers are limited in number', async () => {
    explorer.close();
    await new Promise<void>((r) => server.close(r));
    explorer = new Explorer({ intervalMs: 5, maxBacklog: 50, maxWatchers: 1, stallMs: 200 });
    server = createServer({ traceDetail: true, trace: explorer.sink }, (req, res) => (explorer.owns(req) ? explorer.serve(req, res) : res.end('x'.repeat(100))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${server.address().port}`;
    const load = open();
    await get(load, '/');
    const s = open('small');
    const w = await watch(s, 1);
    const second = open();
    const refused = await new Promise<number>((resolve) => second.request({ ':path': '/_wire/events?connection=1' }).on('response', (h) => resolve(Number(h[':status']))));
    expect(refused).to.equal(503);
    w.stream.pause(); // stops reading: the server's writes back up
    for (let i = 0; i < 400 && explorer.watchers > 0; i++) await get(load, '/');
    await until(() => explorer.watchers === 0, 'the slow watcher to be cut off');
  });
});
