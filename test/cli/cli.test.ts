// The h2wire command, run as its users run it: the real binary in a child
// process, against servers on 127.0.0.1. Exit status 0 success, 1 the
// exchange or decoding failed, 2 a usage error.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Finished, runProcess, type RunOptions } from '../helpers/child-process.js';
import { seedHandler, STYLE_CSS } from '../../src/demo/seed-handler.js';
import { h2get } from '../../src/client/h2-get.js';
import { FrameBuilders, frameBytes } from '../../src/testing/frame-builders.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import { createSelfSignedCertificate, writeCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server } from '../../src/server/server.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

type Run = Finished;

/** Run `h2wire ARGS` (colour off unless the test asks: NO_COLOR is set to '' only to clear an inherited one). */
function h2wire(args: string[], options: Omit<RunOptions, 'env'> & { env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return runProcess(process.execPath, [CLI, ...args], { ...options, env: { ...process.env, NO_COLOR: '', ...options.env } });
}

const cert = createSelfSignedCertificate();
let work: string;
let h2c: H2Server;
let h2tls: H2Server;
let h2cUrl: string;
let tlsUrl: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'h2wire-cli-'));
  writeFileSync(join(work, 'ca.pem'), cert.cert);
  const serve = createServer({}, async (req, res) => {
    if (req.path === '/echo') {
      const body = Buffer.from(await req.body()).toString();
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.method} ${req.header('x-test') ?? '-'} ${body}`);
      return;
    }
    if (req.path === '/collide') {
      for (const p of ['/a/b.css', '/a_b.css', '/x.css?v=1', '/x.css?v=2']) await res.push(p);
      res.statusCode = 404;
      return res.end();
    }
    if (req.path === '/missing') {
      res.statusCode = 404;
      res.end('no');
      return;
    }
    return seedHandler(req, res);
  });
  h2c = serve;
  h2tls = createServer({ tls: cert }, seedHandler);
  await new Promise<void>((r) => h2c.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => h2tls.listen(0, '127.0.0.1', r));
  h2cUrl = `http://127.0.0.1:${h2c.address().port}`;
  tlsUrl = `https://localhost:${h2tls.address().port}`;
});

after(async () => {
  await Promise.all([h2c, h2tls].map((s) => new Promise<void>((r) => s.close(r))));
  rmSync(work, { recursive: true, force: true });
});

describe('cli: manners', function () {
  this.timeout(20_000);

  it('--help, -h, help: the usage, exit 0; no arguments: the usage on stderr, exit 2', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await h2wire(args);
      expect(r.code, args.join(' ')).to.equal(0);
      expect(r.stdout).to.match(/^h2wire: HTTP\/2 server push/);
      expect(r.stdout).to.match(/exit status: 0 success, 1 .*, 2 a usage error/);
    }
    const none = await h2wire([]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/usage:/);
  });

  it('--version names the package version', async () => {
    const r = await h2wire(['--version']);
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string };
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal(`h2wire ${pkg.version} (node ${process.version})`);
  });

  it('each command has its own --help', async () => {
    for (const command of ['demo', 'get', 'decode']) {
      const r = await h2wire([command, '--help']);
      expect(r.code, command).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^usage: h2wire ${command}`));
    }
    expect((await h2wire(['get', '--help'])).stdout).to.match(/--output-dir DIR/);
  });

  it('an unknown command or option names itself, exit 2', async () => {
    const command = await h2wire(['fetch']);
    expect(command.code).to.equal(2);
    expect(command.stderr).to.match(/unknown command 'fetch'/);
    const option = await h2wire(['get', 'http://127.0.0.1:1/', '--bogus']);
    expect(option.code).to.equal(2);
    expect(option.stderr).to.equal("h2wire get: unknown option --bogus (h2wire get --help lists the options)\n");
    const value = await h2wire(['get', '--timeout']);
    expect(value.code).to.equal(2);
    expect(value.stderr).to.match(/option --timeout needs a value/);
  });

  it('an invalid URL is shown as given, exit 2', async () => {
    const bare = await h2wire(['get', 'localhost:30402/']);
    expect(bare.code).to.equal(2);
    expect(bare.stderr).to.match(/'localhost:30402\/' is not an http:\/\/ or https:\/\/ URL \(did you mean http:\/\/localhost:30402\/ or https:\/\/localhost:30402\/\?\)/);
    const broken = await h2wire(['get', 'http://[bad']);
    expect(broken.code).to.equal(2);
    expect(broken.stderr).to.match(/'http:\/\/\[bad' is not a URL/);
  });

  it('output piped: plain text, no colour codes', async () => {
    const r = await h2wire(['get', `${h2cUrl}/`, '--trace']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.not.include('\x1b[');
  });

  it('on a terminal: colour, unless NO_COLOR is set', async function () {
    if (!existsSync('/usr/bin/script')) this.skip();
    const run = (env: string) =>
      new Promise<string>((resolve) => {
        const child = spawn('/usr/bin/script', ['-qec', `${env} ${process.execPath} ${CLI} get ${h2cUrl}/`, '/dev/null'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.on('close', () => resolve(out));
      });
    expect(await run('NO_COLOR=')).to.include('\x1b[32m200\x1b[0m');
    expect(await run('NO_COLOR=1')).to.not.include('\x1b[');
  });
});

describe('cli: get', function () {
  this.timeout(20_000);

  it('prints the response and its push; -o writes the body, --output-dir each pushed body', async () => {
    const out = join(work, 'page.html');
    const dir = join(work, 'pushed');
    const r = await h2wire(['get', `${h2cUrl}/`, '-o', out, '--output-dir', dir]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/h2c: stream 1: \/ -> 200, text\/html; charset=utf-8, \d+ octets/);
    expect(r.stdout).to.match(/h2c: pushed on stream 2: \/style.css -> 200, text\/css/);
    expect(readFileSync(out, 'utf8')).to.match(/^<!doctype html>/);
    expect(readFileSync(join(dir, 'style.css'), 'utf8')).to.equal(STYLE_CSS);
  });

  it('-o - puts the body alone on stdout (the summary on stderr); a reader that stops early is no error (EPIPE)', async () => {
    const r = await h2wire(['get', `${h2cUrl}/`, '-o', '-']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^<!doctype html>/);
    expect(r.stderr).to.match(/stream 1: \/ -> 200/);
    const early = await h2wire(['get', `${h2cUrl}/`, '--trace'], { onStdout: (_text, child) => child.stdout?.destroy() });
    expect(early.code, early.stderr).to.equal(0);
    expect(early.stderr).to.not.match(/EPIPE|Error/);
  });

  it('-X, -H and -d send a method, a header and a body; 404 is exit 1', async () => {
    const r = await h2wire(['get', `${h2cUrl}/echo`, '-X', 'POST', '-H', 'x-test: yes', '-d', 'hello', '-o', '-']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('POST yes hello');
    const missing = await h2wire(['get', `${h2cUrl}/missing`]);
    expect(missing.code).to.equal(1);
    expect(missing.stdout).to.match(/-> 404/);
    const bad = await h2wire(['get', `${h2cUrl}/`, '-H', 'no-colon']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/write it as 'name: value'/);
  });

  it('TLS: a self-signed certificate points at --cacert and --insecure; --cacert trusts it', async () => {
    const untrusted = await h2wire(['get', `${tlsUrl}/`]);
    expect(untrusted.code).to.equal(1);
    expect(untrusted.stderr).to.match(/the certificate of localhost:\d+ is self-signed\n {2}trust its CA with --cacert FILE, or skip verification with --insecure \(-k\)/);
    const trusted = await h2wire(['get', `${tlsUrl}/`, '--cacert', join(work, 'ca.pem')]);
    expect(trusted.code, trusted.stderr).to.equal(0);
    expect(trusted.stdout).to.match(/h2: pushed on stream 2: \/style.css/);
  });

  it('an HTTP/1-only server on cleartext: says so, and what h2c means here (not a FRAME_SIZE_ERROR)', async () => {
    const server = http.createServer((_q, s) => s.end('<!DOCTYPE html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await h2wire(['get', `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/answered in HTTP\/1.x \("HTTP\/1.1 400 Bad Request"\): it does not speak cleartext HTTP\/2 with prior knowledge/);
      expect(r.stderr).to.not.match(/FRAME_SIZE_ERROR/);
    } finally {
      server.close();
    }
  });

  it('an HTTPS server without h2 in ALPN: a sentence, no OpenSSL text', async () => {
    const server = https.createServer({ key: cert.key, cert: cert.cert, ALPNProtocols: ['http/1.1'] }, (_q, s) => s.end('hi'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await h2wire(['get', `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, '-k']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/does not offer h2 in the TLS handshake \(ALPN\): it does not speak HTTP\/2 over TLS on this port/);
      expect(r.stderr).to.not.match(/SSL|ssl3|alert/);
    } finally {
      server.close();
    }
  });

  it('nothing listening: refused, exit 1; --timeout gives up in time', async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const refused = await h2wire(['get', `http://127.0.0.1:${port}/`]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/refused the connection/);
    const silent = net.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const slow = await h2wire(['get', `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`, '--timeout', '0.5']);
      expect(slow.code).to.equal(1);
      expect(slow.stderr).to.match(/within 500 ms\n {2}wait longer with --timeout SECONDS/);
    } finally {
      silent.close();
    }
  });
});

describe('cli: what a newcomer tripped on', function () {
  this.timeout(20_000);

  it('an unwritable --keylog (or SSLKEYLOGFILE) is a sentence and exit 1, before anything is served', async () => {
    const get = await h2wire(['get', `${tlsUrl}/`, '-k', '--keylog', '/nonexistent/dir/keys.log']);
    expect([get.code, get.stderr]).to.deep.equal([1, 'h2wire get: cannot write the TLS key log /nonexistent/dir/keys.log: ENOENT\n']);
    const env = await h2wire(['get', `${tlsUrl}/`, '-k'], { env: { SSLKEYLOGFILE: '/nonexistent/k.log' } });
    expect(env.code).to.equal(1);
    expect(env.stderr).to.match(/cannot write the TLS key log \/nonexistent\/k.log/);
    const demo = await h2wire(['demo', '--port', '0', '--cert-dir', join(work, 'certs-k'), '--keylog', '/nonexistent/dir/keys.log']);
    expect(demo.code).to.equal(1);
    expect(demo.stderr).to.equal('h2wire demo: cannot write the TLS key log /nonexistent/dir/keys.log: ENOENT\n');
  });

  it('--workers on a busy port: one sentence, every process gone, exit 1', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    try {
      const port = (squatter.address() as net.AddressInfo).port;
      const r = await h2wire(['demo', '--h2c', '--port', String(port), '--workers', '2']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`port ${port} is in use`));
    } finally {
      squatter.close();
    }
  });

  it('--output-dir that cannot be made fails before the exchange; pushed names never collide', async () => {
    if (process.platform === 'linux') {
      const proc = await h2wire(['get', `${h2cUrl}/`, '--output-dir', '/proc/nope']);
      expect(proc.code).to.equal(2);
      expect(proc.stderr).to.match(/--output-dir: cannot create \/proc\/nope for pushed bodies/);
    }
    const badOut = await h2wire(['get', `${h2cUrl}/`, '-o', '/nonexistent/page.html']);
    expect([badOut.code, badOut.stderr]).to.deep.equal([2, 'h2wire get: -o /nonexistent/page.html: cannot write it (ENOENT)\n']);
    const dir = join(work, 'collide');
    const r = await h2wire(['get', `${h2cUrl}/collide`, '--output-dir', dir]);
    expect(r.code, r.stderr).to.equal(1); // the page itself is a 404; its pushes arrive all the same
    expect(readdirSync(dir).sort()).to.deep.equal(['a__b.css', 'a_b.css', 'x.css_v_1', 'x.css_v_2']);
  });

  it('a request HTTP/2 forbids is not sent: the rule it breaks, exit 2 (not a reset stream)', async () => {
    const connection = await h2wire(['get', `${h2cUrl}/`, '-H', 'Connection: close']);
    expect(connection.code).to.equal(2);
    expect(connection.stderr).to.match(/not a valid HTTP\/2 request, so it was not sent: .*connection.*RFC 9113 §8\.2\.2/);
    const method = await h2wire(['get', `${h2cUrl}/`, '-X', 'BAD METHOD']);
    expect(method.code).to.equal(2);
    expect(method.stderr).to.match(/not a valid HTTP\/2 request/);
  });

  it('cookie and authorization values are redacted in the trace; --show-secrets shows them', async () => {
    const args = ['get', `${h2cUrl}/`, '--trace', '-H', 'cookie: session=s3cr3t', '-H', 'authorization: Bearer t0ken'];
    const redacted = await h2wire(args);
    expect(redacted.code, redacted.stderr).to.equal(0);
    expect(redacted.stdout).to.include('cookie: (redacted, 14 octets)').and.include('authorization: (redacted, 12 octets)');
    expect(redacted.stdout).to.not.match(/s3cr3t|t0ken/);
    const shown = await h2wire([...args, '--show-secrets']);
    expect(shown.stdout).to.include('cookie: session=s3cr3t').and.include('authorization: Bearer t0ken');
  });

  it('--timeout beyond what a timer can hold is a usage error', async () => {
    const r = await h2wire(['get', `${h2cUrl}/`, '--timeout', '1e9']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--timeout 1e9: give a number of seconds above 0, at most 2147483/);
  });
});

describe('cli: trace files and ladders', function () {
  this.timeout(30_000);

  it('get --trace-file writes JSON Lines (header, then records with octets); view draws it; the same file gives the same octets', async () => {
    const file = join(work, 'get.jsonl');
    const r = await h2wire(['get', `${h2cUrl}/`, '--trace-file', file]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`trace written to ${file}`);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).to.deep.include({ kind: 'trace', format: 'h2wire-trace', version: 1, perspective: 'client', source: 'h2wire get' });
    const frames = lines.filter((l) => l.kind === 'frame');
    expect(frames.length, "SETTINGS both ways and their ACKs, the request, its response").to.be.greaterThan(5);
    for (const f of frames) expect((f.octets as string).length / 2, String(f.line)).to.equal(9 + (f.length as number));
    expect(lines.some((l) => l.kind === 'hpack')).to.equal(true);
    expect(lines.some((l) => l.kind === 'windows')).to.equal(true);
    const view = await h2wire(['view', file]);
    expect(view.code, view.stderr).to.equal(0);
    expect(view.stderr).to.equal(`wrote ${join(work, 'get.html')}: connection #1, ${frames.length} frames\n`);
    const html = readFileSync(join(work, 'get.html'));
    const again = await h2wire(['view', file, '-o', join(work, 'again.html')]);
    expect(again.code).to.equal(0);
    expect(readFileSync(join(work, 'again.html')).equals(html), 'byte-identical').to.equal(true);
    const svg = await h2wire(['view', file, '--svg', '-o', '-']);
    expect(svg.stdout).to.match(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.stdout.match(/<g class="arrow"/g)?.length).to.equal(frames.length);
  });

  it('get --ladder draws the connection in one step', async () => {
    const out = join(work, 'ladder.html');
    const r = await h2wire(['get', `${h2cUrl}/`, '--ladder', out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/ladder diagram written to \S+ladder\.html \(\d+ frames\)/);
    const html = readFileSync(out, 'utf8');
    expect(html).to.match(/<g class="arrow" id="f\d+" data-seq="\d+" data-type="PUSH_PROMISE"/);
  });

  it('get --qlog DIR writes one JSON-SEQ qlog file for the connection (RFC 7464 records: a header, then http2 events)', async () => {
    const dir = join(work, 'qlog');
    const r = await h2wire(['get', `${h2cUrl}/`, '--qlog', dir]);
    expect(r.code, r.stderr).to.equal(0);
    const files = readdirSync(dir);
    expect(files).to.have.length(1);
    expect(files[0]).to.match(/\.sqlog$/);
    const records = readFileSync(join(dir, files[0]!), 'utf8').split('\x1e').filter((x) => x.trim()).map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(records[0]).to.deep.include({ file_schema: 'urn:ietf:params:qlog:file:sequential' });
    const names = new Set(records.slice(1).map((e) => e.name));
    for (const n of ['http2:frame_created', 'http2:frame_parsed', 'http2:parameters_set']) expect(names.has(n), n).to.equal(true);
  });

  it('view: a file that is not a trace, a missing file, a missing connection: a sentence, exit 1; no file: exit 2', async () => {
    const bad = join(work, 'bad.jsonl');
    writeFileSync(bad, '{"hello":1}\n');
    const r = await h2wire(['view', bad]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`${bad}: line 1: the first line is not an h2wire-trace header: is this a trace file written by --trace-file?`);
    const missing = await h2wire(['view', join(work, 'nope.jsonl')]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/nope\.jsonl: no such file/);
    const file = join(work, 'get.jsonl');
    const none = await h2wire(['view', file, '--connection', '9']);
    expect(none.stderr).to.include('no connection 9 in this trace (it has #1)');
    const html = await h2wire(['view', join(work, 'get.html')]);
    expect(html.stderr).to.include('an HTML or XML file (a ladder already drawn?)');
    expect((await h2wire(['view'])).code).to.equal(2);
  });

  it('--trace-file to a place it cannot write: a usage error before anything is sent', async () => {
    const r = await h2wire(['get', `${h2cUrl}/`, '--trace-file', join(work, 'no', 'such', 'dir', 't.jsonl')]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--trace-file \S+t\.jsonl: cannot write it \(ENOENT\)/);
  });
});

describe('cli: lab', function () {
  this.timeout(20_000);

  it('runs the four modes on the seed page in one command: a readable table; -o writes the report', async () => {
    const out = join(work, 'lab.html');
    const r = await h2wire(['lab', '--rtt', '50,100', '-o', out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('RTT 100 ms, 20 Mbit/s, initial cwnd 10 × 1460 octets, slow start, think 50 ms, cache cold');
    for (const mode of ['none', 'push', 'hints', 'preload']) expect(r.stdout).to.match(new RegExp(`^${mode} +[\\d.]+ ms`, 'm'));
    expect(readFileSync(out, 'utf8')).to.include('<h2>Gain against RTT</h2>');
  });

  it('a mistake in an option or a page file says which, exit 2 or 1', async () => {
    expect((await h2wire(['lab', '--bandwidth', 'fast'])).stderr).to.include('--bandwidth fast: write it as 500kbit, 20mbit, 1gbit or inf');
    expect((await h2wire(['lab', '--cache', 'hot'])).code).to.equal(2);
    const page = join(work, 'page.json');
    writeFileSync(page, JSON.stringify({ size: 100, resources: [{ path: 'a.css', kind: 'stylesheet', size: 10 }] }));
    const bad = await h2wire(['lab', '--page', page]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('resources[0].path must be a path starting with /');
  });
});

describe('cli: decode', function () {
  this.timeout(20_000);
  const build = () => new FrameBuilders({ encoder: new HpackEncoder() });

  it('frames and their field blocks, one HPACK decoder across the input', async () => {
    const b = build();
    const [head, ...rest] = b.headers(1).request('GET', '/one').splitBlock(4);
    const hex = frameBytes(b.settings(), head, ...rest, b.headers(3).request('GET', '/two')).toString('hex');
    const r = await h2wire(['decode', hex]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/CONTINUATION stream=1 .*END_HEADERS[\s\S]*:path: \/one[\s\S]*HEADERS stream=3[\s\S]*:path: \/two/);
  });

  it('accepts 0x prefixes, separators and stdin; odd length, non-hex and incomplete input fail clearly', async () => {
    const separated = await h2wire(['decode', '0x00:00:00:04:00:00:00:00:00']);
    expect(separated.code).to.equal(0);
    expect(separated.stdout).to.match(/^SETTINGS stream=0/);
    const stdin = await h2wire(['decode', '-'], { input: '00 00 00 04 01 00 00 00 00\n' });
    expect(stdin.stdout).to.match(/SETTINGS stream=0 len=0 flags=ACK/);
    const odd = await h2wire(['decode', 'abc']);
    expect([odd.code, odd.stderr]).to.deep.equal([2, 'h2wire decode: odd number of hex digits (3): each octet is two\n']);
    const notHex = await h2wire(['decode', '00zz']);
    expect([notHex.code, notHex.stderr]).to.deep.equal([2, "h2wire decode: not hex: 'z' at digit 3\n"]);
    const partial = await h2wire(['decode', '0000040400']);
    expect(partial.code).to.equal(1);
    expect(partial.stdout).to.match(/incomplete: the input ends with 5 octets, less than a frame header/);
    const openBlock = await h2wire(['decode', frameBytes(build().headers(1).request('GET', '/').endHeaders(false)).toString('hex')]);
    expect(openBlock.code).to.equal(1);
    expect(openBlock.stdout).to.match(/has no END_HEADERS/);
    const badHpack = await h2wire(['decode', frameBytes(build().headers(1).block([0xff, 0xff, 0xff, 0xff, 0x0f])).toString('hex')]);
    expect(badHpack.code).to.equal(1);
    expect(badHpack.stdout).to.match(/HPACK: /);
  });
});

describe('cli: demo', function () {
  this.timeout(20_000);

  /** Start the demo, wait for its URL line, then stop it with `signal`. */
  async function demo(args: string[], signal: NodeJS.Signals = 'SIGTERM'): Promise<Run & { url?: string }> {
    let url: string | undefined;
    const r = await h2wire(['demo', '--port', '0', ...args], {
      onStdout: (text, child) => {
        const m = /h2wire demo: (\S+)/.exec(text);
        if (m && !url) {
          url = m[1];
          setTimeout(() => child.kill(signal), 200);
        }
      },
    });
    return { ...r, url };
  }

  it('says when it creates a certificate and where, prints the command that works, and closes gracefully on SIGTERM', async () => {
    const dir = join(work, 'certs-a');
    const first = await demo(['--cert-dir', dir]);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.include(`created a self-signed certificate for localhost, 127.0.0.1 and ::1: ${join(dir, 'cert.pem')}`);
    expect(first.stdout).to.match(/see the push: +node \S+cli\.js get https:\/\/localhost:\d+\/ --insecure --trace/);
    expect(first.stdout).to.match(/SIGTERM: closing gracefully/);
    const second = await demo(['--cert-dir', dir], 'SIGINT');
    expect(second.stdout).to.include(`using the certificate in ${join(dir, 'cert.pem')}`);
    expect(second.code).to.equal(0);
  });

  /** Run an h2c demo with `args`, do `use` with its URL once it says it, then stop it with SIGTERM. */
  function duringDemo(args: string[], use: (url: string) => Promise<void>): Promise<Run> {
    let started = false; // onStdout sees all the output so far, each time
    return h2wire(['demo', '--port', '0', '--h2c', ...args], {
      onStdout: (text, child) => {
        const m = /h2wire demo: (\S+)/.exec(text);
        if (!m || started) return;
        started = true;
        void use(m[1]!).finally(() => child.kill('SIGTERM'));
      },
    });
  }

  it('links the explorer from the seed page and serves it; --trace-file keeps every record and is closed on SIGTERM; --no-explorer turns it off', async () => {
    const file = join(work, 'demo.jsonl');
    let page = '';
    let wire = '';
    const r = await duringDemo(['--trace-file', file], async (url) => {
      page = (await h2get(url)).response.body.toString();
      wire = (await h2get(`${url}_wire/`)).response.body.toString();
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`tracing to ${file} (h2wire view ${file} draws it)`);
    expect(page).to.include('<a href="/_wire/">the wire explorer</a>');
    expect(wire).to.match(/<title>h2wire explorer: connection #\d+ \(yours\)<\/title>/);
    const kinds = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds[0]).to.equal('trace');
    expect(kinds.filter((k) => k === 'close').length, 'both connections closed, in the file').to.equal(2);
    expect(kinds).to.include('push');

    let off = '';
    let offPage = '';
    await duringDemo(['--no-explorer'], async (url) => {
      offPage = (await h2get(url)).response.body.toString();
      off = String((await h2get(`${url}_wire/`)).response.status);
    });
    expect(off).to.equal('404');
    expect(offPage).to.not.include('_wire');
  });

  it('--h2c --host ::1: the URL it prints is the one it listens on', async function () {
    const v6 = net.createServer();
    const hasV6 = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen(0, '::1', () => resolve(true));
    });
    v6.close();
    if (!hasV6) this.skip();
    const r = await demo(['--h2c', '--host', '::1']);
    expect(r.url).to.match(/^http:\/\/\[::1\]:\d+\/$/);
    expect(r.stdout).to.match(/get http:\/\/\[::1\]:\d+\/ --trace/);
  });

  it('never overwrites certificate files it did not make; an unusable --cert-dir fails at once', async () => {
    const dir = join(work, 'certs-b');
    writeCertificate(dir, createSelfSignedCertificate()); // made by h2wire: then replaced by hand
    writeFileSync(join(dir, 'cert.pem'), 'garbage');
    const garbage = await h2wire(['demo', '--port', '0', '--cert-dir', dir]);
    expect(garbage.code).to.equal(1);
    expect(garbage.stderr).to.match(/did not make and cannot use .*will not overwrite them/);
    expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).to.equal('garbage');
    if (process.platform === 'linux') {
      const proc = await h2wire(['demo', '--port', '0', '--cert-dir', '/proc/h2wire-test'], { timeoutMs: 5000 });
      expect(proc.code, 'exits with its reason (not killed after 5 s)').to.equal(1);
      expect(proc.stderr).to.match(/cannot create \/proc\/h2wire-test for the certificate/);
    }
  });

  it('--workers 2: node:cluster workers on one port, every connection served, SIGTERM closes them all', async () => {
    let url: string | undefined;
    const served: number[] = [];
    const r = await h2wire(['demo', '--h2c', '--port', '0', '--workers', '2'], {
      onStdout: (text, child) => {
        const m = /h2wire demo: (\S+) .*2 worker processes/.exec(text);
        if (!m || url) return;
        url = m[1];
        void (async () => {
          for (let i = 0; i < 4; i++) served.push((await h2wire(['get', url!])).code ?? -1);
          child.kill('SIGTERM');
        })();
      },
      timeoutMs: 20_000,
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/worker 1 \(pid \d+\) serving http:\/\/localhost:\d+\//);
    expect(r.stdout).to.match(/worker 2 \(pid \d+\) serving http:\/\/localhost:\d+\//);
    expect(served).to.deep.equal([0, 0, 0, 0]);
    expect(r.stdout).to.match(/SIGTERM: closing 2 workers gracefully/);
    const bad = await h2wire(['demo', '--workers', 'many']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/--workers many: give a number of processes/);
  });

  it('a port in use: a sentence and exit 1, no stack trace', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    try {
      const port = (squatter.address() as net.AddressInfo).port;
      const r = await h2wire(['demo', '--h2c', '--port', String(port)]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(`h2wire demo: port ${port} is in use on 127.0.0.1: choose another with --port (0 picks a free one)\n`);
    } finally {
      squatter.close();
    }
  });
});
