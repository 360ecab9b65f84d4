// An h2wire server in a process of its own, so that an attack's cost is
// measured on the server alone (RSS, heap, array buffers), as an operator
// would see it. Started by ChildServer below with its options as JSON; it
// answers 'stats' messages with its memory after a full GC.
//
// Handlers: the seed page, and /hold, which neither reads its request body
// nor answers until the client goes away (the worst a handler can do while
// a peer sends).

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { seedHandler } from '../../src/demo/seed-handler.js';
import type { DroppedConnection } from '../../src/server/connection-table.js';
import type { Handler } from '../../src/server/handler-api.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type ServerOptions } from '../../src/server/server.js';

export interface ServerStats {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  heldBytes: number;
  connections: number;
  openConnections: number;
  dropped: DroppedConnection[];
}

const hold: Handler = (req) => new Promise<void>((resolve) => req.signal.addEventListener('abort', () => resolve()));

async function main(): Promise<void> {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  const { options, tls } = JSON.parse(process.argv[2]!) as { options: ServerOptions; tls: boolean };
  const dropped: DroppedConnection[] = [];
  const server = createServer({ ...options, tls: tls ? createSelfSignedCertificate() : undefined }, (req, res) =>
    req.path === '/hold' ? hold(req, res) : seedHandler(req, res),
  );
  server.on('dropped', (d) => dropped.push(d));
  server.on('handlerError', () => {});
  server.listen(0, '127.0.0.1', () => process.send!({ port: server.address().port }));
  process.on('message', (m: string) => {
    if (m !== 'stats') return;
    for (let i = 0; i < 3; i++) gc();
    const mem = process.memoryUsage();
    const stats: ServerStats = {
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      arrayBuffers: mem.arrayBuffers,
      heldBytes: server.heldBytes,
      connections: server.connections,
      openConnections: server.openConnections,
      dropped: dropped.splice(0),
    };
    process.send!(stats);
  });
  process.on('disconnect', () => process.exit(0));
}

/** The test side: start a server child, ask for its stats, stop it. */
export class ChildServer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** `wrap`: a shell command prefix, e.g. to lower the open-file limit (`ulimit -n 256`). */
  static start(options: ServerOptions, { tls = false, ulimit }: { tls?: boolean; ulimit?: number } = {}): Promise<ChildServer> {
    const script = fileURLToPath(import.meta.url);
    const args = [JSON.stringify({ options, tls })];
    const child =
      ulimit === undefined
        ? fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
        : fork(script, args, {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            execPath: '/bin/sh',
            execArgv: ['-c', `ulimit -n ${ulimit} && exec "${process.execPath}" "$0" "$@"`],
          });
    return new Promise((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(new ChildServer(child, m.port)));
      child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    });
  }

  stats(): Promise<ServerStats> {
    return new Promise((resolve) => {
      this.child.once('message', (m: ServerStats) => resolve(m));
      this.child.send('stats');
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill();
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) void main();
