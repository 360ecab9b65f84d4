// TLS key logs for Wireshark: `h2wire get --keylog FILE` (or SSLKEYLOGFILE)
// writes the NSS key log, and with it tshark decrypts a capture of the same
// exchange and finds the PUSH_PROMISE our trace shows. Needs Debian's
// tcpdump and tshark, and the right to capture on the loopback interface.

import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedHandler } from '../../src/demo/seed-handler.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server } from '../../src/server/server.js';
import { runProcess } from '../helpers/child-process.js';
import { requirePeer } from './peers.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** The real command, in a child process (the server answers from this one, so never spawnSync). */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runProcess(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', SSLKEYLOGFILE: '', ...env } });

describe('interop: TLS key logs and Wireshark (tshark)', function () {
  this.timeout(40_000);
  const cert = createSelfSignedCertificate();
  let dir: string;
  let server: H2Server;
  let port: number;
  const serverLines: Buffer[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'h2wire-keylog-'));
    server = createServer({ tls: cert, keyLog: (line) => serverLines.push(line) }, seedHandler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = server.address().port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('--keylog FILE and SSLKEYLOGFILE write the NSS key log; the server’s keyLog option sees the same secrets', async () => {
    const file = join(dir, 'option.log');
    expect((await cli(['get', `https://localhost:${port}/`, '-k', '--keylog', file])).code).to.equal(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).to.include.members(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']);
    const random = lines[0]!.split(' ')[1];
    expect(serverLines.some((l) => l.toString().includes(random!)), 'the server logged the same connection').to.equal(true);
    const env = join(dir, 'env.log');
    expect((await cli(['get', `https://localhost:${port}/`, '-k'], { SSLKEYLOGFILE: env })).code).to.equal(0);
    expect(readFileSync(env, 'utf8')).to.match(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$/m);
  });

  it('tshark with the key log decodes the PUSH_PROMISE of a captured exchange', async function () {
    const tcpdump = requirePeer(this, 'tcpdump', 'tcpdump');
    const tshark = requirePeer(this, 'tshark', 'tshark');
    const capture = join(dir, 'push.pcap');
    const keys = join(dir, 'push.log');
    const dump = spawn(tcpdump, ['--immediate-mode', '-i', 'lo', '-U', '-n', '-w', capture, `tcp port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let dumpErr = '';
    const listening = await new Promise<boolean>((resolve) => {
      dump.stderr.setEncoding('utf8').on('data', (d: string) => {
        dumpErr += d;
        if (/listening on/.test(dumpErr)) resolve(true);
      });
      dump.on('exit', () => resolve(false));
      setTimeout(() => resolve(false), 10_000);
    });
    if (!listening) {
      dump.kill();
      console.log(`    [skip] tcpdump cannot capture on lo here (${dumpErr.trim().split('\n').pop()}): run the tests as root`);
      this.skip();
    }
    const got = await cli(['get', `https://localhost:${port}/`, '-k', '--keylog', keys, '--trace']);
    expect(got.code, got.stderr).to.equal(0);
    expect(got.stdout).to.match(/client ← server {2}PUSH_PROMISE stream=1 .*promised_stream=2/);
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise((r) => dump.on('exit', r));
    dump.kill('SIGINT');
    await exited;
    expect(existsSync(capture)).to.equal(true);
    const decoded = spawnSync(
      tshark,
      ['-r', capture, '-o', `tls.keylog_file:${keys}`, '-d', `tcp.port==${port},tls`, '-Y', 'http2.type == 5', '-T', 'fields', '-e', 'http2.streamid', '-e', 'http2.push_promise.promised_stream_id', '-e', 'http2.header.value'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(decoded.stdout.trim(), decoded.stderr).to.equal(`1\t2\tGET,https,localhost:${port},/style.css`);
    // Without the key log, nothing is decrypted: the key log is what did it.
    const blind = spawnSync(tshark, ['-r', capture, '-d', `tcp.port==${port},tls`, '-Y', 'http2.type == 5'], { encoding: 'utf8', timeout: 20_000 });
    expect(blind.stdout.trim()).to.equal('');
  });
});
