// The HTTP/2 frame as a discriminated union on `type` (RFC 9113 §6).
// Fields are the frame's meaning, not its bits: flags appear as booleans or
// as the presence of an optional field, and the encoder derives the bits.
// Unused flags and reserved bits are ignored on receipt (§4.1) and so do not
// appear here; the raw encoder (encodeRawFrame) can still set them.

/** RFC 7540 priority fields, deprecated by RFC 9113 §5.3.2 but still on the wire. */
export interface PriorityFields {
  exclusive: boolean;
  /** 31-bit stream identifier this stream depends on. */
  dependsOn: number;
  /** 1..256: the wire carries weight - 1 (RFC 7540 §6.2). */
  weight: number;
}

interface Padded {
  /**
   * Number of padding octets, 0..255. Present means the PADDED flag is set
   * (a Pad Length field of 0 still adds one octet, §6.1). Padding octets are
   * zero when we send and ignored when we receive.
   */
  padLength?: number;
}

export interface DataFrame extends Padded {
  type: 'DATA';
  streamId: number;
  endStream: boolean;
  data: Uint8Array;
}

export interface HeadersFrame extends Padded {
  type: 'HEADERS';
  streamId: number;
  endStream: boolean;
  endHeaders: boolean;
  /** Present means the PRIORITY flag is set. */
  priority?: PriorityFields;
  /** Field block fragment (HPACK-encoded, RFC 9113 §4.3). */
  headerBlock: Uint8Array;
}

export interface PriorityFrame {
  type: 'PRIORITY';
  streamId: number;
  priority: PriorityFields;
}

export interface RstStreamFrame {
  type: 'RST_STREAM';
  streamId: number;
  errorCode: number;
}

export interface Setting {
  id: number;
  value: number;
}

export interface SettingsFrame {
  type: 'SETTINGS';
  /** Always 0 on a legal frame (§6.5, §6.7, §6.8). */
  streamId: number;
  ack: boolean;
  /** In wire order; an identifier may repeat and the last one wins (§6.5.3). */
  settings: Setting[];
}

export interface PushPromiseFrame extends Padded {
  type: 'PUSH_PROMISE';
  streamId: number;
  endHeaders: boolean;
  promisedStreamId: number;
  headerBlock: Uint8Array;
}

export interface PingFrame {
  type: 'PING';
  /** Always 0 on a legal frame (§6.5, §6.7, §6.8). */
  streamId: number;
  ack: boolean;
  /** Exactly 8 octets (§6.7). */
  data: Uint8Array;
}

export interface GoawayFrame {
  type: 'GOAWAY';
  /** Always 0 on a legal frame (§6.5, §6.7, §6.8). */
  streamId: number;
  lastStreamId: number;
  errorCode: number;
  debugData: Uint8Array;
}

export interface WindowUpdateFrame {
  type: 'WINDOW_UPDATE';
  streamId: number;
  /** 1..2^31-1 (§6.9). */
  windowSizeIncrement: number;
}

export interface ContinuationFrame {
  type: 'CONTINUATION';
  streamId: number;
  endHeaders: boolean;
  headerBlock: Uint8Array;
}

/** A frame of a type RFC 9113 does not define: kept whole, to be ignored (§4.1, §5.5). */
export interface UnknownFrame {
  type: 'UNKNOWN';
  frameType: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

export type Frame =
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoawayFrame
  | WindowUpdateFrame
  | ContinuationFrame
  | UnknownFrame;

export type FrameOfType<T extends Frame['type']> = Extract<Frame, { type: T }>;
