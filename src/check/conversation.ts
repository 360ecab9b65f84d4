// Generated conversations (h2wire check --fuzz): fast-check writes random
// sequences of client actions, valid and invalid, and runs each on a fresh
// connection against a model of what a conformant server owes in return
// (RFC 9113): a PING ACK for each PING, a response for each complete
// request, the named connection error for each frame that breaks a rule,
// and never a frame that breaks one itself. On a failure fast-check shrinks
// the sequence to the fewest actions that still fail, and gives the seed
// and path that replay it (--replay SEED:PATH).
//
// fast-check is an optional peer dependency of h2wire: it is loaded when a
// conversation is asked for, with a clear message if it is not installed.

import { ErrorCode, SettingId } from '../frames/constants.js';
import { formatFrame } from '../frames/format.js';
import { Tracer, type TraceRecord } from '../trace.js';
import { traceRecordToJSON, type TraceRecordJSON } from '../trace-format.js';
import { CheckPeer, errorName, type Target } from './peer.js';
import { preflight } from './run.js';

type FastCheck = typeof import('fast-check');

/** What the model knows of the connection. */
export interface Model {
  nextStreamId: number;
  /** Streams whose request we sent without END_STREAM yet. */
  sending: number[];
  /** Requests complete on our side: each owes a response (or a reset). */
  owed: number[];
  /** The connection error the server owes us, once we broke a rule. */
  error: number | undefined;
  pings: number;
}

export interface Real {
  peer: CheckPeer;
  /** What we sent, in words, for the report. */
  log: string[];
}

interface Action {
  check(m: Readonly<Model>): boolean;
  run(m: Model, r: Real): Promise<void>;
  toString(): string;
}

/** A failure of the server, as the model saw it. */
export class ConversationFailure extends Error {
  override readonly name = 'ConversationFailure';
}

const settle = (r: Real) => r.peer.waitFor(() => false, 30);

/** The actions, valid ones and rule-breaking ones, each with the RFC 9113 sentence it leans on. */
function actions(fc: FastCheck, timeoutMs: number) {
  const fail = (why: string, r: Real): never => {
    throw new ConversationFailure(`${why}\n  we sent:     ${r.log.join('\n               ')}\n  server sent: ${r.peer.summary(40)}`);
  };
  /** The server's answer to a rule broken: GOAWAY with `code` (or closing; §5.4.1). */
  const expectConnectionError = async (m: Model, r: Real, code: number, rule: string) => {
    m.error = code;
    const g = await r.peer.waitFor((x) => x.frame.type === 'GOAWAY', timeoutMs);
    if (g && g.frame.type === 'GOAWAY' && g.frame.errorCode !== code) fail(`${rule}: expected GOAWAY ${errorName(code)}, got GOAWAY ${errorName(g.frame.errorCode)}`, r);
    if (!g && !(await r.peer.waitClosed(timeoutMs))) fail(`${rule}: expected GOAWAY ${errorName(code)}, the connection stayed open`, r);
  };
  const open = (m: Readonly<Model>) => m.error === undefined;

  class Request implements Action {
    constructor(readonly endStream: boolean) {}
    check = open;
    async run(m: Model, r: Real) {
      const id = m.nextStreamId;
      m.nextStreamId += 2;
      r.peer.write(r.peer.request(id, '/', { endStream: this.endStream, method: this.endStream ? 'GET' : 'POST' }));
      r.log.push(`HEADERS stream=${id}${this.endStream ? ' END_STREAM' : ''}`);
      (this.endStream ? m.owed : m.sending).push(id);
      await settle(r);
    }
    toString = () => `request(${this.endStream ? 'GET' : 'POST, body to come'})`;
  }
  class Body implements Action {
    constructor(
      readonly size: number,
      readonly end: boolean,
    ) {}
    check = (m: Readonly<Model>) => open(m) && m.sending.length > 0;
    async run(m: Model, r: Real) {
      const id = m.sending[0]!;
      r.peer.write({ type: 'DATA', streamId: id, endStream: this.end, data: new Uint8Array(this.size) });
      r.log.push(`DATA stream=${id} len=${this.size}${this.end ? ' END_STREAM' : ''}`);
      if (this.end) m.owed.push(m.sending.shift()!);
      await settle(r);
    }
    toString = () => `body(${this.size}${this.end ? ', end' : ''})`;
  }
  class Ping implements Action {
    check = open;
    async run(m: Model, r: Real) {
      const data = new Uint8Array(8);
      new DataView(data.buffer).setUint32(4, ++m.pings);
      r.peer.write({ type: 'PING', streamId: 0, ack: false, data });
      r.log.push(`PING ${m.pings}`);
      const hex = Buffer.from(data).toString('hex');
      const ack = await r.peer.waitFor((x) => x.frame.type === 'PING' && x.frame.ack && Buffer.from(x.frame.data).toString('hex') === hex, timeoutMs);
      if (!ack) fail(`§6.7: a PING MUST be answered with a PING ACK of the same payload; none came for PING ${m.pings}`, r);
    }
    toString = () => 'ping';
  }
  class WindowUpdate implements Action {
    constructor(readonly increment: number) {}
    check = open;
    async run(_m: Model, r: Real) {
      r.peer.write({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: this.increment });
      r.log.push(`WINDOW_UPDATE stream=0 increment=${this.increment}`);
      await settle(r);
    }
    toString = () => `windowUpdate(${this.increment})`;
  }
  class Priority implements Action {
    constructor(readonly streamId: number) {}
    check = open;
    async run(_m: Model, r: Real) {
      r.peer.write({ type: 'PRIORITY', streamId: this.streamId, priority: { exclusive: false, dependsOn: 0, weight: 16 } });
      r.log.push(`PRIORITY stream=${this.streamId}`);
      await settle(r);
    }
    toString = () => `priority(${this.streamId})`;
  }
  /** Rule-breaking actions: each owes a connection error. */
  class Breaks implements Action {
    constructor(
      readonly kind: 'data-on-idle' | 'zero-window-update' | 'ping-length' | 'even-stream' | 'enable-push-2' | 'continuation-alone',
    ) {}
    check = open;
    async run(m: Model, r: Real) {
      const idle = m.nextStreamId + 40;
      switch (this.kind) {
        case 'data-on-idle':
          r.peer.write({ type: 'DATA', streamId: idle, endStream: true, data: new Uint8Array(1) });
          r.log.push(`DATA stream=${idle} (idle)`);
          return expectConnectionError(m, r, ErrorCode.PROTOCOL_ERROR, '§5.1: DATA on an idle stream is a connection error PROTOCOL_ERROR');
        case 'zero-window-update':
          r.peer.write({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 0 });
          r.log.push('WINDOW_UPDATE stream=0 increment=0');
          return expectConnectionError(m, r, ErrorCode.PROTOCOL_ERROR, '§6.9: a zero increment on the connection is a connection error PROTOCOL_ERROR');
        case 'ping-length':
          r.peer.writeBytes(Buffer.from([0, 0, 7, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
          r.log.push('PING len=7');
          return expectConnectionError(m, r, ErrorCode.FRAME_SIZE_ERROR, '§6.7: a PING of another length than 8 is a connection error FRAME_SIZE_ERROR');
        case 'even-stream':
          r.peer.write(r.peer.request(m.nextStreamId + 1, '/'));
          r.log.push(`HEADERS stream=${m.nextStreamId + 1} (even)`);
          return expectConnectionError(m, r, ErrorCode.PROTOCOL_ERROR, '§5.1.1: a client stream with an even id is a connection error PROTOCOL_ERROR');
        case 'enable-push-2':
          r.peer.write({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.ENABLE_PUSH, value: 2 }] });
          r.log.push('SETTINGS ENABLE_PUSH=2');
          return expectConnectionError(m, r, ErrorCode.PROTOCOL_ERROR, '§6.5.2: ENABLE_PUSH other than 0 or 1 is a connection error PROTOCOL_ERROR');
        case 'continuation-alone':
          r.peer.write({ type: 'CONTINUATION', streamId: idle, endHeaders: true, headerBlock: new Uint8Array([0x82]) });
          r.log.push(`CONTINUATION stream=${idle} (no HEADERS before)`);
          return expectConnectionError(m, r, ErrorCode.PROTOCOL_ERROR, '§6.10: a CONTINUATION after no HEADERS is a connection error PROTOCOL_ERROR');
      }
    }
    toString = () => `breaks(${this.kind})`;
  }

  return [
    fc.boolean().map((end) => new Request(end)),
    fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.boolean()).map(([size, end]) => new Body(size, end)),
    fc.constant(null).map(() => new Ping()),
    fc.integer({ min: 1, max: 1 << 20 }).map((n) => new WindowUpdate(n)),
    fc.integer({ min: 1, max: 99 }).map((n) => new Priority(n * 2 + 1)),
    fc.constantFrom('data-on-idle', 'zero-window-update', 'ping-length', 'even-stream', 'enable-push-2', 'continuation-alone' as const).map((k) => new Breaks(k)),
  ];
}

export interface ConversationOptions {
  runs?: number;
  /** Replay one failure: what a failed run printed ("SEED:PATH@COMMANDS"). */
  replay?: string;
  /** Most actions in one conversation. Default 12. */
  maxActions?: number;
}

export interface ConversationReport {
  runs: number;
  ok: boolean;
  /** The shrunk failing conversation, what the model expected, how to replay it, and its frames (the trace format, docs/trace-format.md). */
  failure?: { message: string; actions: string[]; replay: string; trace: TraceRecordJSON[] };
}

/** Load fast-check, or say how to get it. */
async function loadFastCheck(): Promise<FastCheck> {
  try {
    return (await import('fast-check')).default as unknown as FastCheck;
  } catch {
    throw new Error('generated conversations need fast-check: npm install fast-check (an optional peer dependency of h2wire)');
  }
}

/** Run generated conversations against a server; each on a fresh connection. */
export async function runConversations(target: Target, options: ConversationOptions = {}): Promise<ConversationReport> {
  const fc = await loadFastCheck();
  await preflight(target); // a server that cannot be reached is an error, not a conversation that failed
  // SEED:PATH@COMMANDS: fast-check's seed and shrink path, and which commands ran (its replayPath for commands).
  const [seedPath, replayPath] = options.replay?.split('@') ?? [];
  const arbitrary = fc.commands(actions(fc, target.timeoutMs), replayPath ? { maxCommands: options.maxActions ?? 12, replayPath } : { maxCommands: options.maxActions ?? 12 });
  let last: { message: string; actions: string[]; trace: TraceRecordJSON[]; replayPath: string } | undefined;
  const property = fc.asyncProperty(arbitrary, async (cmds) => {
    const peer = await CheckPeer.open(target);
    const records: TraceRecord[] = [];
    peer.tracer = new Tracer((r) => records.push(r), 'client', { detail: true });
    peer.tracer.open(1, `${target.url.protocol === 'https:' ? 'h2 (TLS)' : 'h2c'} to ${target.url.host} (h2wire check)`);
    const real: Real = { peer, log: [] };
    const model: Model = { nextStreamId: 1, sending: [], owed: [], error: undefined, pings: 0 };
    try {
      if (!(await peer.handshake())) throw new ConversationFailure('§3.4: the server sent no SETTINGS after our preface');
      await fc.asyncModelRun(() => ({ model, real }), cmds as Iterable<Action> as never);
      if (model.error === undefined) {
        // Every complete request is owed an answer: a response, or a reset (§8.1).
        for (const id of model.owed) {
          const answered = await peer.waitFor((x) => x.frame.streamId === id && (x.frame.type === 'HEADERS' || x.frame.type === 'RST_STREAM'), target.timeoutMs);
          if (!answered) throw new ConversationFailure(`§8.1: the request on stream ${id} got no response and no RST_STREAM\n  we sent:     ${real.log.join('\n               ')}\n  server sent: ${peer.summary(40)}`);
        }
        const goaway = peer.received.find((x) => x.frame.type === 'GOAWAY');
        if (goaway) throw new ConversationFailure(`the server ended a conforming conversation: ${formatFrame(goaway.frame)}\n  we sent:     ${real.log.join('\n               ')}`);
      }
      if (peer.decodeError) throw new ConversationFailure(`the server sent a frame that breaks RFC 9113: ${peer.decodeError}`);
    } catch (e) {
      // fast-check's commands print as those that ran (the rest were skipped: the connection was over).
      const printed = String(cmds);
      const ran = printed.replace(/\/\*replayPath=.*?\*\//, '');
      peer.tracer?.note(1, `the model: ${(e as Error).message.split('\n')[0]}`);
      last = {
        message: (e as Error).message,
        actions: ran.split(',').map((a) => a.trim()).filter(Boolean),
        trace: records.map(traceRecordToJSON),
        replayPath: /\/\*replayPath="(.*?)"\*\//.exec(printed)?.[1] ?? '',
      };
      throw e;
    } finally {
      peer.close();
    }
  });
  const [seed, ...pathParts] = seedPath?.split(':') ?? [];
  const path = pathParts.join(':');
  const result = await fc.check(property, options.replay ? { seed: Number(seed), path, endOnFailure: true, numRuns: 1 } : { numRuns: options.runs ?? 50 });
  if (!result.failed) return { runs: result.numRuns, ok: true };
  return {
    runs: result.numRuns,
    ok: false,
    failure: {
      message: last?.message ?? String(result.errorInstance),
      actions: last?.actions ?? [],
      replay: `${result.seed}:${result.counterexamplePath ?? ''}${last?.replayPath ? `@${last.replayPath}` : ''}`,
      trace: last?.trace ?? [],
    },
  };
}
