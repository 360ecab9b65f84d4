// Wire constants of HTTP/2 (RFC 9113). Names match the RFC's spelling so a
// reader can grep the RFC for them.

/** Frame type codes, RFC 9113 §6 and §11.2. */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;
export type FrameTypeName = keyof typeof FrameType;
export type FrameTypeCode = (typeof FrameType)[FrameTypeName];

const frameTypeNames: string[] = [];
for (const [name, code] of Object.entries(FrameType)) frameTypeNames[code] = name;

/** The RFC name of a frame type code, or undefined for an extension type. */
export function frameTypeName(code: number): FrameTypeName | undefined {
  return frameTypeNames[code] as FrameTypeName | undefined;
}

/** Frame flags, RFC 9113 §6. The same bit means different things per type. */
export const Flag = {
  END_STREAM: 0x01, // DATA, HEADERS
  ACK: 0x01, // SETTINGS, PING
  END_HEADERS: 0x04, // HEADERS, PUSH_PROMISE, CONTINUATION
  PADDED: 0x08, // DATA, HEADERS, PUSH_PROMISE
  PRIORITY: 0x20, // HEADERS
} as const;

/** The flags each frame type defines, by name; any other bit is unused (§4.1). */
export const FlagsByType: Readonly<Record<FrameTypeName, ReadonlyArray<readonly [string, number]>>> = {
  DATA: [['END_STREAM', Flag.END_STREAM], ['PADDED', Flag.PADDED]],
  HEADERS: [
    ['END_STREAM', Flag.END_STREAM],
    ['END_HEADERS', Flag.END_HEADERS],
    ['PADDED', Flag.PADDED],
    ['PRIORITY', Flag.PRIORITY],
  ],
  PRIORITY: [],
  RST_STREAM: [],
  SETTINGS: [['ACK', Flag.ACK]],
  PUSH_PROMISE: [['END_HEADERS', Flag.END_HEADERS], ['PADDED', Flag.PADDED]],
  PING: [['ACK', Flag.ACK]],
  GOAWAY: [],
  WINDOW_UPDATE: [],
  CONTINUATION: [['END_HEADERS', Flag.END_HEADERS]],
};

/** Error codes, RFC 9113 §7. */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

const errorCodeNames: string[] = [];
for (const [name, code] of Object.entries(ErrorCode)) errorCodeNames[code] = name;

/** The RFC name of an error code; unknown codes are legal on the wire (§7). */
export function errorCodeName(code: number): ErrorCodeName | undefined {
  return errorCodeNames[code] as ErrorCodeName | undefined;
}

/** Setting identifiers, RFC 9113 §6.5.2. */
export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;
export type SettingName = keyof typeof SettingId;

// Registered by later RFCs; named for display only, never validated here.
const extensionSettingNames: Record<number, string> = {
  0x8: 'ENABLE_CONNECT_PROTOCOL', // RFC 8441
  0x9: 'NO_RFC7540_PRIORITIES', // RFC 9218
};

const settingNames: string[] = [];
for (const [name, id] of Object.entries(SettingId)) settingNames[id] = name;

/** The name of a setting identifier, or undefined if unknown (unknown ones are ignored, §6.5.2). */
export function settingName(id: number): string | undefined {
  return settingNames[id] ?? extensionSettingNames[id];
}

/** Initial values of the settings, RFC 9113 §6.5.2. */
export const DEFAULT_SETTINGS = {
  HEADER_TABLE_SIZE: 4096,
  ENABLE_PUSH: 1,
  MAX_CONCURRENT_STREAMS: Infinity,
  INITIAL_WINDOW_SIZE: 65535,
  MAX_FRAME_SIZE: 16384,
  MAX_HEADER_LIST_SIZE: Infinity,
} as const;

/** Size limits from RFC 9113 §4.1, §4.2, §5.1.1, §6.9.1. */
export const FRAME_HEADER_LENGTH = 9;
export const MIN_MAX_FRAME_SIZE = 1 << 14; // 16,384
export const MAX_MAX_FRAME_SIZE = (1 << 24) - 1; // 16,777,215
export const MAX_STREAM_ID = 0x7fffffff; // 2^31-1
export const MAX_WINDOW_SIZE = 0x7fffffff; // 2^31-1
export const MAX_UINT32 = 0xffffffff;

/** The client connection preface, RFC 9113 §3.4: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
export const CLIENT_PREFACE: Uint8Array = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
