// Running a handler, as Go does: when it returns (or its promise settles)
// the response is complete; if it throws, the client gets a 500, or, once
// the head is out, an aborted stream.

import type { Handler, ServerRequest, ServerResponse } from './handler-api.js';

export interface HandlerOutcome {
  /** Report the error (the server's 'handlerError' event). */
  error(error: unknown): void;
  /** The head was already sent: abort the response (RST_STREAM INTERNAL_ERROR, or close the HTTP/1.1 connection). */
  abort(): void;
  /** The handler has returned (or failed) and its response is complete or aborted: the request will not be read any more. */
  done?(): void;
}

export function runHandler(handler: Handler, req: ServerRequest, res: ServerResponse, outcome: HandlerOutcome): void {
  try {
    const result = handler(req, res);
    if (result && typeof (result as Promise<void>).then === 'function')
      (result as Promise<void>).then(
        () => settle(() => finish(res, outcome), outcome),
        (error: unknown) => settle(() => fail(res, outcome, error), outcome),
      );
    else settle(() => finish(res, outcome), outcome);
  } catch (error) {
    settle(() => fail(res, outcome, error), outcome);
  }
}

/** Completing a response must never take the server down: a failure there is reported like the handler's own. */
function settle(complete: () => void, outcome: HandlerOutcome): void {
  try {
    complete();
  } catch (error) {
    outcome.error(error);
    try {
      outcome.abort();
    } catch {
      /* the stream is already gone */
    }
    outcome.done?.();
  }
}

function finish(res: ServerResponse, outcome: HandlerOutcome): void {
  if (!res.finished) res.end();
  outcome.done?.();
}

function fail(res: ServerResponse, outcome: HandlerOutcome, error: unknown): void {
  outcome.error(error);
  if (!res.finished) {
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end();
    } else {
      outcome.abort();
    }
  }
  outcome.done?.();
}
