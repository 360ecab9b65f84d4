// qlog output (docs/qlog.md): h2wire's trace records as the events of the
// HTTP/2 qlog draft (draft-pardue-httpbis-qlog-h2-events, "H2-EVENTS"
// below), in files laid out by the qlog main schema
// (draft-ietf-quic-qlog-main-schema, "QLOG-MAIN").
//
// Two parts:
//   - QlogConverter: a pure converter (no I/O, no clock) from the trace
//     records' JSON form (traceRecordToJSON) to qlog events;
//   - QlogWriter: a TraceSink that streams those events to one JSON Text
//     Sequences file (.sqlog) per connection, memory bounded.
//
// What the draft defines is written under its `http2` namespace; what it
// does not (stream states, windows, HPACK tables, push decisions, notes)
// goes to the main schema's generic `loglevel` events as a message, never to
// invented `http2:` events. docs/qlog.md has the table and the ambiguities.

import { accessSync, constants as fsConstants, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { FlagsByType, FRAME_HEADER_LENGTH, settingName, type FrameTypeName } from './frames/constants.js';
import { makeDirectories } from './make-directory.js';
import type { TraceSink } from './trace.js';
import { TRACE_FILE_BUFFER_LIMIT, traceRecordToJSON, type FieldJSON, type TraceRecordJSON } from './trace-format.js';

// ---------------------------------------------------------------------------
// Identifiers

/**
 * The HTTP/2 event schema URI. H2-EVENTS §3.1: a draft implementation MUST
 * append "-" and the draft number to urn:ietf:params:qlog:events:http2. The
 * copy we implement is the editor's copy ("-latest", no number); -00 is the
 * only number published, so that is the one we claim (docs/qlog.md,
 * "Where the draft is ambiguous").
 */
export const QLOG_HTTP2_SCHEMA = 'urn:ietf:params:qlog:events:http2-00';
/** QLOG-MAIN §9.1 (Loglevel events). */
export const QLOG_LOGLEVEL_SCHEMA = 'urn:ietf:params:qlog:events:loglevel';
/** QLOG-MAIN §5 (QlogFileSeq schema). */
export const QLOG_FILE_SEQ_SCHEMA = 'urn:ietf:params:qlog:file:sequential';
/** QLOG-MAIN §11.2 (qlog to JSON Text Sequences mapping), §15.1.2 (media type). */
export const QLOG_JSON_SEQ_MEDIA_TYPE = 'application/qlog+json-seq';
/** RFC 7464 §2: each JSON text of a sequence starts with RS (0x1E) and ends with LF. */
export const RECORD_SEPARATOR = '\x1e';

// ---------------------------------------------------------------------------
// Shapes (TypeScript mirrors of the CDDL; the test's schema checks them)

/** H2-EVENTS §5.2 HTTP2HTTPField: `name` or `name_bytes`, and `value` or `value_bytes` or neither. */
export interface QlogHttpField {
  name?: string;
  name_bytes?: string;
  value?: string;
  value_bytes?: string;
}

/** H2-EVENTS §5.2 HTTP2Setting. */
export interface QlogSetting {
  name: string;
  /** Only when name is "unknown": the identifier as a number. */
  name_bytes?: number;
  value: number;
}

/** H2-EVENTS §5.2 $HTTP2Frame: a map with frame_type, and per type the fields in frameToQlog(). */
export type QlogFrame = { frame_type: string } & Record<string, unknown>;

/** QLOG-MAIN §10 RawInfo. */
export interface QlogRawInfo {
  length?: number;
  payload_length?: number;
  data?: string;
}

/** H2-EVENTS §4.3, §4.4 (frame_created, frame_parsed), with h2wire's two extension fields. */
export interface QlogFrameEventData {
  stream_id: number;
  length?: number;
  frame: QlogFrame;
  raw?: QlogRawInfo;
  /** h2wire extension (the $$http2-frame*-extension group socket): the frame header's Flags octet, RFC 9113 §4.1. */
  flags: number;
  /** h2wire extension: the flags set, by their RFC 9113 §6 names (e.g. ["END_STREAM"]). */
  flag_names: string[];
}

/** H2-EVENTS §4.1 HTTP2ParametersSet. */
export type QlogParametersSetData = { owner: 'local' | 'remote' } & Record<string, string | number>;

/** QLOG-MAIN §9.1 LogLevel* data. */
export interface QlogLogLevelData {
  code?: number;
  message: string;
}

/** QLOG-MAIN §7 Event (time, name, data); the rest of its fields live in common_fields. */
export type QlogEvent =
  | { time: number; name: 'http2:frame_created' | 'http2:frame_parsed'; data: QlogFrameEventData }
  | { time: number; name: 'http2:parameters_set'; data: QlogParametersSetData }
  | { time: number; name: `loglevel:${'error' | 'warning' | 'info' | 'debug' | 'verbose'}`; data: QlogLogLevelData };

/** QLOG-MAIN §5 QlogFileSeq: the first record of a .sqlog file, with its TraceSeq (§5.1). */
export interface QlogFileSeqHeader {
  file_schema: typeof QLOG_FILE_SEQ_SCHEMA;
  serialization_format: typeof QLOG_JSON_SEQ_MEDIA_TYPE;
  title: string;
  description: string;
  trace: {
    title: string;
    common_fields: {
      group_id: string;
      time_format: 'relative_to_epoch';
      reference_time: { clock_type: 'monotonic'; epoch: 'unknown'; wall_clock_time: string };
    };
    vantage_point: { name: string; type: 'server' | 'client' };
    event_schemas: string[];
  };
}

/**
 * The first record of a connection's file. Times: a record's `t` is
 * milliseconds on a monotonic clock (performance.now) since the tracer
 * started, so the reference clock is "monotonic", whose epoch MUST be
 * "unknown"; the wall-clock time at t = 0 goes in wall_clock_time
 * (QLOG-MAIN §7.1 ReferenceTime). Every event's `time` is then its `t`
 * (time_format relative_to_epoch, the default, §7.1).
 */
export function qlogFileHeader(perspective: 'server' | 'client', source: string, connection: number, startedAt: Date): QlogFileSeqHeader {
  // file_schema and serialization_format first: SHOULD be in the first 256 octets (QLOG-MAIN §3).
  return {
    file_schema: QLOG_FILE_SEQ_SCHEMA,
    serialization_format: QLOG_JSON_SEQ_MEDIA_TYPE,
    title: `h2wire qlog: connection ${connection}`,
    description: `HTTP/2 frames of connection ${connection} as the ${perspective} saw them, from ${source}`,
    trace: {
      title: `connection ${connection} (${perspective})`,
      common_fields: {
        group_id: String(connection), // QLOG-MAIN §7.3: one logical group per trace, so logged once here
        time_format: 'relative_to_epoch',
        reference_time: { clock_type: 'monotonic', epoch: 'unknown', wall_clock_time: startedAt.toISOString() },
      },
      vantage_point: { name: source, type: perspective }, // QLOG-MAIN §6
      event_schemas: [QLOG_HTTP2_SCHEMA, QLOG_LOGLEVEL_SCHEMA],
    },
  };
}

/** One JSON-SEQ record (RFC 7464 §2; QLOG-MAIN §11.2): RS, the JSON text, LF. */
export function jsonSeqRecord(value: unknown): string {
  return `${RECORD_SEPARATOR}${JSON.stringify(value)}\n`;
}

// ---------------------------------------------------------------------------
// Frames

/**
 * $HTTP2SettingsName (H2-EVENTS §5.2.3): the registered name (RFC 9113
 * §6.5.2, and the extensions constants.ts names) in lower case, but for
 * 0x8, which the draft calls extended_connect (RFC 8441 §3).
 */
const qlogSettingName = (id: number): string | undefined => (id === 0x8 ? 'extended_connect' : settingName(id)?.toLowerCase());

/** The key of an unknown setting in parameters_set, whose extra fields the draft allows but does not name (H2-EVENTS §4.1). */
export const unknownSettingKey = (id: number): string => `unknown_0x${id.toString(16).padStart(4, '0')}`;

type FrameJSON = Record<string, unknown> & { type: string };

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const hexOf = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');

/**
 * A decoded frame (frameToJSON's form) as an $HTTP2Frame (H2-EVENTS §5.2).
 * frame_type is the RFC 9113 §6 name in lower case, as the draft writes
 * "push_promise" and "goaway".
 * For the types the draft lists in HTTP2BaseFrames but never defines
 * (priority, rst_stream, ping, window_update, continuation), the fields
 * are RFC 9113 §6's, in snake case. A header block's fields are added by
 * the converter when its `fields` record comes.
 */
export function frameToQlog(frame: FrameJSON): QlogFrame {
  switch (frame.type) {
    case 'DATA':
      return { frame_type: 'data' }; // §5.2.1: the body is in the event's raw.data
    case 'HEADERS':
      return { frame_type: 'headers', headers: [] };
    case 'PRIORITY': {
      const p = (frame.priority ?? {}) as Record<string, unknown>; // RFC 9113 §6.3 (RFC 7540 §6.3 fields)
      return { frame_type: 'priority', exclusive: p.exclusive === true, stream_dependency: num(p.dependsOn), weight: num(p.weight) };
    }
    case 'RST_STREAM':
      return { frame_type: 'rst_stream', error_code: num(frame.errorCode) }; // RFC 9113 §6.4
    case 'SETTINGS': {
      const list = Array.isArray(frame.settings) ? (frame.settings as Array<{ id: number; value: number }>) : [];
      return { frame_type: 'settings', settings: list.map(settingToQlog) };
    }
    case 'PUSH_PROMISE':
      // The draft calls it push_id (an HTTP/3 word); in HTTP/2 it is the Promised Stream ID (RFC 9113 §6.6).
      return { frame_type: 'push_promise', push_id: num(frame.promisedStreamId), headers: [] };
    case 'PING':
      return { frame_type: 'ping', opaque_data: hexOf(frame.data) }; // RFC 9113 §6.7
    case 'GOAWAY':
      // §5.2.5: stream_id is the frame's Last-Stream-ID (the event's own stream_id is 0).
      return { frame_type: 'goaway', stream_id: num(frame.lastStreamId), error_code: num(frame.errorCode), additional_debug_data: hexOf(frame.debugData) };
    case 'WINDOW_UPDATE':
      return { frame_type: 'window_update', window_size_increment: num(frame.windowSizeIncrement) }; // RFC 9113 §6.9
    case 'CONTINUATION':
      return { frame_type: 'continuation' }; // its fragment is part of the HEADERS/PUSH_PROMISE event's headers
    default:
      return { frame_type: 'unknown', frame_type_bytes: num(frame.frameType) }; // §5.2.6
  }
}

function settingToQlog(s: { id: number; value: number }): QlogSetting {
  const name = qlogSettingName(s.id);
  return name ? { name: `settings_${name}`, value: s.value } : { name: 'unknown', name_bytes: s.id, value: s.value };
}

/** The named flags set in a flags octet, for a frame type (unknown types name none). */
function flagNames(type: string, flags: number): string[] {
  const defined = FlagsByType[type as FrameTypeName] ?? [];
  return defined.filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
}

// A field name is safe as text when it is a token (RFC 9110 §5.1, §5.6.2),
// a pseudo-header's ':' aside (RFC 9113 §8.3); a value when it is visible
// ASCII, space or tab (RFC 9110 §5.5, obs-text excluded: it is not text).
// Anything else goes in *_bytes as hex (H2-EVENTS §5.2.2).
const TOKEN = /^:?[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VISIBLE = /^[\t\x20-\x7e]*$/;
const latin1Hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');

/** A decoded field as an HTTP2HTTPField (H2-EVENTS §5.2.2). */
export function fieldToQlog(field: FieldJSON): QlogHttpField {
  const out: QlogHttpField = {};
  if (TOKEN.test(field.name)) out.name = field.name;
  else out.name_bytes = latin1Hex(field.name);
  if (VISIBLE.test(field.value)) out.value = field.value;
  else out.value_bytes = latin1Hex(field.value);
  return out;
}

/** parameters_set (H2-EVENTS §4.1) for a SETTINGS frame: the last value of a repeated identifier wins (RFC 9113 §6.5.3). */
export function parametersSet(owner: 'local' | 'remote', settings: ReadonlyArray<{ id: number; value: number }>): QlogParametersSetData {
  const data: QlogParametersSetData = { owner };
  for (const s of settings) data[qlogSettingName(s.id) ?? unknownSettingKey(s.id)] = s.value;
  return data;
}

// ---------------------------------------------------------------------------
// The converter

/** A header block's frames are held until its fields come; past this many held events they go without them. */
export const QLOG_HOLD_LIMIT = 256;

interface ConnectionState {
  /** Events held from a HEADERS or PUSH_PROMISE until its decoded fields come (the `fields` record follows its frames). */
  held: QlogEvent[];
  /** The header block still waiting for its fields, per direction (in and out blocks can overlap). */
  waiting: { in?: QlogFrame; out?: QlogFrame };
}

/** Records after which nothing more will come for a waiting block: the connection failed, said something, or ended. */
const RELEASES: ReadonlySet<TraceRecordJSON['kind']> = new Set(['connection_state', 'note', 'close']);

/** "#3                  stream 1: idle → open" → "stream 1: idle → open". */
const message = (line: string) => line.replace(/^#\d+\s+/, '');

/**
 * Turns trace records (their JSON form) into qlog events, in order. Pure:
 * no I/O, no clock; the only state is, per connection, a header block's
 * events held until its fields are known (the draft puts the fields in the
 * HEADERS frame, H2-EVENTS §5.2.2; our trace records them after the frames
 * that carried them). A connection's state is dropped at its `close`.
 */
export class QlogConverter {
  readonly #connections = new Map<number, ConnectionState>();

  constructor(readonly perspective: 'server' | 'client') {}

  /** The events this record yields (all of its connection), possibly with earlier ones it releases. */
  push(record: TraceRecordJSON): QlogEvent[] {
    let c = this.#connections.get(record.connection);
    if (!c) this.#connections.set(record.connection, (c = { held: [], waiting: {} }));
    const events = this.#convert(record, c);
    if (record.kind === 'close') this.#connections.delete(record.connection);
    if (c.waiting.in || c.waiting.out) {
      if (RELEASES.has(record.kind) || c.held.length + events.length > QLOG_HOLD_LIMIT) {
        c.waiting = {};
      } else {
        c.held.push(...events);
        return [];
      }
    }
    if (c.held.length === 0) return events;
    const out = [...c.held, ...events];
    c.held = [];
    return out;
  }

  /** Events still held for a connection (a header block whose fields never came), e.g. when its file is closed. */
  flush(connection: number): QlogEvent[] {
    const c = this.#connections.get(connection);
    this.#connections.delete(connection);
    return c ? c.held : [];
  }

  /** Every connection's held events (see flush), e.g. when the writer closes. */
  flushAll(): Map<number, QlogEvent[]> {
    const out = new Map<number, QlogEvent[]>();
    for (const connection of [...this.#connections.keys()]) out.set(connection, this.flush(connection));
    return out;
  }

  #convert(record: TraceRecordJSON, c: ConnectionState): QlogEvent[] {
    const time = record.t;
    switch (record.kind) {
      case 'frame': {
        const frame = frameToQlog(record.frame as FrameJSON);
        const type = String(record.frame.type);
        const data: QlogFrameEventData = {
          stream_id: record.streamId,
          length: record.length, // the frame header's Length (RFC 9113 §4.1): the payload's
          frame,
          raw: { length: FRAME_HEADER_LENGTH + record.length, payload_length: record.length },
          flags: record.flags,
          flag_names: flagNames(type, record.flags),
        };
        if (record.octets !== null) data.raw!.data = record.octets; // the whole frame, header included (QLOG-MAIN §10)
        const events: QlogEvent[] = [{ time, name: record.direction === 'out' ? 'http2:frame_created' : 'http2:frame_parsed', data }];
        if (type === 'SETTINGS' && record.frame.ack !== true) {
          // Our SETTINGS are "local", the peer's "remote" (H2-EVENTS §4.1, §5.1).
          const owner = record.direction === 'out' ? 'local' : 'remote';
          events.push({ time, name: 'http2:parameters_set', data: parametersSet(owner, (record.frame.settings ?? []) as Array<{ id: number; value: number }>) });
        }
        if (type === 'HEADERS' || type === 'PUSH_PROMISE') c.waiting[record.direction] = frame;
        return events;
      }
      case 'fields': {
        // The decoded fields of the last header block of this direction: into its HEADERS or PUSH_PROMISE frame.
        const frame = c.waiting[record.direction];
        if (frame) {
          frame.headers = record.fields.map(fieldToQlog);
          c.waiting[record.direction] = undefined;
        }
        return [];
      }
      // Not in H2-EVENTS: generic loglevel events (QLOG-MAIN §9.1), the text trace's line as message.
      case 'state':
        return [{ time, name: 'loglevel:debug', data: { message: message(record.line) } }];
      case 'windows':
      case 'hpack':
        return [{ time, name: 'loglevel:verbose', data: { message: message(record.line) } }];
      case 'open':
      case 'connection_state':
      case 'push':
      case 'note':
      case 'close':
        return [{ time, name: 'loglevel:info', data: { message: message(record.line) } }];
    }
  }
}

/** All the events of a list of records (of one connection, for one file), nothing held back. */
export function toQlogEvents(records: readonly TraceRecordJSON[], perspective: 'server' | 'client'): QlogEvent[] {
  const converter = new QlogConverter(perspective);
  const events = records.flatMap((r) => converter.push(r));
  const connections = new Set(records.map((r) => r.connection));
  for (const c of connections) events.push(...converter.flush(c));
  return events;
}

// ---------------------------------------------------------------------------
// The writer

export interface QlogWriterOptions {
  /** Octets waiting for the disk, all files together, before events are dropped. Default TRACE_FILE_BUFFER_LIMIT (16 MiB). */
  bufferLimit?: number;
}

interface OpenFile {
  path: string;
  stream: WriteStream;
  failed: boolean;
}

/**
 * Writes qlog files as records come: one JSON-SEQ file (.sqlog) per
 * connection in `directory`, its header first, then one record per event,
 * written as it is made (memory stays bounded on long connections). A
 * file is closed at its connection's `close` record, and every file at
 * close(). If the disk falls behind by `bufferLimit` octets, events are
 * dropped and counted, then reported in a loglevel:warning once it caught
 * up (as TraceFileWriter does with its records).
 */
export class QlogWriter {
  readonly sink: TraceSink;
  readonly startedAt = new Date();
  readonly #converter: QlogConverter;
  readonly #files = new Map<number, OpenFile>();
  /** Files being closed: kept until they are (a long-running server closes many). */
  readonly #closing = new Set<Promise<void>>();
  /** Paths of files open or closing (bounded like them): names not to give again. */
  readonly #unclosedPaths = new Set<string>();
  readonly #bufferLimit: number;
  #buffered = 0;
  #dropped = 0;
  #error: Error | undefined;
  #closed = false;

  /** Throws, with what to do, if `directory` cannot be made or written to. */
  constructor(
    readonly directory: string,
    readonly perspective: 'server' | 'client',
    readonly source: string,
    options: QlogWriterOptions = {},
  ) {
    makeDirectories(directory, 'qlog files');
    try {
      accessSync(directory, fsConstants.W_OK);
    } catch (e) {
      throw new Error(`cannot write qlog files in ${directory}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; choose a directory you may write to`);
    }
    this.#converter = new QlogConverter(perspective);
    this.#bufferLimit = options.bufferLimit ?? TRACE_FILE_BUFFER_LIMIT;
    this.sink = (record) => this.write(traceRecordToJSON(record));
  }

  /** A record in its JSON form (the sink converts live records with traceRecordToJSON). */
  write(record: TraceRecordJSON): void {
    if (this.#closed) return;
    const events = this.#converter.push(record);
    if (events.length > 0) {
      const file = this.#files.get(record.connection) ?? this.#open(record.connection);
      for (const event of events) this.#append(file, event);
    }
    if (record.kind === 'close') this.#end(record.connection);
  }

  /** Flush and close every file; rejects with the first write error, if one happened. */
  async close(): Promise<void> {
    if (!this.#closed) {
      for (const [connection, events] of this.#converter.flushAll()) {
        if (events.length === 0) continue;
        const file = this.#files.get(connection) ?? this.#open(connection);
        for (const event of events) this.#append(file, event);
      }
      for (const connection of [...this.#files.keys()]) this.#end(connection);
      this.#closed = true;
    }
    await Promise.all([...this.#closing]);
    if (this.#error) throw this.#error;
  }

  #open(connection: number): OpenFile {
    const stamp = this.startedAt.toISOString().replace(/[:.]/g, '-'); // no ':' in file names (Windows)
    const base = `h2wire-${stamp}-${connection}-${this.perspective}`;
    let path = join(this.directory, `${base}.sqlog`);
    const taken = (p: string) => existsSync(p) || this.#unclosedPaths.has(p); // a file being opened is not on disk yet
    for (let n = 2; taken(path); n++) path = join(this.directory, `${base}-${n}.sqlog`); // a connection number used again
    const stream = createWriteStream(path, { flags: 'wx' });
    const file: OpenFile = { path, stream, failed: false };
    this.#unclosedPaths.add(path);
    stream.once('close', () => this.#unclosedPaths.delete(path));
    stream.on('error', (e: NodeJS.ErrnoException) => {
      file.failed = true;
      this.#error ??= new Error(`cannot write the qlog file ${path}: ${e.code ?? e.message}; check that ${this.directory} is writable and has room`);
    });
    this.#files.set(connection, file);
    this.#put(file, jsonSeqRecord(qlogFileHeader(this.perspective, this.source, connection, this.startedAt)));
    return file;
  }

  #append(file: OpenFile, event: QlogEvent): void {
    if (file.failed) return;
    if (this.#buffered > this.#bufferLimit) {
      this.#dropped++;
      return;
    }
    if (this.#dropped > 0) {
      const warning: QlogEvent = { time: event.time, name: 'loglevel:warning', data: { message: `qlog: ${this.#dropped} events dropped while the disk caught up` } };
      this.#put(file, jsonSeqRecord(warning));
      this.#dropped = 0;
    }
    this.#put(file, jsonSeqRecord(event));
  }

  #put(file: OpenFile, text: string): void {
    const size = Buffer.byteLength(text);
    this.#buffered += size;
    file.stream.write(text, () => (this.#buffered -= size));
  }

  #end(connection: number): void {
    const file = this.#files.get(connection);
    if (!file) return;
    this.#files.delete(connection);
    // 'close' comes after end() has flushed, and also after a failed open or write (the stream destroys itself).
    const closed = new Promise<void>((resolve) => (file.stream.closed ? resolve() : file.stream.once('close', () => resolve())));
    this.#closing.add(closed);
    void closed.then(() => this.#closing.delete(closed));
    file.stream.end();
  }
}
