// The package as its users get it: `npm pack` of an unbuilt clone builds
// and ships the code (prepare), the licence, and the sources its source maps
// point at; installed into a fresh project, it type-checks under strict
// TypeScript with skipLibCheck off and no "types" setting (no declaration
// may need types that are not shipped, such as hpack.js's, and Node's come
// with our reference to them), and runs.

import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Every .d.ts under a directory. */
function declarations(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...declarations(path));
    else if (entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const CONSUMER = `
import { createServer, Http2Endpoint, type Handler, type ServerRequest, type ServerResponse } from 'h2wire';
import { frames } from 'h2wire/testing';

const handler: Handler = async (req: ServerRequest, res: ServerResponse) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello from ' + req.path);
};
const server = createServer({}, handler);
server.on('error', (e) => { console.error(e); process.exit(1); });
const engine = new Http2Endpoint({ role: 'client' });
const octets: number = engine.takeOutput().reduce((n, b) => n + b.length, 0);
const goaway: Uint8Array = frames.goaway(0).protocolError().encode();
export function listensLikeNetServer(): void {
  server.listen(0, () => {}); // (types only: net.Server's forms)
  server.listen('/tmp/h2wire.sock');
  server.listen({ port: 0 });
}
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port > 0, octets, goaway: goaway.length }));
  server.close();
});
`;

describe('package: npm pack of a clean clone, installed into a fresh project', function () {
  this.timeout(240_000);
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'h2wire-pack-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('no shipped declaration imports a module without shipped types (hpack.js)', () => {
    const offenders = declarations(join(root, 'build/src')).filter((f) => /from ['"]hpack\.js['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders).to.deep.equal([]);
  });

  it('packs code, licence and sources; installs; type-checks strictly (skipLibCheck: false); runs', () => {
    // The clone: the files git knows (committed or not), no build, node_modules borrowed.
    const clone = join(work, 'clone');
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      if (!existsSync(join(root, f))) continue; // deleted, not yet committed
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      cpSync(join(root, f), join(clone, f));
    }
    expect(existsSync(join(clone, 'build'))).to.equal(false);
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');

    const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const shipped = new Set(packed[0]!.files.map((f) => f.path));
    for (const f of ['build/src/index.js', 'build/src/index.d.ts', 'build/src/cli.js', 'build/src/testing/index.js', 'LICENSE', 'README.md', 'package.json', 'src/index.ts'])
      expect(shipped.has(f), `${f} shipped`).to.equal(true);
    expect([...shipped].filter((f) => f.startsWith('build/test') || f.startsWith('test/') || f.startsWith('bench/'))).to.deep.equal([]);
    // Every source map points at a source that is shipped.
    const map = JSON.parse(readFileSync(join(clone, 'build/src/server/server.js.map'), 'utf8')) as { sources: string[] };
    const source = join('build/src/server', map.sources[0]!).replace(/\\/g, '/');
    expect(shipped.has(source), `${source} shipped`).to.equal(true);

    // The fresh project.
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed[0]!.filename)], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const dep of ['typescript', '@types/node', 'fast-check']) {
      mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
      symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
    }
    writeFileSync(join(app, 'main.ts'), CONSUMER);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, skipLibCheck: false, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', outDir: 'out' },
        files: ['main.ts'],
      }),
    );
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      throw new Error(`strict tsc failed in the fresh project:\n${(e as { stdout?: string }).stdout ?? ''}`);
    }
    const out = execFileSync(process.execPath, [join(app, 'out/main.js')], { cwd: app, encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(out)).to.deep.equal({ port: true, octets: JSON.parse(out).octets, goaway: 17 });
    expect(JSON.parse(out).octets).to.be.greaterThan(24);
    // The command is installed too.
    const help = execFileSync(process.execPath, [join(app, 'node_modules/h2wire/build/src/cli.js'), '--version'], { encoding: 'utf8' });
    expect(help.trim()).to.match(/^h2wire \d+\.\d+\.\d+/);
  });
});
