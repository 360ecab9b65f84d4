// The README's examples are the files in examples/, shown whole, and they
// run as written: the push server serves, and the client example loads its
// page and prints the pushed stylesheet.

import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, startProcess } from '../helpers/child-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const built = (name: string) => join(root, 'build/examples', name);

const PORT_0 = { ...process.env, PORT: '0' };
const node = (script: string, ...args: string[]) => [built(script), ...args];

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
    const server = await startProcess(process.execPath, node('push-server.js'), /listening on (https:\/\/localhost:\d+\/)/, { cwd, env: PORT_0 });
    try {
      const client = await runProcess(process.execPath, node('client.js', server.match[1]!), { cwd });
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.match(/^GET \/ -> 200, \d+ octets, 1 push\(es\)\npushed GET \/style.css on stream 2 -> 200:\np \{ color: #0b6e4f \}\n/);
      await new Promise((r) => setTimeout(r, 100));
      expect(server.output()).to.match(/status: 'delivered'/);
    } finally {
      server.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('the Hono app serves its page with the push, through serve()', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'h2wire-examples-'));
    const server = await startProcess(process.execPath, node('hono.js'), /listening on (http:\/\/localhost:\d+\/)/, { cwd, env: PORT_0 });
    try {
      const client = await runProcess(process.execPath, node('client.js', server.match[1]!), { cwd });
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.match(/^GET \/ -> 200, \d+ octets, 1 push\(es\)\npushed GET \/style.css on stream 2 -> 200:\np \{ color: green \}\n/);
    } finally {
      server.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('the cluster example serves from a worker process', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'h2wire-examples-'));
    const server = await startProcess(process.execPath, node('cluster.js'), /worker \d+: listening on (http:\/\/localhost:\d+\/)/, { cwd, env: PORT_0, group: true });
    try {
      const client = await runProcess(process.execPath, node('client.js', server.match[1]!), { cwd });
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.match(/^GET \/ -> 200, \d+ octets, 0 push\(es\)/);
    } finally {
      server.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
