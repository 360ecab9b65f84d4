// Interop with peers nobody on this project wrote: nghttp and h2load
// (Debian's nghttp2-client) and curl, against the demo server.

import { expect } from 'chai';
import { seedHandler } from '../../src/demo/seed-handler.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server } from '../../src/server/server.js';
import { requirePeer, run } from './peers.js';

const tls = createSelfSignedCertificate();

describe('interop: nghttp2-client and curl', function () {
  this.timeout(60000);
  let h2c: H2Server;
  let secure: H2Server;
  const handled: Array<{ path: string; protoMajor: number }> = [];
  const errors: unknown[] = [];

  before(async () => {
    const handler: typeof seedHandler = (req, res) => {
      handled.push({ path: req.path, protoMajor: req.protoMajor });
      return seedHandler(req, res);
    };
    h2c = createServer({}, handler);
    secure = createServer({ tls }, handler);
    for (const s of [h2c, secure]) s.on('handlerError', (e) => errors.push(e));
    await Promise.all([h2c, secure].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  after(async () => {
    await Promise.all([h2c, secure].map((s) => new Promise<void>((r) => s.close(r))));
    expect(errors).to.deep.equal([]);
  });
  const url = (s: H2Server, path = '/') => `${s === secure ? 'https' : 'http'}://127.0.0.1:${s.address().port}${path}`;

  for (const which of ['TLS', 'h2c'] as const) {
    it(`nghttp -v (${which}): PUSH_PROMISE for /style.css on stream 2 before the page's DATA`, async function () {
      const nghttp = requirePeer(this, 'nghttp', 'nghttp2-client');
      const r = await run(nghttp, ['-v', url(which === 'TLS' ? secure : h2c)]);
      expect(r.code, r.stderr).to.equal(0);
      const out = r.stdout;
      const promise = out.search(/recv PUSH_PROMISE frame <length=\d+, flags=0x04, stream_id=(\d+)>\n\s+; END_HEADERS\n\s+\(padlen=0, promised_stream_id=2\)/);
      expect(promise, out).to.be.greaterThan(-1);
      const pageStream = /recv PUSH_PROMISE frame <[^>]*stream_id=(\d+)>/.exec(out)![1];
      const pageData = out.indexOf(`recv DATA frame <length=`, out.indexOf(`stream_id=${pageStream}>`, promise + 1));
      expect(pageData).to.be.greaterThan(promise);
      expect(out).to.match(/recv \(stream_id=2\) :status: 200/);
      expect(out).to.match(/recv DATA frame <length=\d+, flags=0x01, stream_id=2>/);
    });
  }

  it('nghttp --no-push: no PUSH_PROMISE, the page says why', async function () {
    const nghttp = requirePeer(this, 'nghttp', 'nghttp2-client');
    const r = await run(nghttp, ['-v', '--no-push', url(h2c)]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.not.contain('PUSH_PROMISE frame');
    expect(r.stdout).to.contain('ENABLE_PUSH(0x02):0');
    expect(r.stdout).to.match(/No push on this connection/);
  });

  it('nghttp -ans: the pushed /style.css is counted as a pushed response', async function () {
    const nghttp = requirePeer(this, 'nghttp', 'nghttp2-client');
    const r = await run(nghttp, ['-ans', url(secure)]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^\s+2 .*\* .* 200 .* \/style\.css$/m); // '*' marks a pushed stream
    expect(r.stdout).to.match(/ 200 .* \/$/m);
  });

  it('nghttp -d: a 1 MB upload to a handler that answers without reading it gets its 200, then RST_STREAM NO_ERROR (RFC 9113 §8.1)', async function () {
    const nghttp = requirePeer(this, 'nghttp', 'nghttp2-client');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'h2wire-')), 'upload');
    writeFileSync(file, Buffer.alloc(1 << 20, 0x75));
    const r = await run(nghttp, ['-v', '-d', file, url(h2c, '/style.css')]);
    expect(r.code, r.stderr).to.equal(0);
    const id = /recv \(stream_id=(\d+)\) :status: 200/.exec(r.stdout)?.[1]; // nghttp's first stream is not 1
    expect(id, r.stdout).to.not.equal(undefined);
    expect(r.stdout).to.contain(`recv RST_STREAM frame <length=4, flags=0x00, stream_id=${id}>\n          (error_code=NO_ERROR(0x00))`);
  });

  it('h2load: thousands of requests over many streams, none failed', async function () {
    const h2load = requirePeer(this, 'h2load', 'nghttp2-client');
    for (const s of [h2c, secure]) {
      const r = await run(h2load, ['-n', '4000', '-c', '4', '-m', '32', url(s, '/style.css')], 30000);
      expect(r.stdout, r.stderr).to.match(/requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored, 0 timeout/);
    }
  });

  it('curl --http2-prior-knowledge (h2c) and --http2 (TLS): the page loads; curl refuses the push cleanly', async function () {
    const curl = requirePeer(this, 'curl', 'curl');
    const before = handled.length;
    const a = await run(curl, ['-s', '--http2-prior-knowledge', '-w', '\n%{http_code} %{http_version}', url(h2c)]);
    expect(a.stdout).to.match(/200 2$/);
    // curl refuses pushes up front (SETTINGS_ENABLE_PUSH=0): the server does not push, and the page says why.
    expect(a.stdout).to.match(/No push on this connection: .*push_disabled/);
    const b = await run(curl, ['-s', '-k', '--http2', '-w', '\n%{http_code} %{http_version}', url(secure)]);
    expect(b.stdout).to.match(/200 2$/);
    expect(b.stdout).to.contain('h2wire server push demo');
    expect(handled.slice(before).every((h) => h.protoMajor === 2)).to.equal(true);
  });

  it('curl --http1.1: served by the HTTP/1.1 fallback (cleartext and TLS)', async function () {
    const curl = requirePeer(this, 'curl', 'curl');
    const a = await run(curl, ['-s', '--http1.1', '-w', '\n%{http_code} %{http_version}', url(h2c)]);
    expect(a.stdout).to.match(/200 1\.1$/);
    expect(a.stdout).to.contain('HTTP/1.1 has no server push');
    const b = await run(curl, ['-s', '-k', '--http1.1', '-w', '\n%{http_code} %{http_version}', url(secure)]);
    expect(b.stdout).to.match(/200 1\.1$/);
  });
});
