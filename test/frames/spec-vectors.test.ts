// RFC 9113 frame test vectors: spec-vectors/frames/*.json, written by hand
// from the RFC's frame layouts (not produced by our encoder), checked here
// against the decoder (whole and byte at a time) and the encoder.
//
// Each file: { description, valid: [...], invalid: [...] }
//   valid:   { name, section, wire, frame, reencode, maxFrameSize? }
//   invalid: { name, section, wire, maxFrameSize?, error: { scope, code, streamId? } }
// `wire` is the whole frame (9-octet header included) in lowercase hex;
// `frame` uses the field names of the Frame union, octet fields as hex.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { decodeFrame, encodeFrame, ErrorCode, FrameDecoder, formatFrame } from '../../src/frames/index.js';
import type { Frame } from '../../src/frames/index.js';
import { ConnectionError, isH2ProtocolError, StreamError } from '../../src/protocol-errors.js';

const VECTOR_DIR = new URL('../../../spec-vectors/frames/', import.meta.url);
const DEFAULT_MAX_FRAME_SIZE = 16384;

/** The frame type each per-type file must hold; frame_header.json may hold any. */
const FILE_TYPES: Readonly<Record<string, Frame['type']>> = {
  'data.json': 'DATA',
  'headers.json': 'HEADERS',
  'priority.json': 'PRIORITY',
  'rst_stream.json': 'RST_STREAM',
  'settings.json': 'SETTINGS',
  'push_promise.json': 'PUSH_PROMISE',
  'ping.json': 'PING',
  'goaway.json': 'GOAWAY',
  'window_update.json': 'WINDOW_UPDATE',
  'continuation.json': 'CONTINUATION',
  'unknown.json': 'UNKNOWN',
};
const HEADER_FILE = 'frame_header.json';

/** Frame fields that hold octets (PING's opaque data is `data` too). */
const OCTET_FIELDS = ['data', 'headerBlock', 'debugData', 'payload'] as const;

interface ErrorSpec {
  scope: 'connection' | 'stream';
  code: string;
  streamId?: number;
}

interface ValidVector {
  name: string;
  section: string;
  wire: string;
  frame: Record<string, unknown>;
  reencode: boolean;
  maxFrameSize?: number;
}

interface InvalidVector {
  name: string;
  section: string;
  wire: string;
  error: ErrorSpec;
  maxFrameSize?: number;
}

interface VectorFile {
  description: string;
  valid: ValidVector[];
  invalid: InvalidVector[];
}

const HEX = /^(?:[0-9a-f]{2})*$/;

function fromHex(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new TypeError(`not lowercase hex: ${hex.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** A deep copy with every Uint8Array replaced by its hex, for deep equality with a vector's `frame`. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** A vector's `frame` as a Frame: octet fields from hex to Uint8Array. */
function toFrame(json: Record<string, unknown>): Frame {
  const out: Record<string, unknown> = structuredClone(json);
  for (const key of OCTET_FIELDS) {
    const v = out[key];
    if (typeof v === 'string') out[key] = fromHex(v);
  }
  return out as unknown as Frame;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function expectProtocolError(thrown: unknown, want: ErrorSpec): void {
  if (thrown === undefined) throw new Error(`expected a ${want.scope} error ${want.code}, but nothing was thrown`);
  if (!isH2ProtocolError(thrown))
    throw new Error(`expected a ${want.scope} error ${want.code}, got ${describeError(thrown)}`);
  const got = `${thrown.scope} ${thrown.codeName} (${thrown.message})`;
  expect(thrown.scope, got).to.equal(want.scope);
  expect(thrown, got).to.be.instanceOf(want.scope === 'connection' ? ConnectionError : StreamError);
  expect(thrown.codeName, got).to.equal(want.code);
  if (want.streamId !== undefined) {
    expect(thrown, got).to.be.instanceOf(StreamError);
    expect((thrown as StreamError).streamId, got).to.equal(want.streamId);
  }
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Push the wire one byte at a time (each in its own buffer), calling next() after every byte. */
function decodeByteAtATime(decoder: FrameDecoder, wire: Uint8Array): Frame | null {
  let frame: Frame | null = null;
  for (let i = 0; i < wire.length; i++) {
    decoder.push(wire.slice(i, i + 1));
    const f = decoder.next();
    if (f && i < wire.length - 1) throw new Error(`a frame came out after ${i + 1} of ${wire.length} octets: ${formatFrame(f)}`);
    if (f) frame = f;
  }
  return frame;
}

const headerLength = (wire: Uint8Array): number => (wire[0]! << 16) | (wire[1]! << 8) | wire[2]!;

function loadVectorFiles(): Array<{ file: string; vectors?: VectorFile; loadError?: unknown }> {
  if (!existsSync(VECTOR_DIR)) return [];
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      try {
        return { file, vectors: JSON.parse(readFileSync(new URL(file, VECTOR_DIR), 'utf8')) as VectorFile };
      } catch (loadError) {
        return { file, loadError };
      }
    });
}

describe('RFC 9113 frame spec vectors (spec-vectors/frames)', () => {
  const loaded = loadVectorFiles();

  it('has a vector file for every frame type, and the frame header file', () => {
    const present = new Set(loaded.map((l) => l.file));
    const missing = [...Object.keys(FILE_TYPES), HEADER_FILE].filter((f) => !present.has(f));
    expect(missing, 'missing vector files').to.deep.equal([]);
  });

  for (const { file, vectors, loadError } of loaded) {
    describe(file, () => {
      if (!vectors) {
        it('parses as JSON', () => {
          throw new Error(`cannot load ${file}: ${describeError(loadError)}`);
        });
        return;
      }
      const valid = Array.isArray(vectors.valid) ? vectors.valid : [];
      const invalid = Array.isArray(vectors.invalid) ? vectors.invalid : [];
      const expectedType = FILE_TYPES[file];

      it('is well formed', () => {
        expect(vectors.description, 'description').to.be.a('string').that.is.not.empty;
        expect(vectors.valid, 'valid').to.be.an('array');
        expect(vectors.invalid, 'invalid').to.be.an('array');
        if (file !== HEADER_FILE || invalid.length === 0) expect(valid, 'valid vectors').to.not.be.empty;
        const names = [...valid, ...invalid].map((v) => v.name);
        expect(new Set(names).size, 'vector names are unique').to.equal(names.length);
        for (const v of [...valid, ...invalid]) {
          expect(v.name, 'name').to.be.a('string').that.is.not.empty;
          expect(v.section, `${v.name}: section`).to.match(/§\d/);
          expect(v.wire, `${v.name}: wire is lowercase hex`).to.match(HEX);
          expect(v.wire.length, `${v.name}: wire holds a 9-octet header`).to.be.at.least(18);
          if (v.maxFrameSize !== undefined)
            expect(v.maxFrameSize, `${v.name}: maxFrameSize`).to.be.within(16384, 16777215);
        }
        for (const v of valid) {
          const wire = fromHex(v.wire);
          expect(wire.length, `${v.name}: Length field matches the payload`).to.equal(9 + headerLength(wire));
          expect(v.frame, `${v.name}: frame`).to.be.an('object');
          if (expectedType) expect(v.frame.type, `${v.name}: frame type`).to.equal(expectedType);
          expect(v.reencode, `${v.name}: reencode`).to.be.a('boolean');
        }
        for (const v of invalid) {
          const wire = fromHex(v.wire);
          const length = headerLength(wire);
          // Only a frame already too long by its header may leave out its payload.
          if (length <= (v.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE))
            expect(wire.length, `${v.name}: Length field matches the payload`).to.equal(9 + length);
          expect(v.error.scope, `${v.name}: error scope`).to.be.oneOf(['connection', 'stream']);
          expect(Object.keys(ErrorCode), `${v.name}: error code`).to.include(v.error.code);
          if (v.error.scope === 'stream') expect(v.error.streamId, `${v.name}: stream error names its stream`).to.be.a('number');
        }
      });

      for (const v of valid) {
        const options = { maxFrameSize: v.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE };

        it(`valid: ${v.name} (${v.section}) decodes`, () => {
          const frame = decodeFrame(fromHex(v.wire), options);
          expect(plain(frame)).to.deep.equal(v.frame);
          const line = formatFrame(frame);
          expect(line).to.be.a('string').that.is.not.empty;
          expect(line).to.not.include('\n');
        });

        it(`valid: ${v.name} (${v.section}) decodes byte at a time`, () => {
          const decoder = new FrameDecoder(options);
          const frame = decodeByteAtATime(decoder, fromHex(v.wire));
          expect(frame, 'no frame came out').to.not.equal(null);
          expect(plain(frame)).to.deep.equal(v.frame);
          expect(decoder.next()).to.equal(null);
          expect(decoder.bufferedBytes).to.equal(0);
        });

        if (v.reencode) {
          it(`valid: ${v.name} (${v.section}) re-encodes to the same octets`, () => {
            expect(toHex(encodeFrame(toFrame(v.frame), options))).to.equal(v.wire);
          });
        } else {
          it(`valid: ${v.name} (${v.section}) re-encodes to a different, canonical form`, () => {
            // The wire has bits a sender must leave unset (or non-zero padding),
            // so the encoder cannot reproduce it; what it writes decodes the same.
            const encoded = encodeFrame(toFrame(v.frame), options);
            expect(toHex(encoded)).to.not.equal(v.wire);
            expect(encoded.length).to.equal(fromHex(v.wire).length);
            expect(plain(decodeFrame(encoded, options))).to.deep.equal(v.frame);
          });
        }
      }

      for (const v of invalid) {
        const options = { maxFrameSize: v.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE };
        const want = `${v.error.scope} ${v.error.code}${v.error.streamId !== undefined ? ` on stream ${v.error.streamId}` : ''}`;

        it(`invalid: ${v.name} (${v.section}) -> ${want}`, () => {
          expectProtocolError(
            thrownBy(() => decodeFrame(fromHex(v.wire), options)),
            v.error,
          );
        });

        it(`invalid: ${v.name} (${v.section}) -> ${want}, byte at a time`, () => {
          const decoder = new FrameDecoder(options);
          const thrown = thrownBy(() => decodeByteAtATime(decoder, fromHex(v.wire)));
          expectProtocolError(thrown, v.error);
          if (thrown instanceof ConnectionError) {
            // A connection error leaves the decoder failed, with the same error.
            expect(decoder.error).to.equal(thrown);
          } else {
            // A stream error is thrown after its frame is consumed: decoding can go on.
            expect(decoder.bufferedBytes).to.equal(0);
            expect(decoder.next()).to.equal(null);
          }
        });
      }
    });
  }
});
