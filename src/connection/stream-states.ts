// The stream state machine of RFC 9113 §5.1, as one table: state × event ->
// next state, or the error the RFC prescribes. Nothing else in the engine
// decides whether a frame is allowed on a stream.
//
// "closed" is split in two because the RFC treats the two differently:
//   closed        both END_STREAMs seen, or the peer reset the stream;
//   closed_reset  we sent RST_STREAM: the peer may not know yet, so whatever
//                 it sent meanwhile is minimally processed and ignored (§5.1).

export type StreamState =
  | 'idle'
  | 'reserved_local'
  | 'reserved_remote'
  | 'open'
  | 'half_closed_local'
  | 'half_closed_remote'
  | 'closed'
  | 'closed_reset';

/** A frame sent or received on the stream. END_STREAM is its own event, applied after the frame's. */
export type StreamEvent =
  | 'send_headers'
  | 'recv_headers'
  | 'send_push_promise' // the promised stream, when we send PUSH_PROMISE
  | 'recv_push_promise' // the promised stream, when we receive PUSH_PROMISE
  | 'send_data'
  | 'recv_data'
  | 'send_end_stream'
  | 'recv_end_stream'
  | 'send_rst_stream'
  | 'recv_rst_stream'
  | 'send_window_update'
  | 'recv_window_update'
  | 'send_priority'
  | 'recv_priority'
  | 'recv_continuation';

/** What a received frame the state forbids costs (§5.4). */
export interface Violation {
  scope: 'connection' | 'stream';
  code: 'PROTOCOL_ERROR' | 'STREAM_CLOSED';
  why: string;
}

/** `ignore`: the frame is allowed but has no effect beyond minimal processing (§5.1 "closed"). */
export type Transition = StreamState | 'ignore' | Violation;

const conn = (code: Violation['code'], why: string): Violation => ({ scope: 'connection', code, why });
const stream = (code: Violation['code'], why: string): Violation => ({ scope: 'stream', code, why });

const IDLE_RECV = conn('PROTOCOL_ERROR', 'only HEADERS or PRIORITY may be received on an idle stream (RFC 9113 §5.1)');
const RESERVED_LOCAL_RECV = conn('PROTOCOL_ERROR', 'only RST_STREAM, PRIORITY or WINDOW_UPDATE may be received on a reserved (local) stream (RFC 9113 §5.1)');
const RESERVED_REMOTE_RECV = conn('PROTOCOL_ERROR', 'only HEADERS, RST_STREAM or PRIORITY may be received on a reserved (remote) stream (RFC 9113 §5.1)');
const HALF_CLOSED_REMOTE_RECV = stream('STREAM_CLOSED', 'the peer already ended this stream (half-closed remote, RFC 9113 §5.1)');
const CLOSED_DATA = stream('STREAM_CLOSED', 'DATA on a closed stream (RFC 9113 §5.1, §6.1)');
const CLOSED_HEADERS = conn('STREAM_CLOSED', 'HEADERS on a closed stream (RFC 9113 §5.1)');
const PUSH_ON_BAD_STREAM = conn('PROTOCOL_ERROR', 'PUSH_PROMISE reserves only an idle stream (RFC 9113 §5.1, §6.6)');

/**
 * Received events only; sending is checked by sendAllowed(). A missing entry
 * means the RFC's default for frames not expressly permitted: connection
 * error PROTOCOL_ERROR (§5.1, last paragraphs).
 */
export const RECEIVE_TABLE: Readonly<Record<StreamState, Partial<Record<StreamEvent, Transition>>>> = {
  idle: {
    recv_headers: 'open',
    recv_push_promise: 'reserved_remote',
    recv_priority: 'idle',
    recv_data: IDLE_RECV,
    recv_rst_stream: IDLE_RECV,
    recv_window_update: IDLE_RECV,
    recv_continuation: IDLE_RECV,
  },
  reserved_local: {
    recv_rst_stream: 'closed',
    recv_priority: 'reserved_local',
    recv_window_update: 'reserved_local',
    recv_headers: RESERVED_LOCAL_RECV,
    recv_data: RESERVED_LOCAL_RECV,
    recv_push_promise: PUSH_ON_BAD_STREAM,
  },
  reserved_remote: {
    recv_headers: 'half_closed_local',
    recv_rst_stream: 'closed',
    recv_priority: 'reserved_remote',
    recv_data: RESERVED_REMOTE_RECV,
    recv_window_update: RESERVED_REMOTE_RECV,
    recv_push_promise: PUSH_ON_BAD_STREAM,
  },
  open: {
    recv_headers: 'open', // trailers, or an informational/final response
    recv_data: 'open',
    recv_end_stream: 'half_closed_remote',
    recv_rst_stream: 'closed',
    recv_window_update: 'open',
    recv_priority: 'open',
    recv_continuation: 'open',
    recv_push_promise: PUSH_ON_BAD_STREAM,
  },
  half_closed_local: {
    recv_headers: 'half_closed_local',
    recv_data: 'half_closed_local',
    recv_end_stream: 'closed',
    recv_rst_stream: 'closed',
    recv_window_update: 'half_closed_local', // still applied, so an overflow is still a FLOW_CONTROL_ERROR (§6.9.1)
    recv_priority: 'half_closed_local',
    recv_continuation: 'half_closed_local',
    recv_push_promise: PUSH_ON_BAD_STREAM,
  },
  half_closed_remote: {
    recv_headers: HALF_CLOSED_REMOTE_RECV,
    recv_data: HALF_CLOSED_REMOTE_RECV,
    recv_continuation: HALF_CLOSED_REMOTE_RECV,
    recv_rst_stream: 'closed',
    recv_window_update: 'half_closed_remote',
    recv_priority: 'half_closed_remote',
    recv_push_promise: PUSH_ON_BAD_STREAM,
  },
  closed: {
    recv_priority: 'closed',
    recv_window_update: 'ignore', // may race our END_STREAM or RST_STREAM (§5.1)
    recv_rst_stream: 'ignore',
    recv_data: CLOSED_DATA,
    recv_headers: CLOSED_HEADERS,
    recv_continuation: CLOSED_HEADERS,
    recv_push_promise: PUSH_ON_BAD_STREAM,
  },
  closed_reset: {
    // §5.1: "An endpoint MUST ignore frames that it receives on closed
    // streams after it has sent a RST_STREAM frame", after minimal processing.
    recv_headers: 'ignore',
    recv_data: 'ignore',
    recv_end_stream: 'ignore',
    recv_rst_stream: 'ignore',
    recv_window_update: 'ignore',
    recv_priority: 'ignore',
    recv_continuation: 'ignore',
    recv_push_promise: PUSH_ON_BAD_STREAM,
  },
};

/** Sent events: the next state, or undefined when the RFC forbids sending it (an API misuse). */
export const SEND_TABLE: Readonly<Record<StreamState, Partial<Record<StreamEvent, StreamState>>>> = {
  idle: { send_headers: 'open', send_push_promise: 'reserved_local', send_priority: 'idle' },
  reserved_local: { send_headers: 'half_closed_remote', send_rst_stream: 'closed_reset', send_priority: 'reserved_local' },
  reserved_remote: { send_rst_stream: 'closed_reset', send_window_update: 'reserved_remote', send_priority: 'reserved_remote' },
  open: {
    send_headers: 'open',
    send_data: 'open',
    send_end_stream: 'half_closed_local',
    send_rst_stream: 'closed_reset',
    send_window_update: 'open',
    send_priority: 'open',
  },
  half_closed_local: { send_rst_stream: 'closed_reset', send_window_update: 'half_closed_local', send_priority: 'half_closed_local' },
  half_closed_remote: {
    send_headers: 'half_closed_remote',
    send_data: 'half_closed_remote',
    send_end_stream: 'closed',
    send_rst_stream: 'closed_reset',
    send_window_update: 'half_closed_remote',
    send_priority: 'half_closed_remote',
  },
  closed: { send_priority: 'closed' },
  closed_reset: { send_priority: 'closed_reset' },
};

const DEFAULT_VIOLATION = conn('PROTOCOL_ERROR', 'frame not permitted in this stream state (RFC 9113 §5.1)');

/** The result of receiving `event` on a stream in `state`. */
export function onReceive(state: StreamState, event: StreamEvent): Transition {
  return RECEIVE_TABLE[state][event] ?? DEFAULT_VIOLATION;
}

/** The state after sending `event`, or undefined if the RFC forbids it. */
export function onSend(state: StreamState, event: StreamEvent): StreamState | undefined {
  return SEND_TABLE[state][event];
}

export const isViolation = (t: Transition): t is Violation => typeof t === 'object';

/** A stream counts against MAX_CONCURRENT_STREAMS while open or half-closed (§5.1.2). */
export function isActive(state: StreamState): boolean {
  return state === 'open' || state === 'half_closed_local' || state === 'half_closed_remote';
}

export function isClosed(state: StreamState): boolean {
  return state === 'closed' || state === 'closed_reset';
}
