// The stream state machine of RFC 9113 §5.1, as two tables: what receiving
// a frame does to a stream, and what sending one does, in every state. They
// are the only authority: every frame the engine receives or sends on a
// stream is looked up here first, and every change of state goes through
// one function of the stream registry (streams.ts), which the tracer sees.
//
// "closed" is split in two because the RFC treats the two differently:
//   closed        both END_STREAMs seen, or the peer reset the stream;
//   closed_reset  we sent RST_STREAM: the peer may not know yet, so whatever
//                 it sent meanwhile is minimally processed and ignored (§5.1).
//
// Events are frames, seen from the stream they concern. END_STREAM is an
// event of its own, applied after the frame that carries it (§5.1: "a
// HEADERS frame with the END_STREAM flag set can cause two state
// transitions"). CONTINUATION changes no state: it is part of the HEADERS or
// PUSH_PROMISE before it, whose transition it finds already made. A
// PUSH_PROMISE concerns two streams: the one it arrives on (push_promise)
// and the one it reserves (promised). h2wire never sends PRIORITY (§5.3.2
// deprecates the scheme), so there is no event for sending it.

import type { ErrorLabel } from '../error-labels.js';

/** The states, in the order of §5.1's figure; each list below is the one place its names are written (the type follows from it). */
export const STREAM_STATES = ['idle', 'reserved_local', 'reserved_remote', 'open', 'half_closed_local', 'half_closed_remote', 'closed', 'closed_reset'] as const;
export type StreamState = (typeof STREAM_STATES)[number];

export const RECEIVE_EVENTS = [
  'recv_headers',
  'recv_continuation',
  'recv_push_promise', // the stream a PUSH_PROMISE arrives on
  'recv_promised', // the stream a received PUSH_PROMISE reserves
  'recv_data',
  'recv_end_stream',
  'recv_rst_stream',
  'recv_window_update',
  'recv_priority',
] as const;
export type ReceiveEvent = (typeof RECEIVE_EVENTS)[number];

export const SEND_EVENTS = [
  'send_headers',
  'send_continuation',
  'send_push_promise', // the stream we send a PUSH_PROMISE on
  'send_promised', // the stream our PUSH_PROMISE reserves
  'send_data',
  'send_end_stream',
  'send_rst_stream',
  'send_window_update',
] as const;
export type SendEvent = (typeof SEND_EVENTS)[number];

/** A received frame the state forbids, and what it costs (§5.4): its scope, code and stable label. */
export interface Violation {
  scope: 'connection' | 'stream';
  code: 'PROTOCOL_ERROR' | 'STREAM_CLOSED';
  label: ErrorLabel;
  why: string;
}

/** `ignore`: allowed, with no effect beyond minimal processing (§5.1 "closed"). */
export type Transition = StreamState | 'ignore' | Violation;

/** A frame we may not send in a state: the application's mistake (an EndpointUsageError). */
export interface Forbidden {
  forbidden: string;
}

const conn = (code: Violation['code'], label: ErrorLabel, why: string): Violation => ({ scope: 'connection', code, label, why });
const strm = (code: Violation['code'], label: ErrorLabel, why: string): Violation => ({ scope: 'stream', code, label, why });
const no = (why: string): Forbidden => ({ forbidden: why });

const ON_IDLE = conn('PROTOCOL_ERROR', 'frame_on_idle_stream', 'only HEADERS or PRIORITY may be received on an idle stream (RFC 9113 §5.1)');
const ON_RESERVED_LOCAL = conn('PROTOCOL_ERROR', 'frame_on_reserved_stream', 'only RST_STREAM, PRIORITY or WINDOW_UPDATE may be received on a reserved (local) stream (RFC 9113 §5.1)');
const ON_RESERVED_REMOTE = conn('PROTOCOL_ERROR', 'frame_on_reserved_stream', 'only HEADERS, RST_STREAM or PRIORITY may be received on a reserved (remote) stream (RFC 9113 §5.1)');
const AFTER_PEER_END = strm('STREAM_CLOSED', 'frame_after_end_stream', 'the peer already ended this stream (half-closed remote, RFC 9113 §5.1)');
const DATA_ON_CLOSED = strm('STREAM_CLOSED', 'data_on_closed_stream', 'DATA on a closed stream (RFC 9113 §5.1, §6.1)');
const HEADERS_ON_CLOSED = conn('STREAM_CLOSED', 'headers_on_closed_stream', 'HEADERS on a closed stream (RFC 9113 §5.1)');
const NOT_RESERVABLE = conn('PROTOCOL_ERROR', 'promised_stream_not_idle', 'PUSH_PROMISE reserves only an idle stream (RFC 9113 §5.1, §6.6)');
const PROMISE_ON_BAD_STREAM = conn('PROTOCOL_ERROR', 'push_promise_on_bad_stream', 'PUSH_PROMISE must arrive on a stream we opened that is open or half-closed (local) (RFC 9113 §6.6)');
// The block check (header-block-assembly.ts) finds a CONTINUATION outside a block first; the cell says the same.
const CONTINUATION_OUT_OF_BLOCK = conn('PROTOCOL_ERROR', 'continuation_without_block', 'CONTINUATION belongs to a field block begun on this stream (RFC 9113 §6.10)');

/** What receiving each event does in each state. Every cell is written out: none is left to a default. */
export const RECEIVE_TABLE: Readonly<Record<StreamState, Readonly<Record<ReceiveEvent, Transition>>>> = {
  idle: {
    recv_headers: 'open',
    recv_continuation: CONTINUATION_OUT_OF_BLOCK,
    recv_push_promise: PROMISE_ON_BAD_STREAM,
    recv_promised: 'reserved_remote',
    recv_data: ON_IDLE,
    recv_end_stream: ON_IDLE,
    recv_rst_stream: ON_IDLE, // §6.4 says so too
    recv_window_update: ON_IDLE,
    recv_priority: 'idle', // §5.1: PRIORITY in any state; it does not open the stream
  },
  reserved_local: {
    recv_headers: ON_RESERVED_LOCAL,
    recv_continuation: ON_RESERVED_LOCAL,
    recv_push_promise: ON_RESERVED_LOCAL,
    recv_promised: NOT_RESERVABLE,
    recv_data: ON_RESERVED_LOCAL,
    recv_end_stream: ON_RESERVED_LOCAL,
    recv_rst_stream: 'closed',
    recv_window_update: 'reserved_local',
    recv_priority: 'reserved_local',
  },
  reserved_remote: {
    recv_headers: 'half_closed_local',
    recv_continuation: ON_RESERVED_REMOTE,
    recv_push_promise: ON_RESERVED_REMOTE,
    recv_promised: NOT_RESERVABLE,
    recv_data: ON_RESERVED_REMOTE,
    recv_end_stream: ON_RESERVED_REMOTE,
    recv_rst_stream: 'closed',
    recv_window_update: ON_RESERVED_REMOTE,
    recv_priority: 'reserved_remote',
  },
  open: {
    recv_headers: 'open', // trailers, or an informational or final response
    recv_continuation: 'open',
    recv_push_promise: 'open',
    recv_promised: NOT_RESERVABLE,
    recv_data: 'open',
    recv_end_stream: 'half_closed_remote',
    recv_rst_stream: 'closed',
    recv_window_update: 'open',
    recv_priority: 'open',
  },
  half_closed_local: {
    // §5.1: "An endpoint can receive any type of frame in this state."
    recv_headers: 'half_closed_local',
    recv_continuation: 'half_closed_local',
    recv_push_promise: 'half_closed_local',
    recv_promised: NOT_RESERVABLE,
    recv_data: 'half_closed_local',
    recv_end_stream: 'closed',
    recv_rst_stream: 'closed',
    recv_window_update: 'half_closed_local', // applied: an overflow is still a FLOW_CONTROL_ERROR (§6.9.1)
    recv_priority: 'half_closed_local',
  },
  half_closed_remote: {
    recv_headers: AFTER_PEER_END,
    recv_continuation: AFTER_PEER_END,
    recv_push_promise: PROMISE_ON_BAD_STREAM,
    recv_promised: NOT_RESERVABLE,
    recv_data: AFTER_PEER_END,
    recv_end_stream: AFTER_PEER_END,
    recv_rst_stream: 'closed',
    recv_window_update: 'half_closed_remote',
    recv_priority: 'half_closed_remote',
  },
  closed: {
    recv_headers: HEADERS_ON_CLOSED,
    recv_continuation: HEADERS_ON_CLOSED,
    recv_push_promise: PROMISE_ON_BAD_STREAM,
    recv_promised: NOT_RESERVABLE,
    recv_data: DATA_ON_CLOSED,
    recv_end_stream: DATA_ON_CLOSED,
    recv_rst_stream: 'ignore', // may race our END_STREAM (§5.1)
    recv_window_update: 'ignore', // likewise
    recv_priority: 'closed',
  },
  closed_reset: {
    // §5.1: "An endpoint MUST minimally process and then discard any frames
    // it receives in this state": field blocks are still decoded, DATA still
    // counts against the connection window, and a PUSH_PROMISE still reserves.
    recv_headers: 'ignore',
    recv_continuation: 'ignore',
    recv_push_promise: 'ignore',
    recv_promised: NOT_RESERVABLE,
    recv_data: 'ignore',
    recv_end_stream: 'ignore',
    recv_rst_stream: 'ignore',
    recv_window_update: 'ignore',
    recv_priority: 'closed_reset',
  },
};

const NOTHING_ON_CLOSED = no('nothing but PRIORITY may be sent on a closed stream (RFC 9113 §5.1)');
const NOT_IDLE = no('a PUSH_PROMISE reserves only an idle stream (RFC 9113 §6.6)');
const NO_PROMISE = no('a PUSH_PROMISE goes on a stream the client opened, while it is open or half-closed (remote) (RFC 9113 §6.6)');

/** Sending on a closed stream, however it closed. */
const SEND_ON_CLOSED: Readonly<Record<SendEvent, Forbidden>> = {
  send_headers: NOTHING_ON_CLOSED,
  send_continuation: NOTHING_ON_CLOSED,
  send_push_promise: NOTHING_ON_CLOSED,
  send_promised: NOT_IDLE,
  send_data: NOTHING_ON_CLOSED,
  send_end_stream: NOTHING_ON_CLOSED,
  send_rst_stream: NOTHING_ON_CLOSED,
  send_window_update: NOTHING_ON_CLOSED,
};

/** What sending each event does in each state: the next state, or why the RFC forbids it. */
export const SEND_TABLE: Readonly<Record<StreamState, Readonly<Record<SendEvent, StreamState | Forbidden>>>> = {
  idle: {
    send_headers: 'open',
    send_continuation: no('CONTINUATION follows a HEADERS or PUSH_PROMISE (RFC 9113 §6.10)'),
    send_push_promise: NO_PROMISE,
    send_promised: 'reserved_local',
    send_data: no('DATA may not be sent on an idle stream (RFC 9113 §5.1, §6.1)'),
    send_end_stream: no('an idle stream has nothing to end (RFC 9113 §5.1)'),
    send_rst_stream: no('RST_STREAM may not be sent on an idle stream (RFC 9113 §6.4)'),
    send_window_update: no('WINDOW_UPDATE may not be sent on an idle stream (RFC 9113 §5.1)'),
  },
  reserved_local: {
    send_headers: 'half_closed_remote',
    send_continuation: no('CONTINUATION follows a HEADERS (RFC 9113 §6.10)'),
    send_push_promise: NO_PROMISE,
    send_promised: NOT_IDLE,
    send_data: no('only HEADERS, RST_STREAM or PRIORITY may be sent on a reserved (local) stream (RFC 9113 §5.1)'),
    send_end_stream: no('a reserved (local) stream is ended by its HEADERS or later frames (RFC 9113 §5.1)'),
    send_rst_stream: 'closed_reset',
    send_window_update: no('only HEADERS, RST_STREAM or PRIORITY may be sent on a reserved (local) stream (RFC 9113 §5.1)'),
  },
  reserved_remote: {
    send_headers: no('only RST_STREAM, WINDOW_UPDATE or PRIORITY may be sent on a reserved (remote) stream (RFC 9113 §5.1)'),
    send_continuation: no('only RST_STREAM, WINDOW_UPDATE or PRIORITY may be sent on a reserved (remote) stream (RFC 9113 §5.1)'),
    send_push_promise: NO_PROMISE,
    send_promised: NOT_IDLE,
    send_data: no('only RST_STREAM, WINDOW_UPDATE or PRIORITY may be sent on a reserved (remote) stream (RFC 9113 §5.1)'),
    send_end_stream: no('only RST_STREAM, WINDOW_UPDATE or PRIORITY may be sent on a reserved (remote) stream (RFC 9113 §5.1)'),
    send_rst_stream: 'closed_reset',
    send_window_update: 'reserved_remote',
  },
  open: {
    send_headers: 'open',
    send_continuation: 'open',
    send_push_promise: 'open',
    send_promised: NOT_IDLE,
    send_data: 'open',
    send_end_stream: 'half_closed_local',
    send_rst_stream: 'closed_reset',
    send_window_update: 'open',
  },
  half_closed_local: {
    send_headers: no('only WINDOW_UPDATE, PRIORITY or RST_STREAM may be sent on a half-closed (local) stream (RFC 9113 §5.1)'),
    send_continuation: no('only WINDOW_UPDATE, PRIORITY or RST_STREAM may be sent on a half-closed (local) stream (RFC 9113 §5.1)'),
    send_push_promise: no('only WINDOW_UPDATE, PRIORITY or RST_STREAM may be sent on a half-closed (local) stream (RFC 9113 §5.1)'),
    send_promised: NOT_IDLE,
    send_data: no('only WINDOW_UPDATE, PRIORITY or RST_STREAM may be sent on a half-closed (local) stream (RFC 9113 §5.1)'),
    send_end_stream: no('this side of the stream has ended already (RFC 9113 §5.1)'),
    send_rst_stream: 'closed_reset',
    send_window_update: 'half_closed_local',
  },
  half_closed_remote: {
    // §5.1: "can be used by the endpoint to send frames of any type".
    send_headers: 'half_closed_remote',
    send_continuation: 'half_closed_remote',
    send_push_promise: 'half_closed_remote',
    send_promised: NOT_IDLE,
    send_data: 'half_closed_remote',
    send_end_stream: 'closed',
    send_rst_stream: 'closed_reset',
    send_window_update: 'half_closed_remote',
  },
  closed: {
    ...SEND_ON_CLOSED,
    // §6.1, §5.4.2: a stream error on a closed stream (DATA after both
    // END_STREAMs, say) is answered with RST_STREAM; that answer is the one
    // frame §5.1's "MUST NOT send frames other than PRIORITY" leaves.
    send_rst_stream: 'closed_reset',
  },
  closed_reset: SEND_ON_CLOSED, // §5.4.2: RST_STREAM is the last frame we send on a stream
};

/** The RFC's name of a state, for messages and the trace ("closed (reset)": closed by our RST_STREAM). */
export function stateName(state: StreamState): string {
  return STATE_NAMES[state];
}

const STATE_NAMES: Readonly<Record<StreamState, string>> = {
  idle: 'idle',
  reserved_local: 'reserved (local)',
  reserved_remote: 'reserved (remote)',
  open: 'open',
  half_closed_local: 'half-closed (local)',
  half_closed_remote: 'half-closed (remote)',
  closed: 'closed',
  closed_reset: 'closed (reset)',
};

/** What receiving `event` does to a stream in `state`. */
export function onReceive(state: StreamState, event: ReceiveEvent): Transition {
  return RECEIVE_TABLE[state][event];
}

/** What sending `event` on a stream in `state` leads to, or why it is forbidden. */
export function onSend(state: StreamState, event: SendEvent): StreamState | Forbidden {
  return SEND_TABLE[state][event];
}

export const isViolation = (t: Transition): t is Violation => typeof t === 'object';
export const isForbidden = (t: StreamState | Forbidden): t is Forbidden => typeof t === 'object';

/** May `event` be sent in `state`? */
export const maySend = (state: StreamState, event: SendEvent): boolean => typeof SEND_TABLE[state][event] === 'string';

/** May DATA still arrive on a stream in `state`? (Then its receive window matters, §6.9.) */
export const mayReceiveData = (state: StreamState): boolean => {
  const t = RECEIVE_TABLE[state].recv_data;
  return typeof t === 'string' && t !== 'ignore';
};

/** A stream counts against MAX_CONCURRENT_STREAMS while open or half-closed (§5.1.2). */
export function isActive(state: StreamState): boolean {
  return state === 'open' || state === 'half_closed_local' || state === 'half_closed_remote';
}

export function isClosed(state: StreamState): boolean {
  return state === 'closed' || state === 'closed_reset';
}
