// The ladder: what it draws from a trace, and that it draws anything a
// trace can hold (every record kind, long and empty, hostile strings from a
// peer) without throwing, escaping every string, the same octets each time.

import { expect } from 'chai';
import fc from 'fast-check';
import { STREAM_STATES } from '../../src/connection/stream-states.js';
import { buildLadder, detailsHtml, renderLadderSvg, type LadderRow } from '../../src/ladder/ladder.js';
import { ladderHtml, traceFileHtml, traceFileSvg } from '../../src/ladder/page.js';
import { TraceRecorder } from '../../src/ladder/recorder.js';
import { arbFrame } from '../../src/testing/frame-arbitraries.js';
import { traceHeader, traceRecordToJSON, type TraceRecordJSON } from '../../src/trace-format.js';
import { type TraceRecord, Tracer } from '../../src/trace.js';

const RUNS = Number(process.env.H2WIRE_PROPERTY_RUNS ?? 200);

/** Strings a peer controls, with markup in them. */
const hostile = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('</script><script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"\'&<>', ']]>', '\u2028\u0000'));
const state = fc.constantFrom(...STREAM_STATES);

/** One call on a Tracer: every kind of record it makes. */
const arbAction = fc.oneof(
  fc.record({ kind: fc.constant('frame' as const), direction: fc.constantFrom('in' as const, 'out' as const), frame: arbFrame() }),
  fc.record({ kind: fc.constant('state' as const), streamId: fc.nat(9), from: state, to: state }),
  fc.record({ kind: fc.constant('fields' as const), direction: fc.constantFrom('in' as const, 'out' as const), streamId: fc.nat(9), fields: fc.array(fc.record({ name: hostile, value: hostile }), { maxLength: 6 }) }),
  fc.record({ kind: fc.constant('windows' as const), streamId: fc.nat(9), send: fc.integer({ min: -100, max: 2 ** 31 - 1 }), receive: fc.nat() }),
  fc.record({ kind: fc.constant('hpack' as const), direction: fc.constantFrom('in' as const, 'out' as const), entries: fc.array(fc.record({ name: hostile, value: hostile }), { maxLength: 4 }), inserted: fc.nat(6) }),
  fc.record({ kind: fc.constant('push' as const), path: hostile, refused: fc.boolean(), reason: fc.constantFrom('push_disabled', 'goaway', 'invalid_target') }),
  fc.record({ kind: fc.constant('note' as const), text: hostile }),
  fc.record({ kind: fc.constant('connection_state' as const), open: fc.boolean() }),
  fc.record({ kind: fc.constant('open' as const), transport: hostile }),
  fc.record({ kind: fc.constant('close' as const) }),
);
type Action = typeof arbAction extends fc.Arbitrary<infer A> ? A : never;

function play(actions: Action[], detail: boolean): TraceRecordJSON[] {
  const out: TraceRecord[] = [];
  let t = 0;
  const tracer = new Tracer((r) => out.push(r), 'server', { detail, clock: () => (t += 1.5) });
  for (const a of actions) {
    const c = 1;
    switch (a.kind) {
      case 'frame':
        tracer.frame(c, a.direction, a.frame, a.direction === 'in' ? new Uint8Array(9) : undefined);
        break;
      case 'state':
        tracer.state(c, a.streamId, a.from, a.to);
        break;
      case 'fields':
        tracer.fields(c, a.direction, a.streamId, a.fields);
        break;
      case 'windows':
        tracer.windows(c, a.streamId, { connection: { send: a.send, receive: a.receive }, stream: a.streamId ? { send: a.send, receive: a.receive } : undefined });
        break;
      case 'hpack': {
        const entries = a.entries.map((e) => ({ ...e, size: e.name.length + e.value.length + 32 }));
        tracer.hpack(c, a.direction, 1, { entries, size: entries.reduce((n, e) => n + e.size, 0), maxSize: 4096, insertions: 1000 + a.inserted });
        break;
      }
      case 'push':
        tracer.push(c, a.refused ? { parentId: 1, path: a.path, decision: 'refused', reason: a.reason, message: 'no' } : { parentId: 1, path: a.path, decision: 'promised', promisedStreamId: 2, message: 'ok' });
        break;
      case 'note':
        tracer.note(c, a.text);
        break;
      case 'connection_state':
        tracer.connectionState(c, { name: 'awaiting_preface' }, a.open ? { name: 'open' } : { name: 'closed', error: undefined });
        break;
      case 'open':
        tracer.open(c, a.transport);
        break;
      case 'close':
        tracer.close(c);
        break;
    }
  }
  return out.map(traceRecordToJSON);
}

const header = traceHeader('server', 'test', new Date(0));

describe('ladder: arbitrary traces', () => {
  it('every record kind, long and empty: HTML and SVG render without throwing, one arrow per frame, nothing unescaped (property)', () => {
    fc.assert(
      fc.property(fc.array(arbAction, { maxLength: 60 }), fc.boolean(), (actions, detail) => {
        const records = play(actions, detail);
        const frames = records.filter((r) => r.kind === 'frame').length;
        const svg = traceFileSvg(header, records, 1, 'title <&>');
        const html = traceFileHtml(header, records, 1, 'title <&>');
        expect(svg.match(/<g class="arrow"/g)?.length ?? 0).to.equal(frames);
        const drawn = html.slice(html.indexOf('<div id="ladder"'), html.indexOf('<aside id="details"'));
        expect(drawn.match(/<g class="arrow"/g)?.length ?? 0).to.equal(frames);
        for (const out of [svg, html]) {
          expect(out).to.not.contain('<img');
          expect(out).to.not.contain('</script><script>');
        }
        expect(html.match(/<script/g)?.length, 'our own two scripts only').to.equal(2);
        for (const row of buildLadder(records, 1, { perspective: 'server' })) expect(detailsHtml(row)).to.not.contain('<img');
        expect(traceFileSvg(header, records, 1, 'title <&>'), 'the same input, the same octets').to.equal(svg);
      }),
      { numRuns: RUNS },
    );
  });

  it('a hostile trace file (markup where numbers belong, wrong types anywhere) draws escaped, without throwing', () => {
    const evil = '"><img src=x onerror=alert(1)>';
    const records = [
      { kind: 'frame', t: evil, connection: 1, line: evil, seq: evil, direction: 'in', type: evil, streamId: evil, flags: evil, length: evil, summary: 7, frame: null, octets: evil },
      { kind: 'windows', t: 1, connection: 1, line: '', seq: evil, streamId: 1, connectionWindow: { send: evil, receive: evil }, streamWindow: evil },
      { kind: 'fields', t: 1, connection: 1, line: '', direction: 'in', streamId: 1, fields: [{ name: evil, value: { toString: 1 } }, null, 5] },
      { kind: 'hpack', t: 1, connection: 1, line: '', direction: evil, streamId: 1, inserted: [{ name: evil, value: evil, size: evil }], evicted: evil, insertedAndEvicted: evil, resizedFrom: evil, size: evil, maxSize: evil, entries: evil },
      { kind: 'push', t: 1, connection: 1, line: '', parentId: evil, path: evil, decision: 'refused', reason: evil, message: evil, cause: evil },
      { kind: 'open', t: 1, connection: 1, line: '', transport: { evil } },
    ] as unknown as TraceRecordJSON[];
    const svg = traceFileSvg(header, records, 1, evil);
    const html = traceFileHtml(header, records, 1, evil);
    for (const out of [svg, html]) expect(out).to.not.contain('<img');
    for (const row of buildLadder(records, 1, { perspective: 'server' })) expect(detailsHtml(row)).to.not.contain('<img');
  });

  it('an empty trace, and a trace with no frames, render', () => {
    expect(renderLadderSvg([], { perspective: 'client', title: 'empty' })).to.match(/^<svg[^>]*>[\s\S]*<\/svg>$/);
    const html = ladderHtml({ title: 't', perspective: 'server', records: [], connections: [], connection: 1 });
    expect(html).to.contain('<div id="ladder"');
  });
});

describe('ladder: what a frame row carries', () => {
  const records = play(
    [
      { kind: 'open', transport: 'h2 (TLS)' },
      { kind: 'frame', direction: 'in', frame: { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 2, value: 0 }] } },
      { kind: 'frame', direction: 'in', frame: { type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: new Uint8Array(3) } },
      { kind: 'state', streamId: 1, from: 'idle', to: 'open' },
      { kind: 'fields', direction: 'in', streamId: 1, fields: [{ name: ':path', value: '/' }] },
      { kind: 'hpack', direction: 'in', entries: [{ name: ':path', value: '/' }], inserted: 1 },
      { kind: 'windows', streamId: 1, send: 100, receive: 200 },
      { kind: 'push', path: '/style.css', refused: true, reason: 'push_disabled' },
    ],
    true,
  );

  it('states, fields, HPACK and windows go with the frame they follow; a refusal points at the SETTINGS that disabled push', () => {
    const rows = buildLadder(records, 1, { perspective: 'server', peerIsVisitor: true });
    expect(rows.map((r) => r.kind)).to.deep.equal(['note', 'frame', 'frame', 'note']);
    const headers = rows[2] as Extract<LadderRow, { kind: 'frame' }>;
    expect(headers.from).to.equal('client');
    expect(headers.changes).to.deep.equal(['stream 1: idle → open']);
    expect(headers.fields).to.deep.equal([{ name: ':path', value: '/' }]);
    expect(headers.hpack?.entries).to.equal(1);
    expect(headers.windows).to.deep.include({ stream: { send: 100, receive: 200 }, streamId: 1 });
    const refusal = rows[3] as Extract<LadderRow, { kind: 'note' }>;
    expect(refusal.cause).to.equal(0);
    expect(refusal.text).to.equal('push /style.css refused: push_disabled — your browser sent SETTINGS_ENABLE_PUSH=0 in its first SETTINGS frame (frame 0)');
    expect(detailsHtml(headers)).to.contain('https://www.rfc-editor.org/rfc/rfc9113.html#section-6.2');
  });

  it('folds: the explorer’s own DATA shown as one row after its HEADERS', () => {
    const rows = buildLadder(records, 1, { perspective: 'server', folds: [{ streamId: 1, type: 'DATA', count: 7, octets: 700, after: 1, text: 'own' }] });
    expect(rows.map((r) => r.kind)).to.deep.equal(['note', 'frame', 'frame', 'collapsed', 'note']);
    expect(renderLadderSvg(rows, { perspective: 'server', title: 't' })).to.contain('data-count="7"');
  });
});

describe('ladder: the recorder keeps within its budget', () => {
  it('per connection (oldest records dropped and counted), per frame (large octets not kept), in connections', () => {
    const recorder = new TraceRecorder({ maxConnections: 3, bytesPerConnection: 20000, maxFrameOctets: 100 });
    const tracer = new Tracer(recorder.sink, 'server', { detail: true });
    for (let c = 1; c <= 5; c++) {
      tracer.open(c, 'memory');
      for (let i = 0; i < 200; i++) tracer.frame(c, 'out', { type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(i % 2 ? 10 : 1000) });
    }
    expect(recorder.connections().map((c) => c.connection)).to.deep.equal([3, 4, 5]);
    expect(recorder.heldBytes()).to.be.at.most(3 * 20000);
    const { records, dropped, next } = recorder.records(5);
    expect(dropped).to.be.greaterThan(0);
    expect(next).to.equal(201);
    const big = records.find((r) => r.kind === 'frame' && r.length === 1000) as Extract<TraceRecordJSON, { kind: 'frame' }>;
    expect(big).to.deep.include({ octets: null, octetsOmitted: true });
  });
});
