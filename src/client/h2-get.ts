// A frame-level HTTP/2 client on h2wire's own engine: one GET, every pushed
// response accepted and collected. It is how to see push now that browsers
// refuse it (`h2wire get`), and the client the server's tests use.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Http2Endpoint } from '../connection/endpoint.js';
import type { EndpointEvent } from '../connection/events.js';
import type { Settings } from '../connection/settings.js';
import { ErrorCode, errorCodeName } from '../frames/constants.js';
import { formatOpaque } from '../frames/format.js';
import type { HeaderField } from '../hpack/header-list.js';
import { Tracer, type TraceSink } from '../trace.js';

export interface GetOptions {
  /** Accept pushes (SETTINGS_ENABLE_PUSH=1). Default true. */
  push?: boolean;
  /** Do not verify the server's certificate. */
  insecure?: boolean;
  /** Extra CA certificate(s) to trust (PEM). */
  ca?: string | Buffer;
  /** Send this :authority instead of the URL's host:port. */
  authority?: string;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Receive every trace record (frames in and out, state changes, decoded fields). */
  trace?: TraceSink;
  /** Give up after this long. Default 10,000 ms. */
  timeoutMs?: number;
}

export interface FetchedResponse {
  streamId: number;
  /** :path of the request (for a push, from its PUSH_PROMISE). */
  path: string;
  pushed: boolean;
  status: number | undefined;
  headers: HeaderField[];
  body: Buffer;
  /** The stream was reset (by the server, or by us) with this error code name. */
  reset?: string;
}

export interface GetResult {
  response: FetchedResponse;
  pushes: FetchedResponse[];
  /** The server's SETTINGS. */
  serverSettings: Settings | undefined;
  /** The ALPN protocol (h2) or 'h2c'. */
  protocol: string;
}

/** How long a closed connection waits for the server to close its side before it is destroyed. */
const LINGER_MS = 2000;

/** GET a URL over HTTP/2 (https: with ALPN h2, http: as h2c with prior knowledge), collecting pushes. */
export function h2get(url: string | URL, options: GetOptions = {}): Promise<GetResult> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.reject(new Error(`unsupported scheme ${target.protocol}`));
  const port = Number(target.port || (secure ? 443 : 80));
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise<GetResult>((resolve, reject) => {
    const tracer = options.trace && new Tracer(options.trace, 'client');
    const endpoint = new Http2Endpoint({
      role: 'client',
      settings: { enablePush: options.push ?? true },
      onFrame: tracer && ((dir, frame) => tracer.frame(1, dir, frame)),
      onStreamState: tracer && ((id, from, to) => tracer.state(1, id, from, to)),
      onConnectionState: tracer && ((from, to) => tracer.connectionState(1, from, to)),
      onFields: tracer && ((dir, id, fields) => tracer.fields(1, dir, id, fields)),
    });
    const streams = new Map<number, FetchedResponse & { done: boolean; chunks: Uint8Array[] }>();
    let mainId = 0;
    let serverSettings: Settings | undefined;
    let settled = false;
    let socket: Socket | TLSSocket;

    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!error) endpoint.close(ErrorCode.NO_ERROR, 'done');
      // Whatever the engine has queued goes out before our side closes: on a
      // connection error that is its GOAWAY, which the server must see (§5.4.1).
      if (!socket.destroyed) for (const part of endpoint.takeOutput()) socket.write(part);
      // Our side ends now; the server closes its side on our GOAWAY. Destroying
      // at once could reset the connection before it reads the GOAWAY.
      socket.end();
      const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
      socket.once('close', () => clearTimeout(linger));
      if (error) return reject(error);
      const out = ({ chunks, done, ...rest }: FetchedResponse & { chunks: Uint8Array[]; done: boolean }): FetchedResponse => ({
        ...rest,
        body: Buffer.concat(chunks),
      });
      const all = [...streams.values()].map(out);
      resolve({
        response: all.find((s) => s.streamId === mainId)!,
        pushes: all.filter((s) => s.pushed),
        serverSettings,
        protocol: secure ? (socket as TLSSocket).alpnProtocol || '' : 'h2c',
      });
    };
    const timer = setTimeout(() => finish(new Error(`no complete response within ${options.timeoutMs ?? 10000} ms`)), options.timeoutMs ?? 10000);

    const flush = () => {
      for (const part of endpoint.takeOutput()) socket.write(part);
      handle(endpoint.takeEvents());
    };
    const allDone = () => [...streams.values()].every((s) => s.done);
    const handle = (events: EndpointEvent[]) => {
      for (const e of events) {
        switch (e.type) {
          case 'settings':
            serverSettings = e.settings;
            break;
          case 'push_promise':
            streams.set(e.promisedStreamId, {
              streamId: e.promisedStreamId,
              path: e.headers.find((f) => f.name === ':path')?.value ?? '',
              pushed: true,
              status: undefined,
              headers: [],
              body: Buffer.alloc(0),
              chunks: [],
              done: false,
            });
            break;
          case 'response': {
            const s = streams.get(e.streamId);
            if (s) {
              s.status = Number(e.headers.find((f) => f.name === ':status')?.value);
              s.headers = e.headers;
            }
            break;
          }
          case 'data': {
            const octets = endpoint.readBody(e.streamId); // read at once: the window goes back to the server
            if (octets.length > 0) streams.get(e.streamId)?.chunks.push(octets);
            break;
          }
          case 'stream_reset':
          case 'stream_error': {
            const id = e.type === 'stream_reset' ? e.streamId : e.error.streamId;
            const code = e.type === 'stream_reset' ? e.errorCode : e.error.code;
            const s = streams.get(id);
            if (s) s.reset = errorCodeName(code) ?? `0x${code.toString(16)}`;
            break;
          }
          case 'stream_closed': {
            const s = streams.get(e.streamId);
            if (s) s.done = true;
            break;
          }
          case 'connection_error':
            return finish(new Error(`connection error ${e.error.codeName} (${e.error.label}): ${e.error.message}`));
          case 'goaway':
            if (e.errorCode !== ErrorCode.NO_ERROR) return finish(new Error(`server sent GOAWAY ${errorCodeName(e.errorCode) ?? e.errorCode}${e.debugData.length ? `: ${formatOpaque(e.debugData)}` : ''}`));
            break;
          default:
            break;
        }
      }
      if (mainId && allDone()) finish();
    };

    const start = () => {
      if (secure && (socket as TLSSocket).alpnProtocol !== 'h2') return finish(new Error(`the server did not negotiate h2 (ALPN: ${(socket as TLSSocket).alpnProtocol || 'none'})`));
      const authority = options.authority ?? target.host;
      const fields: HeaderField[] = [
        { name: ':method', value: options.method ?? 'GET' },
        { name: ':scheme', value: secure ? 'https' : 'http' },
        { name: ':authority', value: authority },
        { name: ':path', value: target.pathname + target.search },
        ...Object.entries(options.headers ?? {}).map(([name, value]) => ({ name: name.toLowerCase(), value })),
      ];
      mainId = endpoint.request(fields, { endStream: true });
      streams.set(mainId, { streamId: mainId, path: fields[3]!.value, pushed: false, status: undefined, headers: [], body: Buffer.alloc(0), chunks: [], done: false });
      flush();
    };

    socket = secure
      ? tlsConnect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, ALPNProtocols: ['h2'], rejectUnauthorized: !options.insecure, ca: options.ca }, start)
      : netConnect({ host, port }, start);
    socket.on('data', (chunk: Buffer) => {
      handle(endpoint.receive(chunk));
      if (!settled) flush();
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish(new Error('the connection closed before the response was complete')));
  });
}
