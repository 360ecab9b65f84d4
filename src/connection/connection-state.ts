// The state of a connection as a whole, named (RFC 9113 §3.4, §6.8, §5.4.1):
//
//   awaiting_preface  the peer's connection preface and first SETTINGS have
//                     not all arrived yet (a client waits for the server's SETTINGS)
//   open              streams come and go
//   going_away        a GOAWAY was sent or received: no new streams; those
//                     in flight finish. Ours goes in two stages (§6.8): first
//                     with the largest id and a PING, then, once the PING
//                     returns, with the last stream really processed.
//   closed            ended by an error of the peer's, a limit, a deadline or
//                     the application: `error` says which (its label too).
//
// The endpoint changes it in one place, which the trace sees.

import { errorCodeName, MAX_STREAM_ID } from '../frames/constants.js';
import type { ConnectionError } from '../protocol-errors.js';

export interface GoawaySent {
  /** Peer-initiated streams above this id will not be processed. */
  readonly lastStreamId: number;
  /** 'ping': the first GOAWAY is out with a PING; 'final': the last stream id is the real one. */
  readonly stage: 'ping' | 'final';
}

export interface GoawayReceived {
  readonly lastStreamId: number;
  readonly errorCode: number;
}

export type ConnectionState =
  | { readonly name: 'awaiting_preface' }
  | { readonly name: 'open' }
  | { readonly name: 'going_away'; readonly sent: GoawaySent | undefined; readonly received: GoawayReceived | undefined }
  /** Ended: by a connection error (`error`), or gracefully, once both sides were done after a GOAWAY (no `error`). */
  | { readonly name: 'closed'; readonly error: ConnectionError | undefined };

export const AWAITING_PREFACE: ConnectionState = Object.freeze({ name: 'awaiting_preface' });
export const OPEN: ConnectionState = Object.freeze({ name: 'open' });
/** §6.8: a GOAWAY was sent (final) or received, and no stream is left: nothing more will happen. */
export const CLOSED_GRACEFULLY: ConnectionState = Object.freeze({ name: 'closed', error: undefined });

/** GOAWAY sent, and received, as they stand (undefined while neither). */
export const goawaySent = (s: ConnectionState): GoawaySent | undefined => (s.name === 'going_away' ? s.sent : undefined);
export const goawayReceived = (s: ConnectionState): GoawayReceived | undefined => (s.name === 'going_away' ? s.received : undefined);

/** The state after sending a GOAWAY at `stage`. */
export function afterGoawaySent(s: ConnectionState, lastStreamId: number, stage: GoawaySent['stage']): ConnectionState {
  return Object.freeze({ name: 'going_away', sent: { lastStreamId, stage }, received: goawayReceived(s) });
}

/** The state after receiving a GOAWAY. */
export function afterGoawayReceived(s: ConnectionState, lastStreamId: number, errorCode: number): ConnectionState {
  return Object.freeze({ name: 'going_away', sent: goawaySent(s), received: { lastStreamId, errorCode } });
}


/** The state in words, for the trace. */
export function describeConnectionState(s: ConnectionState): string {
  switch (s.name) {
    case 'awaiting_preface':
      return 'awaiting preface';
    case 'open':
      return 'open';
    case 'going_away': {
      const parts: string[] = [];
      if (s.sent) parts.push(`sent, last stream ${s.sent.lastStreamId === MAX_STREAM_ID ? '2^31-1' : s.sent.lastStreamId}${s.sent.stage === 'ping' ? ', awaiting its PING' : ''}`);
      if (s.received) parts.push(`received, last stream ${s.received.lastStreamId}, ${errorCodeName(s.received.errorCode) ?? s.received.errorCode}`);
      return `going away (${parts.join('; ')})`;
    }
    case 'closed':
      return s.error ? `closed (${s.error.label}: ${s.error.codeName})` : 'closed (gracefully: GOAWAY, and no stream left)';
  }
}
