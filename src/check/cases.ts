// h2wire check's catalogue: what a conformant HTTP/2 server must (or
// should) answer, case by case, each written from the sentence of RFC 9113
// or RFC 7541 it names. Each case runs on a fresh connection, writes the
// frames that sentence is about, and says what it expected and what came.

import { RECEIVE_TABLE, type ReceiveEvent, stateName, type StreamState } from '../connection/stream-states.js';
import { ErrorCode, MAX_WINDOW_SIZE, SettingId } from '../frames/constants.js';
import type { Frame } from '../frames/frame.js';
import { type CheckPeer, errorName, type Received } from './peer.js';

export type Level = 'MUST' | 'SHOULD';

export interface Verdict {
  status: 'pass' | 'fail' | 'skip';
  /** What came, in words. */
  actual: string;
}

export interface CheckContext {
  /** The path a pushing server pushes on (--push-path). */
  pushPath: string;
}

export interface CheckCase {
  id: string;
  /** RFC 9113 §x.y (or RFC 7541). */
  section: string;
  level: Level;
  title: string;
  expected: string;
  run(peer: CheckPeer, context: CheckContext): Promise<Verdict>;
}

const pass = (actual: string): Verdict => ({ status: 'pass', actual });
const fail = (actual: string): Verdict => ({ status: 'fail', actual });
const skip = (actual: string): Verdict => ({ status: 'skip', actual });

/** A connection error of `code` (RFC 9113 §5.4.1): a GOAWAY with it; closing without a GOAWAY is accepted (it SHOULD send one). */
async function connectionError(peer: CheckPeer, code: number): Promise<Verdict> {
  const r = await peer.connectionError();
  if (r.goaway) return r.goaway.code === code ? pass(`GOAWAY ${errorName(code)}`) : fail(`GOAWAY ${errorName(r.goaway.code)} (${peer.summary()})`);
  if (r.closed) return pass('closed the connection without a GOAWAY (§5.4.1: it SHOULD send one)');
  return fail(`no GOAWAY, connection still open: ${peer.summary()}`);
}

/** A stream error of `code` on `streamId` (§5.4.2): RST_STREAM with it; a connection error of the same code is allowed too (§5.4). */
async function streamError(peer: CheckPeer, streamId: number, code: number): Promise<Verdict> {
  const r = await peer.waitFor((x) => (x.frame.type === 'RST_STREAM' && x.frame.streamId === streamId) || x.frame.type === 'GOAWAY');
  if (!r) return fail(`no RST_STREAM on stream ${streamId}: ${peer.summary()}`);
  const f = r.frame as Extract<Frame, { type: 'RST_STREAM' | 'GOAWAY' }>;
  if (f.errorCode !== code) return fail(`${f.type} ${errorName(f.errorCode)} (${peer.summary()})`);
  return pass(f.type === 'RST_STREAM' ? `RST_STREAM ${errorName(code)}` : `GOAWAY ${errorName(code)} (a connection error: allowed)`);
}

/** A request answered as malformed (§8.1.1): a stream error PROTOCOL_ERROR, or a 4xx response (which §8.1.1 permits before a response is sent). */
async function malformed(peer: CheckPeer, streamId: number): Promise<Verdict> {
  const r = await peer.waitFor((x) => (x.frame.type === 'RST_STREAM' && x.frame.streamId === streamId) || x.frame.type === 'GOAWAY' || (x.frame.type === 'HEADERS' && x.frame.streamId === streamId));
  if (!r) return fail(`no answer on stream ${streamId}: ${peer.summary()}`);
  if (r.frame.type === 'HEADERS') {
    const status = Number(r.fields?.find((f) => f.name === ':status')?.value);
    return status >= 400 && status < 500 ? pass(`${status} response (§8.1.1 allows one)`) : fail(`served it: ${status} response`);
  }
  const f = r.frame as Extract<Frame, { type: 'RST_STREAM' | 'GOAWAY' }>;
  return f.errorCode === ErrorCode.PROTOCOL_ERROR ? pass(`${f.type} PROTOCOL_ERROR`) : fail(`${f.type} ${errorName(f.errorCode)}`);
}

/** Open a connection properly, then the case. False (and a verdict) if the server did not even start. */
async function started(peer: CheckPeer, settings: Array<{ id: number; value: number }> = []): Promise<boolean> {
  return peer.handshake(settings);
}

const NO_START = fail('the server sent no SETTINGS after our preface');

/** A MUST whose answer is a connection error of `code` (§5.4.1): the connection starts, then `send` breaks the rule. */
function connectionErrorCase(id: string, section: string, title: string, code: keyof typeof ErrorCode, send: (peer: CheckPeer) => void): CheckCase {
  return {
    id,
    section,
    level: 'MUST',
    title,
    expected: `GOAWAY ${code}`,
    async run(peer) {
      if (!(await started(peer))) return NO_START;
      send(peer);
      return connectionError(peer, ErrorCode[code]);
    },
  };
}

/** A MUST whose answer is a malformed request (§8.1.1) on stream 1, which `send` writes once the connection started. */
function malformedCase(id: string, section: string, title: string, send: (peer: CheckPeer) => void): CheckCase {
  return {
    id,
    section,
    level: 'MUST',
    title,
    expected: 'RST_STREAM PROTOCOL_ERROR (or a 4xx)',
    async run(peer) {
      if (!(await started(peer))) return NO_START;
      send(peer);
      return malformed(peer, 1);
    },
  };
}

/** What a server owes a PUSH_PROMISE in any state (read before the §5.1 table, as the engine does). */
const CLIENT_CANNOT_PUSH = { scope: 'connection' as const, code: 'PROTOCOL_ERROR' as const, why: 'a client cannot push: a server MUST treat a PUSH_PROMISE as a connection error PROTOCOL_ERROR (RFC 9113 §8.4)' };

/** A response completes on `streamId`: HEADERS with a :status, and END_STREAM. */
async function completes(peer: CheckPeer, streamId: number): Promise<Received | undefined> {
  return peer.waitFor((r) => r.frame.streamId === streamId && ((r.frame.type === 'DATA' && r.frame.endStream) || (r.frame.type === 'HEADERS' && r.frame.endStream)));
}

/**
 * Start with ENABLE_PUSH as given (and any other settings), wait until the
 * server has acknowledged them (so they are in force, §6.5.3), then request
 * `path` on stream 1. False if the server did not start.
 */
async function requestWithPush(peer: CheckPeer, path: string, enablePush: 0 | 1, settings: Array<{ id: number; value: number }> = []): Promise<boolean> {
  if (!(await started(peer, [{ id: SettingId.ENABLE_PUSH, value: enablePush }, ...settings]))) return false;
  await peer.waitFor((r) => r.frame.type === 'SETTINGS' && r.frame.ack);
  peer.write(peer.request(1, path));
  return true;
}

// ---- the catalogue ---------------------------------------------------------------

export const CASES: CheckCase[] = [
  // §3.4 Preface
  {
    id: 'preface/server-settings-first',
    section: '3.4',
    level: 'MUST',
    title: "The server's preface is a SETTINGS frame, its first frame",
    expected: 'SETTINGS first',
    async run(peer) {
      peer.writeBytes(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
      peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] });
      const first = await peer.waitFor(() => true);
      if (!first) return fail(`nothing: ${peer.summary()}`);
      return first.frame.type === 'SETTINGS' && !first.frame.ack ? pass('SETTINGS first') : fail(`${first.frame.type} first`);
    },
  },
  {
    id: 'preface/invalid',
    section: '3.4',
    level: 'MUST',
    title: 'An invalid client preface is a connection error PROTOCOL_ERROR',
    expected: 'GOAWAY PROTOCOL_ERROR, or the connection closed',
    async run(peer) {
      peer.writeBytes(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n'));
      const r = await peer.connectionError();
      // "A GOAWAY frame MAY be omitted in this case, since an invalid preface indicates that the peer is not
      // using HTTP/2" (§3.4): a server that also speaks HTTP/1.1 may answer as one, then close.
      if (peer.decodeError?.startsWith('the server answered in HTTP/1.x')) {
        const said = peer.decodeError;
        peer.decodeError = undefined;
        return (await peer.waitClosed()) ? pass(`${said.replace('the server answered in HTTP/1.x, not HTTP/2: ', 'answered as HTTP/1.x ')}, then closed`) : fail(`${said}, and kept the connection open`);
      }
      if (r.goaway) return r.goaway.code === ErrorCode.PROTOCOL_ERROR ? pass('GOAWAY PROTOCOL_ERROR') : fail(`GOAWAY ${errorName(r.goaway.code)}`);
      return r.closed ? pass('closed the connection') : fail(`connection still open: ${peer.summary()}`);
    },
  },

  // §4.2 Frame size
  {
    id: 'frame-size/over-max',
    section: '4.2',
    level: 'MUST',
    title: 'A frame over SETTINGS_MAX_FRAME_SIZE (16,384 by default) is a FRAME_SIZE_ERROR',
    expected: 'GOAWAY FRAME_SIZE_ERROR (or RST_STREAM FRAME_SIZE_ERROR)',
    async run(peer) {
      if (!(await started(peer))) return NO_START;
      peer.write(peer.request(1, '/', { endStream: false, method: 'POST' }), { type: 'DATA', streamId: 1, endStream: true, data: new Uint8Array(16385) });
      return streamError(peer, 1, ErrorCode.FRAME_SIZE_ERROR);
    },
  },

  // §4.3 / RFC 7541 Header compression
  connectionErrorCase('hpack/invalid-index', '4.3', 'A field block that does not decode (an index past the tables, RFC 7541 §2.3.3) is a connection error COMPRESSION_ERROR', 'COMPRESSION_ERROR', (peer) => {
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: new Uint8Array([0xff, 0xff, 0x7f]) });
  }),

  connectionErrorCase('hpack/size-update-too-large', '4.3', 'A dynamic table size update above SETTINGS_HEADER_TABLE_SIZE (4,096) is a decoding error: COMPRESSION_ERROR (RFC 7541 §6.3)', 'COMPRESSION_ERROR', (peer) => {
    // 001xxxxx with 5-bit prefix: 31 + 4066 = 8,097 (RFC 7541 §5.1 integer), then an indexed :method GET.
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: new Uint8Array([0x3f, 0xe2, 0x1f, 0x82]) });
  }),
  connectionErrorCase('hpack/size-update-after-field', '4.3', 'A dynamic table size update after a field representation is a decoding error: COMPRESSION_ERROR (RFC 7541 §4.2)', 'COMPRESSION_ERROR', (peer) => {
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: new Uint8Array([0x82, 0x20, 0x84, 0x86]) });
  }),
  connectionErrorCase('hpack/huffman-eos', '4.3', 'A Huffman-coded string holding the EOS symbol is a decoding error: COMPRESSION_ERROR (RFC 7541 §5.2)', 'COMPRESSION_ERROR', (peer) => {
    // A literal never indexed, new name: its name Huffman-coded as 4 octets of ones (EOS is 30 ones).
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: new Uint8Array([0x82, 0x10, 0x84, 0xff, 0xff, 0xff, 0xff, 0x01, 0x61]) });
  }),
  {
    id: 'errors/goaway-before-closing',
    section: '5.4.1',
    level: 'SHOULD',
    title: 'A connection error is announced: a GOAWAY before the connection closes',
    expected: 'GOAWAY (any code) before the close',
    async run(peer) {
      if (!(await started(peer))) return NO_START;
      peer.write({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 0 });
      const r = await peer.connectionError();
      return r.goaway ? pass(`GOAWAY ${errorName(r.goaway.code)}`) : fail(r.closed ? 'closed without a GOAWAY' : `neither GOAWAY nor close: ${peer.summary()}`);
    },
  },
  malformedCase('message/response-pseudo-in-request', '8.3', 'A request with a response pseudo-header (:status) is malformed', (peer) => {
    const block = peer.encoder.encode([
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: peer.target.url.protocol.slice(0, -1) },
      { name: ':authority', value: peer.target.url.host },
      { name: ':path', value: '/' },
      { name: ':status', value: '200' },
    ]);
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: block });
  }),

  // §5.1 Stream states: generated from h2wire's own table (stateCases, below), and the ids of §5.1.1
  connectionErrorCase('streams/even-id-from-client', '5.1.1', 'A client stream with an even id is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    peer.write(peer.request(2, '/'));
  }),
  connectionErrorCase('streams/id-decreasing', '5.1.1', 'A new stream id not greater than all before it is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    peer.write(peer.request(5, '/'), peer.request(3, '/'));
  }),

  // §6.5 SETTINGS
  {
    id: 'settings/acknowledged',
    section: '6.5.3',
    level: 'MUST',
    title: 'Our SETTINGS are acknowledged (SETTINGS with ACK)',
    expected: 'SETTINGS ACK',
    async run(peer) {
      if (!(await started(peer, [{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 50 }]))) return NO_START;
      return (await peer.waitFor((r) => r.frame.type === 'SETTINGS' && r.frame.ack)) ? pass('SETTINGS ACK') : fail(peer.summary());
    },
  },
  {
    id: 'settings/unknown-ignored',
    section: '6.5.2',
    level: 'MUST',
    title: 'An unknown setting is ignored: acknowledged, and the connection goes on',
    expected: 'SETTINGS ACK, then the request answered',
    async run(peer) {
      if (!(await started(peer, [{ id: 0xf0f0, value: 7 }]))) return NO_START;
      peer.write(peer.request(1, '/'));
      return (await completes(peer, 1)) ? pass('answered') : fail(peer.summary());
    },
  },
  connectionErrorCase('settings/ack-with-payload', '6.5', 'A SETTINGS ACK with a payload is a connection error FRAME_SIZE_ERROR', 'FRAME_SIZE_ERROR', (peer) => {
    peer.writeBytes(Buffer.from([0, 0, 6, 4, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100]));
  }),
  connectionErrorCase('settings/on-a-stream', '6.5', 'SETTINGS on a stream other than 0 is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    peer.writeBytes(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 1]));
  }),
  connectionErrorCase('settings/length-not-multiple-of-6', '6.5', 'SETTINGS whose length is not a multiple of 6 is a connection error FRAME_SIZE_ERROR', 'FRAME_SIZE_ERROR', (peer) => {
    peer.writeBytes(Buffer.from([0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 3, 0]));
  }),
  connectionErrorCase('settings/enable-push-2', '6.5.2', 'SETTINGS_ENABLE_PUSH other than 0 or 1 is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.ENABLE_PUSH, value: 2 }] });
  }),
  connectionErrorCase('settings/initial-window-too-large', '6.5.2', 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 is a connection error FLOW_CONTROL_ERROR', 'FLOW_CONTROL_ERROR', (peer) => {
    peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.INITIAL_WINDOW_SIZE, value: 2 ** 31 }] });
  }),
  connectionErrorCase('settings/max-frame-size-too-small', '6.5.2', 'SETTINGS_MAX_FRAME_SIZE below 16,384 is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.MAX_FRAME_SIZE, value: 16383 }] });
  }),

  // §6.7 PING
  {
    id: 'ping/acknowledged',
    section: '6.7',
    level: 'MUST',
    title: 'A PING is answered with a PING ACK carrying the same 8 octets',
    expected: 'PING ACK, same payload',
    async run(peer) {
      if (!(await started(peer))) return NO_START;
      const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
      peer.write({ type: 'PING', streamId: 0, ack: false, data });
      const r = await peer.waitFor((x) => x.frame.type === 'PING' && x.frame.ack);
      if (!r || r.frame.type !== 'PING') return fail(peer.summary());
      return Buffer.from(r.frame.data).equals(Buffer.from(data)) ? pass('PING ACK, same payload') : fail(`PING ACK with ${Buffer.from(r.frame.data).toString('hex')}`);
    },
  },
  connectionErrorCase('ping/length', '6.7', 'A PING whose length is not 8 is a connection error FRAME_SIZE_ERROR', 'FRAME_SIZE_ERROR', (peer) => {
    peer.writeBytes(Buffer.from([0, 0, 7, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
  }),
  connectionErrorCase('ping/on-a-stream', '6.7', 'A PING on a stream other than 0 is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    peer.writeBytes(Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8]));
  }),

  // §6.4 RST_STREAM
  connectionErrorCase('rst-stream/length', '6.4', 'A RST_STREAM whose length is not 4 is a connection error FRAME_SIZE_ERROR', 'FRAME_SIZE_ERROR', (peer) => {
    peer.write(peer.request(1, '/', { endStream: false, method: 'POST' }));
    peer.writeBytes(Buffer.from([0, 0, 3, 3, 0, 0, 0, 0, 1, 0, 0, 8]));
  }),

  // §6.9 Flow control
  connectionErrorCase('flow-control/zero-increment-connection', '6.9', 'A WINDOW_UPDATE of 0 on the connection is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    peer.write({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 0 });
  }),
  {
    id: 'flow-control/zero-increment-stream',
    section: '6.9',
    level: 'MUST',
    title: 'A WINDOW_UPDATE of 0 on a stream is a stream error PROTOCOL_ERROR',
    expected: 'RST_STREAM PROTOCOL_ERROR',
    async run(peer) {
      if (!(await started(peer))) return NO_START;
      peer.write(peer.request(1, '/', { endStream: false, method: 'POST' }), { type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 0 });
      return streamError(peer, 1, ErrorCode.PROTOCOL_ERROR);
    },
  },
  connectionErrorCase('flow-control/connection-window-overflow', '6.9.1', 'A WINDOW_UPDATE taking the connection window past 2^31-1 is a connection error FLOW_CONTROL_ERROR', 'FLOW_CONTROL_ERROR', (peer) => {
    peer.write({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: MAX_WINDOW_SIZE }, { type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: MAX_WINDOW_SIZE });
  }),

  // §6.10 CONTINUATION, §4.3
  connectionErrorCase('continuation/interleaved', '6.10', 'Another frame inside a field block (HEADERS without END_HEADERS, then PING) is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    const h = peer.request(1, '/') as Extract<Frame, { type: 'HEADERS' }>;
    peer.write({ ...h, endHeaders: false }, { type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) });
  }),
  connectionErrorCase('continuation/without-headers', '6.10', 'A CONTINUATION that follows no HEADERS is a connection error PROTOCOL_ERROR', 'PROTOCOL_ERROR', (peer) => {
    peer.write({ type: 'CONTINUATION', streamId: 1, endHeaders: true, headerBlock: new Uint8Array([0x82]) });
  }),

  // §8 HTTP semantics
  malformedCase('message/uppercase-field-name', '8.2.1', 'A field name with upper-case letters makes the request malformed', (peer) => {
    peer.write(peer.request(1, '/', { extra: [{ name: 'X-Upper', value: '1' }] }));
  }),
  malformedCase('message/connection-specific-field', '8.2.2', 'A connection-specific field (connection: keep-alive) makes the request malformed', (peer) => {
    peer.write(peer.request(1, '/', { extra: [{ name: 'connection', value: 'keep-alive' }] }));
  }),
  malformedCase('message/te-not-trailers', '8.2.2', 'TE with anything but "trailers" makes the request malformed', (peer) => {
    peer.write(peer.request(1, '/', { extra: [{ name: 'te', value: 'gzip' }] }));
  }),
  malformedCase('message/missing-path', '8.3.1', 'A request without :path makes the request malformed', (peer) => {
    const block = peer.encoder.encode([
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: peer.target.url.protocol.slice(0, -1) },
      { name: ':authority', value: peer.target.url.host },
    ]);
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: block });
  }),
  malformedCase('message/pseudo-after-regular', '8.3', 'A pseudo-header after a regular field makes the request malformed', (peer) => {
    const block = peer.encoder.encode([
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: peer.target.url.protocol.slice(0, -1) },
      { name: 'accept', value: '*/*' },
      { name: ':authority', value: peer.target.url.host },
      { name: ':path', value: '/' },
    ]);
    peer.write({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: block });
  }),
  malformedCase('message/content-length-mismatch', '8.1.1', 'DATA that does not add up to content-length makes the request malformed', (peer) => {
    peer.write(peer.request(1, '/', { endStream: false, method: 'POST', extra: [{ name: 'content-length', value: '10' }] }), { type: 'DATA', streamId: 1, endStream: true, data: new Uint8Array(5) });
  }),

  // §8.4 Server push (on --push-path, push enabled unless the case says otherwise)
  {
    id: 'push/disabled-means-none',
    section: '8.4',
    level: 'MUST',
    title: 'With SETTINGS_ENABLE_PUSH=0, nothing is promised',
    expected: 'the response, and no PUSH_PROMISE',
    async run(peer, { pushPath }) {
      if (!(await requestWithPush(peer, pushPath, 0))) return NO_START;
      if (!(await completes(peer, 1))) return fail(`no response to ${pushPath}: ${peer.summary()}`);
      const promise = peer.received.find((r) => r.frame.type === 'PUSH_PROMISE');
      return promise ? fail(`PUSH_PROMISE for ${promise.fields?.find((f) => f.name === ':path')?.value}`) : pass('no PUSH_PROMISE');
    },
  },
  ...stateCases(),
  ...pushCases(),
];

/**
 * The §5.1 cases, one per cell of h2wire's receive table (RFC 9113 §5.1, as
 * src/connection/stream-states.ts writes it) for the states a client can
 * bring a server's stream to and the frames it can send there: a forbidden
 * cell expects its error (scope and code), an allowed one expects the
 * connection to go on. One authority: the table the engine obeys is the
 * one the checker holds other servers to.
 */
function stateCases(): CheckCase[] {
  const states: Array<{ state: StreamState; how: string; setup(peer: CheckPeer): Promise<Verdict | undefined> }> = [
    { state: 'idle', how: 'a stream never opened', setup: async () => undefined },
    {
      state: 'half_closed_remote',
      how: 'a request the client ended (END_STREAM), answered or not',
      async setup(peer) {
        peer.write(peer.request(1, '/'));
        await completes(peer, 1);
        return undefined;
      },
    },
    {
      state: 'closed_reset',
      how: 'a stream the server reset (a malformed request)',
      async setup(peer) {
        peer.write(peer.request(1, '/', { extra: [{ name: 'X-Upper', value: '1' }] }));
        const r = await peer.waitFor((x) => (x.frame.type === 'RST_STREAM' && x.frame.streamId === 1) || (x.frame.type === 'HEADERS' && x.frame.streamId === 1));
        return r?.frame.type === 'RST_STREAM' ? undefined : skip('the server did not reset the malformed request (it may answer it instead): this state is not reached');
      },
    },
  ];
  const events: Array<{ event: ReceiveEvent; frame: string; make(peer: CheckPeer): Frame }> = [
    { event: 'recv_headers', frame: 'HEADERS', make: (peer) => peer.request(1, '/') },
    { event: 'recv_data', frame: 'DATA', make: () => ({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(3) }) },
    { event: 'recv_rst_stream', frame: 'RST_STREAM', make: () => ({ type: 'RST_STREAM', streamId: 1, errorCode: ErrorCode.CANCEL }) },
    { event: 'recv_window_update', frame: 'WINDOW_UPDATE', make: () => ({ type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 1 }) },
    { event: 'recv_priority', frame: 'PRIORITY', make: () => ({ type: 'PRIORITY', streamId: 1, priority: { exclusive: false, dependsOn: 0, weight: 16 } }) },
    { event: 'recv_push_promise', frame: 'PUSH_PROMISE', make: (peer) => ({ type: 'PUSH_PROMISE', streamId: 1, promisedStreamId: 2, endHeaders: true, headerBlock: peer.encoder.encode([{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'http' }, { name: ':authority', value: peer.target.url.host }, { name: ':path', value: '/' }]) }) },
  ];
  const cases: CheckCase[] = [];
  for (const s of states) {
    for (const e of events) {
      if (s.state === 'idle' && e.event === 'recv_headers') continue; // a request: every other case makes one
      // A server receives no PUSH_PROMISE in any state: "a client cannot push" (§8.4) comes before the table.
      const cell = e.event === 'recv_push_promise' ? CLIENT_CANNOT_PUSH : RECEIVE_TABLE[s.state][e.event];
      const violation = typeof cell === 'object' ? cell : undefined;
      const code = violation ? ErrorCode[violation.code] : undefined;
      cases.push({
        id: `states/${s.state.replace(/_/g, '-')}/${e.frame.toLowerCase().replace(/_/g, '-')}`,
        section: '5.1',
        level: 'MUST',
        title: `${e.frame} on ${stateName(s.state)} (${s.how}): ${violation ? `${violation.scope} error ${violation.code}` : 'allowed, the connection goes on'}`,
        expected: violation ? `${violation.scope === 'connection' ? 'GOAWAY' : 'RST_STREAM (or GOAWAY)'} ${violation.code}: ${violation.why}` : 'no GOAWAY; a PING after it answered',
        async run(peer) {
          if (!(await started(peer))) return NO_START;
          const unreachable = await s.setup(peer);
          if (unreachable) return unreachable;
          peer.write(e.make(peer));
          if (violation) return violation.scope === 'connection' ? connectionError(peer, code!) : streamError(peer, 1, code!);
          return goesOn(peer);
        },
      });
    }
  }
  return cases;
}

/** The connection goes on: a PING sent now is answered, and no GOAWAY came. */
async function goesOn(peer: CheckPeer): Promise<Verdict> {
  peer.write({ type: 'PING', streamId: 0, ack: false, data: new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]) });
  const ack = await peer.waitFor((x) => (x.frame.type === 'PING' && x.frame.ack && x.frame.data[0] === 9) || x.frame.type === 'GOAWAY');
  if (!ack) return fail(`no PING ACK: ${peer.summary()}`);
  return ack.frame.type === 'GOAWAY' ? fail(`GOAWAY ${errorName(ack.frame.errorCode)} (${peer.summary()})`) : pass('went on: PING answered');
}

/** The push cases that need pushes to look at: each loads --push-path with push enabled and skips if nothing is promised. */
function pushCases(): CheckCase[] {
  async function pushes(peer: CheckPeer, pushPath: string, settings: Array<{ id: number; value: number }> = []) {
    if (!(await requestWithPush(peer, pushPath, 1, settings))) return { verdict: NO_START, promises: [] as Received[] };
    await completes(peer, 1);
    await peer.waitFor(() => false, Math.min(300, peer.target.timeoutMs)); // pushed responses still arriving
    const promises = peer.received.filter((r) => r.frame.type === 'PUSH_PROMISE');
    return { verdict: promises.length === 0 ? skip(`nothing was promised on ${pushPath} (name a path that pushes with --push-path)`) : undefined, promises };
  }
  const promisedId = (r: Received) => (r.frame.type === 'PUSH_PROMISE' ? r.frame.promisedStreamId : 0);
  return [
    {
      id: 'push/ids-even-increasing',
      section: '5.1.1',
      level: 'MUST',
      title: 'Promised stream ids are even and strictly increasing',
      expected: 'even ids, each greater than the last',
      async run(peer, { pushPath }) {
        const { verdict, promises } = await pushes(peer, pushPath);
        if (verdict) return verdict;
        const ids = promises.map(promisedId);
        const bad = ids.find((id, i) => id % 2 !== 0 || (i > 0 && id <= ids[i - 1]!));
        return bad === undefined ? pass(`promised ${ids.join(', ')}`) : fail(`promised ${ids.join(', ')}`);
      },
    },
    {
      id: 'push/on-the-request-stream',
      section: '8.4.1',
      level: 'MUST',
      title: 'PUSH_PROMISE comes on the client-initiated stream of the request, before that stream ends',
      expected: 'PUSH_PROMISE on stream 1, before its END_STREAM',
      async run(peer, { pushPath }) {
        const { verdict, promises } = await pushes(peer, pushPath);
        if (verdict) return verdict;
        const end = peer.received.findIndex((r) => r.frame.streamId === 1 && (r.frame.type === 'DATA' || r.frame.type === 'HEADERS') && r.frame.endStream);
        for (const p of promises) {
          if (p.frame.streamId !== 1) return fail(`PUSH_PROMISE on stream ${p.frame.streamId}`);
          if (end >= 0 && peer.received.indexOf(p) > end) return fail('PUSH_PROMISE after the stream ended');
        }
        return pass(`${promises.length} PUSH_PROMISE on stream 1, before its end`);
      },
    },
    {
      id: 'push/promised-request-safe',
      section: '8.4.1',
      level: 'MUST',
      title: 'A promised request is safe and cacheable (GET or HEAD), has no content, and names this :authority',
      expected: 'GET or HEAD, no content-length above 0, :authority as ours',
      async run(peer, { pushPath }) {
        const { verdict, promises } = await pushes(peer, pushPath);
        if (verdict) return verdict;
        for (const p of promises) {
          const field = (name: string) => p.fields?.find((f) => f.name === name)?.value;
          const method = field(':method');
          if (method !== 'GET' && method !== 'HEAD') return fail(`promised a ${method} request`);
          if (Number(field('content-length') ?? 0) > 0) return fail('promised a request with content');
          if (field(':authority') !== peer.target.url.host) return fail(`promised :authority ${field(':authority')}, not ${peer.target.url.host}`);
        }
        return pass(`${promises.length} promised request(s), each ${promises.map((p) => p.fields?.find((f) => f.name === ':method')?.value).join(', ')}`);
      },
    },
    {
      id: 'push/within-max-concurrent-streams',
      section: '5.1.2',
      level: 'MUST',
      title: "Pushed responses never exceed the client's SETTINGS_MAX_CONCURRENT_STREAMS (1 here)",
      expected: 'at most 1 pushed stream open at a time',
      async run(peer, { pushPath }) {
        const { verdict } = await pushes(peer, pushPath, [{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 1 }]);
        if (verdict) return verdict;
        let open = 0;
        let most = 0;
        for (const r of peer.received) {
          if (r.frame.streamId % 2 !== 0 || r.frame.streamId === 0) continue;
          if (r.frame.type === 'HEADERS' && !peer.received.some((x) => x !== r && x.frame.type === 'HEADERS' && x.frame.streamId === r.frame.streamId && peer.received.indexOf(x) < peer.received.indexOf(r))) most = Math.max(most, ++open);
          if ((r.frame.type === 'DATA' || r.frame.type === 'HEADERS') && r.frame.endStream) open--;
          if (r.frame.type === 'RST_STREAM') open--;
        }
        return most <= 1 ? pass(`at most ${most} open`) : fail(`${most} pushed streams open at once`);
      },
    },
    {
      id: 'push/cancel-honoured',
      section: '8.4.2',
      level: 'MUST',
      title: 'RST_STREAM CANCEL of a push is honoured, and the request it came with still completes',
      expected: 'the response on stream 1 complete, no GOAWAY',
      async run(peer, { pushPath }) {
        if (!(await requestWithPush(peer, pushPath, 1))) return NO_START;
        const promise = await peer.waitFor((r) => r.frame.type === 'PUSH_PROMISE');
        if (!promise) return skip(`nothing was promised on ${pushPath}`);
        peer.write({ type: 'RST_STREAM', streamId: promisedId(promise), errorCode: ErrorCode.CANCEL });
        const done = await completes(peer, 1);
        const goaway = peer.received.find((r) => r.frame.type === 'GOAWAY');
        if (goaway) return fail(`GOAWAY: ${peer.summary()}`);
        return done ? pass('stream 1 complete') : fail(`stream 1 not complete: ${peer.summary()}`);
      },
    },
  ];
}

/** The sections in catalogue order, for reports. */
export const SECTIONS = [...new Set(CASES.map((c) => c.section))];
