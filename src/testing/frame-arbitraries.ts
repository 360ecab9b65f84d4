// fast-check arbitraries for HTTP/2 frames: valid frames of every type,
// invalid frames grouped by the RFC 9113 rule they break, and chunkings of a
// byte stream. Public as `h2wire/testing`, for testing any frame parser.

import fc from 'fast-check';
import {
  ErrorCode,
  Flag,
  FrameType,
  MAX_MAX_FRAME_SIZE,
  MAX_STREAM_ID,
  MAX_UINT32,
  MAX_WINDOW_SIZE,
  MIN_MAX_FRAME_SIZE,
  SettingId,
  type ErrorCodeName,
} from '../frames/constants.js';
import type {
  ContinuationFrame,
  DataFrame,
  Frame,
  GoawayFrame,
  HeadersFrame,
  PingFrame,
  PriorityFields,
  PriorityFrame,
  PushPromiseFrame,
  RstStreamFrame,
  Setting,
  SettingsFrame,
  UnknownFrame,
  WindowUpdateFrame,
} from '../frames/frame.js';
import { encodeRawFrame } from '../frames/encode.js';

export interface FrameArbitraryOptions {
  /** Largest variable-length part (data, header block, debug data...). Default 64. */
  maxBodyLength?: number;
}

const streamId = (min = 1): fc.Arbitrary<number> =>
  fc.oneof(fc.integer({ min, max: 16 }), fc.integer({ min, max: MAX_STREAM_ID }), fc.constant(MAX_STREAM_ID));

/** A stream id a frame may use: 1..2^31-1, biased to small values. */
export const arbStreamId = (): fc.Arbitrary<number> => streamId(1);

const errorCode = (): fc.Arbitrary<number> =>
  fc.oneof(fc.constantFrom(...Object.values(ErrorCode)), fc.integer({ min: 0, max: MAX_UINT32 }));

const bytes = (max: number, min = 0): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });

const padLength = (): fc.Arbitrary<number | undefined> =>
  fc.option(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 255 })), { nil: undefined });

function withOptional<T extends object>(base: T, key: string, value: unknown): T {
  return value === undefined ? base : { ...base, [key]: value };
}

const priorityFor = (sid: number): fc.Arbitrary<PriorityFields> =>
  fc.record({
    exclusive: fc.boolean(),
    dependsOn: streamId(0).filter((d) => d !== sid), // RFC 7540 §5.3.1: not on itself
    weight: fc.integer({ min: 1, max: 256 }),
  });

const constrainedSettings = new Set<number>([SettingId.ENABLE_PUSH, SettingId.INITIAL_WINDOW_SIZE, SettingId.MAX_FRAME_SIZE]);

/** A legal value for a setting identifier (RFC 9113 §6.5.2); unknown ids take any 32-bit value. */
export function arbSetting(): fc.Arbitrary<Setting> {
  return fc.oneof(
    fc.record({ id: fc.constant(SettingId.HEADER_TABLE_SIZE), value: fc.integer({ min: 0, max: MAX_UINT32 }) }),
    fc.record({ id: fc.constant(SettingId.ENABLE_PUSH), value: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ id: fc.constant(SettingId.MAX_CONCURRENT_STREAMS), value: fc.integer({ min: 0, max: MAX_UINT32 }) }),
    fc.record({ id: fc.constant(SettingId.INITIAL_WINDOW_SIZE), value: fc.integer({ min: 0, max: MAX_WINDOW_SIZE }) }),
    fc.record({ id: fc.constant(SettingId.MAX_FRAME_SIZE), value: fc.integer({ min: MIN_MAX_FRAME_SIZE, max: MAX_MAX_FRAME_SIZE }) }),
    fc.record({ id: fc.constant(SettingId.MAX_HEADER_LIST_SIZE), value: fc.integer({ min: 0, max: MAX_UINT32 }) }),
    // Any other id, including unknown ones a receiver must ignore (§6.5.2).
    fc.record({
      id: fc.integer({ min: 0, max: 0xffff }).filter((id) => !constrainedSettings.has(id)),
      value: fc.integer({ min: 0, max: MAX_UINT32 }),
    }),
  );
}

/** One arbitrary per frame type, each producing only frames a sender may legally write. */
export function frameArbitraries(options: FrameArbitraryOptions = {}) {
  const max = options.maxBodyLength ?? 64;
  const data: fc.Arbitrary<DataFrame> = fc
    .record({ streamId: arbStreamId(), endStream: fc.boolean(), data: bytes(max), padLength: padLength() })
    .map(({ padLength, ...f }) => withOptional({ type: 'DATA' as const, ...f }, 'padLength', padLength));
  const headers: fc.Arbitrary<HeadersFrame> = arbStreamId().chain((sid) =>
    fc
      .record({
        endStream: fc.boolean(),
        endHeaders: fc.boolean(),
        headerBlock: bytes(max),
        padLength: padLength(),
        priority: fc.option(priorityFor(sid), { nil: undefined }),
      })
      .map(({ padLength, priority, ...f }) =>
        withOptional(withOptional({ type: 'HEADERS' as const, streamId: sid, ...f }, 'padLength', padLength), 'priority', priority),
      ),
  );
  const priority: fc.Arbitrary<PriorityFrame> = arbStreamId().chain((sid) =>
    priorityFor(sid).map((p) => ({ type: 'PRIORITY' as const, streamId: sid, priority: p })),
  );
  const rstStream: fc.Arbitrary<RstStreamFrame> = fc.record({
    type: fc.constant('RST_STREAM' as const),
    streamId: arbStreamId(),
    errorCode: errorCode(),
  });
  const settings: fc.Arbitrary<SettingsFrame> = fc.oneof(
    fc.array(arbSetting(), { maxLength: 8 }).map((s) => ({ type: 'SETTINGS' as const, streamId: 0, ack: false, settings: s })),
    fc.constant(null).map((): SettingsFrame => ({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] })),
  );
  const pushPromise: fc.Arbitrary<PushPromiseFrame> = fc
    .record({
      streamId: arbStreamId(),
      endHeaders: fc.boolean(),
      promisedStreamId: fc.integer({ min: 1, max: MAX_STREAM_ID >>> 1 }).map((n) => n * 2),
      headerBlock: bytes(max),
      padLength: padLength(),
    })
    .map(({ padLength, ...f }) => withOptional({ type: 'PUSH_PROMISE' as const, ...f }, 'padLength', padLength));
  const ping: fc.Arbitrary<PingFrame> = fc.record({
    type: fc.constant('PING' as const),
    streamId: fc.constant(0),
    ack: fc.boolean(),
    data: bytes(8, 8),
  });
  const goaway: fc.Arbitrary<GoawayFrame> = fc.record({
    type: fc.constant('GOAWAY' as const),
    streamId: fc.constant(0),
    lastStreamId: streamId(0),
    errorCode: errorCode(),
    debugData: bytes(max),
  });
  const windowUpdate: fc.Arbitrary<WindowUpdateFrame> = fc.record({
    type: fc.constant('WINDOW_UPDATE' as const),
    streamId: streamId(0),
    windowSizeIncrement: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: MAX_WINDOW_SIZE })),
  });
  const continuation: fc.Arbitrary<ContinuationFrame> = fc.record({
    type: fc.constant('CONTINUATION' as const),
    streamId: arbStreamId(),
    endHeaders: fc.boolean(),
    headerBlock: bytes(max),
  });
  const unknown: fc.Arbitrary<UnknownFrame> = fc.record({
    type: fc.constant('UNKNOWN' as const),
    frameType: fc.integer({ min: FrameType.CONTINUATION + 1, max: 0xff }),
    flags: fc.integer({ min: 0, max: 0xff }),
    streamId: streamId(0),
    payload: bytes(max),
  });
  return {
    DATA: data,
    HEADERS: headers,
    PRIORITY: priority,
    RST_STREAM: rstStream,
    SETTINGS: settings,
    PUSH_PROMISE: pushPromise,
    PING: ping,
    GOAWAY: goaway,
    WINDOW_UPDATE: windowUpdate,
    CONTINUATION: continuation,
    UNKNOWN: unknown,
  } satisfies { [K in Frame['type']]: fc.Arbitrary<Extract<Frame, { type: K }>> };
}

/** Any legal frame of any type. */
export function arbFrame(options?: FrameArbitraryOptions): fc.Arbitrary<Frame> {
  return fc.oneof(...(Object.values(frameArbitraries(options)) as fc.Arbitrary<Frame>[]));
}

/** A byte string broken into consecutive non-empty chunks at arbitrary points (1 octet each up to all at once). */
export function arbChunks(bytes: Uint8Array): fc.Arbitrary<Uint8Array[]> {
  if (bytes.length <= 1) return fc.constant(bytes.length ? [bytes] : []);
  return fc
    .oneof(
      fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: Math.min(bytes.length - 1, 64) }),
      fc.constant(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)), // one octet at a time
    )
    .map((cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const out: Uint8Array[] = [];
      let start = 0;
      for (const cut of [...sorted, bytes.length]) {
        out.push(bytes.subarray(start, cut));
        start = cut;
      }
      return out;
    });
}

/** A malformed frame on the wire and the error RFC 9113 requires of its receiver. */
export interface InvalidFrameCase {
  /** The rule broken, e.g. "ping-length"; the keys of invalidFrameArbitraries. */
  rule: string;
  section: string;
  bytes: Uint8Array;
  /** Receiver's SETTINGS_MAX_FRAME_SIZE the case assumes. */
  maxFrameSize: number;
  error: { scope: 'connection' | 'stream'; code: ErrorCodeName; streamId?: number };
}

const u32 = (v: number): Uint8Array => new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const conn = (code: ErrorCodeName) => ({ scope: 'connection' as const, code });

function invalid(rule: string, section: string, error: InvalidFrameCase['error'], bytes: Uint8Array, maxFrameSize = MIN_MAX_FRAME_SIZE): InvalidFrameCase {
  return { rule, section, bytes, maxFrameSize, error };
}

const raw = (type: number, flags: number, sid: number, payload: Uint8Array, reservedBit = false): Uint8Array =>
  encodeRawFrame({ type, flags, streamId: sid, payload, reservedBit });

/** A well-formed payload for each type that requires a stream, to put on stream 0. */
const streamTypePayloads: ReadonlyArray<readonly [number, fc.Arbitrary<Uint8Array>]> = [
  [FrameType.DATA, bytes(16)],
  [FrameType.HEADERS, bytes(16)],
  [FrameType.PRIORITY, fc.constant(new Uint8Array([0, 0, 0, 0, 15]))],
  [FrameType.RST_STREAM, fc.constant(u32(ErrorCode.CANCEL))],
  [FrameType.PUSH_PROMISE, bytes(16).map((b) => cat(u32(2), b))],
  [FrameType.CONTINUATION, bytes(16)],
];

/**
 * One arbitrary per rule of RFC 9113 that a single frame can break, each
 * yielding the frame's bytes and the error its receiver must raise.
 */
export function invalidFrameArbitraries(): Record<string, fc.Arbitrary<InvalidFrameCase>> {
  const anyFlags = fc.integer({ min: 0, max: 0xff });
  const reserved = fc.boolean();
  return {
    // §4.2: decided from the 9-octet header; the payload need not arrive.
    'frame-too-large': fc
      .record({ type: fc.integer({ min: 0, max: 0xff }), sid: streamId(0), max: fc.constantFrom(MIN_MAX_FRAME_SIZE, 65536), over: fc.integer({ min: 1, max: 1 << 20 }) })
      .map(({ type, sid, max, over }) =>
        invalid('frame-too-large', '§4.2', conn('FRAME_SIZE_ERROR'), encodeRawFrame({ type, flags: 0, streamId: sid, payload: new Uint8Array(0), length: Math.min(max + over, MAX_MAX_FRAME_SIZE) }), max),
      ),
    'stream-frame-on-stream-0': fc
      .constantFrom(...streamTypePayloads)
      .chain(([type, payload]) => payload.map((p) => invalid('stream-frame-on-stream-0', '§6.1-§6.4, §6.6, §6.10', conn('PROTOCOL_ERROR'), raw(type, 0, 0, p)))),
    'connection-frame-on-stream': fc
      .record({
        sid: arbStreamId(),
        reserved,
        payload: fc.constantFrom<[number, Uint8Array]>(
          [FrameType.SETTINGS, new Uint8Array(0)],
          [FrameType.PING, new Uint8Array(8)],
          [FrameType.GOAWAY, new Uint8Array(8)],
        ),
      })
      .map(({ sid, reserved, payload: [type, p] }) =>
        invalid('connection-frame-on-stream', '§6.5, §6.7, §6.8', conn('PROTOCOL_ERROR'), raw(type, 0, sid, p, reserved)),
      ),
    'padded-too-short': fc
      .record({ sid: arbStreamId(), which: fc.constantFrom('DATA', 'HEADERS', 'HEADERS+PRIORITY', 'PUSH_PROMISE') })
      .chain(({ sid, which }) => {
        const [type, flags, fixed] =
          which === 'DATA' ? [FrameType.DATA, Flag.PADDED, 0]
          : which === 'HEADERS' ? [FrameType.HEADERS, Flag.PADDED, 0]
          : which === 'HEADERS+PRIORITY' ? [FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY, 5]
          : [FrameType.PUSH_PROMISE, Flag.PADDED, 4];
        return bytes(fixed).map((p) => invalid('padded-too-short', '§4.2, §6.1, §6.2, §6.6', conn('FRAME_SIZE_ERROR'), raw(type, flags, sid, p)));
      }),
    'headers-priority-too-short': fc
      .record({ sid: arbStreamId(), p: bytes(4) })
      .map(({ sid, p }) => invalid('headers-priority-too-short', '§4.2, §6.2', conn('FRAME_SIZE_ERROR'), raw(FrameType.HEADERS, Flag.PRIORITY, sid, p))),
    'padding-too-long': fc
      .record({ sid: arbStreamId(), which: fc.constantFrom('DATA', 'HEADERS', 'HEADERS+PRIORITY', 'PUSH_PROMISE'), rest: bytes(32) })
      .chain(({ sid, which, rest }) =>
        fc.integer({ min: rest.length + 1, max: 255 }).map((pad) => {
          const [type, flags, fixed] =
            which === 'DATA' ? [FrameType.DATA, Flag.PADDED, new Uint8Array(0)]
            : which === 'HEADERS' ? [FrameType.HEADERS, Flag.PADDED, new Uint8Array(0)]
            : which === 'HEADERS+PRIORITY' ? [FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY, new Uint8Array([0, 0, 0, 0, 15])]
            : [FrameType.PUSH_PROMISE, Flag.PADDED, u32(2)];
          return invalid('padding-too-long', '§6.1, §6.2, §6.6', conn('PROTOCOL_ERROR'), raw(type, flags, sid, cat(new Uint8Array([pad]), fixed, rest)));
        }),
      ),
    'priority-length': fc
      .record({ sid: arbStreamId(), p: bytes(12).filter((b) => b.length !== 5), flags: anyFlags })
      .map(({ sid, p, flags }) => invalid('priority-length', '§6.3', { scope: 'stream', code: 'FRAME_SIZE_ERROR', streamId: sid }, raw(FrameType.PRIORITY, flags, sid, p))),
    'rst-stream-length': fc
      .record({ sid: arbStreamId(), p: bytes(12).filter((b) => b.length !== 4) })
      .map(({ sid, p }) => invalid('rst-stream-length', '§6.4', conn('FRAME_SIZE_ERROR'), raw(FrameType.RST_STREAM, 0, sid, p))),
    'settings-length': fc
      .record({ p: bytes(40).filter((b) => b.length % 6 !== 0) })
      .map(({ p }) => invalid('settings-length', '§6.5', conn('FRAME_SIZE_ERROR'), raw(FrameType.SETTINGS, 0, 0, p))),
    'settings-ack-with-payload': fc
      .record({ p: bytes(24, 1) })
      .map(({ p }) => invalid('settings-ack-with-payload', '§6.5', conn('FRAME_SIZE_ERROR'), raw(FrameType.SETTINGS, Flag.ACK, 0, p))),
    'settings-enable-push-value': fc
      .integer({ min: 2, max: MAX_UINT32 })
      .map((v) => invalid('settings-enable-push-value', '§6.5.2', conn('PROTOCOL_ERROR'), raw(FrameType.SETTINGS, 0, 0, settingBytes(SettingId.ENABLE_PUSH, v)))),
    'settings-initial-window-size-value': fc
      .integer({ min: MAX_WINDOW_SIZE + 1, max: MAX_UINT32 })
      .map((v) => invalid('settings-initial-window-size-value', '§6.5.2', conn('FLOW_CONTROL_ERROR'), raw(FrameType.SETTINGS, 0, 0, settingBytes(SettingId.INITIAL_WINDOW_SIZE, v)))),
    'settings-max-frame-size-value': fc
      .oneof(fc.integer({ min: 0, max: MIN_MAX_FRAME_SIZE - 1 }), fc.integer({ min: MAX_MAX_FRAME_SIZE + 1, max: MAX_UINT32 }))
      .map((v) => invalid('settings-max-frame-size-value', '§6.5.2', conn('PROTOCOL_ERROR'), raw(FrameType.SETTINGS, 0, 0, settingBytes(SettingId.MAX_FRAME_SIZE, v)))),
    'push-promise-promised-id': fc
      .record({ sid: arbStreamId(), promised: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: MAX_STREAM_ID >>> 1 }).map((n) => n * 2 + 1)), block: bytes(16) })
      .map(({ sid, promised, block }) =>
        invalid('push-promise-promised-id', '§5.1.1, §6.6', conn('PROTOCOL_ERROR'), raw(FrameType.PUSH_PROMISE, Flag.END_HEADERS, sid, cat(u32(promised), block))),
      ),
    'ping-length': fc
      .record({ p: bytes(16).filter((b) => b.length !== 8), flags: anyFlags })
      .map(({ p, flags }) => invalid('ping-length', '§6.7', conn('FRAME_SIZE_ERROR'), raw(FrameType.PING, flags, 0, p))),
    'goaway-length': bytes(7).map((p) => invalid('goaway-length', '§6.8', conn('FRAME_SIZE_ERROR'), raw(FrameType.GOAWAY, 0, 0, p))),
    'window-update-length': fc
      .record({ sid: streamId(0), p: bytes(12).filter((b) => b.length !== 4) })
      .map(({ sid, p }) => invalid('window-update-length', '§6.9', conn('FRAME_SIZE_ERROR'), raw(FrameType.WINDOW_UPDATE, 0, sid, p))),
    'window-update-zero-increment': fc
      .record({ sid: streamId(0), reservedIncrementBit: fc.boolean() })
      .map(({ sid, reservedIncrementBit }) =>
        invalid(
          'window-update-zero-increment',
          '§6.9',
          sid === 0 ? conn('PROTOCOL_ERROR') : { scope: 'stream', code: 'PROTOCOL_ERROR', streamId: sid },
          raw(FrameType.WINDOW_UPDATE, 0, sid, u32(reservedIncrementBit ? 0x80000000 : 0)),
        ),
      ),
  };
}

function settingBytes(id: number, value: number): Uint8Array {
  return cat(new Uint8Array([id >>> 8, id & 0xff]), u32(value));
}

/** Any invalid frame, of any rule. */
export function arbInvalidFrame(): fc.Arbitrary<InvalidFrameCase> {
  return fc.oneof(...Object.values(invalidFrameArbitraries()));
}
