// The trace file format (docs/trace-format.md): one JSON object per line
// (JSON Lines). The first line says what the file is; each next one is a
// trace record as plain JSON, octets in lowercase hex. The ladder, the
// explorer and `h2wire view` read this format; `--trace-file` writes it.

import { createWriteStream, type WriteStream } from 'node:fs';
import { describeConnectionState } from './connection/connection-state.js';
import { stateName } from './connection/stream-states.js';
import { frameFlags } from './frames/encode.js';
import { formatFrame } from './frames/format.js';
import { frameToJSON } from './frames/json.js';
import type { PushDecision, TraceRecord, TraceSink } from './trace.js';

export const TRACE_FORMAT = 'h2wire-trace';
export const TRACE_FORMAT_VERSION = 1;

/** The first line of a trace file. */
export interface TraceHeaderJSON {
  kind: 'trace';
  format: typeof TRACE_FORMAT;
  version: number;
  /** The side that recorded it: 'server' (in = from the client) or 'client'. */
  perspective: 'server' | 'client';
  /** Wall-clock time of t = 0, ISO 8601. */
  startedAt: string;
  /** What made it, e.g. "h2wire demo". */
  source?: string;
}

export interface WindowPairJSON {
  send: number;
  receive: number;
}

export interface TableEntryJSON {
  name: string;
  value: string;
  size: number;
}

/** What a header block did to a dynamic table (RFC 7541 §4), as JSON. */
export interface HpackChangeJSON {
  direction: 'in' | 'out';
  inserted: TableEntryJSON[];
  evicted: TableEntryJSON[];
  insertedAndEvicted: number;
  resizedFrom: number | null;
  size: number;
  maxSize: number;
  entries: number;
}

export interface FieldJSON {
  name: string;
  value: string;
  sensitive?: boolean;
}

interface CommonJSON {
  /** Milliseconds since startedAt. */
  t: number;
  connection: number;
  /** The text trace's line. */
  line: string;
}

export type TraceRecordJSON =
  | (CommonJSON & { kind: 'open'; transport: string })
  | (CommonJSON & {
      kind: 'frame';
      seq: number;
      direction: 'in' | 'out';
      type: string;
      streamId: number;
      flags: number;
      /** Payload length (the frame header's Length). */
      length: number;
      /** formatFrame(): the words of the text trace. */
      summary: string;
      /** The decoded frame (frameToJSON): octet fields in hex. */
      frame: Record<string, unknown>;
      /** The whole frame on the wire, header included, in hex; null when not recorded or redacted. */
      octets: string | null;
      /** The block carried a credential: octets and block left out (see --show-secrets). */
      redacted?: boolean;
      /** Octets left out by an in-memory recorder to bound what it holds (a file keeps them). */
      octetsOmitted?: boolean;
    })
  | (CommonJSON & { kind: 'windows'; seq: number; streamId: number; connectionWindow: WindowPairJSON; streamWindow: WindowPairJSON | null })
  | (CommonJSON & { kind: 'hpack'; streamId: number } & HpackChangeJSON)
  | (CommonJSON & { kind: 'state'; streamId: number; from: string; to: string })
  | (CommonJSON & { kind: 'connection_state'; from: string; to: string })
  | (CommonJSON & { kind: 'fields'; direction: 'in' | 'out'; streamId: number; fields: FieldJSON[] })
  | (CommonJSON & { kind: 'push' } & PushDecision)
  | (CommonJSON & { kind: 'note' })
  | (CommonJSON & { kind: 'close' });

export type TraceLineJSON = TraceHeaderJSON | TraceRecordJSON;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** A trace record as the plain JSON of the format. */
export function traceRecordToJSON(record: TraceRecord): TraceRecordJSON {
  const common = { t: record.t, connection: record.connection, line: record.line };
  switch (record.kind) {
    case 'open':
      return { kind: 'open', ...common, transport: record.transport };
    case 'frame': {
      const f = record.frame;
      const json: TraceRecordJSON = {
        kind: 'frame',
        ...common,
        seq: record.seq,
        direction: record.direction,
        type: f.type === 'UNKNOWN' ? `UNKNOWN(0x${f.frameType.toString(16).padStart(2, '0')})` : f.type,
        streamId: f.streamId,
        flags: frameFlags(f),
        length: record.length,
        summary: formatFrame(f),
        frame: record.redacted ? { ...frameToJSON(f), headerBlock: null } : frameToJSON(f),
        octets: record.octets ? hex(record.octets) : null,
      };
      if (record.redacted) json.redacted = true;
      return json;
    }
    case 'windows':
      return { kind: 'windows', ...common, seq: record.seq, streamId: record.streamId, connectionWindow: { ...record.windows.connection }, streamWindow: record.windows.stream ? { ...record.windows.stream } : null };
    case 'hpack': {
      const c = record.change;
      const entries = (list: typeof c.inserted) => list.map((e) => ({ name: e.name, value: e.value, size: e.size }));
      return {
        kind: 'hpack',
        ...common,
        direction: record.direction,
        streamId: record.streamId,
        inserted: entries(c.inserted),
        evicted: entries(c.evicted),
        insertedAndEvicted: c.insertedAndEvicted,
        resizedFrom: c.resizedFrom ?? null,
        size: c.size,
        maxSize: c.maxSize,
        entries: c.length,
      };
    }
    case 'state':
      return { kind: 'state', ...common, streamId: record.streamId, from: stateName(record.from), to: stateName(record.to) };
    case 'connection_state':
      return { kind: 'connection_state', ...common, from: describeConnectionState(record.from), to: describeConnectionState(record.to) };
    case 'fields':
      return { kind: 'fields', ...common, direction: record.direction, streamId: record.streamId, fields: record.fields.map((f) => (f.sensitive ? { name: f.name, value: f.value, sensitive: true } : { name: f.name, value: f.value })) };
    case 'push': {
      const { kind: _kind, connection: _c, line: _l, t: _t, ...decision } = record;
      return { kind: 'push', ...common, ...decision };
    }
    case 'note':
      return { kind: 'note', ...common };
    case 'close':
      return { kind: 'close', ...common };
  }
}

export function traceHeader(perspective: 'server' | 'client', source: string, startedAt = new Date()): TraceHeaderJSON {
  return { kind: 'trace', format: TRACE_FORMAT, version: TRACE_FORMAT_VERSION, perspective, startedAt: startedAt.toISOString(), source };
}

/** A trace file that cannot be read: where and why. */
export class TraceFileError extends Error {
  override readonly name = 'TraceFileError';
  constructor(
    readonly lineNumber: number,
    reason: string,
  ) {
    super(lineNumber > 0 ? `line ${lineNumber}: ${reason}` : reason);
  }
}

const KINDS: ReadonlySet<string> = new Set(['open', 'frame', 'windows', 'hpack', 'state', 'connection_state', 'fields', 'push', 'note', 'close']);

/**
 * Read a trace file's text: its header and its records, checked far enough
 * that the ladder can draw them (each record an object of a known kind with
 * a numeric t and connection). Records of kinds this version does not know
 * are skipped, so newer files still open.
 */
export function parseTraceFile(text: string): { header: TraceHeaderJSON; records: TraceRecordJSON[] } {
  const lines = text.split('\n');
  let header: TraceHeaderJSON | undefined;
  const records: TraceRecordJSON[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new TraceFileError(i + 1, `not JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TraceFileError(i + 1, 'not a JSON object');
    try {
      JSON.stringify(value); // what the page embeds: a value nested too deeply to write back is refused here
    } catch {
      throw new TraceFileError(i + 1, 'nested too deeply to draw');
    }
    const o = value as Record<string, unknown>;
    if (!header) {
      if (o.kind !== 'trace' || o.format !== TRACE_FORMAT) throw new TraceFileError(i + 1, `the first line is not an ${TRACE_FORMAT} header: is this a trace file written by --trace-file?`);
      if (typeof o.version !== 'number' || o.version > TRACE_FORMAT_VERSION) throw new TraceFileError(i + 1, `format version ${String(o.version)}: this h2wire reads version ${TRACE_FORMAT_VERSION}; a newer h2wire wrote it`);
      if (o.perspective !== 'server' && o.perspective !== 'client') throw new TraceFileError(i + 1, 'perspective must be "server" or "client"');
      header = o as unknown as TraceHeaderJSON;
      continue;
    }
    if (typeof o.kind !== 'string') throw new TraceFileError(i + 1, 'a record without a kind');
    if (!KINDS.has(o.kind)) continue;
    if (typeof o.t !== 'number' || typeof o.connection !== 'number' || typeof o.line !== 'string') throw new TraceFileError(i + 1, `a ${o.kind} record needs numbers t and connection, and a line`);
    if (o.kind === 'frame' && (typeof o.seq !== 'number' || (o.direction !== 'in' && o.direction !== 'out') || typeof o.type !== 'string' || typeof o.streamId !== 'number'))
      throw new TraceFileError(i + 1, 'a frame record needs seq, direction ("in" or "out"), type and streamId');
    records.push(o as unknown as TraceRecordJSON);
  }
  if (!header) throw new TraceFileError(0, 'the file is empty: no trace header');
  return { header, records };
}

/** Octets of JSON Lines buffered for the disk before records are dropped (a disk slower than the connections). */
export const TRACE_FILE_BUFFER_LIMIT = 16 * 1024 * 1024;

/**
 * Writes a trace file as records come: the header, then one line per
 * record. If the disk falls behind by TRACE_FILE_BUFFER_LIMIT, records are
 * dropped (and counted in a note once it catches up) rather than held.
 */
export class TraceFileWriter {
  readonly #stream: WriteStream;
  #dropped = 0;
  #error: Error | undefined;
  readonly sink: TraceSink;

  constructor(
    readonly path: string,
    perspective: 'server' | 'client',
    source: string,
  ) {
    this.#stream = createWriteStream(path, { flags: 'w' });
    this.#stream.on('error', (e) => (this.#error = e));
    this.#stream.write(`${JSON.stringify(traceHeader(perspective, source))}\n`);
    this.sink = (record) => this.write(record);
  }

  write(record: TraceRecord): void {
    if (this.#error) return;
    if (this.#stream.writableLength > TRACE_FILE_BUFFER_LIMIT) {
      this.#dropped++;
      return;
    }
    if (this.#dropped > 0) {
      const note = { kind: 'note', t: record.t, connection: record.connection, line: `#${record.connection} (trace file: ${this.#dropped} records dropped while the disk caught up)` };
      this.#stream.write(`${JSON.stringify(note)}\n`);
      this.#dropped = 0;
    }
    this.#stream.write(`${JSON.stringify(traceRecordToJSON(record))}\n`);
  }

  /** Flush and close; rejects with the write error, if one happened. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#stream.end(() => (this.#error ? reject(this.#error) : resolve()));
    });
  }
}
