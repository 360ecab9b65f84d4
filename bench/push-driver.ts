// A page-load driver that accepts pushes, for the push scenario of the
// server benchmark (h2load always sends SETTINGS_ENABLE_PUSH=0). Each
// connection is one client Http2Endpoint of h2wire's own engine on a socket,
// with SETTINGS_ENABLE_PUSH=1, keeping a few page loads in flight (like
// h2load -m): a load is complete when its response and every pushed response
// are fully received, and the next one starts. The same driver loads pages
// from both servers.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Http2Endpoint } from '../src/connection/endpoint.js';
import type { EndpointEvent } from '../src/connection/events.js';
import type { HeaderField } from '../src/hpack/header-list.js';

export interface PageLoad {
  status: number;
  pushes: number;
  /** DATA octets of the page and its pushes. */
  bytes: number;
}

interface PageState {
  load: PageLoad;
  /** The page's own stream and its promised streams, until each closes. */
  open: Set<number>;
  resolve: (load: PageLoad) => void;
  reject: (error: Error) => void;
}

/** One connection; several page loads may be in flight on it at once. */
export class PageClient {
  readonly #endpoint = new Http2Endpoint({ role: 'client', settings: { enablePush: true } });
  readonly #socket: Socket;
  /** Page by its request stream and by each of its promised streams. */
  readonly #pages = new Map<number, PageState>();
  #error: Error | undefined;
  readonly ready: Promise<void>;

  constructor(port: number, secure: boolean) {
    let settled!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((settled = resolve), (failed = reject)));
    const onConnect = () => {
      this.#flush();
      settled();
    };
    this.#socket = secure
      ? tlsConnect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false }, onConnect)
      : netConnect({ host: '127.0.0.1', port }, onConnect);
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (chunk: Buffer) => {
      this.#handle(this.#endpoint.receive(chunk));
      this.#flush();
    });
    this.#socket.on('error', (e) => {
      failed(e);
      this.#broken(e);
    });
    this.#socket.on('close', () => this.#broken(new Error('the connection closed')));
  }

  /** GET the page; resolves when it and every pushed response are complete. */
  get(fields: HeaderField[]): Promise<PageLoad> {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const id = this.#endpoint.request(fields, { endStream: true });
      this.#pages.set(id, { load: { status: 0, pushes: 0, bytes: 0 }, open: new Set([id]), resolve, reject });
      this.#flush();
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #broken(error: Error): void {
    this.#error ??= error;
    const pages = new Set(this.#pages.values());
    this.#pages.clear();
    for (const p of pages) p.reject(error);
  }

  #flush(): void {
    const parts = this.#endpoint.takeOutput();
    if (parts.length === 0) return;
    this.#socket.cork();
    for (const p of parts) this.#socket.write(p);
    this.#socket.uncork();
  }

  #handle(events: readonly EndpointEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'push_promise': {
          const page = this.#pages.get(e.parentId);
          if (!page) break;
          page.open.add(e.promisedStreamId);
          page.load.pushes++;
          this.#pages.set(e.promisedStreamId, page);
          break;
        }
        case 'response': {
          const page = this.#pages.get(e.streamId);
          if (page && !e.pushed) page.load.status = Number(e.headers.find((f) => f.name === ':status')?.value);
          break;
        }
        case 'data': {
          const page = this.#pages.get(e.streamId);
          const octets = this.#endpoint.readBody(e.streamId); // read at once: the window goes back to the server
          if (page) page.load.bytes += octets.length;
          break;
        }
        case 'stream_closed': {
          const page = this.#pages.get(e.streamId);
          if (!page) break;
          this.#pages.delete(e.streamId);
          page.open.delete(e.streamId);
          if (page.open.size === 0) page.resolve(page.load);
          break;
        }
        case 'connection_error':
          this.#broken(new Error(`connection error ${e.error.codeName}: ${e.error.message}`));
          break;
        case 'goaway':
          this.#broken(new Error(`GOAWAY ${e.errorCode}`));
          break;
        default:
          break;
      }
    }
  }
}

export interface PushLoadOptions {
  port: number;
  secure: boolean;
  path: string;
  connections: number;
  /** Page loads in flight on each connection (a new one starts as one completes). */
  pagesInFlight: number;
  seconds: number;
  warmUpSeconds: number;
  /** Each page load must bring exactly this many pushes. */
  expectPushes: number;
}

export interface PushLoadResult {
  pages: number;
  pagesPerSec: number;
  /** Pages that came without all their pushes, or with a status other than 200. */
  bad: number;
  /** CPU the driver itself used, as a fraction of one core (near 1: the client is the bottleneck). */
  clientCpu: number;
  /** Wall-clock seconds of the measured period. */
  seconds: number;
}

/** Load `path` over `connections` connections for warmUpSeconds (not counted), then seconds. */
export async function runPushLoad(o: PushLoadOptions): Promise<PushLoadResult> {
  const clients = Array.from({ length: o.connections }, () => new PageClient(o.port, o.secure));
  await Promise.all(clients.map((c) => c.ready));
  const fields: HeaderField[] = [
    { name: ':method', value: 'GET' },
    { name: ':scheme', value: o.secure ? 'https' : 'http' },
    { name: ':authority', value: `127.0.0.1:${o.port}` },
    { name: ':path', value: o.path },
  ];
  const t0 = performance.now();
  const measureFrom = t0 + o.warmUpSeconds * 1000;
  const measureTo = measureFrom + o.seconds * 1000;
  let pages = 0;
  let bad = 0;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  const loop = async (client: PageClient) => {
    for (;;) {
      const load = await client.get(fields);
      const now = performance.now();
      if (now >= measureTo) return;
      if (now < measureFrom) continue;
      cpuAtStart ??= process.cpuUsage();
      pages++;
      if (load.status !== 200 || load.pushes !== o.expectPushes) bad++;
    }
  };
  try {
    await Promise.all(clients.flatMap((c) => Array.from({ length: o.pagesInFlight }, () => loop(c))));
  } finally {
    for (const c of clients) c.close();
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const seconds = o.seconds;
  return { pages, pagesPerSec: pages / seconds, bad, clientCpu: (cpu.user + cpu.system) / 1e6 / seconds, seconds };
}

/** One page load, for checking that both servers answer alike. */
/** One page load with its pushes; `authority` defaults to the address dialled (the seed page names the URL it was served on). */
export async function loadOnce(port: number, secure: boolean, path: string, authority = `127.0.0.1:${port}`): Promise<PageLoad> {
  const client = new PageClient(port, secure);
  try {
    await client.ready;
    return await client.get([
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: secure ? 'https' : 'http' },
      { name: ':authority', value: authority },
      { name: ':path', value: path },
    ]);
  } finally {
    client.close();
  }
}
