// The answers res.push() gives when a push is refused for a reason of the
// connection's (push disabled, going away, the stream done, ...), or because
// the client speaks HTTP/1.1.
//
// A refusal is an answer, not a fault: every request from a browser gets one
// (browsers disable push). So, as Go's http.ErrNotSupported is one value for
// every refused push, each reason here is one PushRejectedError, frozen, with
// no stack trace (it would point at this module, not at the caller), and one
// promise already rejected with it. Settled promises and frozen errors cannot
// change, so every connection can share them; a refused push then costs an
// await, where a fresh Error would cost more than serving the request
// (bench/README.md has the figures). Refusals about the target (an invalid
// URL, say) are the caller's mistakes: those are made fresh, with a stack
// trace that points at the bad call.

import { PUSH_REFUSAL_MESSAGES, type PushRefusal } from '../connection/push-rules.js';
import { PushRejectedError, type PushHandle, type PushRejection } from './handler-api.js';

/** The refusals that depend on the connection, not on the target. */
export type ConnectionRefusal = Extract<PushRejection, Exclude<PushRefusal, 'not_server'> | 'http1'>;

const MESSAGES: Readonly<Record<ConnectionRefusal, string>> = {
  http1: 'HTTP/1.1 has no server push; this client did not negotiate HTTP/2',
  connection_closed: PUSH_REFUSAL_MESSAGES.connection_closed,
  goaway: PUSH_REFUSAL_MESSAGES.goaway,
  push_disabled: PUSH_REFUSAL_MESSAGES.push_disabled,
  recursive: PUSH_REFUSAL_MESSAGES.recursive,
  stream_closed: PUSH_REFUSAL_MESSAGES.stream_closed,
  concurrency_limit: PUSH_REFUSAL_MESSAGES.concurrency_limit,
  ids_exhausted: PUSH_REFUSAL_MESSAGES.ids_exhausted,
};

function made(reason: ConnectionRefusal): { error: PushRejectedError; rejected: Promise<PushHandle> } {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // no trace of this module's loading
  const error = Object.freeze(new PushRejectedError(reason, MESSAGES[reason]));
  Error.stackTraceLimit = limit;
  const rejected = Promise.reject(error);
  rejected.catch(() => {}); // handled here once; each await of it gets the error
  return { error, rejected };
}

const REFUSALS = Object.fromEntries((Object.keys(MESSAGES) as ConnectionRefusal[]).map((r) => [r, made(r)])) as Readonly<
  Record<ConnectionRefusal, { error: PushRejectedError; rejected: Promise<PushHandle> }>
>;

/** The words for a refusal (res.pushRefusal.message; the error's message is "push rejected (reason): " and these). */
export function refusalMessage(reason: ConnectionRefusal): string {
  return MESSAGES[reason];
}

/** What res.push() returns when refused for `reason`: a promise rejected with refusalError(reason). */
export function refusedPush(reason: ConnectionRefusal): Promise<PushHandle> {
  return REFUSALS[reason].rejected;
}
