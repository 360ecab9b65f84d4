// `h2wire lab --real`: the same load over real TCP sockets on loopback,
// with an in-process delay shim, on the real clock: a cross-check of the
// model. The shim cuts each write into segments and delays each by the
// one-way delay (RTT / 2) after the link is free, serialising at the
// bandwidth; loopback's own TCP does the
// rest (its window is large, so this world has no slow start: compare it
// with the model at --cwnd inf). Timers, the event loop and the kernel add
// their jitter: docs/push-lab.md gives the tolerance.

import { createServer, type Socket, connect } from 'node:net';
import { type LabConditions, type LabMode, type Link, type LoadResult, type LoadWorld, startLoad } from './load.js';
import type { LabPage } from './page.js';

/**
 * A shimmed direction: octets written to `socket` after the delay. Segments
 * wait in one queue behind one timer: a timer each could fire out of order
 * (Node rounds each delay to whole milliseconds), and a byte stream must not.
 */
class DelayedLink implements Link {
  sent = 0;
  #linkFreeAt = 0;
  readonly #queue: Array<{ due: number; segment: Buffer }> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly conditions: LabConditions,
    private readonly now: () => number,
  ) {}

  /** Cut into segments, as the model does, so that what comes first in a large write arrives first. */
  send(octets: Uint8Array): void {
    this.sent += octets.length;
    const { mss, bytesPerMs, rttMs } = this.conditions;
    for (let at = 0; at < octets.length; at += mss) {
      const segment = Buffer.from(octets.subarray(at, at + mss)); // a copy: it waits a while
      const leaves = Math.max(this.now(), this.#linkFreeAt) + segment.length / bytesPerMs;
      this.#linkFreeAt = leaves;
      this.#queue.push({ due: leaves + rttMs / 2, segment });
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#timer || this.#queue.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = this.now();
      while (this.#queue.length > 0 && this.#queue[0]!.due <= now + 0.5) this.socket.write(this.#queue.shift()!.segment);
      this.#arm();
    }, Math.max(0, this.#queue[0]!.due - this.now()));
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#queue.length = 0;
  }
}

/** Load the page over loopback sockets with the delay shim. Resolves once every needed resource is complete and one more RTT has passed (for what was pushed anyway). */
export async function runLoadReal(page: LabPage, mode: LabMode, conditions: LabConditions): Promise<LoadResult> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const clientSocket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => clientSocket.once('connect', resolve));
  const serverSocket = await accepted;
  for (const s of [clientSocket, serverSocket]) s.setNoDelay(true);
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let ending = false;
  const links: DelayedLink[] = [];
  const world: LoadWorld = {
    now,
    after: (ms, run) => void setTimeout(run, ms),
    links: (toServer, toClient) => {
      serverSocket.on('data', (octets: Buffer) => {
        toServer(octets);
        check();
      });
      clientSocket.on('data', (octets: Buffer) => {
        toClient(octets);
        check();
      });
      links.push(new DelayedLink(clientSocket, conditions, now), new DelayedLink(serverSocket, conditions, now));
      return { toServer: links[0]!, toClient: links[1]! };
    },
  };
  const load = startLoad(page, mode, conditions, world);
  const check = () => {
    if (ending || !load.done()) return;
    ending = true;
    setTimeout(finish, conditions.rttMs + 5);
  };
  const limit = setTimeout(finish, 60000);
  await finished;
  clearTimeout(limit);
  const result = load.result();
  for (const link of links) link.stop();
  clientSocket.destroy();
  serverSocket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!Number.isFinite(result.allDone)) throw new Error(`the real load (${mode}) did not complete within 60 s: ${JSON.stringify(result.resources.map((t) => [t.path, t.how, t.start, t.discovered, t.done]))}`);
  return result;
}
