// An independent oracle for RFC 9113 §5.1 "Stream States".
//
// This file was written from the RFC text and Figure 2 only, WITHOUT looking
// at src/connection/stream-states.ts, so that the tests in
// stream-states.test.ts compare two readings of the RFC rather than a table
// with a copy of itself.
//
// It is deliberately written as prose-shaped code, one function per state,
// each rule next to the RFC sentence it comes from. Where the RFC leaves the
// implementer a choice (MAY, "can ignore", "treat as"), the comment says
// "CHOICE:" and gives the reason for the choice made.
//
// Scope of this model
// -------------------
// * One stream, seen by one endpoint. The model knows nothing about which
//   side (client/server) the endpoint is, so the role rules are left to
//   other modules and are NOT modelled here:
//     - §5.1 idle: "If this stream is initiated by the server ... receiving a
//       HEADERS frame MUST also be treated as a connection error".
//     - §8.4: "servers MUST treat the receipt of a PUSH_PROMISE frame as a
//       connection error"; "PUSH_PROMISE frames MUST NOT be sent by the
//       client"; PUSH_PROMISE only on a peer-initiated stream.
//     - §5.1.1 stream-identifier ordering and the implicit closing of
//       skipped idle streams.
// * Frame-level checks (stream id 0, lengths, padding, flow-control windows,
//   the §6.10 rule that CONTINUATION must directly follow a HEADERS /
//   PUSH_PROMISE / CONTINUATION without END_HEADERS) belong to the frame
//   layer and are not modelled either.
// * Message-level rules (§8.1: trailers must carry END_STREAM, etc.) are not
//   stream-state rules and are not modelled.
//
// Vocabulary (shared with the engine's table, by agreement, not by import):
// * `closed` = both END_STREAM flags seen, or the PEER reset the stream
//   (we received RST_STREAM).
// * `closed_reset` = WE sent RST_STREAM. The peer may not know yet, so frames
//   it sent meanwhile are "minimally processed and then discarded"
//   (§5.1 "closed").
// * END_STREAM is its own event, applied after the frame that bears it
//   (§5.1: "the END_STREAM flag is processed as a separate event to the frame
//   that bears it; a HEADERS frame with the END_STREAM flag set can cause two
//   state transitions").
// * CONTINUATION is looked up in the state the stream has AFTER its HEADERS
//   transition was applied (the engine applies it at the block's first
//   frame) and BEFORE its END_STREAM, which belongs to the whole block.
// * `recv_promised` / `send_promised` is the stream that a PUSH_PROMISE
//   reserves (the Promised Stream ID), `recv_push_promise` /
//   `send_push_promise` is the stream the PUSH_PROMISE frame is carried on.
//
// Revisions after the first comparison with the table (see the report and
// stream-states.test.ts); each was decided from the RFC text, not to make a
// test pass:
// * CONTINUATION. The first draft accepted a CONTINUATION on a stream that
//   END_STREAM had already half-closed or closed (it assumed END_STREAM
//   could be applied at the field block's first frame). That misreads §5.1:
//   "the END_STREAM flag is processed as a separate event to the frame that
//   bears it", and the frame that bears it is the HEADERS together with its
//   CONTINUATIONs ("they are effectively part of the HEADERS or PUSH_PROMISE
//   that they follow"). So END_STREAM comes after the last CONTINUATION, and
//   a CONTINUATION is judged as the HEADERS it continues (receiveContinuation,
//   sendContinuation below).
// * PRIORITY. The first draft said 'ignore'. But 'ignore' in this vocabulary
//   is §5.1's "minimally process and then discard"; PRIORITY is expressly
//   permitted in every state and still parsed and checked (§5.3.2 keeps "some
//   of the mandatory handling"), it just changes no state: next = same state.
// * WINDOW_UPDATE on half-closed (local). The first draft took the "can
//   ignore" of §5.1; now it takes the other permitted option, processing it,
//   because §6.9 (increment 0 → stream error) and §6.9.1 (window past 2^31-1
//   → "MUST terminate") carry no exemption for this state. Both options
//   conform; see receiveOnHalfClosedLocal.
// * RST_STREAM sent on closed. The first draft forbade it, by §5.1's "MUST
//   NOT send frames other than PRIORITY on a closed stream", and left the
//   RST_STREAM that answers a stream error on a closed stream to the test.
//   But §6.1 and §5.4.2 require that answer (DATA on a closed stream is a
//   stream error STREAM_CLOSED, and a stream error is answered with
//   RST_STREAM): it is a frame sent on a closed stream, so the tables model
//   it, and the engine sends it through them (core.streamError).
//
// Outcome vocabulary:
// * receive: `{ kind: 'next', state }` — the frame is processed normally and
//   the stream is then in `state` (possibly the same state);
//   `{ kind: 'ignore' }` — allowed, but the frame has no effect on the
//   stream (minimal processing: HPACK / connection window only);
//   `{ kind: 'violation', scope, code }` — a connection or stream error.
// * send: `{ kind: 'next', state }` or `{ kind: 'forbidden' }`.

export type OracleState =
  | 'idle'
  | 'reserved_local'
  | 'reserved_remote'
  | 'open'
  | 'half_closed_local'
  | 'half_closed_remote'
  | 'closed'
  | 'closed_reset';

export type OracleReceiveEvent =
  | 'recv_headers'
  | 'recv_continuation'
  | 'recv_push_promise'
  | 'recv_promised'
  | 'recv_data'
  | 'recv_end_stream'
  | 'recv_rst_stream'
  | 'recv_window_update'
  | 'recv_priority';

export type OracleSendEvent =
  | 'send_headers'
  | 'send_continuation'
  | 'send_push_promise'
  | 'send_promised'
  | 'send_data'
  | 'send_end_stream'
  | 'send_rst_stream'
  | 'send_window_update';

export const ORACLE_STATES: readonly OracleState[] = [
  'idle',
  'reserved_local',
  'reserved_remote',
  'open',
  'half_closed_local',
  'half_closed_remote',
  'closed',
  'closed_reset',
];

export const ORACLE_RECEIVE_EVENTS: readonly OracleReceiveEvent[] = [
  'recv_headers',
  'recv_continuation',
  'recv_push_promise',
  'recv_promised',
  'recv_data',
  'recv_end_stream',
  'recv_rst_stream',
  'recv_window_update',
  'recv_priority',
];

export const ORACLE_SEND_EVENTS: readonly OracleSendEvent[] = [
  'send_headers',
  'send_continuation',
  'send_push_promise',
  'send_promised',
  'send_data',
  'send_end_stream',
  'send_rst_stream',
  'send_window_update',
];

export type OracleErrorScope = 'connection' | 'stream';
export type OracleErrorCode = 'PROTOCOL_ERROR' | 'STREAM_CLOSED';

export type OracleReceiveOutcome =
  | { readonly kind: 'next'; readonly state: OracleState }
  | { readonly kind: 'ignore' }
  | { readonly kind: 'violation'; readonly scope: OracleErrorScope; readonly code: OracleErrorCode };

export type OracleSendOutcome =
  | { readonly kind: 'next'; readonly state: OracleState }
  | { readonly kind: 'forbidden' };

// Small constructors so that the rules below read like sentences.
const to = (state: OracleState): OracleReceiveOutcome => ({ kind: 'next', state });
const ignore: OracleReceiveOutcome = { kind: 'ignore' };
const connectionError = (code: OracleErrorCode): OracleReceiveOutcome => ({
  kind: 'violation',
  scope: 'connection',
  code,
});
const streamError = (code: OracleErrorCode): OracleReceiveOutcome => ({
  kind: 'violation',
  scope: 'stream',
  code,
});
const sendTo = (state: OracleState): OracleSendOutcome => ({ kind: 'next', state });
const forbidden: OracleSendOutcome = { kind: 'forbidden' };

/** One line, for failure messages: `open`, `ignore`, `stream STREAM_CLOSED`, `forbidden`. */
export function describeOracleOutcome(outcome: OracleReceiveOutcome | OracleSendOutcome): string {
  switch (outcome.kind) {
    case 'next':
      return outcome.state;
    case 'ignore':
      return 'ignore';
    case 'violation':
      return `${outcome.scope} ${outcome.code}`;
    case 'forbidden':
      return 'forbidden';
  }
}

// ---------------------------------------------------------------------------
// Rules shared by several states
// ---------------------------------------------------------------------------

// RFC 9113 §6.3: "Sending or receiving a PRIORITY frame does not affect the
// state of any stream (Section 5.1). The PRIORITY frame can be sent on a
// stream in any state, including "idle" or "closed"." and §5.1: "Note that
// PRIORITY can be sent and received in any stream state."
// h2wire implements no priority scheme (§5.3.2 deprecates the RFC 7540 one),
// but a PRIORITY frame is expressly permitted in every state and still
// parsed and checked, so it is processed normally and leaves the stream in
// the state it is in (not 'ignore', which is for frames discarded after
// minimal processing on a closed stream). [Revised: the first draft said
// 'ignore'.]
const receivePriority = (state: OracleState): OracleReceiveOutcome => to(state);

// RFC 9113 §5.1, notes under Figure 2: "CONTINUATION frames do not result in
// state transitions; they are effectively part of the HEADERS or
// PUSH_PROMISE that they follow. For the purpose of state transitions, the
// END_STREAM flag is processed as a separate event to the frame that bears
// it". The frame that bears END_STREAM is the HEADERS with all of its
// CONTINUATIONs, so the flag is applied after the last of them, and a
// CONTINUATION finds its stream in the state its HEADERS (or PUSH_PROMISE)
// left it in. It is then judged as that HEADERS would be in this state:
// allowed where a HEADERS is allowed without changing the state (open,
// half-closed (local)), discarded where a HEADERS is discarded (after our
// RST_STREAM), and the same error where a HEADERS is an error.
// Where a HEADERS would have MOVED the stream (idle → open, reserved (remote)
// → half-closed (local)), no HEADERS can have left the stream in this state,
// so the CONTINUATION has none before it: RFC 9113 §6.10 "A CONTINUATION
// frame MUST be preceded by a HEADERS, PUSH_PROMISE or CONTINUATION frame
// without the END_HEADERS flag set. A recipient that observes violation of
// this rule MUST respond with a connection error (Section 5.4.1) of type
// PROTOCOL_ERROR."
// (A PUSH_PROMISE's CONTINUATIONs travel on the stream the PUSH_PROMISE was
// carried on, which is open, half-closed (local) or reset by us; the rule
// gives the same answers there.)
// [Revised: the first draft also accepted a CONTINUATION on half-closed
// (remote) and closed streams, as if END_STREAM could apply first.]
function receiveContinuation(state: OracleState): OracleReceiveOutcome {
  const asHeaders = oracleReceive(state, 'recv_headers');
  if (asHeaders.kind === 'next' && asHeaders.state !== state) return connectionError('PROTOCOL_ERROR');
  return asHeaders;
}

// RFC 9113 §6.6: "A receiver MUST treat the receipt of a PUSH_PROMISE that
// promises an illegal stream identifier (Section 5.1.1) as a connection error
// (Section 5.4.1) of type PROTOCOL_ERROR. Note that an illegal stream
// identifier is an identifier for a stream that is not currently in the
// "idle" state."
const promiseOfNonIdleStream: OracleReceiveOutcome = connectionError('PROTOCOL_ERROR');

// ---------------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------------

/** The events each state decides on its own (PRIORITY and CONTINUATION follow the shared rules above). */
type StateReceiveEvent = Exclude<OracleReceiveEvent, 'recv_priority' | 'recv_continuation'>;

/** What happens when `event` is received on a stream in `state`. */
export function oracleReceive(state: OracleState, event: OracleReceiveEvent): OracleReceiveOutcome {
  if (event === 'recv_priority') return receivePriority(state);
  if (event === 'recv_continuation') return receiveContinuation(state);
  switch (state) {
    case 'idle':
      return receiveOnIdle(event);
    case 'reserved_local':
      return receiveOnReservedLocal(event);
    case 'reserved_remote':
      return receiveOnReservedRemote(event);
    case 'open':
      return receiveOnOpen(event);
    case 'half_closed_local':
      return receiveOnHalfClosedLocal(event);
    case 'half_closed_remote':
      return receiveOnHalfClosedRemote(event);
    case 'closed':
      return receiveOnClosed(event);
    case 'closed_reset':
      return receiveOnClosedReset(event);
  }
}

function receiveOnIdle(event: StateReceiveEvent): OracleReceiveOutcome {
  // RFC 9113 §5.1 idle: "receiving a HEADERS frame as a server, causes the
  // stream to become "open"." (The "initiated by the server" exception is a
  // role rule, see the header comment.)
  if (event === 'recv_headers') return to('open');

  // RFC 9113 §5.1 idle: "Receiving a PUSH_PROMISE frame on another stream
  // reserves an idle stream that is identified for later use. The stream
  // state for the reserved stream transitions to "reserved (remote)"."
  if (event === 'recv_promised') return to('reserved_remote');

  // RFC 9113 §5.1 idle: "Receiving any frame other than HEADERS or PRIORITY
  // on a stream in this state MUST be treated as a connection error
  // (Section 5.4.1) of type PROTOCOL_ERROR."
  // That covers DATA (also §6.1), RST_STREAM (also §6.4: "If a RST_STREAM
  // frame identifying an idle stream is received, the recipient MUST treat
  // this as a connection error ... PROTOCOL_ERROR"), WINDOW_UPDATE,
  // and PUSH_PROMISE carried on an idle stream (also §6.6: "neither "open"
  // nor "half-closed (local)""). END_STREAM can only arrive on a frame, and
  // every frame that can carry it is one of those errors here.
  return connectionError('PROTOCOL_ERROR');
}

function receiveOnReservedLocal(event: StateReceiveEvent): OracleReceiveOutcome {
  // RFC 9113 §5.1 reserved (local): "Either endpoint can send a RST_STREAM
  // frame to cause the stream to become "closed". This releases the stream
  // reservation." The peer reset it, so: `closed` (not `closed_reset`).
  if (event === 'recv_rst_stream') return to('closed');

  // RFC 9113 §5.1 reserved (local): "A PRIORITY or WINDOW_UPDATE frame MAY be
  // received in this state." A WINDOW_UPDATE here is useful: it enlarges
  // the window for the pushed response we are about to send, so it is
  // processed normally and the state stays.
  if (event === 'recv_window_update') return to('reserved_local');

  // The promised stream must be idle (§6.6), and this one is not.
  if (event === 'recv_promised') return promiseOfNonIdleStream;

  // RFC 9113 §5.1 reserved (local): "Receiving any type of frame other than
  // RST_STREAM, PRIORITY, or WINDOW_UPDATE on a stream in this state MUST be
  // treated as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  // (For DATA this is stricter than §6.1's stream error STREAM_CLOSED; the
  // state-specific MUST wins, and a connection error is always allowed in
  // place of a stream error, §5.4.1.)
  return connectionError('PROTOCOL_ERROR');
}

function receiveOnReservedRemote(event: StateReceiveEvent): OracleReceiveOutcome {
  // RFC 9113 §5.1 reserved (remote): "Receiving a HEADERS frame causes the
  // stream to transition to "half-closed (local)"."
  if (event === 'recv_headers') return to('half_closed_local');

  // RFC 9113 §5.1 reserved (remote): "Either endpoint can send a RST_STREAM
  // frame to cause the stream to become "closed"."
  if (event === 'recv_rst_stream') return to('closed');

  if (event === 'recv_promised') return promiseOfNonIdleStream;

  // RFC 9113 §5.1 reserved (remote): "Receiving any type of frame other than
  // HEADERS, RST_STREAM, or PRIORITY on a stream in this state MUST be
  // treated as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  // Note WINDOW_UPDATE is an error here: the promising side may not send
  // it (§5.1 reserved (local): "MUST NOT send any type of frame other than
  // HEADERS, RST_STREAM, or PRIORITY").
  return connectionError('PROTOCOL_ERROR');
}

function receiveOnOpen(event: StateReceiveEvent): OracleReceiveOutcome {
  // RFC 9113 §5.1 open: "A stream in the "open" state may be used by both
  // peers to send frames of any type."
  switch (event) {
    // "... an endpoint receiving an END_STREAM flag causes the stream state
    // to become "half-closed (remote)"."
    case 'recv_end_stream':
      return to('half_closed_remote');
    // "Either endpoint can send a RST_STREAM frame from this state, causing
    // it to transition immediately to "closed"." (The peer sent it.)
    case 'recv_rst_stream':
      return to('closed');
    // Any frame type: HEADERS (e.g. trailers, §8.1), DATA, WINDOW_UPDATE
    // leave the state as it is.
    case 'recv_headers':
    case 'recv_data':
    case 'recv_window_update':
      return to('open');
    // RFC 9113 §6.6: a PUSH_PROMISE may be received on a stream that is
    // "open" or "half-closed (local)"; the associated stream keeps its state.
    case 'recv_push_promise':
      return to('open');
    case 'recv_promised':
      return promiseOfNonIdleStream;
  }
}

function receiveOnHalfClosedLocal(event: StateReceiveEvent): OracleReceiveOutcome {
  // RFC 9113 §5.1 half-closed (local): "An endpoint can receive any type of
  // frame in this state."
  switch (event) {
    // "A stream transitions from this state to "closed" when a frame is
    // received with the END_STREAM flag set or when either peer sends a
    // RST_STREAM frame."
    case 'recv_end_stream':
    case 'recv_rst_stream':
      return to('closed');
    case 'recv_headers':
    case 'recv_data':
      return to('half_closed_local');
    // RFC 9113 §6.6: PUSH_PROMISE may be received on "open" or "half-closed
    // (local)" streams.
    case 'recv_push_promise':
      return to('half_closed_local');
    // "In this state, a receiver can ignore WINDOW_UPDATE frames, which might
    // arrive for a short period after a frame with the END_STREAM flag set is
    // sent."
    // CHOICE: "can ignore" permits ignoring, not requires it. Process it:
    // RFC 9113 §6.9 "A receiver MUST treat the receipt of a WINDOW_UPDATE
    // frame with a flow-control window increment of 0 as a stream error" and
    // §6.9.1 "If a sender receives a WINDOW_UPDATE that causes a flow-control
    // window to exceed this maximum, it MUST terminate either the stream or
    // the connection" have no exemption for this state, and processing keeps
    // them. The state stays. [Revised: the first draft chose 'ignore', the
    // other permitted option.]
    case 'recv_window_update':
      return to('half_closed_local');
    case 'recv_promised':
      return promiseOfNonIdleStream;
  }
}

function receiveOnHalfClosedRemote(event: StateReceiveEvent): OracleReceiveOutcome {
  switch (event) {
    // RFC 9113 §5.1 half-closed (remote): "A stream can transition from this
    // state to "closed" ... when either peer sends a RST_STREAM frame."
    case 'recv_rst_stream':
      return to('closed');
    // WINDOW_UPDATE is allowed (the list "other than WINDOW_UPDATE, PRIORITY,
    // or RST_STREAM" below) and needed: we are still sending, and "the
    // endpoint continues to observe advertised stream-level flow-control
    // limits". Also §6.9: "a receiver could receive a WINDOW_UPDATE frame on
    // a stream in a "half-closed (remote)" ... state. A receiver MUST NOT
    // treat this as an error".
    case 'recv_window_update':
      return to('half_closed_remote');
    // RFC 9113 §6.6: "A receiver MUST treat the receipt of a PUSH_PROMISE on
    // a stream that is neither "open" nor "half-closed (local)" as a
    // connection error (Section 5.4.1) of type PROTOCOL_ERROR." This more
    // specific (and stronger) rule wins over the general STREAM_CLOSED below:
    // ignoring a PUSH_PROMISE would leave the promised stream indeterminate.
    case 'recv_push_promise':
      return connectionError('PROTOCOL_ERROR');
    case 'recv_promised':
      return promiseOfNonIdleStream;
    // RFC 9113 §5.1 half-closed (remote): "If an endpoint receives additional
    // frames, other than WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream
    // that is in this state, it MUST respond with a stream error
    // (Section 5.4.2) of type STREAM_CLOSED." DATA: also §6.1. An END_STREAM
    // here can only ride on such an additional DATA/HEADERS frame.
    case 'recv_headers':
    case 'recv_data':
    case 'recv_end_stream':
      return streamError('STREAM_CLOSED');
  }
}

function receiveOnClosed(event: StateReceiveEvent): OracleReceiveOutcome {
  // `closed` here: both END_STREAMs seen, or the peer reset the stream.
  switch (event) {
    // RFC 9113 §5.1 closed: "An endpoint that sends a frame with the
    // END_STREAM flag set or a RST_STREAM frame might receive a WINDOW_UPDATE
    // or RST_STREAM frame from its peer in the time before the peer receives
    // and processes the frame that closes the stream."
    // If our END_STREAM was the last of the two, the peer's WINDOW_UPDATE or
    // RST_STREAM may cross it. Also §6.9: "A receiver MUST NOT treat this as
    // an error", and §5.4.2: "an endpoint MUST NOT send a RST_STREAM in
    // response to a RST_STREAM frame". So: no error, no effect.
    case 'recv_window_update':
    case 'recv_rst_stream':
      return ignore;
    // RFC 9113 §6.1: "If a DATA frame is received whose stream is not in the
    // "open" or "half-closed (local)" state, the recipient MUST respond with
    // a stream error (Section 5.4.2) of type STREAM_CLOSED."
    case 'recv_data':
      return streamError('STREAM_CLOSED');
    // RFC 9113 §5.1 closed: "An endpoint MAY treat receipt of any other type
    // of frame on a closed stream as a connection error (Section 5.4.1) of
    // type STREAM_CLOSED, except as noted below."
    // CHOICE: take the MAY for HEADERS. A HEADERS after the peer's own
    // END_STREAM or RST_STREAM means the peer's view of the stream is broken
    // (it is trying to reuse or extend a finished stream, cf. §5.1.1 "Stream
    // identifiers cannot be reused"), and its field block has to be decoded
    // anyway to keep HPACK in step. Note RFC 7540 §5.1 said a frame after
    // RECEIVING RST_STREAM was a stream error STREAM_CLOSED; RFC 9113 dropped
    // that sentence and kept only this MAY.
    case 'recv_headers':
      return connectionError('STREAM_CLOSED');
    // An END_STREAM can only arrive on a DATA or HEADERS frame received on
    // this closed stream; both are errors. The cell is only reachable if the
    // flag is looked up on its own. CHOICE: judge it like the DATA that
    // would carry it (§6.1): stream error STREAM_CLOSED.
    case 'recv_end_stream':
      return streamError('STREAM_CLOSED');
    // RFC 9113 §6.6: PUSH_PROMISE on a stream that is neither "open" nor
    // "half-closed (local)" is a connection error PROTOCOL_ERROR. Its
    // exception ("an endpoint that has sent RST_STREAM on the associated
    // stream MUST handle PUSH_PROMISE frames") is the `closed_reset` state,
    // not this one: here the peer itself ended or reset the stream.
    case 'recv_push_promise':
      return connectionError('PROTOCOL_ERROR');
    case 'recv_promised':
      return promiseOfNonIdleStream;
  }
}

function receiveOnClosedReset(event: StateReceiveEvent): OracleReceiveOutcome {
  // `closed_reset`: WE sent RST_STREAM; the peer may not have seen it yet.
  // RFC 9113 §5.1 closed: "An endpoint that sends a RST_STREAM frame on a
  // stream that is in the "open" or "half-closed (local)" state could receive
  // any type of frame. ... An endpoint MUST minimally process and then
  // discard any frames it receives in this state. This means updating header
  // compression state for HEADERS and PUSH_PROMISE frames. Receiving a
  // PUSH_PROMISE frame also causes the promised stream to become "reserved
  // (remote)", even when the PUSH_PROMISE frame is received on a closed
  // stream. Additionally, the content of DATA frames counts toward the
  // connection flow-control window."
  // Also §6.4: "after sending the RST_STREAM, the sending endpoint MUST be
  // prepared to receive and process additional frames sent on the stream".
  // And §5.4.2: "To avoid looping, an endpoint MUST NOT send a RST_STREAM in
  // response to a RST_STREAM frame."
  // CHOICE: the MAY of §5.1 ("Endpoints MAY use other signals to detect that
  // a peer has received the frames that caused the stream to enter the
  // "closed" state and treat receipt of any frame other than PRIORITY as a
  // connection error") needs signals that a per-state table does not have;
  // it is not modelled. Every frame ON this stream is discarded.
  if (event === 'recv_promised') return promiseOfNonIdleStream; // §6.6: not idle
  return ignore;
}

// ---------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------

/** The events each state decides on its own (CONTINUATION follows the shared rule below). */
type StateSendEvent = Exclude<OracleSendEvent, 'send_continuation'>;

/** What happens when this endpoint wants to send `event` on a stream in `state`. */
export function oracleSend(state: OracleState, event: OracleSendEvent): OracleSendOutcome {
  if (event === 'send_continuation') return sendContinuation(state);
  switch (state) {
    case 'idle':
      return sendOnIdle(event);
    case 'reserved_local':
      return sendOnReservedLocal(event);
    case 'reserved_remote':
      return sendOnReservedRemote(event);
    case 'open':
      return sendOnOpen(event);
    case 'half_closed_local':
      return sendOnHalfClosedLocal(event);
    case 'half_closed_remote':
      return sendOnHalfClosedRemote(event);
    case 'closed':
      return sendOnClosed(event);
    case 'closed_reset':
      return sendOnClosedReset(event);
  }
}

// The sending twin of receiveContinuation: our END_STREAM, too, is applied
// after the last CONTINUATION of the field block that carries it (§5.1 notes
// under Figure 2), so a CONTINUATION may be sent wherever a HEADERS may be
// sent without changing the state (open, half-closed (remote)), and nowhere
// else: where a HEADERS would move the stream (idle, reserved (local)) the
// CONTINUATION would have no HEADERS before it (§6.10: "A CONTINUATION frame
// MUST be preceded by a HEADERS, PUSH_PROMISE or CONTINUATION frame without
// the END_HEADERS flag set"), and where a HEADERS is forbidden so is its
// continuation. (Our PUSH_PROMISE's CONTINUATIONs go on the stream carrying
// it, which is open or half-closed (remote): same answers.)
// [Revised: the first draft also allowed it on half-closed (local) and
// closed streams, as if our END_STREAM could apply at the block's first
// frame.]
function sendContinuation(state: OracleState): OracleSendOutcome {
  const asHeaders = oracleSend(state, 'send_headers');
  if (asHeaders.kind === 'next' && asHeaders.state !== state) return forbidden;
  return asHeaders;
}

function sendOnIdle(event: StateSendEvent): OracleSendOutcome {
  // RFC 9113 §5.1 idle: "Sending a HEADERS frame as a client ... causes the
  // stream to become "open"."
  if (event === 'send_headers') return sendTo('open');
  // RFC 9113 §5.1 idle: "Sending a PUSH_PROMISE frame on another stream
  // reserves the idle stream that is identified for later use. The stream
  // state for the reserved stream transitions to "reserved (local)"."
  if (event === 'send_promised') return sendTo('reserved_local');
  // Everything else would be a connection error PROTOCOL_ERROR at the peer
  // (§5.1 idle, receive rules), so we must not send it:
  // §6.4 "RST_STREAM frames MUST NOT be sent for a stream in the "idle"
  // state"; §6.1 DATA "can only be sent when a stream is in the "open" or
  // "half-closed (remote)" state"; §6.6 PUSH_PROMISE only on "open" or
  // "half-closed (remote)"; WINDOW_UPDATE is "not expressly permitted" (§5.1
  // last paragraph) and the peer must treat it as a connection error.
  return forbidden;
}

function sendOnReservedLocal(event: StateSendEvent): OracleSendOutcome {
  // RFC 9113 §5.1 reserved (local): "The endpoint can send a HEADERS frame.
  // This causes the stream to open in a "half-closed (remote)" state."
  if (event === 'send_headers') return sendTo('half_closed_remote');
  // "Either endpoint can send a RST_STREAM frame to cause the stream to
  // become "closed". This releases the stream reservation." We sent it.
  if (event === 'send_rst_stream') return sendTo('closed_reset');
  // "An endpoint MUST NOT send any type of frame other than HEADERS,
  // RST_STREAM, or PRIORITY in this state."
  return forbidden;
}

function sendOnReservedRemote(event: StateSendEvent): OracleSendOutcome {
  // RFC 9113 §5.1 reserved (remote): "Either endpoint can send a RST_STREAM
  // frame to cause the stream to become "closed"." (§8.4.2: a client that
  // does not want the push sends RST_STREAM CANCEL / REFUSED_STREAM.)
  if (event === 'send_rst_stream') return sendTo('closed_reset');
  // "An endpoint MUST NOT send any type of frame other than RST_STREAM,
  // WINDOW_UPDATE, or PRIORITY in this state."
  if (event === 'send_window_update') return sendTo('reserved_remote');
  return forbidden;
}

function sendOnOpen(event: StateSendEvent): OracleSendOutcome {
  // RFC 9113 §5.1 open: "may be used by both peers to send frames of any
  // type".
  switch (event) {
    // "An endpoint sending an END_STREAM flag causes the stream state to
    // become "half-closed (local)"."
    case 'send_end_stream':
      return sendTo('half_closed_local');
    // "Either endpoint can send a RST_STREAM frame from this state, causing
    // it to transition immediately to "closed"." We sent it.
    case 'send_rst_stream':
      return sendTo('closed_reset');
    case 'send_headers':
    case 'send_data':
    case 'send_window_update':
      return sendTo('open');
    // RFC 9113 §6.6: "PUSH_PROMISE frames MUST only be sent on a
    // peer-initiated stream that is in either the "open" or "half-closed
    // (remote)" state." (peer-initiated: role rule, not modelled)
    case 'send_push_promise':
      return sendTo('open');
    // §6.6: "the promised stream MUST be in the "idle" state".
    case 'send_promised':
      return forbidden;
  }
}

function sendOnHalfClosedLocal(event: StateSendEvent): OracleSendOutcome {
  // RFC 9113 §5.1 half-closed (local): "cannot be used for sending frames
  // other than WINDOW_UPDATE, PRIORITY, and RST_STREAM."
  switch (event) {
    case 'send_window_update':
      return sendTo('half_closed_local');
    // "when either peer sends a RST_STREAM frame" → closed; we sent it.
    case 'send_rst_stream':
      return sendTo('closed_reset');
    case 'send_headers':
    case 'send_push_promise': // §6.6: only "open" or "half-closed (remote)"
    case 'send_promised':
    case 'send_data': // §6.1: only "open" or "half-closed (remote)"
    case 'send_end_stream': // already sent
      return forbidden;
  }
}

function sendOnHalfClosedRemote(event: StateSendEvent): OracleSendOutcome {
  // RFC 9113 §5.1 half-closed (remote): "A stream that is "half-closed
  // (remote)" can be used by the endpoint to send frames of any type."
  switch (event) {
    // "A stream can transition from this state to "closed" by sending a
    // frame with the END_STREAM flag set or when either peer sends a
    // RST_STREAM frame."
    case 'send_end_stream':
      return sendTo('closed');
    case 'send_rst_stream':
      return sendTo('closed_reset');
    case 'send_headers':
    case 'send_data':
    case 'send_push_promise': // §6.6: allowed on "half-closed (remote)"
      return sendTo('half_closed_remote');
    // "In this state, an endpoint is no longer obligated to maintain a
    // receiver flow-control window." — no longer obligated, but "frames of
    // any type" may be sent, so a WINDOW_UPDATE is allowed (pointless, and
    // the peer "can ignore" it, §5.1 half-closed (local)).
    case 'send_window_update':
      return sendTo('half_closed_remote');
    case 'send_promised': // §6.6: must be idle
      return forbidden;
  }
}

function sendOnClosed(event: StateSendEvent): OracleSendOutcome {
  // RFC 9113 §6.1: "If a DATA frame is received whose stream is not in the
  // "open" or "half-closed (local)" state, the recipient MUST respond with a
  // stream error (Section 5.4.2) of type STREAM_CLOSED", and §5.4.2: "An
  // endpoint that detects a stream error sends a RST_STREAM frame". So the
  // one frame that may still go on a closed stream is that RST_STREAM; after
  // it the stream is closed by us (closed_reset) and not answered again.
  if (event === 'send_rst_stream') return sendTo('closed_reset');
  // RFC 9113 §5.1 closed: "An endpoint MUST NOT send frames other than
  // PRIORITY on a closed stream."
  return forbidden;
}

function sendOnClosedReset(_event: StateSendEvent): OracleSendOutcome {
  // RFC 9113 §5.4.2: "A RST_STREAM is the last frame that an endpoint can
  // send on a stream." and §5.1 closed: "An endpoint MUST NOT send frames
  // other than PRIORITY on a closed stream."
  // CHOICE: §5.4.2 also says an endpoint "MAY send additional RST_STREAM
  // frames if it receives frames on a closed stream after more than a
  // round-trip time" — that needs a clock; not modelled, and "Normally, an
  // endpoint SHOULD NOT send more than one RST_STREAM frame for any stream".
  return forbidden;
}
