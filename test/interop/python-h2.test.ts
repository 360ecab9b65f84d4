// Interop with the Python `h2` package (Debian's python3-h2), a client that
// accepts server pushes, driven by test/interop/h2_push_client.py against the
// demo server over TLS (ALPN h2, the certificate verified) and h2c.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'mocha';
import { seedHandler, STYLE_CSS } from '../../src/demo/seed-handler.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server } from '../../src/server/server.js';
import type { TraceRecord } from '../../src/trace.js';
import { INSTALL_HINT, run } from './peers.js';

/** Debian's interpreter: the `python3` first on PATH (pyenv, a venv) may not have h2. */
const PYTHON = '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('../../../test/interop/h2_push_client.py', import.meta.url));

let pythonH2: { ok: boolean; why: string } | undefined;

/** Skip the test (or fail it under CI=true) unless /usr/bin/python3 can `import h2`. */
function requirePythonH2(ctx: Context): string {
  if (!pythonH2) {
    const r = spawnSync(PYTHON, ['-c', 'import h2'], { encoding: 'utf8', timeout: 10000 });
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit status ${r.status}`);
    pythonH2 = { ok: r.status === 0, why };
    if (!pythonH2.ok) {
      const message = `${PYTHON} -c "import h2" failed (${why}): interop test skipped (install Debian's python3-h2: ${INSTALL_HINT})`;
      if (process.env.CI !== 'true') console.log(`    [skip] ${message}`);
    }
  }
  if (pythonH2.ok) return PYTHON;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${PYTHON} -c "import h2" failed (${pythonH2.why}); install Debian's python3-h2: ${INSTALL_HINT}`);
  ctx.skip();
}

interface Exchange {
  status: number | null;
  headers: Array<[string, string]> | null;
  body_b64: string;
}
interface Pushed extends Exchange {
  promised_stream_id: number;
  request_headers: Array<[string, string]>;
}
interface ClientReport {
  response: Exchange | null;
  pushes: Pushed[];
  frames_order: string[];
  error?: string;
}

const tls = createSelfSignedCertificate();
const field = (fields: Array<[string, string]> | null, name: string) => fields?.find(([n]) => n === name)?.[1];
const body = (e: Exchange) => Buffer.from(e.body_b64, 'base64');

describe('interop: python-h2 client (accepts pushes)', function () {
  this.timeout(30000);
  let h2c: H2Server;
  let secure: H2Server;
  let dir: string;
  let caFile: string;
  const handled: Array<{ path: string; protoMajor: number; pushed: boolean }> = [];
  const errors: unknown[] = [];
  const frames: Array<Extract<TraceRecord, { kind: 'frame' }> & { server: 'TLS' | 'h2c' }> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'h2wire-python-h2-'));
    caFile = join(dir, 'cert.pem');
    writeFileSync(caFile, tls.cert);
    const handler: typeof seedHandler = (req, res) => {
      handled.push({ path: req.path, protoMajor: req.protoMajor, pushed: req.pushed });
      return seedHandler(req, res);
    };
    const trace = (server: 'TLS' | 'h2c') => (record: TraceRecord) => {
      if (record.kind === 'frame') frames.push({ ...record, server });
    };
    h2c = createServer({ trace: trace('h2c') }, handler);
    secure = createServer({ tls, trace: trace('TLS') }, handler);
    for (const s of [h2c, secure]) s.on('handlerError', (e) => errors.push(e));
    await Promise.all([h2c, secure].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  after(async () => {
    await Promise.all([h2c, secure].map((s) => new Promise<void>((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
    expect(errors).to.deep.equal([]);
  });

  async function get(python: string, server: H2Server, ...flags: string[]): Promise<ClientReport> {
    const args = [CLIENT, '127.0.0.1', String(server.address().port), '/', ...flags];
    if (server === secure) args.push('--tls', '--cafile', caFile);
    const r = await run(python, args, 20000); // the client bounds itself at 10 s
    expect(r.stdout, `h2_push_client.py exited ${r.code}: ${r.stderr}`).to.match(/^\{/);
    const report = JSON.parse(r.stdout) as ClientReport;
    expect(report.error, r.stderr).to.equal(undefined);
    expect(r.code, r.stderr).to.equal(0);
    return report;
  }

  for (const which of ['TLS', 'h2c'] as const) {
    it(`${which}: the push of /style.css arrives on stream 2, promised before the page's DATA, both bodies byte for byte`, async function () {
      const python = requirePythonH2(this);
      const server = which === 'TLS' ? secure : h2c;
      const before = handled.length;
      const framesBefore = frames.length;
      const report = await get(python, server);

      const page = report.response!;
      expect(page.status).to.equal(200);
      expect(field(page.headers, 'content-type')).to.equal('text/html; charset=utf-8');
      const html = body(page).toString('utf8');
      expect(html).to.contain('h2wire server push demo');
      expect(html).to.contain(which === 'TLS' ? 'HTTP/2 (TLS, ALPN h2)' : 'HTTP/2 (cleartext h2c)');
      expect(html).to.contain('promising stream 2');
      expect(field(page.headers, 'content-length')).to.equal(String(body(page).length));

      expect(report.pushes).to.have.length(1);
      const [push] = report.pushes;
      expect(push!.promised_stream_id).to.equal(2);
      const pseudo = push!.request_headers.filter(([n]) => n.startsWith(':'));
      expect(Object.fromEntries(pseudo)).to.deep.equal({
        ':method': 'GET',
        ':path': '/style.css',
        ':scheme': which === 'TLS' ? 'https' : 'http',
        ':authority': `127.0.0.1:${server.address().port}`,
      });
      expect(pseudo).to.have.length(4); // each exactly once
      expect(push!.status).to.equal(200);
      expect(field(push!.headers, 'content-type')).to.equal('text/css; charset=utf-8');
      expect(body(push!).equals(Buffer.from(STYLE_CSS, 'utf8'))).to.equal(true, 'pushed body differs from STYLE_CSS');

      // The order h2 reported the frames in: PUSH_PROMISE before the page's first DATA.
      const order = report.frames_order;
      expect(order, order.join(' ')).to.include.members(['push_promise:2', 'data:1']);
      expect(order.indexOf('push_promise:2'), order.join(' ')).to.be.lessThan(order.indexOf('data:1'));
      expect(order).to.include.members(['response:1', 'end:1', 'response:2', 'data:2', 'end:2']);
      expect(order.filter((e) => e.startsWith('reset:'))).to.deep.equal([]);

      expect(handled.slice(before)).to.deep.equal([
        { path: '/', protoMajor: 2, pushed: false },
        { path: '/style.css', protoMajor: 2, pushed: true },
      ]);
      // The client ended cleanly: GOAWAY NO_ERROR, after acknowledging our SETTINGS.
      const seen = frames.slice(framesBefore).filter((f) => f.server === which && f.direction === 'in');
      const goaway = seen.find((f) => f.frame.type === 'GOAWAY');
      expect(goaway?.frame, seen.map((f) => f.line).join('\n')).to.deep.include({ type: 'GOAWAY', errorCode: 0 });
    });
  }

  it('--no-push (ENABLE_PUSH=0 in its first SETTINGS): no PUSH_PROMISE, the page says why', async function () {
    const python = requirePythonH2(this);
    const framesBefore = frames.length;
    const report = await get(python, h2c, '--no-push');
    expect(report.pushes).to.deep.equal([]);
    expect(report.frames_order.some((e) => e.startsWith('push_promise'))).to.equal(false);
    expect(report.response!.status).to.equal(200);
    const html = body(report.response!).toString('utf8');
    expect(html).to.contain('h2wire server push demo');
    expect(html).to.contain('No push on this connection');
    const mine = frames.slice(framesBefore).filter((f) => f.server === 'h2c');
    const settings = mine.find((f) => f.direction === 'in' && f.frame.type === 'SETTINGS');
    expect(settings?.frame.type === 'SETTINGS' && settings.frame.settings).to.deep.include({ id: 2, value: 0 });
    expect(mine.some((f) => f.direction === 'out' && f.frame.type === 'PUSH_PROMISE')).to.equal(false);
  });
});
