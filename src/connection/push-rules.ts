// When a server may push (RFC 9113 §8.4, §6.6, §5.1.1, §6.8): every reason
// a push is impossible, in one place, each with its code and its words.
// The server's res.push() reports the same reasons (and a few of its own,
// about the target it was given).

import { maySend } from './stream-states.js';
import type { Stream } from './stream.js';

export type PushRefusal =
  | 'not_server' // only servers push (§8.4)
  | 'connection_closed'
  | 'goaway' // a GOAWAY was sent or received (§6.8)
  | 'push_disabled' // the client sent SETTINGS_ENABLE_PUSH=0 (§6.5.2)
  | 'recursive' // a promise rides on a client-initiated stream only (§6.6)
  | 'stream_closed' // the parent stream may no longer carry a PUSH_PROMISE (§6.6)
  | 'concurrency_limit' // the client's SETTINGS_MAX_CONCURRENT_STREAMS (§5.1.2)
  | 'ids_exhausted'; // no even stream id left (§5.1.1)

export const PUSH_REFUSAL_MESSAGES: Readonly<Record<PushRefusal, string>> = {
  not_server: 'only a server can push (RFC 9113 §8.4)',
  connection_closed: 'the connection is closed',
  goaway: 'the connection is going away: no new streams (RFC 9113 §6.8)',
  push_disabled: 'the client disabled push with SETTINGS_ENABLE_PUSH=0 (RFC 9113 §6.5.2); browsers do',
  recursive: 'a pushed response cannot push: promises go on streams the client opened (RFC 9113 §6.6)',
  stream_closed: 'the request stream is done or reset: promises must precede the end of its response (RFC 9113 §6.6, §8.4)',
  concurrency_limit: "pushing would exceed the client's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2)",
  ids_exhausted: 'no server stream id is left on this connection (RFC 9113 §5.1.1)',
};

/** A push that cannot happen, with the reason as a code. */
export class PushError extends Error {
  override readonly name = 'PushError';
  constructor(readonly reason: PushRefusal) {
    super(`push refused: ${PUSH_REFUSAL_MESSAGES[reason]}`);
  }
}

/** What the decision needs to know of the connection. */
export interface PushContext {
  isServer: boolean;
  closed: boolean;
  goaway: boolean;
  peerEnablePush: boolean;
  peerMaxConcurrentStreams: number;
  /** Server-initiated streams in reserved (local) or active states. */
  pushedStreamsInUse: number;
  idsExhausted: boolean;
}

/** Why a push on `parent` is impossible now, or undefined if it may go ahead. */
export function pushRefusal(ctx: PushContext, parent: Stream | undefined): PushRefusal | undefined {
  if (!ctx.isServer) return 'not_server';
  if (ctx.closed) return 'connection_closed';
  if (ctx.goaway) return 'goaway';
  if (!ctx.peerEnablePush) return 'push_disabled';
  if (parent && parent.id % 2 === 0) return 'recursive';
  if (!parent || !maySend(parent.state, 'send_push_promise') || parent.send.ended) return 'stream_closed';
  if (ctx.pushedStreamsInUse >= ctx.peerMaxConcurrentStreams) return 'concurrency_limit';
  if (ctx.idsExhausted) return 'ids_exhausted';
  return undefined;
}
