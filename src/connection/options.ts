// What an endpoint can be told: its role, the settings it advertises, its
// limits and deadlines, and the hooks that let a tracer watch it. Every
// limit and deadline has a default here, and the README's table lists them.
//
// A server makes one EndpointConfig for all its connections (frozen, so no
// connection can change another's); an endpoint made without one merges
// the defaults with its own options.

import { DEFAULT_SETTINGS, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE } from '../frames/constants.js';
import type { Frame } from '../frames/frame.js';
import { DEFAULT_MAX_FIELD_COUNT, DEFAULT_MAX_HEADER_LIST_SIZE } from '../hpack/decoder.js';
import type { HeaderList } from '../hpack/header-list.js';
import { type AbuseLimits, DEFAULT_ABUSE_LIMITS } from './abuse-limits.js';
import type { ConnectionState } from './connection-state.js';
import { INITIAL_SETTINGS, type Settings } from './settings.js';
import type { StreamState } from './stream-states.js';

export type Role = 'server' | 'client';

export interface EndpointLimits extends AbuseLimits {
  /** Octets of one field block, over all its frames (RFC 9113 §6.10). Default 65,536 + 16,384. */
  maxHeaderBlockBytes: number;
  /** CONTINUATION frames in one field block. Default 32. */
  maxContinuations: number;
  /** Closed streams remembered, to tell "recently closed" from "never opened" (§5.1). Default 256. */
  closedStreamsRemembered: number;
  /** Our dynamic table size for encoding, capped by the peer's SETTINGS_HEADER_TABLE_SIZE. Default 4,096. */
  encoderTableSize: number;
  /** Fields in one received header list (an HPACK bomb bound). Default 128. */
  maxFieldCount: number;
  /**
   * Octets this connection may hold for the peer (heldBytes(): undecoded
   * input, an open field block, the field sections of open streams, unread
   * body, control frames owed); past it, GOAWAY ENHANCE_YOUR_CALM. Default
   * 10 MiB, as node:http2's maxSessionMemory.
   */
  maxHeldBytes: number;
  /**
   * What each stream in use is charged in heldBytes() besides its fields
   * and body: the objects that carry it (the engine's stream, and a
   * server's request, response and handler promise), which a peer makes us
   * hold by opening streams. Default 3,072: the bench measures 1.8 KiB of
   * heap per held response; a handler awaiting its body, about 2.7 KB.
   */
  streamCostBytes: number;
}

export interface EndpointTimeouts {
  /** From creation to the peer's preface and first SETTINGS (§3.4). Default 10,000. */
  prefaceMs: number;
  /** From sending SETTINGS to its ACK; then GOAWAY SETTINGS_TIMEOUT (§6.5.3). Default 10,000. */
  settingsAckMs: number;
  /**
   * No stream open this long (since the last one closed, or since the
   * start): the connection is shut down gracefully. Frames that open no
   * stream (PING, SETTINGS, ...) do not keep it alive. Default 120,000.
   */
  idleMs: number;
  /** A field block left open (HEADERS without END_HEADERS) this long ends the connection (slowloris). Default 10,000. */
  headerBlockMs: number;
  /**
   * After a graceful GOAWAY, the PING sent with it must come back within
   * this; if not, the final GOAWAY goes out anyway (§6.8). Default 10,000.
   */
  shutdownPingMs: number;
  /**
   * DATA waiting and none sent for this long, because the peer keeps its
   * flow-control windows shut (§6.9): GOAWAY ENHANCE_YOUR_CALM. Default
   * 60,000, as nginx's send_timeout.
   */
  sendStallMs: number;
  /**
   * Server: a request body with no DATA for this long (since its HEADERS
   * or its last DATA): the stream is reset with CANCEL, its handler sees
   * the request aborted. Default 60,000, as nginx's client_body_timeout.
   */
  receiveStallMs: number;
}

/** Hooks for tracing and teaching: each sees what it names, in order, as it happens. */
export interface EndpointHooks {
  /** Every frame received (before it takes effect) and sent (as it is queued). */
  onFrame?: (direction: 'in' | 'out', frame: Frame) => void;
  /** Every frame received, once it has taken effect (its state changes and window changes done): the moment to read windows(). */
  onFrameApplied?: (frame: Frame) => void;
  /** Every field list decoded (in) or encoded (out), right after its frames. */
  onFields?: (direction: 'in' | 'out', streamId: number, fields: HeaderList) => void;
  /** Every stream state change (§5.1), right after the frame that caused it. */
  onStreamState?: (streamId: number, from: StreamState, to: StreamState) => void;
  /** Every change of the connection's own state (awaiting preface, open, going away, closed). */
  onConnectionState?: (from: ConnectionState, to: ConnectionState) => void;
}

export interface EndpointOptions extends EndpointHooks {
  role: Role;
  /** Settings we advertise (RFC 9113 §6.5.2). Defaults: MAX_CONCURRENT_STREAMS 100, MAX_HEADER_LIST_SIZE 65,536. */
  settings?: Partial<Settings>;
  /** The connection-level receive window we keep open (§6.9.2: only WINDOW_UPDATE can set it). Default 1 MiB. */
  connectionWindowSize?: number;
  limits?: Partial<EndpointLimits>;
  /** Deadlines, in the same unit as the `now` values passed in (milliseconds by convention). */
  timeouts?: Partial<EndpointTimeouts>;
  /** Made once for many endpoints (a server's connections) by EndpointConfig.from(); wins over settings, limits and timeouts. */
  config?: EndpointConfig;
  /** The time at creation; later times come with receive() and tick(). Default 0. */
  now?: number;
}

export const DEFAULT_LOCAL_SETTINGS: Readonly<Settings> = Object.freeze({
  ...INITIAL_SETTINGS,
  maxConcurrentStreams: 100,
  maxHeaderListSize: DEFAULT_MAX_HEADER_LIST_SIZE,
});

export const DEFAULT_LIMITS: Readonly<EndpointLimits> = Object.freeze({
  maxHeaderBlockBytes: DEFAULT_MAX_HEADER_LIST_SIZE + MIN_MAX_FRAME_SIZE, // the list limit plus one frame, compressed
  maxContinuations: 32,
  closedStreamsRemembered: 256,
  encoderTableSize: DEFAULT_SETTINGS.HEADER_TABLE_SIZE,
  maxFieldCount: DEFAULT_MAX_FIELD_COUNT,
  maxHeldBytes: 10 * 1024 * 1024,
  streamCostBytes: 3072,
  ...DEFAULT_ABUSE_LIMITS,
});

export const DEFAULT_TIMEOUTS: Readonly<EndpointTimeouts> = Object.freeze({
  prefaceMs: 10_000,
  settingsAckMs: 10_000,
  idleMs: 120_000,
  headerBlockMs: 10_000,
  shutdownPingMs: 10_000,
  sendStallMs: 60_000,
  receiveStallMs: 60_000,
});

export const DEFAULT_CONNECTION_WINDOW = 1 << 20;

/** The keys of `defaults` that `given` sets (others, such as a server's own timeouts, are not the engine's). */
function merge<T extends object>(defaults: Readonly<T>, given: Partial<T> | undefined): Readonly<T> {
  const out = { ...defaults } as T;
  if (given) for (const key of Object.keys(defaults) as Array<keyof T>) if (given[key] !== undefined) out[key] = given[key]!;
  return Object.freeze(out);
}

/** Settings, limits and deadlines resolved against their defaults: made once, read by any number of endpoints. */
export class EndpointConfig {
  readonly limits: Readonly<EndpointLimits>;
  readonly timeouts: Readonly<EndpointTimeouts>;
  /**
   * The settings a server and a client ask for. A server's ENABLE_PUSH
   * stays at the initial 1, which it never sends: the setting is the
   * client's to give (§6.5.2), and a server sending 1 is an error.
   */
  readonly serverSettings: Readonly<Settings>;
  readonly clientSettings: Readonly<Settings>;
  readonly connectionWindowSize: number;

  private constructor(options: Omit<EndpointOptions, 'role'>) {
    this.limits = merge(DEFAULT_LIMITS, options.limits);
    this.timeouts = merge(DEFAULT_TIMEOUTS, options.timeouts);
    const wanted = merge(DEFAULT_LOCAL_SETTINGS, options.settings);
    this.clientSettings = wanted;
    this.serverSettings = Object.freeze({ ...wanted, enablePush: INITIAL_SETTINGS.enablePush });
    this.connectionWindowSize = Math.min(options.connectionWindowSize ?? DEFAULT_CONNECTION_WINDOW, MAX_WINDOW_SIZE);
    Object.freeze(this);
  }

  static from(options: Omit<EndpointOptions, 'role'>): EndpointConfig {
    return new EndpointConfig(options);
  }

  wantedSettings(role: Role): Readonly<Settings> {
    return role === 'server' ? this.serverSettings : this.clientSettings;
  }
}
