// RFC 7541 Appendix C: every wire decodes to the listed fields and leaves the
// listed dynamic table; encoding the same fields gives the same octets and
// decodes back identically.

import { expect } from 'chai';
import { HpackDecoder, HpackEncoder } from '../../src/hpack/index.js';
import { decodeInteger, encodeInteger } from '../../src/hpack/integer.js';
import { fields, fromHex, pairs, toHex } from './bytes-and-fields.js';
import { fieldVectors, integerVectors, sequenceVectors, type BlockVector } from './spec-vectors.js';

const noneSensitive = () => false;

function expectTable(actual: { entries: readonly { name: string; value: string; size: number }[]; size: number }, v: BlockVector) {
  expect(actual.entries.map((e) => ({ ...e }))).to.deep.equal(v.dynamicTable);
  expect(actual.size).to.equal(v.tableSize);
}

describe('hpack: RFC 7541 Appendix C', () => {
  describe('C.1 integers', () => {
    for (const v of integerVectors()) {
      it(`${v.section}: ${v.value} with a ${v.prefixBits}-bit prefix is ${v.octets}`, () => {
        expect(toHex(Uint8Array.from(encodeInteger(v.value, v.prefixBits)))).to.equal(v.octets);
        const cursor = { at: 0 };
        expect(decodeInteger(fromHex(v.octets), cursor, v.prefixBits)).to.equal(v.value);
        expect(cursor.at).to.equal(v.octets.length / 2);
      });
    }
  });

  describe('C.2 field representations', () => {
    for (const v of fieldVectors()) {
      it(`${v.section}: decodes to ${v.headers.map((h) => h.join(': ')).join(', ')}`, () => {
        const decoder = new HpackDecoder();
        const decoded = decoder.decode(fromHex(v.wire));
        expect(pairs(decoded)).to.deep.equal(v.headers);
        // C.2.3 is the never-indexed literal: the flag survives decoding.
        expect(decoded[0]!.sensitive === true).to.equal(v.section === 'C.2.3');
        expectTable(decoder.dynamicTable, v);
      });
    }

    it('C.2.1, C.2.3, C.2.4: the encoder writes the same octets', () => {
      const [c21, , c23, c24] = fieldVectors();
      const encode = (v: BlockVector, sensitive: boolean) =>
        toHex(new HpackEncoder({ huffman: false, isSensitive: () => sensitive }).encode(fields(v.headers)));
      expect(encode(c21!, false)).to.equal(c21!.wire);
      expect(encode(c23!, true)).to.equal(c23!.wire);
      expect(encode(c24!, false)).to.equal(c24!.wire);
    });
  });

  for (const seq of sequenceVectors()) {
    describe(`${seq.section} (${seq.huffman ? 'Huffman' : 'no Huffman'}, table of ${seq.maxTableSize})`, () => {
      it('decodes each block in turn, with the dynamic table after each', () => {
        const decoder = new HpackDecoder({ maxTableSize: seq.maxTableSize });
        for (const block of seq.blocks) {
          expect(pairs(decoder.decode(fromHex(block.wire))), block.section).to.deep.equal(block.headers);
          expectTable(decoder.dynamicTable, block);
        }
      });

      it('encodes the same headers to the same octets, which decode back identically', () => {
        const encoder = new HpackEncoder({ maxTableSize: seq.maxTableSize, huffman: seq.huffman, isSensitive: noneSensitive });
        const decoder = new HpackDecoder({ maxTableSize: seq.maxTableSize });
        seq.blocks.forEach((block, i) => {
          let wire = toHex(encoder.encode(fields(block.headers)));
          // Both tables start at 4,096 (RFC 9113 §4.3.1): using 256 is signalled
          // by a size update opening the first block, which the RFC leaves out.
          if (i === 0 && seq.maxTableSize !== 4096) {
            expect(wire.slice(0, 6), 'size update to 256').to.equal('3fe101');
            wire = wire.slice(6);
          }
          expect(wire, block.section).to.equal(block.wire);
          expectTable(encoder.dynamicTable, block);
          expect(pairs(decoder.decode(fromHex(wire)))).to.deep.equal(block.headers);
          expectTable(decoder.dynamicTable, block);
        });
      });
    });
  }
});
