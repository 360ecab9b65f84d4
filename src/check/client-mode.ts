// h2wire check --client -- CMD: the other side. A scripted h2c server on a
// free port behaves one way per scenario; the client command runs once per
// scenario against it ({url}, {host}, {port} and {path} in its arguments
// are replaced), and what the client sends back is judged against RFC 9113:
// SETTINGS it must acknowledge, a PING it must answer, a PUSH_PROMISE it
// must accept or refuse as it said, a GOAWAY it must honour, malformed
// responses it must reject.

import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { CLIENT_PREFACE, ErrorCode, SettingId } from '../frames/constants.js';
import { FrameDecoder } from '../frames/decode.js';
import { encodeFrame } from '../frames/encode.js';
import type { Frame } from '../frames/frame.js';
import { HpackDecoder } from '../hpack/decoder.js';
import { HpackEncoder } from '../hpack/encoder.js';
import type { HeaderField } from '../hpack/header-list.js';
import type { Level } from './cases.js';
import { errorName, RECEIVE_BUDGET } from './peer.js';

/** What the scripted server saw of one client run. */
interface Seen {
  frames: Frame[];
  /** The client's first SETTINGS said ENABLE_PUSH=0. */
  pushDisabled: boolean;
  /** The client sent the HTTP/2 connection preface (§3.4). */
  preface: boolean;
  /** The stream of the client's first request (nghttp, say, opens PRIORITY-only streams first). */
  requestStream: number | undefined;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

interface Scenario {
  id: string;
  section: string;
  level: Level;
  title: string;
  expected: string;
  /** How the server answers the client's first request on stream `id`. */
  respond(id: number, send: (...frames: Frame[]) => void, encode: (fields: HeaderField[]) => Uint8Array, seen: Seen): void;
  /** Frames the server sends right after its SETTINGS, before any request. */
  opening?: Frame[];
  judge(seen: Seen): { status: 'pass' | 'fail' | 'skip'; actual: string };
}

const ok = (id: number, encode: (f: HeaderField[]) => Uint8Array, body = 'ok\n'): Frame[] => [
  { type: 'HEADERS', streamId: id, endStream: false, endHeaders: true, headerBlock: encode([{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/plain' }]) },
  { type: 'DATA', streamId: id, endStream: true, data: Buffer.from(body) },
];

const sent = (seen: Seen) => seen.frames.map((f) => (f.type === 'GOAWAY' || f.type === 'RST_STREAM' ? `${f.type}(${errorName(f.errorCode)})` : f.type)).join(', ') || 'nothing';
/** The client's reset of its request, or its connection error (a GOAWAY that is not NO_ERROR). */
const rejected = (seen: Seen) =>
  seen.frames.find((f) => (f.type === 'RST_STREAM' && f.streamId === seen.requestStream) || (f.type === 'GOAWAY' && f.errorCode !== ErrorCode.NO_ERROR)) as Extract<Frame, { type: 'RST_STREAM' | 'GOAWAY' }> | undefined;

/** A response of these fields and this body, on the request's stream. */
function respondWith(fields: HeaderField[], body: string): Scenario['respond'] {
  return (id, send, encode) =>
    send({ type: 'HEADERS', streamId: id, endStream: false, endHeaders: true, headerBlock: encode(fields) }, { type: 'DATA', streamId: id, endStream: true, data: Buffer.from(body) });
}

/** A malformed response (§8.1.1) is rejected: reset with PROTOCOL_ERROR (or a connection error), or the request fails. */
function rejectedMalformed(seen: Seen): { status: 'pass' | 'fail'; actual: string } {
  const r = rejected(seen);
  if (r?.errorCode === ErrorCode.PROTOCOL_ERROR) return { status: 'pass', actual: `${r.type} PROTOCOL_ERROR` };
  if (seen.exitCode !== 0) return { status: 'pass', actual: `no reset, but the client failed (exit ${seen.exitCode})` };
  return { status: 'fail', actual: `accepted it: exit 0; sent ${sent(seen)}` };
}

export const CLIENT_SCENARIOS: Scenario[] = [
  {
    id: 'client/settings-acknowledged',
    section: '6.5.3',
    level: 'MUST',
    title: "The client acknowledges the server's SETTINGS",
    expected: 'SETTINGS with ACK',
    // The response waits for the ACK (a second at most): a client that exits on the response may not get to send it.
    respond: (id, send, encode, seen) => {
      const started = Date.now();
      const wait = () => (seen.frames.some((f) => f.type === 'SETTINGS' && f.ack) || Date.now() - started > 1000 ? send(...ok(id, encode)) : setTimeout(wait, 10));
      wait();
    },
    judge: (seen) => (seen.frames.some((f) => f.type === 'SETTINGS' && f.ack) ? { status: 'pass', actual: 'SETTINGS ACK' } : { status: 'fail', actual: sent(seen) }),
  },
  {
    id: 'client/ping-answered',
    section: '6.7',
    level: 'MUST',
    title: "The client answers the server's PING with a PING ACK of the same payload",
    expected: 'PING ACK, same 8 octets',
    respond: (id, send, encode) => {
      send({ type: 'PING', streamId: 0, ack: false, data: Buffer.from('h2wire!!') });
      setTimeout(() => send(...ok(id, encode)), 200);
    },
    judge: (seen) => {
      const ack = seen.frames.find((f) => f.type === 'PING' && f.ack) as Extract<Frame, { type: 'PING' }> | undefined;
      if (!ack) return { status: 'fail', actual: sent(seen) };
      return Buffer.from(ack.data).toString() === 'h2wire!!' ? { status: 'pass', actual: 'PING ACK, same payload' } : { status: 'fail', actual: `PING ACK with ${Buffer.from(ack.data).toString('hex')}` };
    },
  },
  {
    id: 'client/push-promise',
    section: '8.4',
    level: 'MUST',
    title: 'A PUSH_PROMISE is accepted (or refused with RST_STREAM) by a client that allows push, and is a connection error PROTOCOL_ERROR for one that disabled it',
    expected: 'push enabled: no GOAWAY (RST_STREAM CANCEL or REFUSED_STREAM allowed); disabled: GOAWAY PROTOCOL_ERROR',
    respond: (id, send, encode) => {
      const promise: Frame = { type: 'PUSH_PROMISE', streamId: id, promisedStreamId: 2, endHeaders: true, headerBlock: encode([{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'http' }, { name: ':authority', value: 'localhost' }, { name: ':path', value: '/pushed.css' }]) };
      send(promise, ...ok(id, encode), ...ok(2, encode, 'h1 {}\n'));
    },
    judge: (seen) => {
      const goaway = seen.frames.find((f) => f.type === 'GOAWAY') as Extract<Frame, { type: 'GOAWAY' }> | undefined;
      if (seen.pushDisabled)
        return goaway?.errorCode === ErrorCode.PROTOCOL_ERROR ? { status: 'pass', actual: 'push disabled: GOAWAY PROTOCOL_ERROR' } : { status: 'fail', actual: `push disabled, yet: ${sent(seen)}` };
      if (goaway && goaway.errorCode !== ErrorCode.NO_ERROR) return { status: 'fail', actual: `push enabled, yet: ${sent(seen)}` };
      const reset = seen.frames.find((f) => f.type === 'RST_STREAM' && f.streamId === 2) as Extract<Frame, { type: 'RST_STREAM' }> | undefined;
      return { status: 'pass', actual: reset ? `refused: RST_STREAM ${errorName(reset.errorCode)} on stream 2` : 'accepted' };
    },
  },
  {
    id: 'client/goaway-honoured',
    section: '6.8',
    level: 'MUST',
    title: 'After a GOAWAY (last stream 0), the client opens no more streams on the connection',
    expected: 'no HEADERS on a new stream after the GOAWAY arrived',
    opening: [{ type: 'GOAWAY', streamId: 0, lastStreamId: 0, errorCode: ErrorCode.NO_ERROR, debugData: Buffer.from('h2wire check') }],
    respond: () => {},
    judge: (seen) => {
      const streams = seen.frames.filter((f) => f.type === 'HEADERS').map((f) => f.streamId);
      // The first request may already be on its way when the GOAWAY arrives (it is sent with the preface).
      return streams.length <= 1 ? { status: 'pass', actual: streams.length ? `only stream ${streams[0]}, sent with the preface` : 'no stream opened' } : { status: 'fail', actual: `opened streams ${streams.join(', ')}` };
    },
  },
  {
    id: 'client/malformed-response-uppercase',
    section: '8.2.1',
    level: 'MUST',
    title: 'A response with an upper-case field name is malformed: the client rejects it',
    expected: 'RST_STREAM PROTOCOL_ERROR (or a connection error), or the client reports a failure',
    respond: respondWith([{ name: ':status', value: '200' }, { name: 'X-Upper', value: '1' }], 'malformed\n'),
    judge: rejectedMalformed,
  },
  {
    id: 'client/malformed-response-content-length',
    section: '8.1.1',
    level: 'MUST',
    title: 'A response whose DATA falls short of its content-length is malformed: the client rejects it',
    expected: 'RST_STREAM PROTOCOL_ERROR (or a connection error), or the client reports a failure',
    respond: respondWith([{ name: ':status', value: '200' }, { name: 'content-length', value: '100' }], 'short\n'),
    judge: rejectedMalformed,
  },
];

export interface ClientCheckResult {
  id: string;
  section: string;
  level: Level;
  title: string;
  expected: string;
  status: 'pass' | 'fail' | 'skip' | 'error';
  actual: string;
}

/** Run the client command once per scenario against the scripted server. */
export async function runClientChecks(command: string[], options: { timeoutMs?: number; path?: string } = {}): Promise<ClientCheckResult[]> {
  const results: ClientCheckResult[] = [];
  for (const scenario of CLIENT_SCENARIOS) {
    try {
      const seen = await runScenario(scenario, command, options.timeoutMs ?? 5000, options.path ?? '/');
      // A client that never sent the preface spoke no HTTP/2: no scenario can pass (§3.4).
      const verdict = seen.preface ? scenario.judge(seen) : { status: 'fail' as const, actual: `the client never spoke HTTP/2: no connection preface (exit ${seen.exitCode})` };
      results.push({ id: scenario.id, section: scenario.section, level: scenario.level, title: scenario.title, expected: scenario.expected, ...verdict });
    } catch (e) {
      results.push({ id: scenario.id, section: scenario.section, level: scenario.level, title: scenario.title, expected: scenario.expected, status: 'error', actual: (e as Error).message });
    }
  }
  return results;
}

async function runScenario(scenario: Scenario, command: string[], timeoutMs: number, path: string): Promise<Seen> {
  const seen: Seen = { frames: [], pushDisabled: false, preface: false, requestStream: undefined, exitCode: null, stdout: '', stderr: '' };
  const sockets: Socket[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    if (connections++ > 0) return void socket.destroy(); // one connection per scenario: a retry is not judged
    const decoder = new FrameDecoder({ maxFrameSize: 16777215 });
    const hpackIn = new HpackDecoder({ maxHeaderListSize: 1 << 20, maxFieldCount: 1000 });
    const hpackOut = new HpackEncoder();
    const send = (...frames: Frame[]) => {
      if (!socket.destroyed) socket.write(Buffer.concat(frames.map((f) => encodeFrame(f, { allowIllegal: true, maxFrameSize: 16777215 }))));
    };
    send({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 100 }] }, ...(scenario.opening ?? []));
    let preface = 0;
    let settingsSeen = false;
    let answered = false;
    let octets = 0;
    socket.on('data', (chunk: Buffer) => {
      octets += chunk.length;
      if (octets > RECEIVE_BUDGET) return void socket.destroy(); // a client that does not stop: judged on what came before
      let bytes: Buffer = chunk;
      if (preface < CLIENT_PREFACE.length) {
        const n = Math.min(CLIENT_PREFACE.length - preface, bytes.length);
        if (!Buffer.from(CLIENT_PREFACE).subarray(preface, preface + n).equals(bytes.subarray(0, n))) return void socket.destroy(); // not HTTP/2
        preface += n;
        bytes = bytes.subarray(n);
        if (preface === CLIENT_PREFACE.length) seen.preface = true;
      }
      try {
        decoder.push(bytes);
        for (const f of decoder.frames()) {
          seen.frames.push(f);
          if (f.type === 'SETTINGS' && !f.ack) {
            if (!settingsSeen) seen.pushDisabled = f.settings.some((s) => s.id === SettingId.ENABLE_PUSH && s.value === 0);
            settingsSeen = true;
            send({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
          }
          if (f.type === 'HEADERS') hpackIn.decode(f.headerBlock);
          if (f.type === 'HEADERS') seen.requestStream ??= f.streamId;
          if (f.type === 'HEADERS' && !answered && !scenario.opening) {
            answered = true;
            scenario.respond(f.streamId, send, (fields) => hpackOut.encode(fields), seen);
          }
        }
      } catch {
        socket.destroy(); // the client sent what cannot be read: the judge looks at what came before
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}${path}`;
  const args = command.map((a) => a.replaceAll('{url}', url).replaceAll('{host}', '127.0.0.1').replaceAll('{port}', String(port)).replaceAll('{path}', path));
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (s: string) => (seen.stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (seen.stderr += s));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${args[0]}: ${e.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        seen.exitCode = code;
        resolve();
      });
    });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return seen;
}
