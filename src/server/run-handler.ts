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
        () => finish(res, outcome),
        (error: unknown) => fail(res, outcome, error),
      );
    else finish(res, outcome);
  } catch (error) {
    fail(res, outcome, error);
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
