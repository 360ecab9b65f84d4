// One GET with every pushed response accepted and collected, on the client
// (client.ts): how to see push now that browsers refuse it (`h2wire get`),
// and what the server's tests use.

import type { Settings } from '../connection/settings.js';
import type { TraceSink } from '../trace.js';
import { type ClientResponse, connect, parseTarget } from './client.js';

export interface GetOptions {
  /** Accept pushes (SETTINGS_ENABLE_PUSH=1). Default true. */
  push?: boolean;
  /** Do not verify the server's certificate. */
  insecure?: boolean;
  /** CA certificate(s) to trust (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Send this :authority instead of the URL's host:port. */
  authority?: string;
  /** Default GET. */
  method?: string;
  headers?: Record<string, string> | ReadonlyArray<readonly [string, string]>;
  body?: string | Uint8Array;
  /** Receive every trace record (frames in and out, state changes, decoded fields). */
  trace?: TraceSink;
  /** Show cookie and authorization values in the trace (redacted by default). */
  traceSecrets?: boolean;
  /** Also trace frame octets, windows and HPACK table changes (trace files, ladders). */
  traceDetail?: boolean;
  /** Give up after this long. Default 10,000 ms. */
  timeoutMs?: number;
  /** TLS key log for Wireshark (NSS format): a file to append to, or a function. */
  keyLog?: string | ((line: Buffer) => void);
}

export interface FetchedResponse extends Omit<ClientResponse, 'pushes'> {
  /** :path of the request (for a push, from its PUSH_PROMISE). */
  path: string;
  pushed: boolean;
}

export interface GetResult {
  response: FetchedResponse;
  /** Every pushed response, complete (or reset), in the order promised. */
  pushes: FetchedResponse[];
  /** The server's SETTINGS. */
  serverSettings: Settings | undefined;
  /** The ALPN protocol (h2) or 'h2c'. */
  protocol: string;
}

/** GET a URL over HTTP/2 (https: with ALPN h2, http: as h2c with prior knowledge), collecting pushes; then close. */
export async function h2get(url: string | URL, options: GetOptions = {}): Promise<GetResult> {
  const target = parseTarget(url);
  const client = await connect(target, { push: options.push, insecure: options.insecure, ca: options.ca, trace: options.trace, traceSecrets: options.traceSecrets, traceDetail: options.traceDetail, timeoutMs: options.timeoutMs, keyLog: options.keyLog });
  try {
    const path = target.pathname + target.search;
    const main = await client.request(path, { method: options.method, headers: options.headers, authority: options.authority, body: options.body });
    const pushed = await Promise.all(main.pushes.map(async (p) => ({ ...withoutPushes(await p.response), path: p.path, pushed: true })));
    const { protocol, serverSettings } = client.info;
    return { response: { ...withoutPushes(main), path, pushed: false }, pushes: pushed, serverSettings, protocol };
  } finally {
    void client.close(); // GOAWAY; the socket closes in the background
  }
}

function withoutPushes({ pushes: _pushes, ...rest }: ClientResponse): Omit<ClientResponse, 'pushes'> {
  return rest;
}


