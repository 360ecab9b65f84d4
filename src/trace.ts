// The frame tracer: every frame in and out of a connection as one readable
// line, with the stream state changes it causes (RFC 9113 §5.1), so what
// Push() does on the wire can be read in order.
//
// With `detail`, a tracer also records what a learner needs to see beside
// each frame: its octets as they went over the wire, the flow-control
// windows it left (§5.2, §6.9), what its header block did to the HPACK
// dynamic table (RFC 7541 §4), and the push decisions the server made. That
// is what trace files (docs/trace-format.md), the ladder and the explorer
// are made of. Text traces leave it out.

import { type ConnectionState, describeConnectionState } from './connection/connection-state.js';
import type { Http2Endpoint, FlowWindows } from './connection/endpoint.js';
import type { EndpointHooks } from './connection/options.js';
import { stateName, type StreamState } from './connection/stream-states.js';
import { SettingId } from './frames/constants.js';
import { encodeFrame, payloadLength } from './frames/encode.js';
import type { Frame } from './frames/frame.js';
import { formatFrame } from './frames/format.js';
import { type DynamicTableState, tableChange, type TableChange } from './hpack/dynamic-table.js';
import type { HeaderList } from './hpack/header-list.js';

interface Common {
  connection: number;
  /** The text trace's line for this record. */
  line: string;
  /** Milliseconds since the tracer was made. */
  t: number;
}

/** Why a push was or was not made, in plain words, and the frame that decided it (its seq) when one did. */
export interface PushDecision {
  parentId: number;
  /** The promised request's :path. */
  path: string;
  decision: 'promised' | 'refused';
  /** The promised stream (an even id), when promised. */
  promisedStreamId?: number;
  /** The refusal's code (PushRejection: push_disabled, goaway, ...). */
  reason?: string;
  message: string;
  /** The frame that made this so: for push_disabled, the client's SETTINGS with ENABLE_PUSH=0. */
  cause?: number;
}

export type TraceRecord =
  | (Common & { kind: 'open'; transport: string })
  /**
   * A frame in or out. `seq` numbers a connection's frames from 0 in the
   * order the tracer saw them; `length` is its payload's. With detail:
   * `octets` are the frame as sent or received; a header block that
   * carries credentials is `redacted` (its octets left out here, its block
   * too in the trace file) unless secrets are shown.
   */
  | (Common & { kind: 'frame'; direction: 'in' | 'out'; frame: Frame; seq: number; length: number; octets?: Uint8Array; redacted?: boolean })
  /** Detail: the windows after frame `seq`, when it changed one. */
  | (Common & { kind: 'windows'; seq: number; streamId: number; windows: FlowWindows })
  /** Detail: what a header block did to the HPACK dynamic table of its direction. */
  | (Common & { kind: 'hpack'; direction: 'in' | 'out'; streamId: number; change: TableChange })
  | (Common & { kind: 'state'; streamId: number; from: StreamState; to: StreamState })
  | (Common & { kind: 'connection_state'; from: ConnectionState; to: ConnectionState })
  | (Common & { kind: 'fields'; direction: 'in' | 'out'; streamId: number; fields: HeaderList })
  | (Common & { kind: 'push' } & PushDecision)
  | (Common & { kind: 'note' })
  | (Common & { kind: 'close' });

export type TraceRecordKind = TraceRecord['kind'];

export type TraceSink = (record: TraceRecord) => void;

/** Records only a detailed trace has (windows, HPACK tables): text traces leave them out to stay readable. */
export function isDetail(record: TraceRecord): boolean {
  return record.kind === 'windows' || record.kind === 'hpack';
}

export { stateName };

/** Fields whose values are credentials: redacted in every trace unless secrets are asked for. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** A credential's name, in any case: traces show fields before they are validated, and `Cookie` is invalid in HTTP/2 but still a cookie. */
const isSecret = (name: string) => SECRET_FIELDS.has(name.toLowerCase());
const hasSecret = (fields: HeaderList) => fields.some((f) => isSecret(f.name));

/** A field list with the values of SECRET_FIELDS (any case) replaced by "(redacted, N octets)". */
export function redactFields(fields: HeaderList): HeaderList {
  if (!hasSecret(fields)) return fields;
  return fields.map((f) => (isSecret(f.name) ? { ...f, value: `(redacted, ${Buffer.byteLength(f.value, 'latin1')} octets)` } : f));
}

export interface TracerOptions {
  /** Show cookie and authorization values (they are redacted otherwise), in fields and in header block octets. */
  showSecrets?: boolean;
  /** Also record frame octets, windows, HPACK table changes (the trace file and the ladder need them). */
  detail?: boolean;
  /** Milliseconds, for the records' `t`. Default performance.now(). */
  clock?: () => number;
}

/** What the tracer keeps per connection while it is open. */
interface ConnectionTrace {
  seq: number;
  /** Records from a header block's first frame until its fields show whether it carries a credential (see #emit). */
  held: TraceRecord[] | undefined;
  tables: { in: DynamicTableState | undefined; out: DynamicTableState | undefined };
  windows: string;
  /** Non-ACK SETTINGS frames received. */
  settingsReceived: number;
  /** The peer's SETTINGS frame that last set ENABLE_PUSH (§6.5.2): its seq and ordinal. */
  enablePushBy: { seq: number; ordinal: number; value: number } | undefined;
}

const freshConnection = (): ConnectionTrace => ({ seq: 0, held: undefined, tables: { in: undefined, out: undefined }, windows: '', settingsReceived: 0, enablePushBy: undefined });

/** Records that end the holding of a header block's records: its fields, or the connection failing or ending. */
const RELEASES_HELD: ReadonlySet<TraceRecordKind> = new Set(['fields', 'connection_state', 'note', 'close']);
const ORDINALS = ['first', 'second', 'third'];
const INDENT = '                  ';
/** Octets of a frame we send, as they are: a checker's tracer records the illegal frames it writes too. */
const RECORD_AS_IS = { allowIllegal: true, maxFrameSize: 16777215 };

/**
 * Formats trace records and hands them to a sink. `perspective` names the
 * side doing the tracing, so arrows read "server ← client" or the reverse.
 */
export class Tracer {
  readonly #sink: TraceSink;
  readonly perspective: 'server' | 'client';
  readonly #showSecrets: boolean;
  readonly detail: boolean;
  readonly #clock: () => number;
  readonly #start: number;
  readonly #connections = new Map<number, ConnectionTrace>();

  constructor(sink: TraceSink, perspective: 'server' | 'client' = 'server', options: TracerOptions = {}) {
    this.#sink = sink;
    this.perspective = perspective;
    this.#showSecrets = options.showSecrets === true;
    this.detail = options.detail === true;
    this.#clock = options.clock ?? (() => performance.now());
    this.#start = this.#clock();
  }

  /**
   * The engine hooks that trace connection `connection` (the endpoint is
   * read for octets, windows and tables, so it is passed as a getter: the
   * hooks are made before it).
   */
  hooks(connection: number, endpoint: () => Http2Endpoint | undefined): EndpointHooks {
    const hooks: EndpointHooks = {
      onFrame: (direction, frame) => {
        const e = this.detail ? endpoint() : undefined; // undefined too for the SETTINGS its constructor queues
        this.frame(connection, direction, frame, direction === 'in' ? e?.receivedFrameOctets() : undefined);
        if (direction === 'out' && e) this.windows(connection, frame.streamId, e.windows(frame.streamId));
      },
      onStreamState: (streamId, from, to) => this.state(connection, streamId, from, to),
      onConnectionState: (from, to) => this.connectionState(connection, from, to),
      onFields: (direction, streamId, fields) => {
        this.fields(connection, direction, streamId, fields);
        const e = this.detail ? endpoint() : undefined;
        if (e) this.hpack(connection, direction, streamId, e.hpackTable(direction));
      },
    };
    if (this.detail)
      hooks.onFrameApplied = (frame) => {
        const e = endpoint();
        if (e) this.windows(connection, frame.streamId, e.windows(frame.streamId));
      };
    return hooks;
  }

  open(connection: number, transport: string): void {
    this.#connections.set(connection, freshConnection());
    this.#emit({ kind: 'open', connection, transport, t: this.#now(), line: `#${connection} connection opened: ${transport}` });
  }

  /** A frame in or out; `octets` as received (out: encoded here, with detail). */
  frame(connection: number, direction: 'in' | 'out', frame: Frame, octets?: Uint8Array): void {
    const peer = this.perspective === 'server' ? 'client' : 'server';
    const arrow = direction === 'in' ? `${this.perspective} ← ${peer}` : `${this.perspective} → ${peer}`;
    const c = this.#connection(connection);
    const seq = c.seq++;
    if (direction === 'in' && frame.type === 'SETTINGS' && !frame.ack) {
      c.settingsReceived++;
      for (const s of frame.settings) if (s.id === SettingId.ENABLE_PUSH) c.enablePushBy = { seq, ordinal: c.settingsReceived, value: s.value };
    }
    const record: TraceRecord = { kind: 'frame', connection, direction, frame, seq, length: payloadLength(frame), t: this.#now(), line: `#${connection} ${arrow}  ${formatFrame(frame)}` };
    if (this.detail) record.octets = octets ?? (direction === 'out' ? encodeFrame(frame, RECORD_AS_IS) : undefined);
    if (this.detail && !this.#showSecrets && (frame.type === 'HEADERS' || frame.type === 'PUSH_PROMISE')) c.held ??= [];
    this.#emit(record);
  }

  /** The windows bearing on a stream after a frame: recorded when they changed. */
  windows(connection: number, streamId: number, windows: FlowWindows): void {
    const c = this.#connection(connection);
    const key = `${streamId}:${windows.connection.send}:${windows.connection.receive}:${windows.stream?.send}:${windows.stream?.receive}`;
    if (key === c.windows) return;
    c.windows = key;
    const s = windows.stream;
    const line = `#${connection} ${INDENT}windows: connection send ${windows.connection.send} receive ${windows.connection.receive}${s ? `; stream ${streamId} send ${s.send} receive ${s.receive}` : ''}`;
    this.#emit({ kind: 'windows', connection, seq: c.seq - 1, streamId, windows, t: this.#now(), line });
  }

  state(connection: number, streamId: number, from: StreamState, to: StreamState): void {
    this.#emit({ kind: 'state', connection, streamId, from, to, t: this.#now(), line: `#${connection} ${INDENT}stream ${streamId}: ${stateName(from)} → ${stateName(to)}` });
  }

  /** The connection's own state changed (awaiting preface, open, going away, closed and why). */
  connectionState(connection: number, from: ConnectionState, to: ConnectionState): void {
    const line = `#${connection} ${INDENT}connection: ${describeConnectionState(from)} → ${describeConnectionState(to)}`;
    this.#emit({ kind: 'connection_state', connection, from, to, t: this.#now(), line });
  }

  /** A decoded (in) or encoded (out) field list, shown under its frame; long values shortened, credentials redacted (record and line alike). */
  fields(connection: number, direction: 'in' | 'out', streamId: number, given: HeaderList): void {
    const fields = this.#showSecrets ? given : redactFields(given);
    const c = this.#connections.get(connection);
    // The octets of a block are shown only when its fields are known and carry no credential: HPACK
    // hides nothing, and a block whose fields were not kept (over a limit: `given` is empty) may hold one.
    if (c?.held && (fields !== given || given.length === 0)) redactHeld(c.held);
    const shown = fields.map((f) => `${f.name}: ${f.sensitive ? '(sensitive)' : f.value.length > 60 ? `${f.value.slice(0, 57)}...` : f.value}`).join(', ');
    this.#emit({ kind: 'fields', connection, direction, streamId, fields, t: this.#now(), line: `#${connection} ${INDENT}[${shown}]` });
  }

  /** Detail: what the last header block of `direction` did to its dynamic table (`table` is the table after it). */
  hpack(connection: number, direction: 'in' | 'out', streamId: number, table: DynamicTableState): void {
    const c = this.#connection(connection);
    const before = c.tables[direction] ?? { entries: [], size: 0, maxSize: 4096, insertions: 0 }; // both tables start empty at 4,096 (RFC 9113 §4.3.1, §6.5.2)
    c.tables[direction] = table;
    const change = this.#showSecrets ? tableChange(before, table) : redactTableChange(tableChange(before, table));
    this.#emit({ kind: 'hpack', connection, direction, streamId, change, t: this.#now(), line: `#${connection} ${INDENT}${describeTableChange(direction, change)}` });
  }

  /** The server decided about a push: promised, or refused and why (pointing at the frame that decided it). */
  push(connection: number, decision: PushDecision): void {
    const c = this.#connections.get(connection);
    const made = { ...decision };
    let why = decision.message;
    if (decision.reason === 'push_disabled' && c?.enablePushBy?.value === 0) {
      made.cause = c.enablePushBy.seq;
      const ordinal = ORDINALS[c.enablePushBy.ordinal - 1] ?? `${c.enablePushBy.ordinal}th`;
      why = `the client sent SETTINGS_ENABLE_PUSH=0 in its ${ordinal} SETTINGS frame (frame ${c.enablePushBy.seq})`;
      made.message = why;
    }
    const line =
      decision.decision === 'promised'
        ? `#${connection} push ${decision.path} on stream ${decision.parentId}: promised stream ${decision.promisedStreamId}`
        : `#${connection} push ${decision.path} on stream ${decision.parentId}: refused (${decision.reason}): ${why}`;
    this.#emit({ kind: 'push', connection, ...made, t: this.#now(), line });
  }

  note(connection: number, text: string): void {
    this.#emit({ kind: 'note', connection, t: this.#now(), line: `#${connection} ${text}` });
  }

  close(connection: number): void {
    this.#emit({ kind: 'close', connection, t: this.#now(), line: `#${connection} connection closed` });
    this.#connections.delete(connection);
  }

  #now(): number {
    return Math.round((this.#clock() - this.#start) * 1000) / 1000;
  }

  #connection(connection: number): ConnectionTrace {
    let c = this.#connections.get(connection);
    if (!c) {
      c = freshConnection();
      this.#connections.set(connection, c);
    }
    return c;
  }

  /**
   * Hand a record on, in order. From a HEADERS or PUSH_PROMISE to its
   * fields (see fields()), records are held, so that its frames' octets can
   * be redacted; the fields, or news that the connection is failing or
   * done, let them go.
   */
  #emit(record: TraceRecord): void {
    const c = this.#connections.get(record.connection);
    const held = c?.held;
    if (held) {
      if (!RELEASES_HELD.has(record.kind)) {
        held.push(record);
        return;
      }
      c.held = undefined;
      if (record.kind !== 'fields') redactHeld(held); // the block never decoded: its fields are unknown
      for (const r of held) this.#sink(r);
    }
    this.#sink(record);
  }
}

/** The frames of a held header block lose their octets. */
function redactHeld(held: TraceRecord[]): void {
  for (const r of held) if (r.kind === 'frame' && (r.frame.type === 'HEADERS' || r.frame.type === 'PUSH_PROMISE' || r.frame.type === 'CONTINUATION')) Object.assign(r, { octets: undefined, redacted: true });
}

/** A table change with the values of SECRET_FIELDS entries redacted (a cookie is often inserted into the table). */
function redactTableChange(change: TableChange): TableChange {
  const redact = (list: TableChange['inserted']) => (list.some((e) => isSecret(e.name)) ? (redactFields(list) as unknown as TableChange['inserted']) : list);
  return { ...change, inserted: redact(change.inserted), evicted: redact(change.evicted) };
}

/** "HPACK in: +2 entries, −1 evicted; table 3 entries, 180/4096 octets". */
export function describeTableChange(direction: 'in' | 'out', change: TableChange): string {
  const parts: string[] = [];
  if (change.resizedFrom !== undefined) parts.push(`size update ${change.resizedFrom} → ${change.maxSize}`);
  if (change.inserted.length > 0) parts.push(`+${change.inserted.length} inserted (${change.inserted.map((e) => e.name).join(', ')})`);
  if (change.insertedAndEvicted > 0) parts.push(`${change.insertedAndEvicted} inserted and evicted at once`);
  if (change.evicted.length > 0) parts.push(`${change.evicted.length} evicted (${change.evicted.map((e) => e.name).join(', ')})`);
  if (parts.length === 0) parts.push('unchanged');
  return `HPACK ${direction === 'in' ? 'decoder' : 'encoder'} table: ${parts.join(', ')}; now ${change.length} entries, ${change.size}/${change.maxSize} octets`;
}
