// The qlog shapes h2wire writes, transcribed from the drafts' CDDL into a
// small schema language, and a validator for it. Written from the drafts,
// not from src/qlog.ts, so that the test can catch the code drifting away
// from them:
//   H2-EVENTS  draft-pardue-httpbis-qlog-h2-events (editor's copy)
//   QLOG-MAIN  draft-ietf-quic-qlog-main-schema (editor's copy, after -13)
//
// CDDL maps are closed unless they say `* text => any`; `? key` is optional.

export type Shape =
  | { kind: 'uint'; bits: 8 | 16 | 32 | 64 }
  | { kind: 'float64' }
  | { kind: 'bool' }
  | { kind: 'text'; pattern?: RegExp }
  | { kind: 'literal'; value: string }
  | { kind: 'array'; items: Shape; min?: number }
  /** `rest`: the shape of keys not listed (`* text => any` is { kind: 'any' }); absent means closed. */
  | { kind: 'map'; required: Record<string, Shape>; optional: Record<string, Shape>; rest?: Shape; check?: (v: Record<string, unknown>) => string | undefined }
  /** A union told apart by one key's value (frame_type, name). */
  | { kind: 'tagged'; tag: string; cases: Record<string, Shape> }
  | { kind: 'any' };

const uint = (bits: 8 | 16 | 32 | 64): Shape => ({ kind: 'uint', bits });
const text = (pattern?: RegExp): Shape => (pattern ? { kind: 'text', pattern } : { kind: 'text' });
const literal = (value: string): Shape => ({ kind: 'literal', value });
const oneOf = (...values: string[]): Shape => ({ kind: 'text', pattern: new RegExp(`^(${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`) });
const array = (items: Shape, min = 0): Shape => ({ kind: 'array', items, min });
const map = (required: Record<string, Shape>, optional: Record<string, Shape> = {}, rest?: Shape, check?: (v: Record<string, unknown>) => string | undefined): Shape => {
  const m: Shape = { kind: 'map', required, optional };
  if (rest) m.rest = rest;
  if (check) m.check = check;
  return m;
};
const ANY: Shape = { kind: 'any' };

/** QLOG-MAIN §1.2: hexstring = text .regexp "([0-9a-f]{2})*" (even length, lower case). */
const hexstring = text(/^([0-9a-f]{2})*$/);
/** QLOG-MAIN §7.1: RFC3339DateTime. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const rfc3339 = text(RFC3339);

// ---------------------------------------------------------------------------
// QLOG-MAIN: envelope

/** QLOG-MAIN §10 RawInfo. */
const RawInfo = map({}, { length: uint(64), payload_length: uint(64), data: hexstring });

/** QLOG-MAIN §7.1 ReferenceTime; "monotonic" MUST have epoch "unknown". */
const ReferenceTime = map(
  { clock_type: text(), epoch: text() },
  { wall_clock_time: rfc3339 },
  undefined,
  (v) => {
    if (v.clock_type === 'monotonic' && v.epoch !== 'unknown') return 'a monotonic clock_type needs epoch "unknown" (QLOG-MAIN §7.1)';
    if (v.epoch !== 'unknown' && !RFC3339.test(String(v.epoch))) return 'epoch is neither "unknown" nor an RFC 3339 date-time';
    return undefined;
  },
);

/** QLOG-MAIN §7.1 TimeFormat. */
const TimeFormat = oneOf('relative_to_epoch', 'relative_to_previous_event');

/** QLOG-MAIN §7.5 CommonFields: open (`* text => any`). */
const CommonFields = map({}, { tuple: text(), time_format: TimeFormat, reference_time: ReferenceTime, group_id: text() }, ANY);

/** QLOG-MAIN §6 VantagePoint. */
const VantagePoint = map({ type: oneOf('client', 'server', 'network', 'unknown') }, { name: text(), flow: oneOf('client', 'server', 'unknown') });

/** QLOG-MAIN §5.1 TraceSeq. */
const TraceSeq = map({ event_schemas: array(text(), 1) }, { title: text(), description: text(), common_fields: CommonFields, vantage_point: VantagePoint });

/** QLOG-MAIN §3 LogFile unwrapped into §5 QlogFileSeq; file_schema per §5, serialization_format per §11.2. */
export const QlogFileSeqShape = map(
  { file_schema: literal('urn:ietf:params:qlog:file:sequential'), serialization_format: literal('application/qlog+json-seq'), trace: TraceSeq },
  { title: text(), description: text() },
);

// ---------------------------------------------------------------------------
// H2-EVENTS: data types (§5)

/** H2-EVENTS §5.2.2 HTTP2HTTPField: MUST have name or name_bytes. */
const HTTP2HTTPField = map({}, { name: text(), name_bytes: hexstring, value: text(), value_bytes: hexstring }, undefined, (v) =>
  'name' in v || 'name_bytes' in v ? undefined : 'an HTTP2HTTPField needs name or name_bytes (H2-EVENTS §5.2.2)',
);

/** H2-EVENTS §5.2.3 $HTTP2SettingsName and HTTP2Setting; name_bytes only with "unknown". */
const HTTP2Setting = map(
  { value: uint(64) },
  {
    name: oneOf(
      'settings_header_table_size',
      'settings_enable_push',
      'settings_max_concurrent_streams',
      'settings_initial_window_size',
      'settings_max_frame_size',
      'settings_max_header_list_size',
      'settings_extended_connect',
      'settings_no_rfc7540_priorities',
      'unknown',
    ),
    name_bytes: uint(64),
  },
  undefined,
  (v) => ('name_bytes' in v && v.name !== 'unknown' ? 'name_bytes only when name is "unknown" (H2-EVENTS §5.2.3)' : undefined),
);

/**
 * H2-EVENTS §5.2 HTTP2BaseFrames. The draft defines data (§5.2.1), headers
 * (§5.2.2), settings (§5.2.3), push_promise (§5.2.4), goaway (§5.2.5) and
 * unknown (§5.2.6). It names priority, rst_stream, ping, window_update and
 * continuation in the union without defining them: their shapes here are
 * h2wire's (RFC 9113 §6 field names in snake case; docs/qlog.md). The
 * draft's `? raw: RawInfo` inside each frame is allowed; h2wire puts raw on
 * the event instead.
 */
const HTTP2Frame: Shape = {
  kind: 'tagged',
  tag: 'frame_type',
  cases: {
    data: map({ frame_type: literal('data') }, { raw: RawInfo }),
    headers: map({ frame_type: literal('headers'), headers: array(HTTP2HTTPField) }, { raw: RawInfo }),
    settings: map({ frame_type: literal('settings'), settings: array(HTTP2Setting) }, { raw: RawInfo }),
    push_promise: map({ frame_type: literal('push_promise'), push_id: uint(64), headers: array(HTTP2HTTPField) }, { raw: RawInfo }),
    goaway: map({ frame_type: literal('goaway'), stream_id: uint(32), error_code: uint(32) }, { additional_debug_data: hexstring, raw: RawInfo }),
    unknown: map({ frame_type: literal('unknown'), frame_type_bytes: uint(32) }, { raw: RawInfo }),
    // h2wire's shapes for the types the draft lists but leaves undefined:
    priority: map({ frame_type: literal('priority'), exclusive: { kind: 'bool' }, stream_dependency: uint(32), weight: uint(16) }, { raw: RawInfo }),
    rst_stream: map({ frame_type: literal('rst_stream'), error_code: uint(32) }, { raw: RawInfo }),
    ping: map({ frame_type: literal('ping'), opaque_data: text(/^[0-9a-f]{16}$/) }, { raw: RawInfo }),
    window_update: map({ frame_type: literal('window_update'), window_size_increment: uint(32) }, { raw: RawInfo }),
    continuation: map({ frame_type: literal('continuation') }, { raw: RawInfo }),
  },
};

/**
 * h2wire's extension of frame_created and frame_parsed, through their
 * `* $$http2-framecreated-extension` / `$$http2-frameparsed-extension`
 * group sockets (QLOG-MAIN §8.2): the Flags octet and its names.
 */
const h2wireFrameExtension = { flags: uint(8), flag_names: array(oneOf('END_STREAM', 'ACK', 'END_HEADERS', 'PADDED', 'PRIORITY')) };

/** H2-EVENTS §4.3 HTTP2FrameCreated (stream_id uint32, length uint32). */
const HTTP2FrameCreated = map({ stream_id: uint(32), frame: HTTP2Frame }, { length: uint(32), raw: RawInfo, ...h2wireFrameExtension });
/** H2-EVENTS §4.4 HTTP2FrameParsed (stream_id uint64, length uint64). */
const HTTP2FrameParsed = map({ stream_id: uint(64), frame: HTTP2Frame }, { length: uint(64), raw: RawInfo, ...h2wireFrameExtension });

/**
 * H2-EVENTS §4.1 HTTP2ParametersSet, Owner per §5.1. "Any number of
 * unspecified fields" are allowed (reserved and extension settings); this
 * schema is stricter than the draft there and wants them uint64, as
 * h2wire writes them.
 */
const HTTP2ParametersSet = map(
  {},
  {
    owner: oneOf('local', 'remote'),
    header_table_size: uint(32),
    enable_push: uint(32),
    max_concurrent_streams: uint(32),
    initial_window_size: uint(32),
    max_frame_size: uint(32),
    max_header_list_size: uint(32), // the draft's CDDL says "uin32", a typo for uint32
    extended_connect: uint(32),
    no_rfc7540_priorities: uint(32),
  },
  uint(64),
);

// QLOG-MAIN §9.1 LogLevel events: error and warning have optional code and message, the others a message.
const LogLevelCoded = map({}, { code: uint(64), message: text() });
const LogLevelMessage = map({ message: text() });

/** Each event name h2wire writes, and its data's shape. */
export const EVENT_DATA: Record<string, Shape> = {
  'http2:frame_created': HTTP2FrameCreated,
  'http2:frame_parsed': HTTP2FrameParsed,
  'http2:parameters_set': HTTP2ParametersSet,
  'loglevel:error': LogLevelCoded,
  'loglevel:warning': LogLevelCoded,
  'loglevel:info': LogLevelMessage,
  'loglevel:debug': LogLevelMessage,
  'loglevel:verbose': LogLevelMessage,
};

/** QLOG-MAIN §7 Event: time, name, data; optional tuple, time_format, group_id, system_info; open. */
export const EventShape: Shape = {
  kind: 'tagged',
  tag: 'name',
  cases: Object.fromEntries(
    Object.entries(EVENT_DATA).map(([name, data]) => [
      name,
      map(
        { time: { kind: 'float64' }, name: literal(name), data },
        { tuple: text(), time_format: TimeFormat, group_id: text(), system_info: map({}, { processor_id: uint(32), process_id: uint(32), thread_id: uint(32) }) },
        ANY,
      ),
    ]),
  ),
};

// ---------------------------------------------------------------------------
// The validator

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with `value` against `shape`, as "path: problem" lines; empty when it fits. */
export function validate(shape: Shape, value: unknown, path = '$'): string[] {
  switch (shape.kind) {
    case 'any':
      return [];
    case 'uint': {
      // QLOG-MAIN §11.3: a uint64 may come as a JSON string (I-JSON); h2wire writes numbers, so only numbers pass here.
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return [`${path}: not an unsigned integer (${JSON.stringify(value)})`];
      if (shape.bits < 64 && value >= 2 ** shape.bits) return [`${path}: ${value} does not fit uint${shape.bits}`];
      if (value > Number.MAX_SAFE_INTEGER) return [`${path}: ${value} is beyond I-JSON's exact integers (QLOG-MAIN §11.3)`];
      return [];
    }
    case 'float64':
      return typeof value === 'number' && Number.isFinite(value) ? [] : [`${path}: not a number`];
    case 'bool':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    case 'text':
      if (typeof value !== 'string') return [`${path}: not text`];
      return shape.pattern && !shape.pattern.test(value) ? [`${path}: ${JSON.stringify(value)} does not match ${shape.pattern}`] : [];
    case 'literal':
      return value === shape.value ? [] : [`${path}: expected ${JSON.stringify(shape.value)}, got ${JSON.stringify(value)}`];
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: not an array`];
      const errors = value.length < (shape.min ?? 0) ? [`${path}: needs at least ${shape.min} entries`] : [];
      value.forEach((item, i) => errors.push(...validate(shape.items, item, `${path}[${i}]`)));
      return errors;
    }
    case 'map': {
      if (!isObject(value)) return [`${path}: not an object`];
      const errors: string[] = [];
      for (const [key, s] of Object.entries(shape.required)) {
        if (!(key in value)) errors.push(`${path}: missing ${key}`);
        else errors.push(...validate(s, value[key], `${path}.${key}`));
      }
      for (const [key, v] of Object.entries(value)) {
        if (key in shape.required) continue;
        if (key !== key.toLowerCase()) errors.push(`${path}.${key}: field names MUST be lowercase (QLOG-MAIN §11.2)`);
        const s = shape.optional[key] ?? shape.rest;
        if (!s) errors.push(`${path}: unexpected field ${key}`);
        else errors.push(...validate(s, v, `${path}.${key}`));
      }
      const problem = errors.length === 0 ? shape.check?.(value) : undefined;
      if (problem) errors.push(`${path}: ${problem}`);
      return errors;
    }
    case 'tagged': {
      if (!isObject(value)) return [`${path}: not an object`];
      const tag = value[shape.tag];
      const s = typeof tag === 'string' ? shape.cases[tag] : undefined;
      return s ? validate(s, value, path) : [`${path}.${shape.tag}: unknown value ${JSON.stringify(tag)}`];
    }
  }
}

/**
 * A JSON-SEQ text (RFC 7464 §2) as its JSON values: every record starts
 * with RS (0x1E) and, for qlog, ends with LF (QLOG-MAIN §11.2).
 */
export function parseJsonSeq(text: string): unknown[] {
  if (text.length > 0 && !text.startsWith('\x1e')) throw new Error('a JSON text sequence starts with RS (0x1E)');
  return text
    .split('\x1e')
    .slice(1)
    .map((record, i) => {
      if (!record.endsWith('\n')) throw new Error(`record ${i} does not end with LF`);
      return JSON.parse(record) as unknown;
    });
}
