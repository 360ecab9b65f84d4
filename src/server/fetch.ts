// Fetch handlers: `(request: Request, context) => Response`, as Hono, srvx
// and Bun/Deno-style `serve` take them, on h2wire's server. The web
// Request is built from the HTTP/2 request (its body a stream that reads
// the request as it arrives, so flow control reaches the client); the
// Response's body is streamed out with back-pressure. Push and 103 Early
// Hints, which the web API has no words for, are on the context: Hono
// passes it as `c.env`.
//
//   serve({ fetch: app.fetch, port: 8443, tls });
//   app.get('/', async (c) => { await c.env.push('/style.css').catch(() => {}); return c.html(page); });

import type { H2Server, ServerOptions } from './server.js';
import { createServer } from './server.js';
import type { Handler, PushHandle, PushOptions, PushRejection, ServerRequest, ServerResponse } from './handler-api.js';

/** What a fetch handler gets beside the Request: HTTP/2's own verbs. */
export interface FetchContext {
  /** Push a resource (RFC 9113 §8.4): the promised request comes back through the same fetch handler. Rejects with PushRejectedError. */
  push(target: string, options?: PushOptions): Promise<PushHandle>;
  /** Whether push() can succeed now (for a valid target). */
  readonly canPush: boolean;
  /** Why push() would be rejected now, whatever the target. */
  readonly pushRefusal: { reason: PushRejection; message: string } | undefined;
  /** Send 103 Early Hints (RFC 8297) before the Response. */
  earlyHints(hints: Record<string, string | readonly string[]>): void;
  /** Set on a request the server pushed. */
  readonly pushed: boolean;
  /** 2 for HTTP/2, 1 for HTTP/1.1. */
  readonly protoMajor: 1 | 2;
  readonly streamId: number;
  /** The h2wire request and response underneath, for what the web API cannot say. */
  readonly req: ServerRequest;
  readonly res: ServerResponse;
}

export type FetchHandler = (request: Request, context: FetchContext) => Response | Promise<Response>;

/** HTTP/1.1 connection-specific fields, which a Response may carry but HTTP/2 forbids (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** An h2wire handler that runs a fetch handler. */
export function fetchHandler(fetch: FetchHandler): Handler {
  return async (req, res) => {
    const response = await fetch(toRequest(req), contextOf(req, res));
    await writeResponse(response, req, res);
  };
}

/** A web Request for an h2wire request: URL from :scheme, :authority and :path; the body streamed as it arrives. */
export function toRequest(req: ServerRequest): Request {
  const headers = new Headers();
  const cookies: string[] = [];
  for (const f of req.headers) {
    if (f.name === 'cookie') cookies.push(f.value);
    else headers.append(f.name, f.value);
  }
  // §8.2.3: HTTP/2 may split cookie into several fields; one header joins them with "; ", not ", ".
  if (cookies.length > 0) headers.set('cookie', cookies.join('; '));
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, signal: req.signal };
  if (hasBody) {
    const chunks = req[Symbol.asyncIterator]();
    init.body = new ReadableStream<Uint8Array>({
      // Pulled, not pushed: a handler that does not read leaves the octets to flow control.
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return?.();
      },
    });
    init.duplex = 'half';
  }
  return new Request(`${req.scheme || 'https'}://${req.authority || 'localhost'}${req.path}`, init);
}

function contextOf(req: ServerRequest, res: ServerResponse): FetchContext {
  return {
    push: (target, options) => res.push(target, options),
    get canPush() {
      return res.canPush;
    },
    get pushRefusal() {
      return res.pushRefusal;
    },
    earlyHints: (hints) => res.writeEarlyHints(hints),
    pushed: req.pushed,
    protoMajor: req.protoMajor,
    streamId: req.streamId,
    req,
    res,
  };
}

/** Send a web Response: status, fields (set-cookie kept apart), and the body streamed with back-pressure. */
export async function writeResponse(response: Response, req: ServerRequest, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (CONNECTION_SPECIFIC.has(name) || name === 'set-cookie') continue;
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body || req.method === 'HEAD') {
    await response.body?.cancel();
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  req.signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (req.signal.aborted) return;
      if (!res.write(value)) await res.drained();
    }
    res.end();
  } finally {
    req.signal.removeEventListener('abort', stop);
  }
}

export interface ServeOptions extends ServerOptions {
  fetch: FetchHandler;
  /** Default 8443 with tls, 8080 without; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Called once listening, with the server. */
  onListen?: (server: H2Server) => void;
}

/** Serve a fetch handler over HTTP/2 (and HTTP/1.1): `serve({ fetch: app.fetch })`. */
export function serve(options: ServeOptions): H2Server {
  const { fetch, port, hostname, onListen, ...serverOptions } = options;
  const server = createServer(serverOptions, fetchHandler(fetch));
  server.listen(port ?? (serverOptions.tls ? 8443 : 8080), hostname ?? '127.0.0.1', () => onListen?.(server));
  return server;
}
