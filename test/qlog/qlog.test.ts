// qlog output: a real exchange between a client and a server engine,
// traced with detail, converted to the HTTP/2 qlog draft's events and
// checked against a schema transcribed from the drafts (qlog-schema.ts);
// arbitrary records of every kind; and the writer's files on disk.

import { expect } from 'chai';
import { tracedPair, type TracedPairOptions } from '../helpers/traced-pair.js';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, payloadLength } from '../../src/frames/encode.js';
import type { HeaderList } from '../../src/hpack/header-list.js';
import {
  fieldToQlog,
  jsonSeqRecord,
  QLOG_HTTP2_SCHEMA,
  QlogConverter,
  qlogFileHeader,
  QlogWriter,
  toQlogEvents,
  type QlogEvent,
} from '../../src/qlog.js';
import { arbFrame } from '../../src/testing/frame-arbitraries.js';
import { type TraceRecord, Tracer } from '../../src/trace.js';
import { traceRecordToJSON, type TraceRecordJSON } from '../../src/trace-format.js';
import { EventShape, parseJsonSeq, QlogFileSeqShape, validate } from './qlog-schema.js';

const request = (method: string, path: string): HeaderList => [
  { name: ':method', value: method },
  { name: ':scheme', value: 'https' },
  { name: ':authority', value: 'example.org' },
  { name: ':path', value: path },
];

/**
 * SETTINGS both ways (and a second, changed SETTINGS from the client), a
 * POST with a body big enough for WINDOW_UPDATEs, a PUSH_PROMISE and its
 * pushed response, the response, a PING, a reset request (RST_STREAM) and a
 * GOAWAY.
 */
function exchange(sinks?: TracedPairOptions['sinks']) {
  const pair = tracedPair({ sinks, tick: 0.25 });
  const { client, server, pump } = pair;
  pump();
  client.updateSettings({ maxConcurrentStreams: 50 });
  const id = client.request([...request('POST', '/upload'), { name: 'content-type', value: 'text/plain' }]);
  client.sendData(id, new Uint8Array(40_000).fill(0x61), { endStream: true });
  pump();
  server.readBody(id);
  const pushed = server.push(id, request('GET', '/style.css'));
  server.respond(pushed, [{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/css' }]);
  server.sendData(pushed, new TextEncoder().encode('body{}'), { endStream: true });
  server.respond(id, [{ name: ':status', value: '200' }]);
  server.sendData(id, new TextEncoder().encode('thanks'), { endStream: true });
  pump();
  client.ping(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  const second = client.request(request('GET', '/slow'), { endStream: true });
  pump();
  client.resetStream(second);
  pump();
  server.close();
  pump();
  pair.close();
  return pair;
}

const json = (list: TraceRecord[]) => list.map(traceRecordToJSON);
const errorsOf = (events: QlogEvent[]) => events.flatMap((e, i) => validate(EventShape, e, `events[${i}]`));
type FrameEvent = Extract<QlogEvent, { name: 'http2:frame_created' | 'http2:frame_parsed' }>;
const frameEvents = (events: QlogEvent[]) => events.filter((e): e is FrameEvent => e.name === 'http2:frame_created' || e.name === 'http2:frame_parsed');

describe('qlog', () => {
  describe('a real exchange, converted', () => {
    let records: ReturnType<typeof exchange>['records'];
    let server: QlogEvent[];
    let client: QlogEvent[];
    before(() => {
      records = exchange().records;
      server = toQlogEvents(json(records.server), 'server');
      client = toQlogEvents(json(records.client), 'client');
    });

    it('every event of both sides fits the drafts, and so does the envelope', () => {
      expect(errorsOf(server)).to.deep.equal([]);
      expect(errorsOf(client)).to.deep.equal([]);
      for (const side of ['server', 'client'] as const) {
        const header = qlogFileHeader(side, 'h2wire test', 1, new Date(0));
        expect(validate(QlogFileSeqShape, header)).to.deep.equal([]);
        expect(header.trace.vantage_point.type).to.equal(side);
        expect(header.trace.event_schemas).to.include(QLOG_HTTP2_SCHEMA);
        expect(jsonSeqRecord(header).indexOf('serialization_format'), 'QLOG-MAIN §3: in the first 256 octets').to.be.below(256);
      }
    });

    it('every frame is one event: created when sent, parsed when received, in the order of the trace', () => {
      const traced = records.server.filter((r) => r.kind === 'frame');
      const events = frameEvents(server);
      expect(events.map((e) => `${e.name} ${e.data.stream_id}`)).to.deep.equal(
        traced.map((r) => `${r.direction === 'out' ? 'http2:frame_created' : 'http2:frame_parsed'} ${r.frame.streamId}`),
      );
      const times = server.map((e) => e.time);
      expect(times, 'ascending (QLOG-MAIN §7.1)').to.deep.equal([...times].sort((a, b) => a - b));
    });

    it('covers the frame types of the exchange', () => {
      const seen = (events: QlogEvent[]) => new Set(frameEvents(events).map((e) => `${e.name === 'http2:frame_created' ? 'out' : 'in'} ${e.data.frame.frame_type}`));
      const s = seen(server);
      const c = seen(client);
      for (const want of ['out settings', 'in settings', 'in headers', 'in data', 'out push_promise', 'out headers', 'out data', 'out window_update', 'in ping', 'out ping', 'in rst_stream', 'out goaway'])
        expect(s.has(want), `server ${want}`).to.equal(true);
      for (const want of ['in push_promise', 'in goaway', 'out rst_stream', 'in window_update']) expect(c.has(want), `client ${want}`).to.equal(true);
    });

    it('HEADERS and PUSH_PROMISE carry their decoded fields (H2-EVENTS §5.2.2, §5.2.4)', () => {
      const events = frameEvents(server);
      const post = events.find((e) => e.name === 'http2:frame_parsed' && e.data.frame.frame_type === 'headers')!;
      expect(post.data.frame.headers).to.deep.include({ name: ':path', value: '/upload' });
      const promise = events.find((e) => e.data.frame.frame_type === 'push_promise')!;
      expect(promise.data.frame.push_id, 'the promised stream').to.equal(2);
      expect(promise.data.frame.headers).to.deep.include({ name: ':path', value: '/style.css' });
      const atClient = frameEvents(client).find((e) => e.name === 'http2:frame_parsed' && e.data.frame.frame_type === 'push_promise')!;
      expect(atClient.data.frame.headers).to.deep.equal(promise.data.frame.headers);
    });

    it('parameters_set for our SETTINGS (local) and the peer\'s (remote), not for an ACK (H2-EVENTS §4.1)', () => {
      const sets = server.filter((e) => e.name === 'http2:parameters_set');
      expect(sets.map((e) => e.data.owner)).to.deep.equal(['local', 'remote', 'remote']);
      expect(sets[2]!.data, "the client's second SETTINGS").to.deep.equal({ owner: 'remote', max_concurrent_streams: 50 });
      const clientSets = client.filter((e) => e.name === 'http2:parameters_set');
      expect(clientSets[0]!.data).to.deep.include({ owner: 'local', max_concurrent_streams: 100 });
    });

    it('lengths, flags and raw octets as on the wire (QLOG-MAIN §10)', () => {
      const traced = records.server.filter((r): r is Extract<TraceRecord, { kind: 'frame' }> => r.kind === 'frame');
      frameEvents(server).forEach((e, i) => {
        const r = traced[i]!;
        expect(e.data.length).to.equal(payloadLength(r.frame));
        expect(e.data.raw).to.deep.include({ length: 9 + r.length, payload_length: r.length });
        if (r.octets) expect(e.data.raw!.data).to.equal(Buffer.from(r.octets).toString('hex'));
        expect(e.data.flags).to.equal(encodeFrame(r.frame)[4]);
      });
      const last = frameEvents(server).filter((e) => e.data.frame.frame_type === 'data').at(-1)!;
      expect(last.data.flag_names).to.deep.equal(['END_STREAM']);
    });

    it('what the draft has no event for goes to loglevel events, never to invented http2: names', () => {
      const names = new Set(server.map((e) => e.name));
      expect([...names].filter((n) => n.startsWith('http2:')).sort()).to.deep.equal(['http2:frame_created', 'http2:frame_parsed', 'http2:parameters_set']);
      const debug = server.filter((e) => e.name === 'loglevel:debug').map((e) => (e.data as { message: string }).message);
      expect(debug).to.include('stream 1: idle → open');
      expect(server[0]).to.deep.include({ name: 'loglevel:info', data: { message: 'connection opened: memory' } });
      expect(server.at(-1)).to.deep.include({ name: 'loglevel:info', data: { message: 'connection closed' } });
    });
  });

  describe('the validator can fail', () => {
    const good: QlogEvent = {
      time: 1,
      name: 'http2:frame_parsed',
      data: { stream_id: 1, length: 0, frame: { frame_type: 'headers', headers: [{ name: ':path', value: '/' }] }, flags: 5, flag_names: ['END_STREAM', 'END_HEADERS'] },
    };
    const broken = (change: (e: Record<string, any>) => void) => {
      const e = structuredClone(good) as Record<string, any>;
      change(e);
      return validate(EventShape, e);
    };

    it('accepts the good event', () => expect(validate(EventShape, good)).to.deep.equal([]));
    it('rejects wrong shapes, each with where and why', () => {
      expect(broken((e) => delete e.time)).to.deep.equal(['$: missing time']);
      expect(broken((e) => (e.name = 'http2:stream_state_updated'))[0]).to.match(/unknown value "http2:stream_state_updated"/);
      expect(broken((e) => delete e.data.frame.headers)).to.deep.equal(['$.data.frame: missing headers']);
      expect(broken((e) => (e.data.frame.headers = [{ value: 'x' }]))[0]).to.match(/needs name or name_bytes/);
      expect(broken((e) => (e.data.stream_id = -1))[0]).to.match(/not an unsigned integer/);
      expect(broken((e) => (e.data.frame.frame_type = 'HEADERS'))[0]).to.match(/unknown value "HEADERS"/);
      expect(broken((e) => (e.data.frame.extra = 1))[0]).to.match(/unexpected field extra/);
      expect(broken((e) => (e.data.raw = { data: 'ABC' }))[0]).to.match(/does not match/);
      expect(broken((e) => (e.data.frame = { frame_type: 'settings', settings: [{ name: 'settings_enable_push', name_bytes: 2, value: 1 }] }))[0]).to.match(/name_bytes only/);
      const badHeader = { ...qlogFileHeader('server', 'x', 1, new Date(0)), serialization_format: 'application/qlog+json' };
      expect(validate(QlogFileSeqShape, badHeader)[0]).to.match(/serialization_format/);
      const monotonic = qlogFileHeader('server', 'x', 1, new Date(0));
      (monotonic.trace.common_fields.reference_time as { epoch: string }).epoch = '1970-01-01T00:00:00.000Z';
      expect(validate(QlogFileSeqShape, monotonic)[0]).to.match(/epoch "unknown"/);
    });
  });

  it('fields that are not safe as text go in name_bytes / value_bytes as hex (H2-EVENTS §5.2.2)', () => {
    expect(fieldToQlog({ name: 'x-a', value: 'b c' })).to.deep.equal({ name: 'x-a', value: 'b c' });
    expect(fieldToQlog({ name: 'x a', value: 'caf\u00e9\n' })).to.deep.equal({ name_bytes: '782061', value_bytes: '636166e90a' });
  });

  it('property: arbitrary records of every kind convert without throwing, and every event fits', function () {
    this.timeout(60_000);
    const t = fc.double({ min: 0, max: 1e7, noNaN: true });
    const line = fc.string({ maxLength: 40 }).map((s) => `#1 ${s}`);
    const common = { t, connection: fc.constant(1), line };
    const fieldList = fc.array(fc.record({ name: fc.string({ maxLength: 12 }), value: fc.string({ maxLength: 20 }), sensitive: fc.option(fc.constant(true), { nil: undefined }) }), { maxLength: 6 });
    const frame = fc.record({ f: arbFrame({ maxBodyLength: 24 }), direction: fc.constantFrom('in' as const, 'out' as const), seq: fc.nat(1000), withOctets: fc.boolean(), redacted: fc.boolean(), t, line });
    const entries = fc.array(fc.record({ name: fc.string({ maxLength: 8 }), value: fc.string({ maxLength: 8 }), size: fc.nat(100) }), { maxLength: 3 });
    const window = fc.record({ send: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), receive: fc.nat(2 ** 31 - 1) });
    // Live records (every TraceRecord kind), turned into JSON the way the writer's sink does.
    const record: fc.Arbitrary<TraceRecordJSON> = fc.oneof(
      frame.map(({ f, direction, seq, withOctets, redacted, t, line }) => {
        const r: TraceRecord = { kind: 'frame', connection: 1, direction, frame: f, seq, length: payloadLength(f), t, line };
        if (withOctets && !redacted) r.octets = encodeFrame(f);
        if (redacted) r.redacted = true;
        return traceRecordToJSON(r);
      }),
      fc.record({ ...common, kind: fc.constant('open' as const), transport: fc.string({ maxLength: 10 }) }),
      fc.record({ ...common, kind: fc.constant('windows' as const), seq: fc.nat(), streamId: fc.nat(2 ** 31 - 1), connectionWindow: window, streamWindow: fc.option(window, { nil: null }) }),
      fc.record({ ...common, kind: fc.constant('hpack' as const), direction: fc.constantFrom('in' as const, 'out' as const), streamId: fc.nat(99), inserted: entries, evicted: entries, insertedAndEvicted: fc.nat(3), resizedFrom: fc.option(fc.nat(4096), { nil: null }), size: fc.nat(4096), maxSize: fc.nat(4096), entries: fc.nat(50) }),
      fc.record({ ...common, kind: fc.constant('state' as const), streamId: fc.nat(99), from: fc.constantFrom('idle', 'open'), to: fc.constantFrom('open', 'closed') }),
      fc.record({ ...common, kind: fc.constant('connection_state' as const), from: fc.constant('open'), to: fc.constantFrom('going away (sent, last stream 1)', 'closed (gracefully: GOAWAY, and no stream left)') }),
      fc.record({ ...common, kind: fc.constant('fields' as const), direction: fc.constantFrom('in' as const, 'out' as const), streamId: fc.nat(99), fields: fieldList }).map((r) => ({ ...r, fields: r.fields.map((f) => (f.sensitive ? f : { name: f.name, value: f.value })) })),
      fc.record({ ...common, kind: fc.constant('push' as const), parentId: fc.nat(99), path: fc.string({ maxLength: 10 }), decision: fc.constantFrom('promised' as const, 'refused' as const), message: fc.string({ maxLength: 20 }) }),
      fc.record({ ...common, kind: fc.constant('note' as const) }),
      fc.record({ ...common, kind: fc.constant('close' as const) }),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (records) => {
        const events = toQlogEvents(records, 'server');
        const errors = errorsOf(events);
        if (errors.length > 0) throw new Error(errors.slice(0, 5).join('\n'));
        const frames = records.filter((r) => r.kind === 'frame').length;
        expect(frameEvents(events).length, 'one event per frame, none lost to holding').to.equal(frames);
      }),
      { numRuns: Number(process.env.H2WIRE_PROPERTY_RUNS ?? 300) },
    );
  });

  it('the converter holds a header block only until its fields come, and forgets a connection at its close', () => {
    const c = new QlogConverter('server');
    const base = { connection: 4, line: '#4 x' };
    const headers = traceRecordToJSON({ kind: 'frame', ...base, t: 1, direction: 'in', seq: 0, length: 0, frame: { type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: new Uint8Array(0) } });
    expect(c.push(headers), 'held').to.deep.equal([]);
    expect(c.push({ kind: 'state', ...base, t: 2, streamId: 1, from: 'idle', to: 'open' })).to.deep.equal([]);
    const released = c.push({ kind: 'fields', ...base, t: 3, direction: 'in', streamId: 1, fields: [{ name: ':path', value: '/' }] });
    expect(released.map((e) => e.name)).to.deep.equal(['http2:frame_parsed', 'loglevel:debug']);
    expect(c.push(headers)).to.deep.equal([]);
    const closed = c.push({ kind: 'close', ...base, t: 4 });
    expect(closed.map((e) => e.name), 'a block whose fields never came goes out at the close').to.deep.equal(['http2:frame_parsed', 'loglevel:info']);
    expect(c.flushAll().size).to.equal(0);
  });
});

describe('QlogWriter', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'h2wire-qlog-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (path: string) => {
    const text = readFileSync(path, 'utf8');
    const [header, ...events] = parseJsonSeq(text);
    return { text, header, events: events as QlogEvent[] };
  };

  it('one JSON-SEQ file per connection, made in a missing directory, each a valid qlog file', async () => {
    const out = join(dir, 'made', 'here');
    const server = new QlogWriter(out, 'server', 'h2wire test');
    const client = new QlogWriter(out, 'client', 'h2wire test');
    exchange({ server: server.sink, client: client.sink });
    // A second server connection, records given directly.
    const tracer = new Tracer(server.sink, 'server', { detail: true });
    tracer.open(2, 'memory');
    tracer.frame(2, 'in', { type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) });
    await Promise.all([server.close(), client.close()]);
    const files = readdirSync(out).sort();
    expect(files).to.have.length(3);
    for (const f of files) expect(f).to.match(/^h2wire-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[12]-(server|client)\.sqlog$/);
    for (const f of files) {
      const { text, header, events } = read(join(out, f));
      expect(text.startsWith('\x1e{"file_schema":"urn:ietf:params:qlog:file:sequential"'), 'RS, then the header (RFC 7464 §2)').to.equal(true);
      expect(text.endsWith('\n')).to.equal(true);
      expect(validate(QlogFileSeqShape, header)).to.deep.equal([]);
      expect(errorsOf(events)).to.deep.equal([]);
      expect(events.length).to.be.above(0);
    }
    const second = read(join(out, files.find((f) => f.endsWith('-2-server.sqlog'))!));
    expect((second.header as { trace: { common_fields: { group_id: string } } }).trace.common_fields.group_id).to.equal('2');
    expect(frameEvents(second.events).map((e) => e.data.frame.frame_type)).to.deep.equal(['ping']);
    const first = read(join(out, files.find((f) => f.endsWith('-1-server.sqlog'))!));
    expect(first.events.at(-1)).to.deep.include({ name: 'loglevel:info', data: { message: 'connection closed' } });
  });

  it('a file is finished when its connection closes, before close()', async () => {
    const writer = new QlogWriter(dir, 'server', 'test');
    const tracer = new Tracer(writer.sink, 'server');
    tracer.open(5, 'memory');
    tracer.close(5);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const file = join(dir, readdirSync(dir)[0]!);
    expect(read(file).events.map((e) => e.name)).to.deep.equal(['loglevel:info', 'loglevel:info']);
    await writer.close();
  });

  it('when the disk falls behind the budget, events are dropped and counted, not held', async () => {
    const writer = new QlogWriter(dir, 'server', 'test', { bufferLimit: 1 });
    const tracer = new Tracer(writer.sink, 'server');
    tracer.open(1, 'memory'); // the header is written; this event is buffered behind it
    for (let i = 0; i < 100; i++) tracer.frame(1, 'out', { type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    tracer.note(1, 'after');
    await writer.close();
    const { events } = read(join(dir, readdirSync(dir)[0]!));
    const warning = events.find((e) => e.name === 'loglevel:warning')!;
    expect((warning.data as { message: string }).message).to.match(/^qlog: \d+ events dropped while the disk caught up$/);
    expect(events.at(-1)).to.deep.include({ name: 'loglevel:info', data: { message: 'after' } });
    expect(errorsOf(events)).to.deep.equal([]);
    expect(frameEvents(events).length).to.be.below(100);
  });

  it('a directory that cannot be used is a clear error, naming it', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => new QlogWriter(join(file, 'qlog'), 'server', 'test')).to.throw(Error, `cannot use ${join(file, 'qlog')} for qlog files: ${file} is not a directory`);
  });
});
