// Every connection the server has accepted, from accept to close: the phase
// it is in, the deadline of that phase, and the limit on how many there are.
//
// A peer holds a descriptor and some memory from the moment it connects, so
// no phase may last for ever. Before HTTP/2 takes over, a connection is in
// its TLS handshake or, in cleartext, waiting for the first octets that tell
// h2c from HTTP/1.1; an HTTP/1.1 connection waits for a request head, then
// for the rest of the request. Each of those phases ends by a deadline here.
// Once the HTTP/2 engine has the connection, its own deadlines (preface,
// SETTINGS ACK, field blocks, idle, stalled windows) take over, and this
// table only watches the socket: writes that make no progress, and a peer
// that does not close its side after we have closed ours.
//
// At maxConnections, a new connection takes the place of the oldest one that
// is still waiting to be served (in a handshake, undecided, or waiting for an
// HTTP/1.1 request head): silent sockets cannot lock out clients that talk.
// Only when none is waiting is the new connection refused.

import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';

export interface ConnectionTimeouts {
  /** TLS: from accept to the end of the handshake. Default 10,000. */
  handshakeMs: number;
  /** Cleartext: from accept until the first octets tell h2c (the client preface) from HTTP/1.1. Default 10,000. */
  protocolMs: number;
  /** HTTP/1.1: for a whole request head, from accept or from the end of the previous response. Default 10,000. */
  http1HeadMs: number;
  /** HTTP/1.1: from a request head to the last octet of its body. Default 300,000, as node:http's requestTimeout. */
  http1RequestMs: number;
  /** Writes that make no progress this long (a peer that does not read): the connection is destroyed. Default 30,000. */
  writeStallMs: number;
  /** After the server has closed its side, the time the peer has to close its own before the socket is destroyed. Default 2,000. */
  lingerMs: number;
}

export const DEFAULT_CONNECTION_TIMEOUTS: ConnectionTimeouts = {
  handshakeMs: 10_000,
  protocolMs: 10_000,
  http1HeadMs: 10_000,
  http1RequestMs: 300_000,
  writeStallMs: 30_000,
  lingerMs: 2_000,
};

/**
 * tls_handshake, protocol, http1_head: waiting for the peer, with a deadline,
 * and the first to give way at maxConnections. http1_request: a request whose
 * body is still arriving, with a deadline. http1_busy: a handler runs.
 * http1_drain: the response is out and the rest of the request body, which
 * nobody will read, still arriving, with http1HeadMs to do so. h2: the
 * engine's deadlines apply. closing: we closed our side; the peer has lingerMs.
 */
export type ConnectionPhase = 'tls_handshake' | 'protocol' | 'http1_head' | 'http1_request' | 'http1_busy' | 'http1_drain' | 'h2' | 'closing';

/** Why the server cut a connection itself. */
export type DropReason =
  | 'max_connections'
  | 'handshake_timeout'
  | 'tls_error'
  | 'protocol_timeout'
  | 'http1_head_timeout'
  | 'http1_request_timeout'
  | 'write_stall'
  | 'http1_pipelining'
  | 'server_budget';

export interface DroppedConnection {
  reason: DropReason;
  /** The phase it was in ('accept': refused on arrival). */
  phase: ConnectionPhase | 'accept';
  /** How long it had been connected, in milliseconds. */
  ageMs: number;
  remoteAddress: string | undefined;
  /** The connection's number in the trace, once it speaks HTTP/2. */
  connection: number | undefined;
}

const WAITING: ReadonlySet<ConnectionPhase> = new Set(['tls_handshake', 'protocol', 'http1_head']);

const now = () => performance.now();

/** One accepted connection's entry: handed to whoever serves it, to report phases and writes. */
export class ConnectionWatch {
  phase: ConnectionPhase;
  /** The socket served: for TLS, the raw TCP socket until the handshake ends, then the TLS socket over it. */
  socket: Duplex;
  /** Its number in the trace, once an HTTP/2 session serves it. */
  connection: number | undefined;
  readonly acceptedAt = now();
  #phaseTimer: NodeJS.Timeout | undefined;
  #stallTimer: NodeJS.Timeout | undefined;

  constructor(
    socket: Duplex,
    phase: ConnectionPhase,
    private readonly table: ConnectionTable,
  ) {
    this.socket = socket;
    this.phase = phase;
  }

  /**
   * The connection moves to another phase; the deadline of the new one
   * starts now. When it passes, the connection is cut, unless `atDeadline`
   * is given and returns false (it may then enter another phase).
   */
  enter(phase: ConnectionPhase, atDeadline?: () => boolean): void {
    if (this.phase === 'closing') return;
    this.phase = phase;
    clearTimeout(this.#phaseTimer);
    this.#phaseTimer = undefined;
    const deadline = this.table.deadlineOf(phase);
    if (!deadline) return;
    this.#phaseTimer = setTimeout(() => {
      this.#phaseTimer = undefined;
      if (atDeadline && !atDeadline()) return;
      this.table.drop(this, deadline.reason);
    }, deadline.ms).unref();
  }

  /** A write did not go through at once (the socket needs 'drain'): unless it drains within writeStallMs, the connection is cut. */
  blocked(): void {
    if (this.#stallTimer || this.socket.destroyed) return;
    this.#stallTimer = setTimeout(() => this.table.drop(this, 'write_stall'), this.table.timeouts.writeStallMs).unref();
    this.socket.once('drain', () => {
      clearTimeout(this.#stallTimer);
      this.#stallTimer = undefined;
    });
  }

  /** Cut the connection now, for a reason of the server's. */
  cut(reason: DropReason): void {
    this.table.drop(this, reason);
  }

  /** We have ended our side (after GOAWAY, or an HTTP/1.1 close): the peer has lingerMs to close its own. */
  ending(): void {
    if (this.phase === 'closing') return;
    this.enter('closing');
    this.#phaseTimer = setTimeout(() => this.socket.destroy(), this.table.timeouts.lingerMs).unref();
  }

  /** The socket closed: nothing more to watch. */
  release(): void {
    clearTimeout(this.#phaseTimer);
    clearTimeout(this.#stallTimer);
  }
}

export class ConnectionTable {
  readonly #entries = new Map<Duplex, ConnectionWatch>(); // in order of arrival
  readonly #maxConnections: number;
  readonly #onDrop: (info: DroppedConnection) => void;
  readonly timeouts: ConnectionTimeouts;

  constructor(maxConnections: number, timeouts: ConnectionTimeouts, onDrop: (info: DroppedConnection) => void) {
    this.#maxConnections = maxConnections;
    this.timeouts = timeouts;
    this.#onDrop = onDrop;
  }

  /** Connections open now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Connections in each phase now. */
  phases(): Partial<Record<ConnectionPhase, number>> {
    const out: Partial<Record<ConnectionPhase, number>> = {};
    for (const w of this.#entries.values()) out[w.phase] = (out[w.phase] ?? 0) + 1;
    return out;
  }

  /** A new connection: its watch, or undefined when it was refused (and destroyed) at maxConnections. */
  admit(socket: Duplex, phase: ConnectionPhase): ConnectionWatch | undefined {
    const known = this.#entries.get(socket);
    if (known) {
      known.enter(phase);
      return known;
    }
    if (this.#entries.size >= this.#maxConnections && !this.#evictOneWaiting()) {
      this.#onDrop({ reason: 'max_connections', phase: 'accept', ageMs: 0, remoteAddress: remoteAddress(socket), connection: undefined });
      socket.destroy();
      return undefined;
    }
    const watch = new ConnectionWatch(socket, phase, this);
    this.#entries.set(socket, watch);
    socket.once('close', () => {
      watch.release();
      this.#entries.delete(socket);
    });
    watch.enter(phase);
    return watch;
  }

  watchOf(socket: Duplex): ConnectionWatch | undefined {
    return this.#entries.get(socket);
  }

  /** A TLS handshake ended: the connection is now served over `secure`, the TLS socket on `raw`. */
  adopt(raw: Duplex, secure: Duplex): ConnectionWatch | undefined {
    const watch = this.#entries.get(raw);
    if (!watch) return undefined;
    this.#entries.delete(raw);
    this.#entries.set(secure, watch);
    watch.socket = secure;
    secure.once('close', () => {
      watch.release();
      this.#entries.delete(secure);
    });
    return watch;
  }

  /** The deadline a phase has, and what passing it is called. */
  deadlineOf(phase: ConnectionPhase): { ms: number; reason: DropReason } | undefined {
    const t = this.timeouts;
    switch (phase) {
      case 'tls_handshake':
        return { ms: t.handshakeMs, reason: 'handshake_timeout' };
      case 'protocol':
        return { ms: t.protocolMs, reason: 'protocol_timeout' };
      case 'http1_head':
        return { ms: t.http1HeadMs, reason: 'http1_head_timeout' };
      case 'http1_drain':
        return { ms: t.http1HeadMs, reason: 'http1_request_timeout' };
      case 'http1_request':
        return { ms: t.http1RequestMs, reason: 'http1_request_timeout' };
      default:
        return undefined;
    }
  }

  /** Cut a connection for a reason of ours. */
  drop(watch: ConnectionWatch, reason: DropReason): void {
    if (watch.socket.destroyed) return;
    this.report(watch, reason);
    watch.socket.destroy();
  }

  /** Say that the server is ending a connection for a reason of its own (it closes it its own way, e.g. after a GOAWAY). */
  report(watch: ConnectionWatch, reason: DropReason): void {
    this.#onDrop({ reason, phase: watch.phase, ageMs: Math.round(now() - watch.acceptedAt), remoteAddress: remoteAddress(watch.socket), connection: watch.connection });
  }

  /** The server is closing: connections not being served go now. */
  destroyWaiting(): void {
    for (const watch of [...this.#entries.values()]) if (WAITING.has(watch.phase)) watch.socket.destroy();
  }

  /** The server's close deadline passed: every connection goes. */
  destroyAll(): void {
    for (const watch of [...this.#entries.values()]) watch.socket.destroy();
  }

  #evictOneWaiting(): boolean {
    for (const watch of this.#entries.values()) {
      if (!WAITING.has(watch.phase) || watch.socket.destroyed) continue;
      this.drop(watch, 'max_connections');
      this.#entries.delete(watch.socket); // its 'close' comes later; its place is taken now
      watch.release();
      return true;
    }
    return false;
  }
}

function remoteAddress(socket: Duplex): string | undefined {
  return (socket as { remoteAddress?: string }).remoteAddress;
}

/**
 * The default maxConnections: below the process's limit on open files, so
 * that connections never use up the descriptors the server needs to accept
 * (and to open anything else): 90% of the soft limit in /proc/self/limits,
 * at most 10,000; 10,000 where the limit cannot be read.
 */
export function defaultMaxConnections(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'latin1')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    if (Number.isInteger(soft) && soft > 0) return Math.max(1, Math.min(10_000, Math.floor(soft * 0.9)));
  } catch {
    /* not Linux: no limit to read */
  }
  return 10_000;
}
