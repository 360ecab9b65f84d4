// When a server may push (RFC 9113 §8.4, §6.6, §5.1.1, §6.8): every reason
// a push is impossible, in one place, each with its own code.

import type { Stream } from './stream.js';

export type PushRefusal =
  | 'not_server' // only servers push (§8.4)
  | 'push_disabled' // the client sent SETTINGS_ENABLE_PUSH=0 (§6.5.2)
  | 'parent_not_open' // the parent is not open / half-closed (remote) (§6.6)
  | 'parent_is_pushed' // a promise rides on a client-initiated stream only (§6.6)
  | 'concurrency_limit' // the client's SETTINGS_MAX_CONCURRENT_STREAMS (§5.1.2)
  | 'goaway' // a GOAWAY was sent or received (§6.8)
  | 'ids_exhausted' // no even stream id left (§5.1.1)
  | 'connection_closed';

const MESSAGES: Record<PushRefusal, string> = {
  not_server: 'only a server can push (RFC 9113 §8.4)',
  push_disabled: 'the client disabled push with SETTINGS_ENABLE_PUSH=0 (RFC 9113 §6.5.2)',
  parent_not_open: 'the parent stream is not open or half-closed (remote) (RFC 9113 §6.6)',
  parent_is_pushed: 'a pushed stream cannot itself push: promises go on client-initiated streams (RFC 9113 §6.6)',
  concurrency_limit: "pushing would exceed the client's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2)",
  goaway: 'a GOAWAY was sent or received: no new streams (RFC 9113 §6.8)',
  ids_exhausted: 'no server stream id is left on this connection (RFC 9113 §5.1.1)',
  connection_closed: 'the connection is closed',
};

/** A push that cannot happen, with the reason as a code. */
export class PushError extends Error {
  override readonly name = 'PushError';
  constructor(readonly reason: PushRefusal) {
    super(`push refused: ${MESSAGES[reason]}`);
  }
}

export interface PushContext {
  isServer: boolean;
  closed: boolean;
  goaway: boolean;
  peerEnablePush: boolean;
  peerMaxConcurrentStreams: number;
  /** Server-initiated streams in reserved (local) or active states. */
  pushedStreamsInUse: number;
  nextPushId: number;
}

/** Why a push on `parent` is impossible now, or undefined if it may go ahead. */
export function pushRefusal(ctx: PushContext, parent: Stream | undefined): PushRefusal | undefined {
  if (!ctx.isServer) return 'not_server';
  if (ctx.closed) return 'connection_closed';
  if (ctx.goaway) return 'goaway';
  if (!ctx.peerEnablePush) return 'push_disabled';
  if (parent && parent.id % 2 === 0) return 'parent_is_pushed';
  if (!parent || (parent.state !== 'open' && parent.state !== 'half_closed_remote') || parent.localEnded) return 'parent_not_open';
  if (ctx.pushedStreamsInUse >= ctx.peerMaxConcurrentStreams) return 'concurrency_limit';
  if (ctx.nextPushId > 0x7fffffff) return 'ids_exhausted';
  return undefined;
}
