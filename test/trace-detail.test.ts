// Detailed traces (what trace files, the ladder and the explorer are made
// of): each frame's octets, the windows it left (RFC 9113 §6.9), what its
// header block did to the HPACK table (RFC 7541 §4.4), push decisions, and
// credentials kept out of all of it.

import { expect } from 'chai';
import { Http2Endpoint } from '../src/connection/endpoint.js';
import { encodeFrame } from '../src/frames/encode.js';
import { FrameDecoder } from '../src/frames/decode.js';
import { CLIENT_PREFACE } from '../src/frames/constants.js';
import { HpackEncoder } from '../src/hpack/encoder.js';
import { tableChange, type DynamicTableState } from '../src/hpack/dynamic-table.js';
import { parseTraceFile, TraceFileError, traceHeader, traceRecordToJSON, type TraceRecordJSON } from '../src/trace-format.js';
import { type TraceRecord, Tracer } from '../src/trace.js';
import { tracedPair } from './helpers/traced-pair.js';

const frames = (list: TraceRecord[]) => list.filter((r): r is Extract<TraceRecord, { kind: 'frame' }> => r.kind === 'frame');

describe('trace detail', () => {
  it('each frame carries its octets as on the wire: in frames as received, out frames as sent', () => {
    const { records, client, server, pump } = tracedPair();
    const id = client.request([{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'https' }, { name: ':authority', value: 'a' }, { name: ':path', value: '/' }], { endStream: true });
    pump();
    server.respond(id, [{ name: ':status', value: '200' }]);
    server.sendData(id, new Uint8Array([1, 2, 3]), { endStream: true });
    pump();
    const outOctets = Buffer.concat(frames(records.client).filter((r) => r.direction === 'out').map((r) => r.octets!));
    const inAtServer = Buffer.concat(frames(records.server).filter((r) => r.direction === 'in').map((r) => r.octets!));
    expect(inAtServer.toString('hex'), 'what the server saw is what the client sent').to.equal(outOctets.toString('hex'));
    for (const r of [...frames(records.client), ...frames(records.server)]) {
      expect(r.octets!.length, r.line).to.equal(9 + r.length);
      if (r.direction === 'out') expect(Buffer.from(r.octets!).equals(encodeFrame(r.frame))).to.equal(true);
    }
    expect(frames(records.server).map((r) => r.seq)).to.deep.equal(frames(records.server).map((_, i) => i));
  });

  it('windows: recorded after each frame that changed one, connection and stream, both directions (§6.9)', () => {
    const { records, client, server, pump } = tracedPair();
    const id = client.request([{ name: ':method', value: 'POST' }, { name: ':scheme', value: 'https' }, { name: ':authority', value: 'a' }, { name: ':path', value: '/' }]);
    client.sendData(id, new Uint8Array(1000), { endStream: true });
    pump();
    const dataIn = frames(records.server).find((r) => r.direction === 'in' && r.frame.type === 'DATA')!;
    const after = records.server.slice(records.server.indexOf(dataIn) + 1).find((r) => r.kind === 'windows' || r.kind === 'frame')!;
    expect(after.kind, 'its windows come after it and its state changes').to.equal('windows');
    const w = (after as Extract<TraceRecord, { kind: 'windows' }>).windows;
    expect(w.connection.receive).to.equal(server.windows(0).connection.receive);
    expect(w.stream!.receive, 'the stream window the client may still use').to.equal(65535 - 1000);
    const dataOut = frames(records.client).find((r) => r.direction === 'out' && r.frame.type === 'DATA')!;
    const clientAfter = records.client[records.client.indexOf(dataOut) + 1] as Extract<TraceRecord, { kind: 'windows' }>;
    expect(clientAfter.windows.stream!.send).to.equal(65535 - 1000);
  });

  it('hpack: what each header block inserted, in both directions; a repeat block inserts nothing (RFC 7541 §6.1)', () => {
    const { records, client, pump } = tracedPair();
    const fields = [{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'https' }, { name: ':authority', value: 'example.org' }, { name: ':path', value: '/x' }, { name: 'x-a', value: 'b' }];
    client.request(fields, { endStream: true });
    client.request(fields, { endStream: true });
    pump();
    const hpack = (list: TraceRecord[], dir: 'in' | 'out') => list.filter((r): r is Extract<TraceRecord, { kind: 'hpack' }> => r.kind === 'hpack' && r.direction === dir);
    const sent = hpack(records.client, 'out');
    const decoded = hpack(records.server, 'in');
    expect(sent.map((r) => r.change.inserted.map((e) => e.name))).to.deep.equal([['x-a', ':path', ':authority'], []]);
    expect(decoded.map((r) => r.change.inserted.map((e) => `${e.name}: ${e.value}`))).to.deep.equal(sent.map((r) => r.change.inserted.map((e) => `${e.name}: ${e.value}`)));
    expect(decoded[0]!.line).to.match(/HPACK decoder table: \+3 inserted/);
  });

  it('tableChange: insertions, evictions, one block that overfills the table (RFC 7541 §4.4)', () => {
    const e = (name: string) => ({ name, value: '', size: name.length + 32 });
    const before: DynamicTableState = { entries: [e('b'), e('a')], size: 66, maxSize: 100, insertions: 2 };
    const after: DynamicTableState = { entries: [e('d'), e('c')], size: 66, maxSize: 100, insertions: 5 };
    const change = tableChange(before, after);
    expect(change.inserted.map((x) => x.name)).to.deep.equal(['d', 'c']);
    expect(change.evicted.map((x) => x.name)).to.deep.equal(['b', 'a']);
    expect(change.insertedAndEvicted).to.equal(1);
    const same = tableChange(before, { ...before, entries: [e('b'), e('b')], insertions: 3 });
    expect(same.inserted.map((x) => x.name), 'an entry equal to one already held').to.deep.equal(['b']);
    expect(same.evicted.map((x) => x.name)).to.deep.equal(['a']);
  });

  it('a header block with a cookie: its fields, its table entries and its octets are all kept out; showSecrets keeps them', () => {
    for (const showSecrets of [false, true]) {
      const { records, client, pump } = tracedPair({ showSecrets });
      client.request([{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'https' }, { name: ':authority', value: 'a' }, { name: ':path', value: '/' }, { name: 'cookie', value: 'session=SECRET1234' }], { endStream: true });
      pump();
      const text = JSON.stringify([...records.client, ...records.server].map(traceRecordToJSON));
      const headers = frames(records.server).find((r) => r.frame.type === 'HEADERS')!;
      if (showSecrets) {
        expect(text).to.contain('SECRET1234');
        expect(headers.octets).to.not.equal(undefined);
      } else {
        expect(text).to.not.contain('SECRET1234');
        expect(headers.redacted).to.equal(true);
        expect(headers.octets).to.equal(undefined);
        expect(traceRecordToJSON(headers)).to.deep.include({ octets: null, redacted: true, length: headers.length });
        expect(text, 'the table entry').to.contain('(redacted, 18 octets)');
      }
      const order = records.server.map((r) => r.kind).filter((k) => k !== 'windows');
      expect(order.indexOf('frame', order.indexOf('open'))).to.be.lessThan(order.indexOf('fields'));
    }
  });

  describe('a block whose fields do not show it carries no credential keeps no octets', () => {
    /** A traced server engine fed raw octets: the client preface and SETTINGS, then `frames`. */
    function serverSees(frames: Uint8Array[], end: 'close' | 'none' = 'none') {
      const records: TraceRecord[] = [];
      const tracer = new Tracer((r) => records.push(r), 'server', { detail: true });
      tracer.open(1, 'memory');
      const made: { server?: Http2Endpoint } = {};
      const server = (made.server = new Http2Endpoint({ role: 'server', ...tracer.hooks(1, () => made.server) }));
      server.receive(Buffer.concat([CLIENT_PREFACE, encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] }), ...frames]));
      if (end === 'close') tracer.close(1);
      const text = JSON.stringify(records.map(traceRecordToJSON));
      return { records, text };
    }
    const block = (fields: Array<[string, string]>) => new HpackEncoder({ huffman: false, isSensitive: () => false }).encode(fields.map(([name, value]) => ({ name, value })));
    const request = (extra: Array<[string, string]>) => block([[':method', 'GET'], [':scheme', 'https'], [':authority', 'a'], [':path', '/'], ...extra]);
    const secretHex = (secret: string) => Buffer.from(secret).toString('hex');

    it('a HEADERS without END_HEADERS, then the connection ends: redacted (its fields never came)', () => {
      const b = request([['cookie', 'SECRET-A']]);
      const { text } = serverSees([encodeFrame({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: false, headerBlock: b })], 'close');
      expect(text).to.not.contain('SECRET-A').and.not.contain(secretHex('SECRET-A'));
    });

    it('a block that fails to decode (COMPRESSION_ERROR, RFC 9113 §4.3): redacted', () => {
      const b = Buffer.concat([request([['authorization', 'SECRET-B']]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);
      const { text } = serverSees([encodeFrame({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: b })]);
      expect(text).to.contain('COMPRESSION_ERROR');
      expect(text).to.not.contain('SECRET-B').and.not.contain(secretHex('SECRET-B'));
    });

    it('a field list over MAX_HEADER_LIST_SIZE (its fields not kept, RFC 9113 §6.5.2): redacted', () => {
      const b = request([['cookie', `SECRET-C${'x'.repeat(70000)}`]]);
      const frames: Uint8Array[] = [];
      for (let at = 0; at < b.length; at += 16384)
        frames.push(encodeFrame(at === 0 ? { type: 'HEADERS', streamId: 1, endStream: true, endHeaders: b.length <= 16384, headerBlock: b.subarray(0, 16384) } : { type: 'CONTINUATION', streamId: 1, endHeaders: at + 16384 >= b.length, headerBlock: b.subarray(at, at + 16384) }));
      const { text, records } = serverSees(frames);
      expect(records.some((r) => r.kind === 'frame' && r.frame.type === 'CONTINUATION' && r.redacted === true)).to.equal(true);
      expect(text).to.not.contain('SECRET-C').and.not.contain(secretHex('SECRET-C'));
    });

    it('Cookie and Authorization in upper case (invalid in HTTP/2, traced before validation): redacted in fields, table and octets', () => {
      const b = request([['Cookie', 'SECRET-D'], ['Authorization', 'SECRET-E']]);
      const { text } = serverSees([encodeFrame({ type: 'HEADERS', streamId: 1, endStream: true, endHeaders: true, headerBlock: b })]);
      for (const secret of ['SECRET-D', 'SECRET-E']) expect(text).to.not.contain(secret).and.not.contain(secretHex(secret));
    });
  });

  it('a push refused for ENABLE_PUSH=0 points at the SETTINGS frame that said it', () => {
    const records: TraceRecord[] = [];
    const tracer = new Tracer((r) => records.push(r), 'server', { detail: true });
    tracer.open(7, 'memory');
    tracer.frame(7, 'out', { type: 'SETTINGS', streamId: 0, ack: false, settings: [] });
    tracer.frame(7, 'in', { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 2, value: 0 }] });
    tracer.push(7, { parentId: 1, path: '/style.css', decision: 'refused', reason: 'push_disabled', message: 'the client disabled push' });
    const push = records.at(-1) as Extract<TraceRecord, { kind: 'push' }>;
    expect(push.cause).to.equal(1);
    expect(push.line).to.equal('#7 push /style.css on stream 1: refused (push_disabled): the client sent SETTINGS_ENABLE_PUSH=0 in its first SETTINGS frame (frame 1)');
  });

  it('FrameDecoder.lastFrameOctets: the frame as it came, across chunks; none once next() finds no frame', () => {
    const bytes = encodeFrame({ type: 'PING', streamId: 0, ack: false, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
    const d = new FrameDecoder();
    d.push(bytes.subarray(0, 5));
    expect(d.next()).to.equal(null);
    d.push(bytes.subarray(5));
    expect(d.next()!.type).to.equal('PING');
    expect(Buffer.from(d.lastFrameOctets()!).equals(bytes)).to.equal(true);
    expect(d.next()).to.equal(null);
    expect(d.lastFrameOctets()).to.equal(undefined);
  });
});

describe('trace file format', () => {
  it('records round-trip through JSON Lines and parse back', () => {
    const { records, client, pump } = tracedPair();
    client.request([{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'https' }, { name: ':authority', value: 'a' }, { name: ':path', value: '/' }], { endStream: true });
    pump();
    const lines = [JSON.stringify(traceHeader('server', 'test')), ...records.server.map((r) => JSON.stringify(traceRecordToJSON(r)))];
    const parsed = parseTraceFile(lines.join('\n'));
    expect(parsed.header.perspective).to.equal('server');
    expect(parsed.records.length).to.equal(records.server.length);
    const kinds = new Set(parsed.records.map((r: TraceRecordJSON) => r.kind));
    for (const k of ['open', 'frame', 'windows', 'hpack', 'state', 'fields']) expect(kinds.has(k as TraceRecordJSON['kind']), k).to.equal(true);
  });

  it('a file that is not a trace says where and why', () => {
    const bad = (text: string) => {
      try {
        parseTraceFile(text);
      } catch (e) {
        expect(e).to.be.instanceOf(TraceFileError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('')).to.match(/empty/);
    expect(bad('{"kind":"frame"}')).to.match(/^line 1: the first line is not an h2wire-trace header/);
    expect(bad(`${JSON.stringify(traceHeader('server', 'x'))}\n{nope`)).to.match(/^line 2: not JSON/);
    expect(bad(`${JSON.stringify(traceHeader('server', 'x'))}\n{"kind":"frame","t":0,"connection":1,"line":""}`)).to.match(/^line 2: a frame record needs/);
    expect(bad(`${JSON.stringify({ ...traceHeader('server', 'x'), version: 99 })}`)).to.match(/newer h2wire/);
  });
});
