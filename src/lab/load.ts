// One page load in the lab: h2wire's client engine, behaving as a browser's
// loader, and h2wire's server engine, serving the page in one of four modes,
// joined by the simulated link, on the virtual clock. Both engines are the
// real ones; only the network and the clock are simulated.
//
// The loader parses the page as it arrives and requests what it finds (or
// waits for a response promised for it); it acts on the first 103 only, as
// Chromium does; with a warm cache it needs no subresource, and cancels
// what is pushed to it with RST_STREAM CANCEL (RFC 9113 §8.4.2). The server
// pushes before it thinks, hints before it thinks, and sends the page's
// HEADERS after thinking.

import { Http2Endpoint } from '../connection/endpoint.js';
import type { EndpointEvent } from '../connection/events.js';
import { ErrorCode } from '../frames/constants.js';
import { payloadLength } from '../frames/encode.js';
import type { Frame } from '../frames/frame.js';
import type { HeaderField } from '../hpack/header-list.js';
import { type LinkConditions, Pipe } from './link.js';
import { hints, type LabPage, type LabResource, pageHtml, pushes, referencesIn, resourceBody } from './page.js';
import { Simulation } from './simulation.js';

export type LabMode = 'none' | 'push' | 'hints' | 'preload';
export const LAB_MODES: readonly LabMode[] = ['none', 'push', 'hints', 'preload'];

export interface LabConditions extends LinkConditions {
  /** Server time before the page's HEADERS, ms. */
  thinkMs: number;
  /** Warm: the subresources are in the browser's cache (the page is not). */
  cache: 'cold' | 'warm';
  /**
   * Push: the pushed responses go out at once, before the page ('first',
   * the default), or after the page's own response ('after-page': only
   * the PUSH_PROMISEs go first, as §8.4.1 requires of a promise). The
   * engine sends DATA in the order it is queued, so this is the lab's
   * stand-in for stream priority.
   */
  pushOrder?: 'first' | 'after-page';
}

/** What happened to one resource, in ms from the first request. */
export interface ResourceTiming {
  path: string;
  /** How it came: requested by the parser, a preload, a hint, a push, from the cache, or a push cancelled. */
  how: 'page' | 'parser' | 'preload' | 'hint' | 'push' | 'cache' | 'cancelled';
  /** When the loader asked for it (or the promise arrived); undefined for the cache. */
  start: number | undefined;
  /** When it was needed: discovered by the parser (undefined if never). */
  discovered: number | undefined;
  /** Its first and last body octet. */
  firstByte: number | undefined;
  done: number | undefined;
  /** Body octets received. */
  octets: number;
}

export interface LoadResult {
  mode: LabMode;
  /** The page's last octet. */
  pageDone: number;
  /** The page and every subresource it needs complete. */
  allDone: number;
  /** Octets on the wire, both directions (HTTP/2 frames: headers, bodies, control). */
  wireOctets: number;
  /** Pushed body octets the client did not use (cancelled, or already cached). */
  wastedOctets: number;
  resources: ResourceTiming[];
}

const ORIGIN = { scheme: 'https', authority: 'lab.example' };

function requestFields(path: string): HeaderField[] {
  return [
    { name: ':method', value: 'GET' },
    { name: ':scheme', value: ORIGIN.scheme },
    { name: ':authority', value: ORIGIN.authority },
    { name: ':path', value: path },
  ];
}

const contentType = (r: LabResource | undefined) => (r === undefined ? 'text/html' : r.kind === 'stylesheet' ? 'text/css' : r.kind === 'script' ? 'text/javascript' : r.kind === 'font' ? 'font/woff2' : 'image/png');

/**
 * Where a load runs: a clock, timers, and two one-way links that deliver
 * octets to the other end (calling `deliver`). The simulation is one; real
 * sockets with a delay shim are another (real-link.ts).
 */
export interface LoadWorld {
  now(): number;
  after(ms: number, run: () => void): void;
  /** Make the two links; each calls its `deliver` with the octets that arrived. */
  links(toServer: (octets: Uint8Array) => void, toClient: (octets: Uint8Array) => void): { toServer: Link; toClient: Link };
}

export interface Link {
  send(octets: Uint8Array): void;
  /** Octets sent so far. */
  readonly sent: number;
}

/** Load the page once, in one mode, under the given conditions, on the simulated link. Deterministic: same inputs, same result. */
export function runLoad(page: LabPage, mode: LabMode, conditions: LabConditions): LoadResult {
  const sim = new Simulation();
  const world: LoadWorld = {
    now: () => sim.now,
    after: (ms, run) => sim.after(ms, run),
    links: (toServer, toClient) => ({ toServer: new Pipe(sim, conditions, toServer), toClient: new Pipe(sim, conditions, toClient) }),
  };
  const load = startLoad(page, mode, conditions, world);
  sim.run();
  return load.result();
}

/**
 * Start a load in a world: both engines, the server's handling and the
 * client's loader. `result()` reads what happened (call it once the world
 * has nothing left to do); `done` says when every needed resource is complete.
 */
export function startLoad(page: LabPage, mode: LabMode, conditions: LabConditions, world: LoadWorld): { result(): LoadResult; done(): boolean } {
  let wasted = 0;
  const cancelled = new Set<number>();
  /** DATA octets received on each pushed stream before the loader decided about it. */
  const pushedOctets = new Map<number, number>();
  const server = new Http2Endpoint({ role: 'server', now: 0, settings: { initialWindowSize: 6 * 1024 * 1024 }, connectionWindowSize: 15 * 1024 * 1024 });
  // A browser's windows (Chromium: 6 MiB per stream, 15 MiB per connection), so flow control is not what is measured.
  // What a refused push cost: every DATA octet that arrives for it, counted as it comes off the wire
  // (the engine drops DATA for a stream it reset, so no event would say so).
  const onFrame = (direction: 'in' | 'out', frame: Frame) => {
    if (direction !== 'in' || frame.type !== 'DATA' || frame.streamId % 2 === 1) return;
    if (cancelled.has(frame.streamId)) wasted += payloadLength(frame);
    else pushedOctets.set(frame.streamId, (pushedOctets.get(frame.streamId) ?? 0) + payloadLength(frame));
  };
  const client = new Http2Endpoint({ role: 'client', now: 0, settings: { enablePush: mode === 'push', initialWindowSize: 6 * 1024 * 1024 }, connectionWindowSize: 15 * 1024 * 1024, onFrame });
  const { toServer, toClient } = world.links(
    (octets) => {
      serverEvents(server.receive(octets, world.now()));
      flush();
    },
    (octets) => {
      clientEvents(client.receive(octets, world.now()));
      flush();
    },
  );
  const flush = () => {
    for (let again = true; again; ) {
      again = false;
      const c = client.takeOutputBytes();
      if (c.length) toServer.send(c);
      const s = server.takeOutputBytes();
      if (s.length) toClient.send(s);
      const events = [...server.takeEvents()];
      if (events.length) {
        serverEvents(events);
        again = true;
      }
      const cevents = [...client.takeEvents()];
      if (cevents.length) {
        clientEvents(cevents);
        again = true;
      }
    }
  };

  const byPath = new Map(page.resources.map((r) => [r.path, r]));
  const html = pageHtml(page, mode === 'preload');

  // ---- the server ----------------------------------------------------------
  const respond = (streamId: number, resource: LabResource | undefined) => {
    const body = resource ? resourceBody(page, resource) : html;
    server.respond(streamId, [
      { name: ':status', value: '200' },
      { name: 'content-type', value: contentType(resource) },
      { name: 'content-length', value: String(Buffer.byteLength(body)) },
    ]);
    server.sendData(streamId, Buffer.from(body), { endStream: true });
  };
  const serverEvents = (events: readonly EndpointEvent[]) => {
    for (const e of events) {
      if (e.type !== 'request') continue;
      const path = e.headers.find((f) => f.name === ':path')?.value ?? '';
      if (path !== page.path) {
        respond(e.streamId, byPath.get(path));
        continue;
      }
      if (mode === 'hints') {
        const links = page.resources.filter(hints).map((r) => `<${r.path}>; rel=preload; as=${r.kind === 'stylesheet' ? 'style' : r.kind}`);
        if (links.length) server.respond(e.streamId, [{ name: ':status', value: '103' }, ...links.map((value) => ({ name: 'link', value }))]);
      }
      const promised: Array<[number, LabResource]> = [];
      if (mode === 'push' && server.pushRefusal(e.streamId) === undefined)
        for (const r of page.resources.filter(pushes)) promised.push([server.push(e.streamId, requestFields(r.path)), r]);
      const later = conditions.pushOrder === 'after-page';
      if (!later) for (const [id, r] of promised) respond(id, r);
      const id = e.streamId;
      world.after(conditions.thinkMs, () => {
        respond(id, undefined);
        if (later) for (const [pushed, r] of promised) respond(pushed, r);
        flush();
      });
    }
  };

  // ---- the client: a browser's loader ----------------------------------------
  const timings = new Map<string, ResourceTiming>();
  const timing = (path: string, how: ResourceTiming['how']): ResourceTiming => {
    let t = timings.get(path);
    if (!t) {
      t = { path, how, start: undefined, discovered: undefined, firstByte: undefined, done: undefined, octets: 0 };
      timings.set(path, t);
    }
    return t;
  };
  const streams = new Map<number, { path: string; text: string; scanned: number }>();
  /** Stylesheets complete, by path: their url()s are found once the page needs them too. */
  const complete = new Map<string, { path: string; text: string; scanned: number }>();
  let hinted = false;

  const fetch = (path: string, how: ResourceTiming['how']) => {
    const t = timing(path, how);
    if (t.start !== undefined || t.how === 'cache') return;
    t.how = how;
    t.start = world.now();
    streams.set(client.request(requestFields(path), { endStream: true }), { path, text: '', scanned: 0 });
  };
  /** The parser found a reference (in the page, or in a stylesheet). */
  const discover = (path: string) => {
    const r = byPath.get(path);
    if (!r) return;
    const t = timing(path, 'parser');
    if (t.discovered !== undefined) return;
    t.discovered = world.now();
    if (conditions.cache === 'warm') {
      t.how = 'cache';
      t.done = world.now();
      for (const f of page.resources) if (f.in === path) discover(f.path); // a cached stylesheet is read at once
      return;
    }
    if (t.start === undefined) fetch(path, 'parser');
    const arrived = complete.get(path);
    if (arrived) scan(arrived, true);
  };
  const scan = (s: { path: string; text: string; scanned: number }, complete: boolean) => {
    // Tags are acted on when their last octet has arrived; url()s in a stylesheet when it is complete.
    const upTo = complete ? s.text.length : s.text.lastIndexOf('>') + 1;
    if (upTo <= s.scanned) return;
    const fresh = s.text.slice(s.scanned, upTo);
    s.scanned = upTo;
    for (const ref of referencesIn(fresh)) {
      if (!ref.preload) discover(ref.path);
      else if (conditions.cache === 'cold') fetch(ref.path, 'preload'); // a preload is a fetch, not a need
    }
  };

  const clientEvents = (events: readonly EndpointEvent[]) => {
    for (const e of events) {
      switch (e.type) {
        case 'informational': {
          if (hinted || conditions.cache === 'warm') break; // Chromium acts on the first 103 only
          hinted = true;
          for (const f of e.headers) {
            const m = f.name === 'link' ? /^<([^>]+)>;.*rel=preload/.exec(f.value) : null;
            if (m && byPath.has(m[1]!)) fetch(m[1]!, 'hint');
          }
          break;
        }
        case 'push_promise': {
          const path = e.headers.find((f) => f.name === ':path')?.value ?? '';
          if (conditions.cache === 'warm' || timing(path, 'push').start !== undefined) {
            client.resetStream(e.promisedStreamId, ErrorCode.CANCEL); // no frame if it already arrived whole
            cancelled.add(e.promisedStreamId);
            wasted += pushedOctets.get(e.promisedStreamId) ?? 0;
            break;
          }
          const t = timing(path, 'push');
          t.how = 'push';
          t.start = world.now();
          streams.set(e.promisedStreamId, { path, text: '', scanned: 0 });
          break;
        }
        case 'data': {
          const body = client.readBody(e.streamId);
          if (cancelled.has(e.streamId)) break; // counted by onFrame
          const s = streams.get(e.streamId);
          if (!s) break;
          const t = timing(s.path, 'page');
          t.firstByte ??= world.now();
          t.octets += body.length;
          const isPage = s.path === page.path;
          const isStylesheet = byPath.get(s.path)?.kind === 'stylesheet';
          if (isPage || isStylesheet) s.text += Buffer.from(body).toString('latin1');
          if (e.endStream) t.done = world.now();
          if (isPage) scan(s, e.endStream);
          else if (isStylesheet && e.endStream) {
            complete.set(s.path, s);
            if (t.discovered !== undefined) scan(s, true); // a pushed or hinted stylesheet is read once the page uses it
          }
          break;
        }
        default:
          break;
      }
    }
  };

  // ---- go ------------------------------------------------------------------------
  const pageTiming = timing(page.path, 'page');
  pageTiming.start = world.now();
  streams.set(client.request(requestFields(page.path), { endStream: true }), { path: page.path, text: '', scanned: 0 });
  flush();

  const needed = () => page.resources.map((r) => timings.get(r.path)).filter((t): t is ResourceTiming => t?.discovered !== undefined);
  const start = pageTiming.start;
  const since = (t: number | undefined) => (t === undefined ? undefined : t - start);
  return {
    done: () => pageTiming.done !== undefined && needed().every((t) => t.done !== undefined),
    result: () => {
      const all = needed();
      const pageDone = (pageTiming.done ?? NaN) - start;
      const allDone = Math.max(pageDone, ...all.map((t) => Math.max((t.done ?? NaN) - start, t.discovered! - start)));
      const shifted = (t: ResourceTiming): ResourceTiming => ({ ...t, start: since(t.start), discovered: since(t.discovered), firstByte: since(t.firstByte), done: since(t.done) });
      return {
        mode,
        pageDone,
        allDone,
        wireOctets: toServer.sent + toClient.sent,
        wastedOctets: wasted,
        resources: [shifted(pageTiming), ...page.resources.map((r) => shifted(timings.get(r.path) ?? { path: r.path, how: 'parser' as const, start: undefined, discovered: undefined, firstByte: undefined, done: undefined, octets: 0 }))],
      };
    },
  };
}
