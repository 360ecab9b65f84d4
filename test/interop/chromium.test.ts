// Interop with a real browser: headless Chromium (Debian's chromium) loads the
// demo page over TLS (ALPN h2). Browsers refuse server push, so what this
// shows is the other half of the seed: the browser's first SETTINGS says
// ENABLE_PUSH=0, the server sends no PUSH_PROMISE, and the page still gets its
// stylesheet by an ordinary request. The screenshot is kept in
// test-artifacts/chromium-demo.png.
//
// The command (Chromium 156, Debian bookworm, as root in a container):
//   chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage
//     --disable-quic --no-first-run --disable-background-networking
//     --disable-component-update --disable-sync --ignore-certificate-errors
//     --user-data-dir=<fresh temp dir> --window-size=1000,700
//     --screenshot=<file> --dump-dom https://127.0.0.1:<port>/
// --no-sandbox: the sandbox cannot start as root or without user namespaces.
// --disable-dev-shm-usage: containers often have a 64 MB /dev/shm; Debian's
// launcher adds it only when its probe of /dev/shm works, and that probe
// fails (`[: ...: unexpected operator`) when findmnt reports two mounts.
// --screenshot and --dump-dom work in one run: the DOM goes to stdout.
// HOME and XDG_* point into the temp dir too, or Chromium writes
// ~/.config/chromium/Crash Reports, ~/.local/share/pki/nssdb, ~/.cache/dconf.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { seedHandler } from '../../src/demo/seed-handler.js';
import type { Frame } from '../../src/frames/frame.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server } from '../../src/server/server.js';
import type { TraceRecord } from '../../src/trace.js';
import { chromiumFlags } from '../helpers/chromium.js';
import { requirePeer } from './peers.js';

const CHROMIUM_TIMEOUT_MS = 60000;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const SCREENSHOT = join(ARTIFACTS, 'chromium-demo.png');
const SETTINGS_ENABLE_PUSH = 0x2;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Run a program in its own process group, bounded in time; on timeout, and
 * once it has exited, kill the whole group (Chromium's zygote, renderer, GPU
 * and crashpad processes with it). Never rejects.
 */
function runProcessTree(program: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Finished> {
  return new Promise((resolve) => {
    const started = Date.now();
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let done = false;
    const child = spawn(program, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
    };
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (e) => {
      stderr += `\n${e.message}`;
      finish(null, null);
    });
    child.on('exit', () => killGroup()); // helpers still holding the pipes open
    child.on('close', (code, signal) => finish(code, signal));
  });
}

interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Decode an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) far enough to count pixels of one color. */
function countPixels(png: Buffer, color: Rgb): { width: number; height: number; count: number } {
  expect(png.subarray(0, 8).toString('hex'), 'PNG signature').to.equal('89504e470d0a1a0a');
  let offset = 8;
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    if (type === 'IEND') break;
    offset += 12 + length; // length, type, body, CRC
  }
  expect(header, 'IHDR').to.not.equal(undefined);
  const width = header!.readUInt32BE(0);
  const height = header!.readUInt32BE(4);
  const [bitDepth, colorType, , , interlace] = header!.subarray(8, 13);
  expect({ bitDepth, interlace, rgb: colorType === 2 || colorType === 6 }, 'PNG format').to.deep.equal({ bitDepth: 8, interlace: 0, rgb: true });
  const bpp = colorType === 6 ? 4 : 3;
  const stride = width * bpp;
  const raw = inflateSync(Buffer.concat(data));
  expect(raw.length, 'decompressed size').to.equal(height * (stride + 1));
  let previous = Buffer.alloc(stride);
  let count = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp]! : 0; // left
      const b = previous[i]!; // up
      const c = i >= bpp ? previous[i - bpp]! : 0; // up-left
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`PNG filter type ${filter} on row ${y}`);
      line[i] = (line[i]! + predictor) & 0xff;
    }
    for (let i = 0; i < stride; i += bpp) {
      if (line[i] === color.r && line[i + 1] === color.g && line[i + 2] === color.b) count++;
    }
    previous = line;
  }
  return { width, height, count };
}

type FrameRecord = Extract<TraceRecord, { kind: 'frame' }>;
const settingsOf = (f: Frame) => (f.type === 'SETTINGS' ? f.settings : []);

describe('interop: headless Chromium (a browser: push disabled)', function () {
  this.timeout(CHROMIUM_TIMEOUT_MS + 30000);
  const tls = createSelfSignedCertificate();
  let server: H2Server | undefined;
  let profile: string | undefined;
  let chromium: Finished | undefined;
  const records: TraceRecord[] = [];
  const handled: Array<{ path: string; protoMajor: number; pushed: boolean; streamId: number; status?: number }> = [];
  const errors: unknown[] = [];
  const frames = () => records.filter((r): r is FrameRecord => r.kind === 'frame');

  before(async function () {
    const program = requirePeer(this, 'chromium', 'chromium');
    server = createServer({ tls, trace: (record) => records.push(record) }, async (req, res) => {
      const seen: (typeof handled)[number] = { path: req.path, protoMajor: req.protoMajor, pushed: req.pushed, streamId: req.streamId };
      handled.push(seen);
      await seedHandler(req, res);
      seen.status = res.statusCode;
    });
    server.on('handlerError', (e) => errors.push(e));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));

    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    profile = mkdtempSync(join(tmpdir(), 'h2wire-chromium-'));
    const env = {
      ...process.env,
      HOME: profile,
      XDG_CONFIG_HOME: join(profile, '.config'),
      XDG_CACHE_HOME: join(profile, '.cache'),
      XDG_DATA_HOME: join(profile, '.local', 'share'),
    };
    chromium = await runProcessTree(
      program,
      [...chromiumFlags(profile, { windowSize: '1000,700' }), `--screenshot=${SCREENSHOT}`, '--dump-dom', `https://127.0.0.1:${server.address().port}/`],
      { cwd: profile, env, timeoutMs: CHROMIUM_TIMEOUT_MS },
    );
  });

  after(async () => {
    if (server) await new Promise<void>((r) => server!.close(r));
    if (profile) rmSync(profile, { recursive: true, force: true });
    expect(errors).to.deep.equal([]);
  });

  const ran = () => {
    const r = chromium!;
    const tail = r.stderr.split('\n').filter((l) => !/dbus|unexpected operator/.test(l)).slice(-20).join('\n');
    expect(r.timedOut, `chromium did not finish within ${CHROMIUM_TIMEOUT_MS} ms (killed)\n${tail}`).to.equal(false);
    expect(r.code, `chromium exited ${r.code} (${r.signal})\n${tail}`).to.equal(0);
    return r;
  };

  it('loads the demo page over TLS: the DOM says HTTP/2 and that there was no push', function () {
    const dom = ran().stdout;
    expect(dom).to.contain('<h1>h2wire server push demo</h1>');
    expect(dom).to.contain('HTTP/2 (TLS, ALPN h2)');
    expect(dom).to.contain('No push on this connection');
    expect(dom).to.contain('push_disabled');
  });

  it('its first SETTINGS frame says ENABLE_PUSH=0, on every connection it opened', function () {
    ran();
    const pageConnection = records.find((r) => r.kind === 'fields' && r.direction === 'in' && r.fields.some((f) => f.name === ':path' && f.value === '/'))?.connection;
    expect(pageConnection, 'the trace of the request for /').to.not.equal(undefined);
    const firstSettings = new Map<number, Frame>();
    for (const r of frames()) {
      if (r.direction === 'in' && r.frame.type === 'SETTINGS' && !r.frame.ack && !firstSettings.has(r.connection)) firstSettings.set(r.connection, r.frame);
    }
    expect(firstSettings.has(pageConnection!)).to.equal(true);
    for (const [, frame] of firstSettings) {
      expect(settingsOf(frame)).to.deep.include({ id: SETTINGS_ENABLE_PUSH, value: 0 });
    }
  });

  it('the server sent no PUSH_PROMISE, and pushed nothing', function () {
    ran();
    const out = frames().filter((r) => r.direction === 'out');
    expect(out.length).to.be.greaterThan(0);
    expect(out.filter((r) => r.frame.type === 'PUSH_PROMISE').map((r) => r.line)).to.deep.equal([]);
    expect(handled.filter((h) => h.pushed)).to.deep.equal([]);
  });

  it('the page came over HTTP/2, and /style.css by an ordinary request of the browser', function () {
    ran();
    const page = handled.find((h) => h.path === '/');
    const css = handled.find((h) => h.path === '/style.css');
    expect(page, JSON.stringify(handled)).to.deep.include({ protoMajor: 2, pushed: false, status: 200 });
    expect(css, JSON.stringify(handled)).to.deep.include({ protoMajor: 2, pushed: false, status: 200 });
    expect(css!.streamId % 2, 'a client-initiated (odd) stream').to.equal(1);
    expect(css!.streamId).to.be.greaterThan(page!.streamId);
    expect(handled.every((h) => h.protoMajor === 2)).to.equal(true);
  });

  it('wrote a 1000×700 PNG screenshot with the stylesheet applied (test-artifacts/chromium-demo.png)', function () {
    ran();
    expect(existsSync(SCREENSHOT), SCREENSHOT).to.equal(true);
    const png = readFileSync(SCREENSHOT);
    expect(png.length).to.be.greaterThan(1000);
    // `.pushed { border-left: 4px solid #0b6e4f }` (and the h1's color) come only from /style.css.
    const { width, height, count } = countPixels(png, { r: 0x0b, g: 0x6e, b: 0x4f });
    expect({ width, height }).to.deep.equal({ width: 1000, height: 700 });
    expect(count, 'pixels of the stylesheet color #0b6e4f').to.be.greaterThan(100);
  });
});
