// Property tests: random header lists and table-size changes round-trip;
// any bytes at all give a header list within the limits or an
// HpackDecodeError, never anything else.

import { expect } from 'chai';
import fc from 'fast-check';
import { hpack } from '../../src/hpack/hpack-js.js';
import { BlockWriter, huffmanLength } from '../../src/hpack/block-writer.js';
import { decodeInteger, encodeInteger } from '../../src/hpack/integer.js';
import { bytesToOctets, headerListSize, HpackDecodeError, HpackDecoder, HpackEncoder, type HeaderField } from '../../src/hpack/index.js';
import { pairs } from './bytes-and-fields.js';

const octets = (maxLength: number) => fc.uint8Array({ maxLength }).map(bytesToOctets);

const nameArb = fc.oneof(
  fc.constantFrom(':method', ':path', ':status', 'accept', 'cookie', 'authorization', 'set-cookie', 'user-agent', 'constructor', '__proto__'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
  octets(20),
);
const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', 'GET', '/', '200', 'gzip, deflate', 'toString') },
  { weight: 6, arbitrary: octets(60) },
  { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((n) => 'v'.repeat(n)) }, // entries larger than small tables
);
const fieldArb: fc.Arbitrary<HeaderField> = fc
  .record({ name: nameArb, value: valueArb, sensitive: fc.boolean() })
  .map(({ name, value, sensitive }) => (sensitive && value.length % 5 === 0 ? { name, value, sensitive } : { name, value }));

/** Header lists drawn from a small pool, so fields repeat within and across blocks. */
const sessionArb = fc.record({
  maxTableSize: fc.constantFrom(0, 64, 256, 4096, 8192),
  huffman: fc.boolean(),
  pool: fc.array(fieldArb, { minLength: 1, maxLength: 10 }),
  steps: fc.array(
    fc.record({
      picks: fc.array(fc.nat(), { maxLength: 12 }),
      settings: fc.array(fc.constantFrom(0, 32, 100, 256, 1000, 4096, 65536), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
});

const listOf = (pool: HeaderField[], picks: number[]) => picks.map((i) => pool[i % pool.length]!);

/** Decode and check that whatever comes out respects the decoder's limits. */
function decodeWithinLimits(decoder: HpackDecoder, block: Uint8Array): HeaderField[] | HpackDecodeError {
  let result: HeaderField[] | HpackDecodeError;
  try {
    result = decoder.decode(block);
    expect(result.length).to.be.at.most(decoder.maxFieldCount);
    expect(headerListSize(result)).to.be.at.most(decoder.maxHeaderListSize);
  } catch (e) {
    if (!(e instanceof HpackDecodeError)) throw new Error(`not an HpackDecodeError: ${String(e)}`);
    result = e;
  }
  const table = decoder.dynamicTable;
  expect(table.size).to.be.at.most(table.maxSize);
  expect(table.maxSize).to.be.at.most(Math.max(decoder.maxTableSize, 4096)); // 4,096 until a lowering is signalled
  return result;
}

// hpack.js's bit-level integer reader (not in its typed surface; used only here).
interface RawIntegerReader {
  bitOffset: number;
  push(chunk: Buffer): void;
  decodeInt(): number;
}
const rawIntegerReader = () => (hpack as unknown as { decoder: { create(): RawIntegerReader } }).decoder.create();

// hpack.js's bit-by-bit string writer (not in its typed surface; used only here as the reference).
interface RawStringWriter {
  encodeStr(octets: number[], huffman: boolean): void;
  render(): Buffer[];
}
const rawStringWriter = () => (hpack as unknown as { encoder: { create(): RawStringWriter } }).encoder.create();

describe('hpack: properties', () => {
  it('string literals (RFC 7541 §5.2): the block writer writes the octets hpack.js\'s own writer does, raw and Huffman', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, huffman) => {
        const s = bytesToOctets(bytes);
        const ours = new BlockWriter();
        ours.begin(BlockWriter.fieldBound(0, s.length));
        ours.string(s, huffman ? huffmanLength(s) : -1);
        const raw = rawStringWriter();
        raw.encodeStr([...bytes], huffman);
        expect(Buffer.from(ours.finish()).toString('hex')).to.equal(Buffer.concat(raw.render()).toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('integers (RFC 7541 §5.1): ours round-trip, and read every encoding we accept as hpack.js does', () => {
    // The pre-scan's idea of where a representation ends must be hpack.js's.
    const encoding = fc.record({
      prefixBits: fc.integer({ min: 1, max: 8 }),
      continuation: fc.array(fc.integer({ min: 0, max: 127 }), { maxLength: 4 }),
      low: fc.nat(),
    });
    fc.assert(
      fc.property(encoding, ({ prefixBits, continuation, low }) => {
        const max = (1 << prefixBits) - 1;
        const bytes =
          continuation.length === 0 ? [low % max] : [max, ...continuation.map((b, i) => (i < continuation.length - 1 ? b | 0x80 : b))];
        const ours = decodeInteger(Uint8Array.from(bytes), { at: 0 }, prefixBits);
        const raw = rawIntegerReader();
        raw.push(Buffer.from(bytes));
        raw.bitOffset = 8 - prefixBits;
        expect(ours).to.equal(raw.decodeInt());
        const again = encodeInteger(ours, prefixBits);
        expect(decodeInteger(Uint8Array.from(again), { at: 0 }, prefixBits)).to.equal(ours);
        expect(again.length).to.be.at.most(bytes.length);
      }),
      { numRuns: 300 },
    );
  });

  it('the decoding loop reads what hpack.js\'s own Decompressor reads, from blocks hpack.js\'s Compressor wrote (differential)', () => {
    // Plain names only: hpack.js's own compressor mis-indexes Object.prototype keys (see hpack-js-traps).
    const plainField = fc.record({
      name: fc.oneof(fc.constantFrom(':method', ':path', ':status', 'accept', 'cookie', 'user-agent'), fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)),
      value: fc.oneof(fc.constantFrom('', 'GET', '/', '200', 'gzip'), octets(40)),
      huffman: fc.boolean(),
      neverIndex: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.array(plainField, { maxLength: 10 }), { minLength: 1, maxLength: 6 }), (lists) => {
        const writer = hpack.compressor.create({ table: { maxSize: 4096 } });
        const reference = hpack.decompressor.create({ table: { maxSize: 4096 } });
        const ours = new HpackDecoder({ maxHeaderListSize: Infinity, maxFieldCount: Infinity });
        for (const list of lists) {
          writer.write(list);
          const chunks: Buffer[] = [];
          for (let c = writer.read(); c !== null; c = writer.read()) chunks.push(c);
          const block = Buffer.concat(chunks);
          reference.write(block);
          reference.execute();
          const expected: [string, string, boolean][] = [];
          for (let f = reference.read(); f !== null; f = reference.read()) expected.push([f.name, f.value, f.neverIndex]);
          const got = ours.decode(block).map((f): [string, string, boolean] => [f.name, f.value, f.sensitive === true]);
          expect(got).to.deep.equal(expected);
          expect(ours.dynamicTable.entries.map((e) => [e.name, e.value])).to.deep.equal(
            [...reference._table.dynamic].reverse().map((e) => [e.name, e.value]),
          );
        }
      }),
      { numRuns: 200 },
    );
  });

  it('random header lists with random table-size changes round-trip, and both tables stay equal', () => {
    fc.assert(
      fc.property(sessionArb, ({ maxTableSize, huffman, pool, steps }) => {
        const encoder = new HpackEncoder({ maxTableSize, huffman });
        const decoder = new HpackDecoder({ maxHeaderListSize: Infinity, maxFieldCount: Infinity });
        for (const { picks, settings } of steps) {
          // SETTINGS_HEADER_TABLE_SIZE from the decoder's side, ACKed by the encoder's.
          for (const n of settings) {
            decoder.setMaxTableSize(n);
            encoder.setPeerTableSize(n);
          }
          const list = listOf(pool, picks);
          const decoded = decoder.decode(encoder.encode(list));
          expect(pairs(decoded)).to.deep.equal(pairs(list));
          list.forEach((f, i) => f.sensitive && expect(decoded[i]!.sensitive).to.equal(true));
          expect(decoder.dynamicTable).to.deep.equal(encoder.dynamicTable);
          const table = decoder.dynamicTable;
          expect(table.size).to.be.at.most(table.maxSize);
          expect(table.maxSize).to.equal(Math.min(maxTableSize, decoder.maxTableSize));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('limits are exact, and a block over them still keeps the tables equal', () => {
    fc.assert(
      fc.property(sessionArb, fc.nat({ max: 600 }), fc.nat({ max: 8 }), ({ maxTableSize, huffman, pool, steps }, maxHeaderListSize, maxFieldCount) => {
        const encoder = new HpackEncoder({ maxTableSize, huffman });
        const decoder = new HpackDecoder({ maxHeaderListSize, maxFieldCount });
        for (const { picks } of steps) {
          const list = listOf(pool, picks);
          const result = decodeWithinLimits(decoder, encoder.encode(list));
          // A name or value longer than the whole limit may be refused undecoded, ending the decoder.
          const hugeString = list.some((f) => Math.max(f.name.length, f.value.length) > maxHeaderListSize);
          if (hugeString && result instanceof HpackDecodeError && result.reason === 'string-too-long') return;
          if (list.length > maxFieldCount) expect(result).to.include({ reason: 'too-many-fields', contextIntact: true });
          else if (headerListSize(list) > maxHeaderListSize) expect(result).to.include({ reason: 'header-list-too-large', contextIntact: true });
          else expect(pairs(result as HeaderField[])).to.deep.equal(pairs(list));
          expect(decoder.dynamicTable).to.deep.equal(encoder.dynamicTable);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary bytes give a list within the limits or an HpackDecodeError; a broken decoder stays broken', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 48 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(0, 100, 4096),
        fc.nat({ max: 300 }),
        fc.nat({ max: 10 }),
        (blocks, maxTableSize, maxHeaderListSize, maxFieldCount) => {
          const decoder = new HpackDecoder({ maxTableSize, maxHeaderListSize, maxFieldCount });
          for (const block of blocks) {
            const before = decoder.error;
            const result = decodeWithinLimits(decoder, block);
            if (before) expect(result).to.equal(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('valid blocks with bytes flipped, cut or spliced give only HpackDecodeErrors', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
    );
    fc.assert(
      fc.property(sessionArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ maxTableSize, huffman, pool, steps }, mutations) => {
        const encoder = new HpackEncoder({ maxTableSize, huffman });
        const decoder = new HpackDecoder({ maxHeaderListSize: 4000, maxFieldCount: 10 });
        steps.forEach(({ picks }, i) => {
          let block = encoder.encode(listOf(pool, picks));
          if (i === steps.length - 1 && block.length > 0) {
            for (const m of mutations) {
              const at = m.at % (block.length + 1);
              if (m.kind === 'flip' && at < block.length) (block = block.slice())[at]! ^= m.bits;
              else if (m.kind === 'cut') block = block.subarray(0, at);
              else if (m.kind === 'splice') block = Uint8Array.from([...block.subarray(0, at), ...m.bytes, ...block.subarray(at)]);
            }
          }
          decodeWithinLimits(decoder, block);
        });
      }),
      { numRuns: 300 },
    );
  });
});
