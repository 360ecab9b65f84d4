import { expect } from 'chai';
import { StreamError } from '../../src/protocol-errors.js';
import { HpackDecodeError, HpackDecoder, HpackEncoder, type HeaderField } from '../../src/hpack/index.js';
import { fields, fromHex, pairs } from './bytes-and-fields.js';

function decodeError(decoder: HpackDecoder, block: Uint8Array): HpackDecodeError {
  try {
    decoder.decode(block);
  } catch (e) {
    expect(e).to.be.instanceOf(HpackDecodeError);
    return e as HpackDecodeError;
  }
  throw new Error('expected the block to fail');
}

const repeat = (hex: string, n: number) => fromHex(hex.repeat(n));

describe('hpack: HpackDecoder', () => {
  it('decodes an empty block to an empty list', () => {
    expect(new HpackDecoder().decode(new Uint8Array(0))).to.deep.equal([]);
  });

  it('decodes a block that is a view into a larger buffer', () => {
    const buffer = fromHex('ff' + '8286' + 'ff');
    expect(pairs(new HpackDecoder().decode(buffer.subarray(1, 3)))).to.deep.equal([[':method', 'GET'], [':scheme', 'http']]);
  });

  it('gives non-ASCII octets as chars U+0080-U+00FF and marks never-indexed fields sensitive', () => {
    const decoded = new HpackDecoder().decode(fromHex('1001780300ff80' + '0001790161'));
    expect(decoded).to.deep.equal([{ name: 'x', value: '\u0000\u00ff\u0080', sensitive: true }, { name: 'y', value: 'a' }]);
  });

  describe('indices (RFC 7541 §2.3.3)', () => {
    for (const [hex, what] of [
      ['80', 'indexed field 0'],
      ['be', 'index 62 with an empty dynamic table'],
      ['4001610162' + '7f000162', 'name index 63 when the table holds one entry'],
    ] as const) {
      it(`refuses ${what}`, () => {
        const e = decodeError(new HpackDecoder(), fromHex(hex));
        expect(e.reason).to.equal('invalid-index');
        expect(e.message).to.match(/RFC 7541 §(2\.3\.3|6\.1)/);
      });
    }

    it('refuses an index whose entry the same block evicted (reported by hpack.js, still typed)', () => {
      // Table of 64: 'a: b' (34) is added, then 'c: d' evicts it; index 63 is gone.
      const decoder = new HpackDecoder({ maxTableSize: 64 });
      const e = decodeError(decoder, fromHex('4001610162' + '4001630164' + 'bf'));
      expect(e.reason).to.equal('invalid-index');
    });
  });

  describe('dynamic table size (RFC 7541 §4.2, RFC 9113 §4.3.1)', () => {
    it('accepts several updates at the start of a block', () => {
      const decoder = new HpackDecoder();
      expect(pairs(decoder.decode(fromHex('20' + '3f811f' + '82')))).to.deep.equal([[':method', 'GET']]);
      expect(decoder.dynamicTable.maxSize).to.equal(4000);
    });

    it('after we lower the limit, the next block must start with an update within it', () => {
      const decoder = new HpackDecoder();
      decoder.setMaxTableSize(100);
      expect(decodeError(decoder, fromHex('82')).reason).to.equal('size-update-missing');
      const other = new HpackDecoder();
      other.setMaxTableSize(100);
      expect(decodeError(other, fromHex('3f4682')).reason).to.equal('size-update-too-large'); // 101
      const good = new HpackDecoder();
      good.setMaxTableSize(100);
      expect(pairs(good.decode(fromHex('3f4582')))).to.deep.equal([[':method', 'GET']]); // 100
      expect(pairs(good.decode(fromHex('82')))).to.deep.equal([[':method', 'GET']]); // only the first block
    });

    it('an empty block after lowering the limit is missing its update too', () => {
      const decoder = new HpackDecoder();
      decoder.setMaxTableSize(0);
      expect(decodeError(decoder, new Uint8Array(0)).reason).to.equal('size-update-missing');
    });

    it('raising the limit asks for nothing', () => {
      const decoder = new HpackDecoder();
      decoder.setMaxTableSize(65536);
      expect(pairs(decoder.decode(fromHex('82')))).to.deep.equal([[':method', 'GET']]);
      expect(decoder.maxTableSize).to.equal(65536);
    });

    it('refuses bad settings values with a RangeError', () => {
      expect(() => new HpackDecoder({ maxTableSize: -1 })).to.throw(RangeError);
      expect(() => new HpackDecoder().setMaxTableSize(2 ** 32)).to.throw(RangeError);
      expect(() => new HpackDecoder({ maxFieldCount: 1.5 })).to.throw(RangeError);
    });
  });

  describe('limits', () => {
    it('maxFieldCount: the field count is checked exactly', () => {
      expect(new HpackDecoder({ maxFieldCount: 3 }).decode(repeat('82', 3))).to.have.length(3);
      const e = decodeError(new HpackDecoder({ maxFieldCount: 3 }), repeat('82', 4));
      expect(e.reason).to.equal('too-many-fields');
      expect(e.contextIntact).to.equal(true);
    });

    it('maxHeaderListSize: counted as name + value + 32 per field (RFC 9113 §6.5.2), exactly', () => {
      // ':method: GET' is 7 + 3 + 32 = 42 octets.
      expect(new HpackDecoder({ maxHeaderListSize: 84 }).decode(repeat('82', 2))).to.have.length(2);
      const e = decodeError(new HpackDecoder({ maxHeaderListSize: 83 }), repeat('82', 2));
      expect(e.reason).to.equal('header-list-too-large');
      expect(e.message).to.contain('84 octets');
    });

    it('a string longer than the whole limit is refused before decoding, as a COMPRESSION_ERROR (RFC 7541 §7.4)', () => {
      // Raw: 100 octets. The bytes after the length are never read, so they may be anything.
      const raw = decodeError(new HpackDecoder({ maxHeaderListSize: 99 }), fromHex('000178' + '64' + 'ff'.repeat(100)));
      expect(raw).to.include({ reason: 'string-too-long', contextIntact: false });
      expect(raw.message).to.contain('decodes to 100 octets, more than our limit of 99');
      // Huffman: 40 octets decode to at least 10 (codes are at most 30 bits); 0xff...ff would be EOS if decoded.
      const huffman = decodeError(new HpackDecoder({ maxHeaderListSize: 9 }), fromHex('000178' + 'a8' + 'ff'.repeat(40)));
      expect(huffman).to.include({ reason: 'string-too-long' });
      expect(huffman.message).to.contain('at least 10 octets');
      // Within the limit as a string, over it as a field: a stream-level error.
      expect(decodeError(new HpackDecoder({ maxHeaderListSize: 99 }), fromHex('000178' + '63' + '61'.repeat(99))).reason).to.equal('header-list-too-large');
    });

    it('a block whose Huffman bound is over the limit but whose fields fit is accepted', () => {
      // Huffman 'www.example.com' (15 octets) takes 12 octets; the scan bounds it at 19.
      const decoder = new HpackDecoder({ maxHeaderListSize: 10 + 15 + 32 });
      expect(pairs(decoder.decode(fromHex('418cf1e3c2e5f23a6ba0ab90f4ff')))).to.deep.equal([[':authority', 'www.example.com']]);
    });

    it('a limit error is a stream error: the block is still decoded, so the next one decodes right', () => {
      const encoder = new HpackEncoder();
      const decoder = new HpackDecoder({ maxHeaderListSize: 200 });
      const big: HeaderField[] = fields([['x-big', 'v'.repeat(300)], ['x-small', 'ok']]);
      const e = decodeError(decoder, encoder.encode(big));
      expect(e.reason).to.equal('header-list-too-large');
      expect(e.contextIntact).to.equal(true);
      const streamError = e.toProtocolError(5);
      expect(streamError).to.be.instanceOf(StreamError);
      expect(streamError).to.include({ streamId: 5, codeName: 'PROTOCOL_ERROR' });
      expect(e.toConnectionError().codeName).to.equal('COMPRESSION_ERROR');
      // The over-limit block added 'x-small: ok' to both tables; the next block refers to it.
      const next = encoder.encode(fields([['x-small', 'ok']]));
      expect(next).to.have.length(1);
      expect(pairs(decoder.decode(next))).to.deep.equal([['x-small', 'ok']]);
      expect(decoder.error).to.equal(undefined);
    });

    it('a compression error in a block that is also over a limit wins, and ends the decoder', () => {
      const decoder = new HpackDecoder({ maxFieldCount: 1 });
      const e = decodeError(decoder, fromHex('8282' + 'ff'));
      expect(e.reason).to.equal('truncated');
      expect(decoder.error).to.equal(e);
    });

    it('an unclassified hpack.js failure still comes out as HpackDecodeError', async () => {
      const { fromHpackJsError } = await import('../../src/hpack/hpack-js-errors.js');
      const e = fromHpackJsError(new RangeError('something new'));
      expect(e).to.be.instanceOf(HpackDecodeError);
      expect(e.reason).to.equal('unexpected');
      expect(e.message).to.contain('RangeError: something new');
      expect(fromHpackJsError(new Error('toString')).reason).to.equal('unexpected');
    });
  });

  describe('error labels (src/error-labels.ts)', () => {
    // Every reason, with the label its error carries and who pays: the connection (COMPRESSION_ERROR,
    // RFC 9113 §4.3) unless the whole block was decoded and only a limit of ours was passed (§10.5.1).
    const cases: Array<[HpackDecodeError['reason'], string, 'connection' | 'stream']> = [
      ['truncated', 'hpack_truncated', 'connection'],
      ['integer-too-large', 'hpack_integer_too_large', 'connection'],
      ['string-too-long', 'hpack_string_too_long', 'connection'],
      ['invalid-index', 'hpack_invalid_index', 'connection'],
      ['invalid-huffman', 'hpack_invalid_huffman', 'connection'],
      ['size-update-misplaced', 'hpack_size_update_misplaced', 'connection'],
      ['size-update-too-large', 'hpack_size_update_too_large', 'connection'],
      ['size-update-missing', 'hpack_size_update_missing', 'connection'],
      ['header-list-too-large', 'hpack_header_list_too_large', 'stream'],
      ['too-many-fields', 'hpack_too_many_fields', 'stream'],
      ['unexpected', 'hpack_unexpected', 'connection'],
    ];
    for (const [reason, label, scope] of cases) {
      it(`${reason}: ${label}, a ${scope} error`, () => {
        const error = new HpackDecodeError(reason, 'x').toProtocolError(1);
        expect(error.label).to.equal(label);
        expect(error.scope).to.equal(scope);
        expect(error.codeName).to.equal(scope === 'connection' ? 'COMPRESSION_ERROR' : 'PROTOCOL_ERROR');
      });
    }

    it('a real block: index 0 is hpack_invalid_index (RFC 7541 §6.1)', () => {
      expect(decodeError(new HpackDecoder(), fromHex('80')).toConnectionError().label).to.equal('hpack_invalid_index');
    });
  });
});
