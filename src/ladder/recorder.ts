// Trace records kept in memory, per connection, for the explorer and for
// `get --ladder`: what a ladder is drawn from. A peer decides how many
// frames there are, so what is kept has a budget: per connection (oldest
// records dropped first, and counted), in connections (the oldest closed
// ones forgotten first), and per frame (large frames keep their decoded
// fields but not their octets, long values are cut; a trace file keeps
// everything).

import type { TraceRecord, TraceSink } from '../trace.js';
import { traceRecordToJSON, type TraceRecordJSON } from '../trace-format.js';
import type { ConnectionSummary } from './ladder.js';

export interface RecorderLimits {
  /** Connections remembered; past it the oldest closed one (else the oldest) is forgotten. Default 32. */
  maxConnections: number;
  /** Octets of JSON kept per connection; past it its oldest records go. Default 1 MiB. */
  bytesPerConnection: number;
  /** Frames longer than this keep no octets in memory. Default 2,048. */
  maxFrameOctets: number;
  /** Field and table entry values longer than this are cut (with a note of how much) in memory. Default 256. */
  maxValueLength: number;
}

export const DEFAULT_RECORDER_LIMITS: RecorderLimits = { maxConnections: 32, bytesPerConnection: 1024 * 1024, maxFrameOctets: 2048, maxValueLength: 256 };

interface Kept {
  index: number;
  json: TraceRecordJSON;
  size: number;
}

interface ConnectionRecords {
  summary: ConnectionSummary;
  kept: Kept[];
  /** Index of kept[0] among all the records of the connection. */
  first: number;
  next: number;
  bytes: number;
  dropped: number;
  listeners: Set<RecordListener>;
}

/** Hears a record as it is kept: its index among the connection's records, and about how many octets it holds. */
export type RecordListener = (record: TraceRecordJSON, index: number, size: number) => void;

export class TraceRecorder {
  readonly limits: RecorderLimits;
  readonly #connections = new Map<number, ConnectionRecords>();
  readonly sink: TraceSink = (record) => this.record(record);

  constructor(limits: Partial<RecorderLimits> = {}) {
    this.limits = { ...DEFAULT_RECORDER_LIMITS, ...limits };
  }

  record(record: TraceRecord): void {
    const json = traceRecordToJSON(record);
    if (json.kind === 'frame' && json.octets !== null && json.octets.length / 2 > this.limits.maxFrameOctets) {
      json.octets = null;
      json.octetsOmitted = true;
      if ('data' in json.frame) json.frame = { ...json.frame, data: `(${record.kind === 'frame' ? record.length : 0} octets, not kept)` };
    }
    const cut = this.limits.maxValueLength;
    const shorten = <T extends { value: string }>(list: T[]): T[] => (list.some((f) => f.value.length > cut) ? list.map((f) => (f.value.length > cut ? { ...f, value: `${f.value.slice(0, cut)}… (${f.value.length - cut} more)` } : f)) : list);
    if (json.kind === 'fields') json.fields = shorten(json.fields);
    else if (json.kind === 'hpack') {
      json.inserted = shorten(json.inserted);
      json.evicted = shorten(json.evicted);
    }
    const c = this.#connection(record.connection);
    if (json.kind === 'open') c.summary.transport = json.transport;
    else if (json.kind === 'frame') c.summary.frames++;
    else if (json.kind === 'close') c.summary.closed = true;
    const size = approximateSize(json);
    c.kept.push({ index: c.next, json, size });
    c.next++;
    c.bytes += size;
    while (c.bytes > this.limits.bytesPerConnection && c.kept.length > 1) {
      c.bytes -= c.kept.shift()!.size;
      c.first++;
      c.dropped++;
    }
    for (const listener of c.listeners) listener(json, c.next - 1, size);
  }

  /** Connections remembered, oldest first. */
  connections(): ConnectionSummary[] {
    return [...this.#connections.values()].map((c) => ({ ...c.summary }));
  }

  has(connection: number): boolean {
    return this.#connections.has(connection);
  }

  /** A connection's records from index `from` on (those still kept) with about how many octets each holds, and the index to ask from next time. */
  records(connection: number, from = 0): { records: TraceRecordJSON[]; sizes: number[]; next: number; dropped: number } {
    const c = this.#connections.get(connection);
    if (!c) return { records: [], sizes: [], next: 0, dropped: 0 };
    const kept = c.kept.slice(Math.max(0, from - c.first));
    return { records: kept.map((k) => k.json), sizes: kept.map((k) => k.size), next: c.next, dropped: c.dropped };
  }

  /** Hear each new record of a connection; returns the way to stop. */
  subscribe(connection: number, listener: RecordListener): () => void {
    const c = this.#connection(connection);
    c.listeners.add(listener);
    return () => c.listeners.delete(listener);
  }

  /** Octets of JSON held, all connections together (approximately: string lengths). */
  heldBytes(): number {
    let n = 0;
    for (const c of this.#connections.values()) n += c.bytes;
    return n;
  }

  #connection(connection: number): ConnectionRecords {
    let c = this.#connections.get(connection);
    if (c) return c;
    c = { summary: { connection, transport: '', frames: 0, closed: false }, kept: [], first: 0, next: 0, bytes: 0, dropped: 0, listeners: new Set() };
    this.#connections.set(connection, c);
    if (this.#connections.size > this.limits.maxConnections) {
      const victims = [...this.#connections.values()].filter((v) => v !== c && v.listeners.size === 0);
      const victim = victims.find((v) => v.summary.closed) ?? victims[0];
      if (victim) this.#connections.delete(victim.summary.connection);
    }
    return c;
  }
}

/** About what a record holds: its JSON's length (strings dominate; octets are hex). */
function approximateSize(json: TraceRecordJSON): number {
  return JSON.stringify(json).length + 64;
}
