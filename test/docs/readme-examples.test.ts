// The README's examples are the files in examples/, shown whole, and they
// run as written: the push server serves, and the client example loads its
// page and prints the pushed stylesheet.

import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const built = (name: string) => join(root, 'build/examples', name);

/** Start a script; resolve with the first stdout line matching `ready`. */
function start(args: string[], cwd: string, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    });
    child.stderr!.resume();
    child.on('error', reject);
  });
}

/** Start a script in a process group of its own, so its workers stop with it. */
function startGroup(args: string[], cwd: string, ready: RegExp): Promise<{ stop: () => void; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`not ready: ${out}`));
    }, 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ stop, match: m });
      }
    });
    child.stderr!.resume();
    child.on('error', reject);
  });
}

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('README: the examples in examples/', function () {
  this.timeout(30_000);

  it('each is shown in the README as it is in its file', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const files = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts'));
    expect(files.sort()).to.deep.equal(['client.ts', 'cluster.ts', 'hono.ts', 'push-server.ts']);
    for (const f of files) {
      const code = readFileSync(join(root, 'examples', f), 'utf8');
      expect(readme.includes(code), `the README block for examples/${f} differs from the file: copy the file into the README`).to.equal(true);
    }
  });

  it('the push server serves; the client example loads its page and prints the pushed stylesheet', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'h2wire-examples-'));
    const server = await start([built('push-server.js')], cwd, /listening on (https:\/\/localhost:\d+\/)/);
    try {
      const client = await run([built('client.js'), server.match[1]!], cwd);
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.match(/^GET \/ -> 200, \d+ octets, 1 push\(es\)\npushed GET \/style.css on stream 2 -> 200:\np \{ color: #0b6e4f \}\n/);
      await new Promise((r) => setTimeout(r, 100));
      expect(server.output()).to.match(/status: 'delivered'/);
    } finally {
      server.child.kill();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('the Hono app serves its page with the push, through serve()', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'h2wire-examples-'));
    const server = await startGroup([built('hono.js')], cwd, /listening on (http:\/\/localhost:\d+\/)/);
    try {
      const client = await run([built('client.js'), server.match[1]!], cwd);
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.match(/^GET \/ -> 200, \d+ octets, 1 push\(es\)\npushed GET \/style.css on stream 2 -> 200:\np \{ color: green \}\n/);
    } finally {
      server.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('the cluster example serves from a worker process', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'h2wire-examples-'));
    const server = await startGroup([built('cluster.js')], cwd, /worker \d+: listening on (http:\/\/localhost:\d+\/)/);
    try {
      const client = await run([built('client.js'), server.match[1]!], cwd);
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.match(/^GET \/ -> 200, \d+ octets, 0 push\(es\)/);
    } finally {
      server.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
