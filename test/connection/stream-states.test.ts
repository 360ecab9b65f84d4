// The engine's RFC 9113 §5.1 stream-state tables (src/connection/stream-states.ts)
// checked against an oracle written independently from the RFC's text
// (./stream-states-oracle.ts):
//
// 1. every (state, event) cell, both directions, compared one by one;
// 2. random sequences of send and receive events on one stream, driven
//    through the table and the oracle side by side;
// 3. random frame sequences written to a real server Http2Endpoint, whose
//    streams must move as the oracle says and whose answers (RST_STREAM,
//    GOAWAY) must carry the oracle's error codes.

import { expect } from 'chai';
import fc from 'fast-check';
import { EndpointUsageError } from '../../src/connection/endpoint.js';
import {
  type Forbidden,
  isForbidden,
  isViolation,
  onReceive,
  onSend,
  RECEIVE_EVENTS,
  RECEIVE_TABLE,
  SEND_EVENTS,
  SEND_TABLE,
  STREAM_STATES,
  type StreamState,
  type Transition,
} from '../../src/connection/stream-states.js';
import { ErrorCode, errorCodeName } from '../../src/frames/constants.js';
import type { Frame } from '../../src/frames/frame.js';
import { formatFrame } from '../../src/frames/format.js';
import { fields, GET, RawPeer } from './harness.js';
import {
  describeOracleOutcome,
  ORACLE_RECEIVE_EVENTS,
  ORACLE_SEND_EVENTS,
  ORACLE_STATES,
  type OracleReceiveEvent,
  type OracleReceiveOutcome,
  type OracleSendEvent,
  type OracleSendOutcome,
  type OracleState,
  oracleReceive,
  oracleSend,
} from './stream-states-oracle.js';

const RUNS = Number(process.env.H2WIRE_PROPERTY_RUNS ?? 2000);
const ENGINE_RUNS = Number(process.env.H2WIRE_PROPERTY_RUNS ?? 500);

// ---- the table's cells in the oracle's vocabulary --------------------------

function fromReceiveCell(t: Transition): OracleReceiveOutcome {
  if (isViolation(t)) return { kind: 'violation', scope: t.scope, code: t.code };
  if (t === 'ignore') return { kind: 'ignore' };
  return { kind: 'next', state: t };
}

function fromSendCell(t: StreamState | Forbidden): OracleSendOutcome {
  return isForbidden(t) ? { kind: 'forbidden' } : { kind: 'next', state: t };
}

const same = (a: OracleReceiveOutcome | OracleSendOutcome, b: OracleReceiveOutcome | OracleSendOutcome): boolean =>
  describeOracleOutcome(a) === describeOracleOutcome(b);

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

describe('RFC 9113 §5.1 stream states: the tables against an independent oracle', () => {
  it('the table and the oracle name the same states and events', () => {
    expect(sorted(STREAM_STATES)).to.deep.equal(sorted(ORACLE_STATES));
    expect(sorted(RECEIVE_EVENTS)).to.deep.equal(sorted(ORACLE_RECEIVE_EVENTS));
    expect(sorted(SEND_EVENTS)).to.deep.equal(sorted(ORACLE_SEND_EVENTS));
  });

  describe('RFC 9113 §5.1 every (state, event) pair, both directions', () => {
    /** Every cell of one table against the oracle, read from the table and through its lookup function; the disagreements. */
    function compareAll<E extends string>(
      events: readonly E[],
      cellOf: (state: StreamState, event: E) => OracleReceiveOutcome | OracleSendOutcome,
      lookup: (state: StreamState, event: E) => OracleReceiveOutcome | OracleSendOutcome,
      oracle: (state: OracleState, event: E) => OracleReceiveOutcome | OracleSendOutcome,
      lookupName: string,
    ): { compared: number; mismatches: string[] } {
      const mismatches: string[] = [];
      let compared = 0;
      for (const state of STREAM_STATES) {
        for (const event of events) {
          compared++;
          const cell = cellOf(state, event);
          const viaFunction = lookup(state, event);
          const expected = oracle(state, event);
          if (!same(cell, expected) || !same(viaFunction, expected))
            mismatches.push(`  ${state} × ${event}: table says ${describeOracleOutcome(cell)} (${lookupName}: ${describeOracleOutcome(viaFunction)}), oracle says ${describeOracleOutcome(expected)}`);
        }
      }
      return { compared, mismatches };
    }

    it(`receiving: ${STREAM_STATES.length} states × ${RECEIVE_EVENTS.length} events`, () => {
      const { compared, mismatches } = compareAll(
        RECEIVE_EVENTS,
        (state, event) => fromReceiveCell(RECEIVE_TABLE[state][event]),
        (state, event) => fromReceiveCell(onReceive(state, event)),
        (state, event) => oracleReceive(state, event as OracleReceiveEvent),
        'onReceive',
      );
      expect(compared).to.equal(72);
      expect(mismatches, `${mismatches.length} of ${compared} receive cells disagree with the oracle:\n${mismatches.join('\n')}\n`).to.deep.equal([]);
    });

    it(`sending: ${STREAM_STATES.length} states × ${SEND_EVENTS.length} events`, () => {
      const { compared, mismatches } = compareAll(
        SEND_EVENTS,
        (state, event) => fromSendCell(SEND_TABLE[state][event]),
        (state, event) => fromSendCell(onSend(state, event)),
        (state, event) => oracleSend(state, event as OracleSendEvent),
        'onSend',
      );
      expect(compared).to.equal(64);
      expect(mismatches, `${mismatches.length} of ${compared} send cells disagree with the oracle:\n${mismatches.join('\n')}\n`).to.deep.equal([]);
    });
  });

  // ---- 2. random event sequences through the table and the oracle ----------

  describe('random event sequences on one stream (table and oracle side by side)', () => {
    type AnyEvent = { dir: 'recv'; event: OracleReceiveEvent } | { dir: 'send'; event: OracleSendEvent };
    const anyEvent: fc.Arbitrary<AnyEvent> = fc.oneof(
      fc.constantFrom(...ORACLE_RECEIVE_EVENTS).map((event): AnyEvent => ({ dir: 'recv', event })),
      fc.constantFrom(...ORACLE_SEND_EVENTS).map((event): AnyEvent => ({ dir: 'send', event })),
    );

    it('after every step both give the same outcome and the stream is in the same state', () => {
      // What a step does to the stream, as the engine does it (core.ts):
      // a next state is taken; 'ignore' and a forbidden send change nothing;
      // a stream error sends RST_STREAM and the stream becomes closed_reset
      // (streamError; on an idle stream it would be a connection error, but
      // no idle cell is a stream error); a connection error ends the
      // connection, so the sequence stops there.
      const step = (state: OracleState, outcome: OracleReceiveOutcome | OracleSendOutcome): OracleState | 'connection_closed' => {
        switch (outcome.kind) {
          case 'next':
            return outcome.state;
          case 'ignore':
          case 'forbidden':
            return state;
          case 'violation':
            return outcome.scope === 'stream' ? 'closed_reset' : 'connection_closed';
        }
      };
      const reached = new Set<string>();
      fc.assert(
        fc.property(fc.array(anyEvent, { minLength: 1, maxLength: 40 }), (events) => {
          let tableState: OracleState = 'idle';
          let oracleState: OracleState = 'idle';
          const trail: string[] = ['idle'];
          for (const e of events) {
            reached.add(tableState);
            const fromTable = e.dir === 'recv' ? fromReceiveCell(onReceive(tableState, e.event)) : fromSendCell(onSend(tableState, e.event));
            const fromOracle = e.dir === 'recv' ? oracleReceive(oracleState, e.event) : oracleSend(oracleState, e.event);
            trail.push(`${e.event} → table ${describeOracleOutcome(fromTable)} / oracle ${describeOracleOutcome(fromOracle)}`);
            expect(describeOracleOutcome(fromTable), `outcomes differ after: ${trail.join(', ')}`).to.equal(describeOracleOutcome(fromOracle));
            const nextTable = step(tableState, fromTable);
            const nextOracle = step(oracleState, fromOracle);
            expect(nextTable, `states differ after: ${trail.join(', ')}`).to.equal(nextOracle);
            if (nextTable === 'connection_closed' || nextOracle === 'connection_closed') return;
            tableState = nextTable;
            oracleState = nextOracle;
          }
        }),
        { numRuns: RUNS },
      );
      // The walk must have visited every state, or it proves little.
      if (RUNS >= 500) expect(sorted([...reached])).to.deep.equal(sorted(ORACLE_STATES));
    });
  });

  // ---- 3. the real engine against the oracle --------------------------------

  describe('a server Http2Endpoint follows the oracle (raw frames in, answers out)', () => {
    // Streams 1 and 3 are the client's (ours, written as raw frames); stream 2
    // is the server's, once it pushes. Only frames whose effect is the
    // stream's state: HEADERS (a request first, then trailers), small DATA,
    // RST_STREAM, WINDOW_UPDATE, PRIORITY; and the server's respond,
    // sendData, resetStream and push.
    type Id = 1 | 2 | 3;
    // `fatal`: a step the oracle says ends the connection is played only
    // when this is true (about one in six); otherwise it is skipped, so that
    // runs live long enough to reach the later states.
    type Step =
      | { side: 'client'; kind: 'headers'; id: Id; endStream: boolean; fatal: boolean }
      | { side: 'client'; kind: 'data'; id: Id; length: number; endStream: boolean; fatal: boolean }
      | { side: 'client'; kind: 'rst_stream'; id: Id; fatal: boolean }
      | { side: 'client'; kind: 'window_update'; id: Id; increment: number; fatal: boolean }
      | { side: 'client'; kind: 'priority'; id: Id; fatal: boolean }
      | { side: 'server'; kind: 'respond'; id: Id; endStream: boolean }
      | { side: 'server'; kind: 'send_data'; id: Id; length: number; endStream: boolean }
      | { side: 'server'; kind: 'reset'; id: Id }
      | { side: 'server'; kind: 'push'; parent: 1 | 3 };

    const id = fc.oneof({ arbitrary: fc.constant<Id>(1), weight: 3 }, { arbitrary: fc.constant<Id>(3), weight: 2 }, { arbitrary: fc.constant<Id>(2), weight: 2 });
    const fatal = fc.integer({ min: 0, max: 5 }).map((n) => n === 0);
    const client = fc.constant('client' as const);
    const server = fc.constant('server' as const);
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: fc.record({ side: client, kind: fc.constant('headers' as const), id, endStream: fc.boolean(), fatal }), weight: 4 },
      { arbitrary: fc.record({ side: client, kind: fc.constant('data' as const), id, length: fc.integer({ min: 0, max: 8 }), endStream: fc.boolean(), fatal }), weight: 3 },
      { arbitrary: fc.record({ side: client, kind: fc.constant('rst_stream' as const), id, fatal }), weight: 1 },
      { arbitrary: fc.record({ side: client, kind: fc.constant('window_update' as const), id, increment: fc.integer({ min: 1, max: 1000 }), fatal }), weight: 2 },
      { arbitrary: fc.record({ side: client, kind: fc.constant('priority' as const), id, fatal }), weight: 1 },
      { arbitrary: fc.record({ side: server, kind: fc.constant('respond' as const), id, endStream: fc.boolean() }), weight: 3 },
      { arbitrary: fc.record({ side: server, kind: fc.constant('send_data' as const), id, length: fc.integer({ min: 0, max: 8 }), endStream: fc.boolean() }), weight: 2 },
      { arbitrary: fc.record({ side: server, kind: fc.constant('reset' as const), id }), weight: 1 },
      { arbitrary: fc.record({ side: server, kind: fc.constant('push' as const), parent: fc.constantFrom<1 | 3>(1, 3) }), weight: 2 },
    );

    const describeStep = (s: Step): string => {
      const flags = 'endStream' in s && s.endStream ? '+ES' : '';
      return s.kind === 'push' ? `server push on ${s.parent}` : `${s.side} ${s.kind}${flags} on ${s.id}`;
    };

    /** The oracle, applied to a frame that may carry END_STREAM: stops at the first violation, or at 'ignore' (the engine then drops the whole frame). */
    function receiveAll(state: OracleState, events: OracleReceiveEvent[]): { state: OracleState; violation?: OracleReceiveOutcome & { kind: 'violation' } } {
      for (const event of events) {
        const o = oracleReceive(state, event);
        if (o.kind === 'violation') return { state, violation: o };
        if (o.kind === 'ignore') break;
        state = o.state;
      }
      return { state };
    }

    /** The oracle for a send that may carry END_STREAM: the next state, or undefined if an event is forbidden. */
    function sendAll(state: OracleState, events: OracleSendEvent[]): OracleState | undefined {
      for (const event of events) {
        const o = oracleSend(state, event);
        if (o.kind === 'forbidden') return undefined;
        state = o.state;
      }
      return state;
    }

    /** (state, event) pairs the engine was driven through, across all runs. */
    const visited = new Set<string>();

    /** Run one scenario. Returns the number of steps that were applicable. */
    function run(steps: Step[]): number {
      const peer = new RawPeer();
      peer.handshake();
      peer.read();
      const server = peer.server;
      const model = new Map<Id, OracleState>([
        [1, 'idle'],
        [2, 'idle'],
        [3, 'idle'],
      ]);
      const responded = new Set<Id>(); // the server's final HEADERS went out
      let promised = false;
      const trail: string[] = [];
      let applied = 0;
      const where = () => `after: ${trail.join(' | ')}`;
      const show = (frames: Frame[]) => frames.map(formatFrame).join('; ') || 'nothing';

      for (const s of steps) {
        if (s.side === 'client') {
          const before = model.get(s.id)!;
          // The frame is built only once the step is played: encoding a
          // HEADERS changes our HPACK encoder's state (RFC 7541 §2.3).
          let frame: () => Frame;
          let events: OracleReceiveEvent[];
          switch (s.kind) {
            case 'headers': {
              // Not modelled by the oracle (role and §5.1.1 id rules): a
              // client HEADERS on the server's idle stream 2, and opening 3
              // while 1 is idle (which would implicitly close 1).
              if (before === 'idle' && (s.id === 2 || model.get(1) === 'idle' && s.id === 3)) continue;
              // The first HEADERS is the request; later ones are trailers,
              // which must end the stream (§8.1, a message rule, not a state one).
              const request = before === 'idle';
              const endStream = request ? s.endStream : true;
              frame = () => peer.headers(s.id, request ? GET() : fields({ 'x-trailer': '1' }), endStream);
              events = endStream ? ['recv_headers', 'recv_end_stream'] : ['recv_headers'];
              break;
            }
            case 'data':
              frame = () => ({ type: 'DATA', streamId: s.id, endStream: s.endStream, data: new Uint8Array(s.length).fill(0x61) });
              events = s.endStream ? ['recv_data', 'recv_end_stream'] : ['recv_data'];
              break;
            case 'rst_stream':
              frame = () => ({ type: 'RST_STREAM', streamId: s.id, errorCode: ErrorCode.CANCEL });
              events = ['recv_rst_stream'];
              break;
            case 'window_update':
              frame = () => ({ type: 'WINDOW_UPDATE', streamId: s.id, windowSizeIncrement: s.increment });
              events = ['recv_window_update'];
              break;
            case 'priority':
              frame = () => ({ type: 'PRIORITY', streamId: s.id, priority: { exclusive: false, dependsOn: 0, weight: 16 } });
              events = ['recv_priority'];
              break;
          }
          const expected = receiveAll(before, events);
          if (expected.violation?.scope === 'connection' && !s.fatal) continue;
          applied++;
          visited.add(`${before} × ${events[0]}`);
          trail.push(`${describeStep(s)} [${before} → ${expected.violation ? describeOracleOutcome(expected.violation) : expected.state}]`);
          peer.write(frame());
          const answers = peer.read();
          const goaway = answers.find((f): f is Frame & { type: 'GOAWAY' } => f.type === 'GOAWAY');
          const rst = answers.find((f): f is Frame & { type: 'RST_STREAM' } => f.type === 'RST_STREAM' && f.streamId === s.id);
          if (expected.violation?.scope === 'connection') {
            expect(goaway, `GOAWAY ${expected.violation.code} expected, got ${show(answers)}; ${where()}`).to.not.equal(undefined);
            expect(errorCodeName(goaway!.errorCode), where()).to.equal(expected.violation.code);
            return applied; // §5.4.1: the connection is over
          }
          expect(goaway, `no GOAWAY expected, got ${show(answers)}; ${where()}`).to.equal(undefined);
          if (expected.violation) {
            // §5.4.2: RST_STREAM with the code; the engine then treats the stream as reset by us.
            expect(rst, `RST_STREAM ${expected.violation.code} expected, got ${show(answers)}; ${where()}`).to.not.equal(undefined);
            expect(errorCodeName(rst!.errorCode), where()).to.equal(expected.violation.code);
            model.set(s.id, 'closed_reset');
          } else {
            expect(rst, `no RST_STREAM expected, got ${show(answers)}; ${where()}`).to.equal(undefined);
            model.set(s.id, expected.state);
          }
        } else if (s.kind === 'push') {
          if (promised) continue; // one promised stream (2) is enough
          applied++;
          const parentBefore = model.get(s.parent)!;
          visited.add(`${parentBefore} × send_push_promise`);
          const parentAfter = sendAll(parentBefore, ['send_push_promise']);
          trail.push(`${describeStep(s)} [${parentBefore} → ${parentAfter ?? 'forbidden'}]`);
          const refusal = server.pushRefusal(s.parent);
          if (parentAfter === undefined) {
            expect(refusal, `push should be refused on a ${parentBefore} stream; ${where()}`).to.not.equal(undefined);
          } else {
            expect(refusal, `push should be possible on a ${parentBefore} stream; ${where()}`).to.equal(undefined);
            const promisedId = server.push(s.parent, GET('/pushed'));
            expect(promisedId).to.equal(2);
            const out = peer.read();
            expect(out.some((f) => f.type === 'PUSH_PROMISE' && f.streamId === s.parent), `PUSH_PROMISE sent: ${show(out)}; ${where()}`).to.equal(true);
            model.set(s.parent, parentAfter);
            model.set(2, sendAll('idle', ['send_promised'])!);
            promised = true;
          }
        } else {
          const before = model.get(s.id)!;
          // API preconditions that are message rules (§8.1), not state rules:
          // a final response once, DATA only after it; and nothing on a
          // stream the server never had. (After our END_STREAM the engine
          // refuses DATA as a misuse: the oracle forbids it in every state
          // the stream can then be in, so that is checked, not skipped.)
          if (before === 'idle') continue;
          if (s.kind === 'respond' && responded.has(s.id)) continue;
          if (s.kind === 'send_data' && !responded.has(s.id)) continue;
          applied++;
          let events: OracleSendEvent[];
          let frameType: Frame['type'] | undefined;
          let act: () => boolean;
          switch (s.kind) {
            case 'respond':
              events = s.endStream ? ['send_headers', 'send_end_stream'] : ['send_headers'];
              frameType = 'HEADERS';
              act = () => server.respond(s.id, fields({ ':status': '200' }), { endStream: s.endStream });
              break;
            case 'send_data':
              events = s.endStream ? ['send_data', 'send_end_stream'] : ['send_data'];
              frameType = s.length > 0 || s.endStream ? 'DATA' : undefined; // an empty DATA without END_STREAM is not sent at all
              act = () => server.sendData(s.id, new Uint8Array(s.length).fill(0x62), { endStream: s.endStream });
              break;
            case 'reset':
              events = ['send_rst_stream'];
              frameType = 'RST_STREAM';
              act = () => (server.resetStream(s.id, ErrorCode.CANCEL), true);
              break;
          }
          visited.add(`${before} × ${events[0]}`);
          // resetStream() on a closed stream has nothing to reset and sends nothing: the
          // one RST_STREAM the table allows there answers a stream error (§6.1, §5.4.2).
          const after = s.kind === 'reset' && before === 'closed' ? undefined : sendAll(before, events);
          trail.push(`${describeStep(s)} [${before} → ${after ?? 'forbidden'}]`);
          let done: boolean;
          try {
            done = act();
          } catch (e) {
            if (!(e instanceof EndpointUsageError)) throw e;
            done = false; // refused as a misuse
          }
          const out = peer.read(); // DATA goes out here, as the windows allow
          const sent = frameType !== undefined && out.some((f) => f.type === frameType && f.streamId === s.id);
          if (after === undefined) {
            // Forbidden: refused, or dropped as a write to a closed stream (endpoint.ts #writable).
            expect(sent, `nothing may be sent on a ${before} stream, got ${show(out)}; ${where()}`).to.equal(false);
          } else {
            expect(done, `the server should be able to ${s.kind} on a ${before} stream; ${where()}`).to.equal(true);
            if (frameType) expect(sent, `${frameType} expected on stream ${s.id}, got ${show(out)}; ${where()}`).to.equal(true);
            model.set(s.id, after);
            if (s.kind === 'respond') responded.add(s.id);
          }
          expect(out.some((f) => f.type === 'GOAWAY'), `no GOAWAY expected, got ${show(out)}; ${where()}`).to.equal(false);
        }
        for (const streamId of [1, 2, 3] as const) {
          expect(server.streamState(streamId) ?? 'idle', `stream ${streamId}: engine vs oracle; ${where()}`).to.equal(model.get(streamId));
        }
      }
      return applied;
    }

    it('stream states, RST_STREAM and GOAWAY codes follow the oracle', () => {
      let steps = 0;
      fc.assert(
        fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40, size: 'max' }), (s) => {
          steps += run(s);
        }),
        { numRuns: ENGINE_RUNS },
      );
      expect(steps).to.be.greaterThan(0);
      // Every state a server's stream can be in (not reserved (remote): a
      // server is never promised a stream) was met, receiving and sending.
      if (ENGINE_RUNS >= 200) {
        const states = (dir: string) => sorted([...new Set([...visited].filter((v) => v.includes(` × ${dir}_`)).map((v) => v.split(' × ')[0]!))]);
        const serverStates = sorted(ORACLE_STATES.filter((st) => st !== 'reserved_remote'));
        expect(states('recv'), 'receiving').to.deep.equal(serverStates);
        expect(states('send'), 'sending').to.deep.equal(serverStates); // idle: a push on a parent not yet opened
      }
      if (process.env.H2WIRE_ORACLE_VERBOSE) console.log(`      ${steps} engine steps; ${visited.size} (state, event) pairs visited:\n        ${sorted([...visited]).join('\n        ')}`);
    });
  });
});
