// The frame tracer: every frame in and out of a connection as one readable
// line, with the stream state changes it causes (RFC 9113 §5.1), so what
// Push() does on the wire can be read in order.

import { type ConnectionState, describeConnectionState } from './connection/connection-state.js';
import { stateName, type StreamState } from './connection/stream-states.js';
import type { Frame } from './frames/frame.js';
import type { HeaderList } from './hpack/header-list.js';
import { formatFrame } from './frames/format.js';

export type TraceRecord =
  | { kind: 'open'; connection: number; line: string; transport: string }
  | { kind: 'frame'; connection: number; line: string; direction: 'in' | 'out'; frame: Frame }
  | { kind: 'state'; connection: number; line: string; streamId: number; from: StreamState; to: StreamState }
  | { kind: 'connection_state'; connection: number; line: string; from: ConnectionState; to: ConnectionState }
  | { kind: 'fields'; connection: number; line: string; direction: 'in' | 'out'; streamId: number; fields: HeaderList }
  | { kind: 'note'; connection: number; line: string }
  | { kind: 'close'; connection: number; line: string };

export type TraceSink = (record: TraceRecord) => void;

export { stateName };

/** Fields whose values are credentials: redacted in every trace unless secrets are asked for. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** A field list with the values of SECRET_FIELDS replaced by "(redacted, N octets)". */
export function redactFields(fields: HeaderList): HeaderList {
  if (!fields.some((f) => SECRET_FIELDS.has(f.name))) return fields;
  return fields.map((f) => (SECRET_FIELDS.has(f.name) ? { ...f, value: `(redacted, ${Buffer.byteLength(f.value, 'latin1')} octets)` } : f));
}

export interface TracerOptions {
  /** Show cookie and authorization values (they are redacted otherwise). */
  showSecrets?: boolean;
}

/**
 * Formats trace records and hands them to a sink. `perspective` names the
 * side doing the tracing, so arrows read "server ← client" or the reverse.
 */
export class Tracer {
  constructor(
    private readonly sink: TraceSink,
    private readonly perspective: 'server' | 'client' = 'server',
    private readonly options: TracerOptions = {},
  ) {}

  open(connection: number, transport: string): void {
    this.sink({ kind: 'open', connection, transport, line: `#${connection} connection opened: ${transport}` });
  }

  frame(connection: number, direction: 'in' | 'out', frame: Frame): void {
    const peer = this.perspective === 'server' ? 'client' : 'server';
    const arrow = direction === 'in' ? `${this.perspective} ← ${peer}` : `${this.perspective} → ${peer}`;
    this.sink({ kind: 'frame', connection, direction, frame, line: `#${connection} ${arrow}  ${formatFrame(frame)}` });
  }

  state(connection: number, streamId: number, from: StreamState, to: StreamState): void {
    this.sink({ kind: 'state', connection, streamId, from, to, line: `#${connection}                   stream ${streamId}: ${stateName(from)} → ${stateName(to)}` });
  }

  /** The connection's own state changed (awaiting preface, open, going away, closed and why). */
  connectionState(connection: number, from: ConnectionState, to: ConnectionState): void {
    const line = `#${connection}                   connection: ${describeConnectionState(from)} → ${describeConnectionState(to)}`;
    this.sink({ kind: 'connection_state', connection, from, to, line });
  }

  /** A decoded (in) or encoded (out) field list, shown under its frame; long values shortened, credentials redacted (record and line alike). */
  fields(connection: number, direction: 'in' | 'out', streamId: number, given: HeaderList): void {
    const fields = this.options.showSecrets ? given : redactFields(given);
    const shown = fields.map((f) => `${f.name}: ${f.sensitive ? '(sensitive)' : f.value.length > 60 ? `${f.value.slice(0, 57)}...` : f.value}`).join(', ');
    this.sink({ kind: 'fields', connection, direction, streamId, fields, line: `#${connection}                   [${shown}]` });
  }

  note(connection: number, text: string): void {
    this.sink({ kind: 'note', connection, line: `#${connection} ${text}` });
  }

  close(connection: number): void {
    this.sink({ kind: 'close', connection, line: `#${connection} connection closed` });
  }
}
