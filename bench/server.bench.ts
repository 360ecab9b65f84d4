// Server benchmark: h2wire against an equivalent node:http2 server, each in
// its own child process (bench/servers.ts) on 127.0.0.1, driven by h2load
// (Debian's nghttp2-client) and, for push, by bench/push-driver.ts. Rounds
// alternate between the two servers; medians and the ratio h2wire / node are
// printed as markdown and written to bench/results/latest.md.
//
//   node build/bench/server.bench.js [--rounds 3] [--duration 4] [--warm-up 0.5] [--server-warm-up 6] [--prime 1]
//        [--only small,static,large,push,memory] [--push-n 10] [--push-connections 4]
//        [--push-in-flight 4] [--connections 1000]
//        [--profile] [--no-pin] [--max-foreign 0.1] [--out bench/results/latest.md]
//
// With two cores or more (and taskset), each server child runs pinned to CPU
// 0 and this process, h2load and the push driver to the others, so the two
// sides never share a core (unpinned, the scheduler's wake-affine placement
// made the ping-pong scenarios vary by 2x between identical runs).
//
// --profile adds h2wire runs of the small-response h2c scenario (GET / and
// GET /static) under `node --cpu-prof` and summarises their self time per
// function (src file:line); the .cpuprofile files are kept beside the report.
// `node build/bench/cpu-profile.js FILE.cpuprofile` summarises one again.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSelfSignedCertificate } from '../src/server/self-signed-certificate.js';
import { summarizeProfile } from './cpu-profile.js';
import { fmt, table } from './measure.js';
import { loadOnce, runPushLoad } from './push-driver.js';
import { openConnections } from './raw-clients.js';
import { BIG_BYTES, CONNECTION_WINDOW, type ChildStats, type Impl, IMPLS, PAGE_AUTHORITY, PUSHED_BYTES, SETTINGS } from './servers.js';

// ---- options ----------------------------------------------------------------

const SCENARIOS = ['small', 'static', 'large', 'push', 'memory'] as const;
type ScenarioGroup = (typeof SCENARIOS)[number];

function parseArgs(argv: string[]) {
  const o = {
    rounds: 3,
    duration: 4,
    warmUp: 0.5,
    prime: 1,
    serverWarmUp: 6,
    only: new Set<ScenarioGroup>(SCENARIOS),
    pushN: 10,
    pushConnections: 4,
    pushInFlight: 4,
    connections: 1000,
    profile: false,
    pin: true,
    maxForeign: 0.1,
    out: 'bench/results/latest.md',
    h2load: '/usr/bin/h2load',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const number = () => {
      const n = Number(value());
      if (!(n > 0)) throw new Error(`${a} needs a positive number`);
      return n;
    };
    switch (a) {
      case '--rounds':
        o.rounds = Math.round(number());
        break;
      case '--duration':
        o.duration = number();
        break;
      case '--warm-up':
        o.warmUp = Number(value());
        break;
      case '--prime':
        o.prime = Number(value());
        break;
      case '--server-warm-up':
        o.serverWarmUp = Number(value());
        break;
      case '--push-n':
        o.pushN = Math.round(number());
        break;
      case '--push-connections':
        o.pushConnections = Math.round(number());
        break;
      case '--push-in-flight':
        o.pushInFlight = Math.round(number());
        break;
      case '--connections':
        o.connections = Math.round(number());
        break;
      case '--only': {
        const list = value().split(',');
        for (const s of list) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`--only: unknown scenario ${s} (${SCENARIOS.join(', ')})`);
        o.only = new Set(list as ScenarioGroup[]);
        break;
      }
      case '--profile':
        o.profile = true;
        break;
      case '--max-foreign':
        o.maxForeign = Number(value());
        break;
      case '--no-pin':
        o.pin = false;
        break;
      case '--out':
        o.out = value();
        break;
      case '--h2load':
        o.h2load = value();
        break;
      case '--help':
      case '-h':
        console.log('node build/bench/server.bench.js [--rounds 3] [--duration 4] [--warm-up 0.5] [--server-warm-up 6] [--prime 1] [--only small,static,large,push,memory] [--push-n 10] [--push-connections 4] [--push-in-flight 4] [--connections 1000] [--profile] [--no-pin] [--max-foreign 0.1] [--out FILE]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (--help)`);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const CPU_COUNT = os.cpus().length;

/** CPU affinity: servers on CPU 0, everything driving them on the rest; undefined when not pinning. */
const pinning = ((): { server: string; driver: string } | undefined => {
  if (!opts.pin || CPU_COUNT < 2) return undefined;
  const pins = { server: '0', driver: CPU_COUNT === 2 ? '1' : `1-${CPU_COUNT - 1}` };
  try {
    execFileSync('taskset', ['-a', '-cp', pins.driver, String(process.pid)], { stdio: 'ignore' });
    return pins;
  } catch {
    return undefined; // no taskset: run unpinned
  }
})();
const cert = createSelfSignedCertificate();
const SERVERS_JS = fileURLToPath(new URL('./servers.js', import.meta.url));
const IMPL_NAME: Record<Impl, string> = { h2wire: 'h2wire', node: 'node:http2' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---- server children --------------------------------------------------------

class ServerChild {
  readonly impl: Impl;
  readonly secure: boolean;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<void>;
  #seq = 0;
  port = 0;

  private constructor(impl: Impl, secure: boolean, execArgv: string[]) {
    this.impl = impl;
    this.secure = secure;
    const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
    // H2WIRE_BENCH_NODE_FLAGS adds V8/Node flags to both servers alike (e.g. --max-semi-space-size=1).
    const extra = (process.env.H2WIRE_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const node = [process.execPath, '--expose-gc', ...extra, ...execArgv, SERVERS_JS, '--serve'];
    this.#child = pinning ? spawn('taskset', ['-c', pinning.server, ...node], { stdio }) : spawn(node[0]!, node.slice(1), { stdio });
    this.#child.on('message', (m: Record<string, unknown>) => {
      const call = this.#pending.get(m.seq as number);
      this.#pending.delete(m.seq as number);
      call?.resolve(m);
    });
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        for (const call of this.#pending.values()) call.reject(new Error(`the ${impl} server exited (${signal ?? code})`));
        this.#pending.clear();
        resolve();
      }),
    );
  }

  static async start(impl: Impl, secure: boolean, execArgv: string[] = []): Promise<ServerChild> {
    const child = new ServerChild(impl, secure, execArgv);
    const m = await child.#call('start', { impl, tls: secure ? cert : undefined });
    child.port = m.port as number;
    return child;
  }

  get url(): string {
    return `${this.secure ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  #call(op: string, extra: object = {}): Promise<Record<string, unknown>> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#child.send({ seq, op, ...extra }, (e) => e && reject(e));
    });
  }

  async stats(gc = false): Promise<ChildStats> {
    return (await this.#call('stats', { gc })) as unknown as ChildStats;
  }

  async release(): Promise<void> {
    await this.#call('release');
  }

  /** The child's CLOCK_MONOTONIC in µs (the clock of its --cpu-prof samples). */
  async mark(): Promise<number> {
    return (await this.#call('mark')).us as number;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.send({ seq: ++this.#seq, op: 'exit' });
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), 8000);
    await this.exited;
    clearTimeout(killer);
  }
}

// ---- interference ---------------------------------------------------------------
// The machine may be shared (other people's test runs): CPU time spent by
// processes other than ours during a run is measured from /proc (Linux), and
// a run disturbed by more than --max-foreign of a core is run again.

const TICK_S = 0.01; // USER_HZ: 100 on every Linux architecture node supports

/** CPU ticks in user, nice, system and steal, over all CPUs (not idle, iowait, irq, softirq). */
function busyTicks(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).map(Number);
    return f[1]! + f[2]! + f[3]! + (f[8] ?? 0);
  } catch {
    return undefined;
  }
}

/** This process's CPU ticks, with those of the children it has reaped (h2load). */
function ownTicks(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return f[11]! + f[12]! + f[13]! + f[14]!; // utime stime cutime cstime (fields 14-17)
  } catch {
    return undefined;
  }
}

// ---- h2load -----------------------------------------------------------------

interface H2loadResult {
  reqPerSec: number;
  succeeded: number;
  failed: number;
  seconds: number;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out}`))));
  });
}

async function h2load(url: string, args: string[], seconds = opts.duration): Promise<H2loadResult> {
  const out = await run(opts.h2load, [...args, '-D', `${Math.round(seconds * 1000)}ms`, '--warm-up-time', `${Math.round(opts.warmUp * 1000)}ms`, url]);
  const finished = /finished in ([\d.]+)(m?s), ([\d.]+) req\/s/.exec(out);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  if (!finished || !requests) throw new Error(`cannot parse h2load's output:\n${out}`);
  const elapsed = Number(finished[1]) / (finished[2] === 'ms' ? 1000 : 1);
  return { reqPerSec: Number(finished[3]), succeeded: Number(requests[4]), failed: Number(requests[5]) + Number(requests[6]) + Number(requests[7]), seconds: elapsed };
}

// ---- scenarios --------------------------------------------------------------

type Transport = 'h2c' | 'TLS';

interface Sample {
  value: number;
  /** Server CPU (user + system) per operation, microseconds. */
  cpuPerOp: number;
  /** Server CPU as a fraction of one core over the run. */
  cpuLoad: number;
  failed: number;
  /** The load generator's own CPU as a fraction of one core, when known (the push driver). */
  driverCpu?: number;
  /** CPU used by other processes on the machine during the run, in cores (NaN when unknown). */
  foreign: number;
}

interface Scenario {
  group: ScenarioGroup;
  title: string;
  transport: Transport;
  unit: string;
  /** Goal on h2wire / node: at least `min`, or at most `max`. */
  goal?: { min?: number; max?: number };
  /** One run; `seconds` overrides the measured duration (for priming). */
  run(server: ServerChild, seconds?: number): Promise<Sample>;
}

/** Run `load` against a server, reading the child's CPU time around it. */
async function withCpu(server: ServerChild, load: () => Promise<{ value: number; opsPerSec: number; failed: number; driverCpu?: number }>): Promise<Sample> {
  const before = await server.stats();
  const busy0 = busyTicks();
  const own0 = ownTicks();
  const t0 = performance.now();
  const r = await load();
  const wall = (performance.now() - t0) / 1000;
  const busy1 = busyTicks();
  const own1 = ownTicks();
  const after = await server.stats();
  const cpuUs = after.cpuUser + after.cpuSystem - (before.cpuUser + before.cpuSystem);
  const cpuLoad = cpuUs / 1e6 / wall;
  const foreign =
    busy0 === undefined || busy1 === undefined || own0 === undefined || own1 === undefined
      ? NaN
      : Math.max(0, ((busy1 - busy0 - (own1 - own0)) * TICK_S - cpuUs / 1e6) / wall);
  // The warm-up is inside the CPU window but not in the counted operations: use the rate.
  return { value: r.value, cpuPerOp: r.opsPerSec > 0 ? (cpuLoad * 1e6) / r.opsPerSec : NaN, cpuLoad, failed: r.failed, foreign, ...(r.driverCpu !== undefined ? { driverCpu: r.driverCpu } : {}) };
}

function h2loadScenario(group: ScenarioGroup, title: string, transport: Transport, path: string, args: string[], unit: 'req/s' | 'MB/s', goal?: Scenario['goal']): Scenario {
  return {
    group,
    title,
    transport,
    unit,
    ...(goal ? { goal } : {}),
    run: (server, seconds) =>
      withCpu(server, async () => {
        const r = await h2load(server.url + path, args, seconds);
        const value = unit === 'req/s' ? r.reqPerSec : (r.reqPerSec * BIG_BYTES) / 1e6;
        return { value, opsPerSec: r.reqPerSec, failed: r.failed };
      }),
  };
}

const SMALL_ARGS = ['-c', '4', '-m', '32', '-t', '1'];
const LARGE_ARGS = ['-c', '4', '-m', '4', '-t', '1'];

const scenarios: Scenario[] = [
  h2loadScenario('small', 'small: GET / (seed page), h2load -c 4 -m 32', 'h2c', '/', SMALL_ARGS, 'req/s', { min: 1.5 }),
  h2loadScenario('small', 'small: GET / (seed page), h2load -c 4 -m 32', 'TLS', '/', SMALL_ARGS, 'req/s', { min: 1.2 }),
  h2loadScenario('static', 'small: GET /static (same page, no push check), -c 4 -m 32', 'h2c', '/static', SMALL_ARGS, 'req/s'),
  h2loadScenario('large', 'large: GET /big (1 MiB body), h2load -c 4 -m 4', 'h2c', '/big', LARGE_ARGS, 'MB/s', { min: 1 }),
  h2loadScenario('large', 'large: GET /big (1 MiB body), h2load -c 4 -m 4', 'TLS', '/big', LARGE_ARGS, 'MB/s', { min: 1 }),
  // A client that allows large frames (SETTINGS_MAX_FRAME_SIZE 1 MiB): fewer frames to write and to parse.
  h2loadScenario('large', 'large: GET /big, client allows 1 MiB frames (h2load -f 1M)', 'h2c', '/big', [...LARGE_ARGS, '-f', '1M'], 'MB/s'),
  {
    group: 'push',
    title: `push: GET /push-${opts.pushN} (${opts.pushN} pushes of ${PUSHED_BYTES / 1024} KiB), ${opts.pushConnections} push-enabled connections`,
    transport: 'h2c',
    unit: 'pages/s',
    run: (server, seconds) =>
      withCpu(server, async () => {
        const r = await runPushLoad({
          port: server.port,
          secure: false,
          path: `/push-${opts.pushN}`,
          connections: opts.pushConnections,
          pagesInFlight: opts.pushInFlight,
          seconds: seconds ?? opts.duration,
          warmUpSeconds: opts.warmUp,
          expectPushes: opts.pushN,
        });
        return { value: r.pagesPerSec, opsPerSec: r.pagesPerSec, failed: r.bad, driverCpu: r.clientCpu };
      }),
  },
];

// ---- memory -----------------------------------------------------------------

interface MemorySample {
  rssPerConnection: number;
  heapPerConnection: number;
  rssPerStream: number;
  heapPerStream: number;
}

const heapOf = (s: ChildStats) => s.heapUsed + s.external;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs = 30000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Open n connections, then a held stream on each, measuring the server
 * child before, between and after. `warm`: first run the same pass once,
 * unmeasured, and close it, so that one-time costs (compiling the request
 * path, the young generation sizing itself to the load) are paid before
 * the measured pass, as in any server that has served before.
 */
async function measureMemory(impl: Impl, warm: boolean): Promise<MemorySample> {
  const server = await ServerChild.start(impl, false);
  try {
    if (warm) {
      await memoryPass(server);
      await waitFor('connections to close', async () => (await server.stats()).connections === 0);
    }
    return await memoryPass(server);
  } finally {
    await server.stop();
  }
}

async function memoryPass(server: ServerChild): Promise<MemorySample> {
  const n = opts.connections;
  {
    await sleep(200);
    const base = await server.stats(true);
    const conns = await withTimeout(`${n} connections`, openConnections(server.port, n));
    await waitFor(`${n} connections`, async () => (await server.stats()).connections >= n);
    await sleep(300); // the SETTINGS ACKs are read
    const idle = await server.stats(true);
    for (const c of conns) c.request('/hold', `127.0.0.1:${server.port}`);
    await withTimeout(`${n} response heads`, Promise.all(conns.map((c) => c.responded)));
    await waitFor(`${n} held streams`, async () => (await server.stats()).held >= n);
    await sleep(300);
    const streams = await server.stats(true);
    await server.release();
    for (const c of conns) c.close();
    return {
      rssPerConnection: (idle.rss - base.rss) / n,
      heapPerConnection: (heapOf(idle) - heapOf(base)) / n,
      rssPerStream: (streams.rss - idle.rss) / n,
      heapPerStream: (heapOf(streams) - heapOf(idle)) / n,
    };
  }
}

// ---- checks: both servers answer alike ---------------------------------------

interface Fetched {
  status: number;
  type: string;
  length: number;
  sha: string;
}

function fetchWithNodeClient(origin: string, paths: string[]): Promise<Map<string, Fetched>> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, { rejectUnauthorized: false, settings: { enablePush: false } });
    session.on('error', reject);
    const out = new Map<string, Fetched>();
    let left = paths.length;
    for (const path of paths) {
      const req = session.request({ ':path': path, ':authority': PAGE_AUTHORITY });
      const chunks: Buffer[] = [];
      let status = 0;
      let type = '';
      req.on('response', (h) => {
        status = Number(h[':status']);
        type = String(h['content-type'] ?? '');
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', reject);
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        out.set(path, { status, type, length: body.length, sha: createHash('sha256').update(body).digest('hex').slice(0, 16) });
        if (--left === 0) {
          session.close();
          resolve(out);
        }
      });
    }
  });
}

async function checkEquivalence(servers: Map<string, ServerChild>): Promise<string[]> {
  const paths = ['/', '/static', '/big', '/r/0', '/style.css', '/nope'];
  const problems: string[] = [];
  for (const transport of ['h2c', 'TLS'] as const) {
    const [a, b] = IMPLS.map((impl) => servers.get(`${impl} ${transport}`)!);
    const [ra, rb] = await Promise.all([fetchWithNodeClient(a!.url, paths), fetchWithNodeClient(b!.url, paths)]);
    for (const p of paths) {
      const x = ra.get(p)!;
      const y = rb.get(p)!;
      if (JSON.stringify(x) !== JSON.stringify(y)) problems.push(`${transport} ${p}: h2wire ${JSON.stringify(x)} vs node ${JSON.stringify(y)}`);
    }
    for (const [path, pushes] of [['/', 1], [`/push-${opts.pushN}`, opts.pushN]] as const) {
      const [pa, pb] = await Promise.all([loadOnce(a!.port, a!.secure, path, PAGE_AUTHORITY), loadOnce(b!.port, b!.secure, path, PAGE_AUTHORITY)]);
      if (JSON.stringify(pa) !== JSON.stringify(pb) || pa.pushes !== pushes)
        problems.push(`${transport} ${path} with push enabled: h2wire ${JSON.stringify(pa)} vs node ${JSON.stringify(pb)}`);
    }
  }
  return problems;
}

// ---- statistics and output -------------------------------------------------

/** Ratios of paired rounds: their median, then their range. */
const pairedCell = (ratios: number[]) => (ratios.length ? `${ratio(median(ratios))} (${ratio(Math.min(...ratios))}–${ratio(Math.max(...ratios))})` : '-');

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const num = (x: number, digits = 0) => (Number.isFinite(x) ? fmt(x, digits) : 'n/a');
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');

function goalCell(goal: Scenario['goal'], r: number): [string, string] {
  if (!goal) return ['-', '-'];
  if (goal.min !== undefined) return [`≥ ${goal.min}x`, Number.isFinite(r) ? (r >= goal.min ? 'yes' : 'no') : 'n/a'];
  if (goal.max !== undefined) return [`< ${goal.max}x`, Number.isFinite(r) ? (r < goal.max ? 'yes' : 'no') : 'n/a'];
  return ['-', '-'];
}

function versions(): { h2load: string; git: string } {
  let h2loadVersion = 'unknown';
  let git = 'unknown';
  try {
    h2loadVersion = execFileSync(opts.h2load, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* reported as unknown */
  }
  try {
    git = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty) git += ' (src modified)';
  } catch {
    /* not a checkout */
  }
  return { h2load: h2loadVersion, git };
}

// ---- main ---------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const v = versions();
  const cpus = os.cpus();
  const header = [
    `# h2wire vs node:http2: server benchmark`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}; load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    `- node ${process.version} (both servers, node:http2 on nghttp2 ${process.versions.nghttp2}, OpenSSL ${process.versions.openssl}); ${v.h2load}; h2wire ${v.git}`,
    `- ${opts.rounds} rounds per scenario, h2wire and node:http2 alternating; each run ${opts.warmUp} s warm-up + ${opts.duration} s measured; medians` +
      `; each server warmed up first with ${opts.serverWarmUp} s of GET /static` +
      (opts.prime > 0 ? `, then ${opts.prime} s of each scenario before its first round (not recorded)` : ''),
    pinning
      ? `- CPU pinning (taskset): the server child on CPU ${pinning.server}; h2load, the push driver and the raw clients on CPU ${pinning.driver}`
      : '- no CPU pinning: servers and load generators share the cores',
    `- both servers: own child process, 127.0.0.1, same self-signed ECDSA P-256 certificate, MAX_CONCURRENT_STREAMS ${SETTINGS.maxConcurrentStreams}, ` +
      `INITIAL_WINDOW_SIZE ${fmt(SETTINGS.initialWindowSize)}, MAX_HEADER_LIST_SIZE ${fmt(SETTINGS.maxHeaderListSize)}, connection window ${fmt(CONNECTION_WINDOW)}, no date header`,
  ];
  log(header.join('\n'));

  const servers = new Map<string, ServerChild>();
  const needed = scenarios.filter((s) => opts.only.has(s.group));
  const sections: string[] = [];
  const summaryRows: string[][] = [];
  const cpuRows: string[][] = [];
  const roundRows: string[][] = [];
  let problems: string[] | undefined;
  let disturbed = 0;
  const foreignLoads: number[] = [];

  if (needed.length > 0) {
    for (const impl of IMPLS) for (const t of ['h2c', 'TLS'] as const) servers.set(`${impl} ${t}`, await ServerChild.start(impl, t === 'TLS'));
    problems = await checkEquivalence(servers);
    log(problems.length ? `responses differ:\n  ${problems.join('\n  ')}` : 'responses checked: same status, content-type and body on both servers');
    // V8 needs a while under load (optimised code, a young generation grown to the allocation rate)
    // before a server runs at its steady pace: h2wire's throughput kept rising for ~20 s in a fresh process.
    if (opts.serverWarmUp > 0) {
      log(`warming each server up: GET /static for ${opts.serverWarmUp} s`);
      for (const server of servers.values()) await h2load(`${server.url}/static`, SMALL_ARGS, opts.serverWarmUp);
    }
  }

  try {
    for (const s of needed) {
      const samples: Record<Impl, Sample[]> = { h2wire: [], node: [] };
      if (opts.prime > 0) for (const impl of IMPLS) await s.run(servers.get(`${impl} ${s.transport}`)!, opts.prime);
      for (let r = 0; r < opts.rounds; r++) {
        const order = r % 2 === 0 ? IMPLS : [...IMPLS].reverse();
        for (const impl of order) {
          let sample = await s.run(servers.get(`${impl} ${s.transport}`)!);
          for (let retry = 0; sample.foreign > opts.maxForeign && retry < 2; retry++) {
            log(`  disturbed: other processes used ${(sample.foreign * 100).toFixed(0)}% of a core during the run; running it again`);
            disturbed++;
            sample = await s.run(servers.get(`${impl} ${s.transport}`)!);
          }
          samples[impl].push(sample);
          foreignLoads.push(sample.foreign);
          log(`${s.title} [${s.transport}] round ${r + 1} ${IMPL_NAME[impl]}: ${num(sample.value, 1)} ${s.unit}, server CPU ${(sample.cpuLoad * 100).toFixed(0)}%, ${num(sample.cpuPerOp, 1)} µs/op${sample.failed ? `, ${sample.failed} failed` : ''}${sample.driverCpu !== undefined ? `, driver CPU ${(sample.driverCpu * 100).toFixed(0)}%` : ''}, others ${Number.isFinite(sample.foreign) ? `${(sample.foreign * 100).toFixed(0)}%` : 'n/a'}`);
        }
      }
      const m = { h2wire: median(samples.h2wire.map((x) => x.value)), node: median(samples.node.map((x) => x.value)) };
      const r = m.h2wire / m.node;
      const [goal, met] = goalCell(s.goal, r);
      const failed = samples.h2wire.reduce((a, x) => a + x.failed, 0) + samples.node.reduce((a, x) => a + x.failed, 0);
      summaryRows.push([s.title + (failed ? ` (${failed} failed)` : ''), s.transport, s.unit, num(m.h2wire, s.unit === 'MB/s' ? 1 : 0), num(m.node, s.unit === 'MB/s' ? 1 : 0), ratio(r), goal, met]);
      const cpu = { h2wire: median(samples.h2wire.map((x) => x.cpuPerOp)), node: median(samples.node.map((x) => x.cpuPerOp)) };
      const load = { h2wire: median(samples.h2wire.map((x) => x.cpuLoad)), node: median(samples.node.map((x) => x.cpuLoad)) };
      const driver = { h2wire: median(samples.h2wire.map((x) => x.driverCpu ?? NaN)), node: median(samples.node.map((x) => x.driverCpu ?? NaN)) };
      const pctCell = (a: number, b: number) => (Number.isFinite(a) ? `${(a * 100).toFixed(0)}% / ${(b * 100).toFixed(0)}%` : 'h2load');
      cpuRows.push([s.title, s.transport, num(cpu.h2wire, 1), num(cpu.node, 1), ratio(cpu.h2wire / cpu.node), pctCell(load.h2wire, load.node), pctCell(driver.h2wire, driver.node)]);
      // Round r ran the two servers back to back, so their ratio shares the machine's state of the moment.
      const paired = samples.h2wire.map((x, i) => x.value / samples.node[i]!.value);
      roundRows.push([s.title, s.transport, s.unit, samples.h2wire.map((x) => num(x.value, 1)).join(', '), samples.node.map((x) => num(x.value, 1)).join(', '), pairedCell(paired)]);
    }
  } finally {
    for (const s of servers.values()) await s.stop();
  }

  if (opts.only.has('memory')) {
    const mem: Record<'cold' | 'warm', Record<Impl, MemorySample[]>> = { cold: { h2wire: [], node: [] }, warm: { h2wire: [], node: [] } };
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? IMPLS : [...IMPLS].reverse();
      for (const kind of ['cold', 'warm'] as const)
        for (const impl of order) {
          const sample = await measureMemory(impl, kind === 'warm');
          mem[kind][impl].push(sample);
          log(`memory round ${r + 1} ${kind} ${IMPL_NAME[impl]}: ${num(sample.rssPerConnection / 1024, 1)} KiB RSS / connection, ${num(sample.rssPerStream / 1024, 1)} KiB RSS / stream (JS heap ${num(sample.heapPerConnection / 1024, 1)} / ${num(sample.heapPerStream / 1024, 1)} KiB)`);
        }
    }
    const row = (kind: 'cold' | 'warm', title: string, unit: string, pick: (m: MemorySample) => number, goal: Scenario['goal']) => {
      const samples = mem[kind];
      const a = median(samples.h2wire.map(pick)) / 1024;
      const b = median(samples.node.map(pick)) / 1024;
      const [g, met] = goalCell(goal, a / b);
      summaryRows.push([title, 'h2c', unit, num(a, 1), num(b, 1), ratio(a / b), g, met]);
      roundRows.push([title, 'h2c', unit, samples.h2wire.map((m) => num(pick(m) / 1024, 1)).join(', '), samples.node.map((m) => num(pick(m) / 1024, 1)).join(', '), pairedCell(samples.h2wire.map((m, i) => pick(m) / pick(samples.node[i]!)))]);
    };
    const n = fmt(opts.connections);
    for (const kind of ['cold', 'warm'] as const) {
      const when = kind === 'cold' ? 'fresh process' : 'second pass';
      row(kind, `memory (${when}): ${n} idle connections`, 'KiB RSS / connection', (m) => m.rssPerConnection, { max: 1 });
      row(kind, `memory (${when}): 1 open stream on each of ${n} connections`, 'KiB RSS / stream', (m) => m.rssPerStream, { max: 1 });
      row(kind, `memory (${when}): ${n} idle connections (JS heap + external only)`, 'KiB heap / connection', (m) => m.heapPerConnection, undefined);
      row(kind, `memory (${when}): 1 open stream on each (JS heap + external only)`, 'KiB heap / stream', (m) => m.heapPerStream, undefined);
    }
  }

  if (foreignLoads.length) {
    const finite = foreignLoads.filter((x) => Number.isFinite(x));
    header.push(
      finite.length
        ? `- other processes on the machine during the measured runs: median ${(median(finite) * 100).toFixed(0)}%, max ${(Math.max(...finite) * 100).toFixed(0)}% of a core; ` +
            `${disturbed} run(s) over ${(opts.maxForeign * 100).toFixed(0)}% were run again (at most twice each)`
        : '- interference from other processes: not measurable here (no /proc)',
    );
  }
  sections.push(header.join('\n'));
  sections.push(
    [
      '## Results (medians)',
      '',
      table(['scenario', 'transport', 'unit', 'h2wire', 'node:http2', 'h2wire / node', 'goal', 'met'], summaryRows),
      '',
      'Memory ratios: lower is better. h2load always sends SETTINGS_ENABLE_PUSH=0, so the small and large scenarios measure the request path;',
      'on GET / h2wire runs the seed handler itself (src/demo/seed-handler.ts: it pushes /style.css only when the connection allows it);',
      'node:http2 checks stream.pushAllowed and sends the same page. GET /static sends that page as is on both, with no push check: the engines alone.',
      `Push: ${opts.pushConnections} connections of h2wire's client engine (bench/push-driver.ts, SETTINGS_ENABLE_PUSH=1), ${opts.pushInFlight} page loads in flight on each; a page counts when it and all its pushes are complete. h2wire runs the pushed requests through its handler; node:http2 answers each pushStream() in its callback.`,
      `Memory: ${fmt(opts.connections)} raw h2c connections (preface, SETTINGS, ACK), then one GET /hold each, answered with a 200 head and held open; the server child's RSS after gc(), before and after.`,
      '"fresh process": the first such pass in a new server process, so it includes one-time costs (compiling the request path; V8 growing its young generation',
      'under the first allocation burst). "second pass": the same pass again in the same process after a first one was run and closed: the marginal memory',
      'of connections and streams in a server that has served before. Each server holds its streams the cheapest way its API allows: node:http2 keeps the',
      "stream objects in an array; h2wire's handler returns one shared pending promise (a handler's stream stays open until its promise settles).",
    ].join('\n'),
  );
  if (cpuRows.length)
    sections.push(
      [
        '## Server CPU',
        '',
        table(['scenario', 'transport', 'h2wire µs / op', 'node:http2 µs / op', 'h2wire / node', 'server CPU (h2wire / node)', 'driver CPU (h2wire / node)'], cpuRows),
        '',
        "µs / op: the server process's user + system CPU per request (per page for push), from its CPU load divided by the rate.",
        'Server CPU: share of one core over the run (a server child uses one core for JavaScript; GC helper threads can add a little).',
        'Well under 100% means the load generator was the limit, not the server: then compare µs / op rather than the rate.',
        'Driver CPU: the push driver (our client engine, in the harness process) near 100% means the client, not the server, set the pace.',
      ].join('\n'),
    );
  sections.push(
    [
      '## Every round',
      '',
      table(['scenario', 'transport', 'unit', 'h2wire', 'node:http2', 'h2wire / node per round: median (range)'], roundRows),
      '',
      'Per round: the two servers ran back to back, so their ratio is less exposed to the machine slowing down or speeding up between rounds than the ratio of medians above.',
    ].join('\n'),
  );
  const equivalence = !problems
    ? 'Not run (no throughput scenario selected).'
    : problems.length
      ? problems.map((p) => `- ${p}`).join('\n')
      : `Both servers answered /, /static, /big, /r/0, /style.css and a 404 with the same status, content-type and body (sha-256), over h2c and TLS; to a client accepting pushes, / and /push-${opts.pushN} with the same pushes and bytes.`;
  sections.push(['## Equivalence check', '', equivalence].join('\n'));

  if (opts.profile) {
    sections.push(await profileH2wire('/', 'h2wire-small-h2c'));
    sections.push(await profileH2wire('/static', 'h2wire-static-h2c'));
  }

  sections.push(`Total run time: ${((Date.now() - started) / 1000).toFixed(0)} s; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (this run alone keeps it near 2).`);
  const markdown = `${sections.join('\n\n')}\n`;
  console.log(`\n${markdown}`);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, markdown);
  log(`written to ${opts.out}`);
}

// ---- profile ------------------------------------------------------------------

async function profileH2wire(path: string, name: string): Promise<string> {
  const dir = join(dirname(opts.out), `${name}-tmp`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await ServerChild.start('h2wire', false, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250']);
  let r: H2loadResult;
  let from: number;
  let to: number;
  try {
    // A first run warms the JIT up (and gets past one-time costs); only the second run's samples are counted.
    await h2load(server.url + path, SMALL_ARGS);
    from = await server.mark();
    r = await h2load(server.url + path, SMALL_ARGS);
    to = await server.mark();
  } finally {
    await server.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return '## Profile\n\nno .cpuprofile was written';
  const kept = join(dirname(opts.out), `${name}.cpuprofile`);
  renameSync(join(dir, file), kept);
  rmSync(dir, { recursive: true, force: true });
  const s = summarizeProfile(kept, process.cwd(), { top: 30, from, to });
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `## Profile: h2wire, GET ${path}, h2c, h2load ${SMALL_ARGS.join(' ')} (${num(r.reqPerSec)} req/s under --cpu-prof)`,
    '',
    `${kept} (open in Chrome DevTools). Samples of the second of two h2load runs only (the first warms up); ${num(s.totalMs)} ms of non-idle samples, self time.`,
    '',
    table(['where', 'self', 'ms'], s.categories.map((c) => [c.category, pct(c.share), num(c.ms)])),
    '',
    table(['function', 'location', 'self', 'ms', 'mostly called from'], s.functions.map((f) => [f.name, f.location, pct(f.share), num(f.ms), f.caller])),
    '',
    table(['file', 'self', 'ms'], s.files.slice(0, 20).map((f) => [f.file, pct(f.share), num(f.ms)])),
  ].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
