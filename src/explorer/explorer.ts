// The explorer: the demo's page at /_wire/ that draws the visitor's own
// connection (the one the browser loaded it over) as a ladder, live. The
// page is the ladder page (src/ladder/page.ts) with the records so far; it
// then follows /_wire/events, a server-sent events stream on the same
// HTTP/2 connection. That stream is itself part of the connection: its
// HEADERS are drawn, its DATA folded into one row with a count, or every
// update would draw the DATA that carried it, and so on without end.
//
// What it holds: its recorder's budget (src/ladder/recorder.ts), at most
// `maxWatchers` update streams, and per stream at most `maxBacklog` records
// (`maxBacklogBytes` of JSON) waiting for a client that reads slowly (the
// oldest are skipped, and the page told) plus the one update being written;
// a client that reads nothing for `stallMs` is let go. Pages, which cost a
// connection's records to draw, are limited to `pagesPerSecond`.

import type { ServerRequest, ServerResponse } from '../server/handler-api.js';
import type { Fold, LadderPageData } from '../ladder/ladder.js';
import { ladderHtml } from '../ladder/page.js';
import { type RecorderLimits, TraceRecorder } from '../ladder/recorder.js';
import type { TraceRecord, TraceSink } from '../trace.js';
import type { TraceRecordJSON } from '../trace-format.js';

export interface ExplorerOptions {
  /** What the explorer keeps of each connection (src/ladder/recorder.ts). */
  limits?: Partial<RecorderLimits>;
  /** Where the explorer lives. Default '/_wire/'. */
  base?: string;
  /** Update streams open at once. Default 16. */
  maxWatchers?: number;
  /** Records waiting for a slow watcher; past it the oldest half are skipped (and the page told). Default 5,000. */
  maxBacklog?: number;
  /** The same in octets of JSON (about). Default 1 MiB. */
  maxBacklogBytes?: number;
  /** Explorer pages rendered per second at most (each is up to a connection's records); past it, 503. Default 10. */
  pagesPerSecond?: number;
  /** A watcher that reads nothing for this long (its stream's writes do not drain) is ended, in ms. Default 30,000. */
  stallMs?: number;
  /** How often updates are sent, in ms (records are batched). Default 100. */
  intervalMs?: number;
}

const FOLD_TEXT = "the explorer's own update stream (server-sent events), folded so the view does not feed itself";

export class Explorer {
  readonly base: string;
  readonly #recorder: TraceRecorder;
  readonly #maxWatchers: number;
  readonly #maxBacklog: number;
  readonly #maxBacklogBytes: number;
  readonly #pagesPerSecond: number;
  /** Pages rendered in the current second, and which second. */
  #pages = { second: 0, count: 0 };
  readonly #stallMs: number;
  readonly #intervalMs: number;
  /** Per connection, the update streams on it and what they carried. */
  readonly #folds = new Map<number, Map<number, Fold>>();
  /** Each update stream's way to stop, and what it holds waiting (octets of JSON, about). */
  readonly #watchers = new Map<() => void, () => number>();
  /** Give the server this as its trace sink (with traceDetail). */
  readonly sink: TraceSink = (record) => this.#record(record);
  /** The seq of the last frame folded, per connection: the windows record after it goes with it. */
  readonly #foldedSeq = new Map<number, number>();

  constructor(options: ExplorerOptions = {}) {
    this.#recorder = new TraceRecorder(options.limits);
    this.base = options.base ?? '/_wire/';
    this.#maxWatchers = options.maxWatchers ?? 16;
    this.#maxBacklog = options.maxBacklog ?? 5000;
    this.#maxBacklogBytes = options.maxBacklogBytes ?? 1024 * 1024;
    this.#pagesPerSecond = options.pagesPerSecond ?? 10;
    this.#stallMs = options.stallMs ?? 30000;
    this.#intervalMs = options.intervalMs ?? 100;
  }

  /** Whether a request is the explorer's to serve. */
  owns(req: ServerRequest): boolean {
    const path = new URL(req.path, 'http://x').pathname;
    return path === this.base || path === this.base.replace(/\/$/, '') || path === `${this.base}events`;
  }

  /** Serve one of its requests (see owns()). Resolves when the response is complete: for the update stream, when it ends. */
  serve(req: ServerRequest, res: ServerResponse): Promise<void> {
    const url = new URL(req.path, 'http://x');
    if (url.pathname === `${this.base}events`) return this.#events(req, res, url);
    this.#page(req, res, url);
    return Promise.resolve();
  }

  /** End every update stream (before the server closes: they would keep their connections open). */
  close(): void {
    for (const stop of [...this.#watchers.keys()]) stop();
  }

  get watchers(): number {
    return this.#watchers.size;
  }

  /** What the explorer holds: its connections' records and what waits for its watchers (JSON octets, about). */
  heldBytes(): number {
    let n = this.#recorder.heldBytes();
    for (const waiting of this.#watchers.values()) n += waiting();
    return n;
  }

  #page(req: ServerRequest, res: ServerResponse, url: URL): void {
    const second = Math.floor(performance.now() / 1000);
    if (this.#pages.second !== second) this.#pages = { second, count: 0 };
    if (++this.#pages.count > this.#pagesPerSecond) {
      res.statusCode = 503;
      res.setHeader('retry-after', '1');
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(`the explorer draws at most ${this.#pagesPerSecond} pages a second; try again in a second\n`);
      return;
    }
    const asked = url.searchParams.get('connection');
    const own = req.protoMajor === 2 ? req.connection : undefined;
    const connection = asked !== null ? Number(asked) : own;
    const known = connection !== undefined && this.#recorder.has(connection);
    const list = this.#recorder.connections();
    const shown = known ? connection : list.filter((c) => c.frames > 0).at(-1)?.connection;
    let intro = '';
    if (req.protoMajor !== 2) intro = '<p class="help" style="padding:0 1em">This page came over HTTP/1.1: there are no HTTP/2 frames of yours to draw. Below, another connection.</p>';
    else if (asked !== null && !known) intro = `<p class="help" style="padding:0 1em">No connection ${Number(asked)} is remembered here (the explorer keeps the last ${this.#recorder.limits.maxConnections}).</p>`;
    if (shown === undefined) {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><meta charset="utf-8"><title>h2wire explorer</title><p>No HTTP/2 connection has been traced yet. Load <a href="/">the demo page</a> over HTTPS first.</p>\n');
      return;
    }
    const { records, next } = this.#recorder.records(shown);
    const data: LadderPageData = {
      title: `h2wire explorer: connection #${shown}${shown === own ? ' (yours)' : ''}`,
      perspective: 'server',
      records,
      connections: list,
      connection: shown,
      peerIsVisitor: shown === own,
      connectionUrl: `${this.base}?connection={connection}`,
      folds: this.#foldsOf(shown),
      // A closed connection has nothing more to say: no update stream for it.
      live: list.find((c) => c.connection === shown)?.closed ? undefined : { events: `${this.base}events?connection=${shown}&from=${next}`, connectionUrl: `${this.base}?connection={connection}` },
    };
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.end(ladderHtml(data, intro));
  }

  #events(req: ServerRequest, res: ServerResponse, url: URL): Promise<void> {
    const connection = Number(url.searchParams.get('connection'));
    const from = Number(url.searchParams.get('from') ?? 0);
    if (!Number.isInteger(connection) || !this.#recorder.has(connection)) {
      res.statusCode = 404;
      res.end('no such connection\n');
      return Promise.resolve();
    }
    if (this.#watchers.size >= this.#maxWatchers) {
      res.statusCode = 503;
      res.setHeader('retry-after', '10');
      res.end(`the explorer has ${this.#maxWatchers} watchers already\n`);
      return Promise.resolve();
    }
    if (req.protoMajor === 2) this.#ownStream(req.connection, req.streamId);
    res.setHeader('content-type', 'text/event-stream');
    res.setHeader('cache-control', 'no-store');
    res.writeHead(200);

    let backlog: TraceRecordJSON[] = [];
    let sizes: number[] = [];
    let backlogBytes = 0;
    let skipped = 0;
    let timer: NodeJS.Timeout | undefined;
    let stall: NodeJS.Timeout | undefined;
    let ended = false;
    let stopped!: () => void;
    const done = new Promise<void>((resolve) => (stopped = resolve));
    const stop = () => {
      if (ended) return;
      ended = true;
      this.#watchers.delete(stop);
      unsubscribe();
      clearTimeout(timer);
      clearTimeout(stall);
      if (!res.finished) res.end();
      stopped();
    };
    const send = () => {
      timer = undefined;
      if (ended || stall || backlog.length === 0) return;
      const ok = res.write(`data: ${JSON.stringify({ records: backlog, folds: this.#foldsOf(connection), skipped })}\n\n`);
      backlog = [];
      sizes = [];
      backlogBytes = 0;
      if (ok) return;
      // The watcher reads slower than records come: wait for it, but not for ever.
      stall = setTimeout(() => {
        res.write('event: error\ndata: "the explorer stopped: this page did not read its updates"\n\n');
        stop();
      }, this.#stallMs);
      res.drained().then(() => {
        clearTimeout(stall);
        stall = undefined;
        if (!ended && backlog.length && !timer) timer = setTimeout(send, this.#intervalMs);
      });
    };
    const unsubscribe = this.#recorder.subscribe(connection, (record, _index, size) => {
      backlog.push(record);
      sizes.push(size);
      backlogBytes += size;
      if (backlog.length > this.#maxBacklog || backlogBytes > this.#maxBacklogBytes) {
        // Behind by more than it may hold: the oldest half goes, and the page is told how many.
        let drop = 0;
        while (drop < backlog.length - 1 && (drop < backlog.length >> 1 || backlogBytes > this.#maxBacklogBytes >> 1)) backlogBytes -= sizes[drop++]!;
        backlog.splice(0, drop);
        sizes.splice(0, drop);
        skipped += drop;
      }
      if (!timer && !stall) timer = setTimeout(send, this.#intervalMs);
    });
    this.#watchers.set(stop, () => backlogBytes);
    req.signal.addEventListener('abort', stop);
    res.on('close', stop);
    // What happened between the page and this stream.
    const missed = this.#recorder.records(connection, from);
    if (missed.records.length) {
      // Within the recorder's budget for the connection; their sizes as it counted them.
      backlog = missed.records.slice(-this.#maxBacklog);
      sizes = missed.sizes.slice(-this.#maxBacklog);
      backlogBytes = sizes.reduce((n, x) => n + x, 0);
      timer = setTimeout(send, 0);
    }
    return done; // the handler's response is complete when the stream ends (run-handler.ts)
  }

  /** Note an update stream; its DATA will be folded. */
  #ownStream(connection: number, streamId: number): void {
    let folds = this.#folds.get(connection);
    if (!folds) {
      folds = new Map();
      this.#folds.set(connection, folds);
      for (const id of this.#folds.keys()) if (!this.#recorder.has(id)) this.#folds.delete(id); // forgotten connections
      for (const id of this.#foldedSeq.keys()) if (!this.#recorder.has(id)) this.#foldedSeq.delete(id);
    }
    folds.set(streamId, { streamId, type: 'DATA', count: 0, octets: 0, after: -1, text: FOLD_TEXT });
  }

  /**
   * Keep a record, unless it is DATA of an update stream (or the windows it
   * left): that is counted into the stream's fold instead, and never sent.
   */
  #record(record: TraceRecord): void {
    const folds = this.#folds.get(record.connection);
    if (folds && record.kind === 'frame') {
      const fold = folds.get(record.frame.streamId);
      if (fold && record.direction === 'out' && record.frame.type === 'HEADERS' && fold.after < 0) fold.after = record.seq;
      if (fold && record.frame.type === 'DATA') {
        fold.count++;
        fold.octets += record.length;
        this.#foldedSeq.set(record.connection, record.seq);
        return;
      }
    } else if (folds && record.kind === 'windows' && this.#foldedSeq.get(record.connection) === record.seq) return;
    if (record.kind === 'close') this.#foldedSeq.delete(record.connection);
    this.#recorder.record(record);
  }

  #foldsOf(connection: number): Fold[] {
    return [...(this.#folds.get(connection)?.values() ?? [])].map((f) => ({ ...f }));
  }
}
