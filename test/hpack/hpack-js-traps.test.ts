// Each hpack.js quirk the wrapper covers: first what hpack.js does alone
// (so a change in hpack.js shows up here), then what h2wire does instead.

import { expect } from 'chai';
import { hpack, type Decompressor, type TableOptions } from '../../src/hpack/hpack-js.js';
import { ConnectionError } from '../../src/protocol-errors.js';
import { HpackDecodeError, HpackDecoder, HpackEncodeError, HpackEncoder } from '../../src/hpack/index.js';
import { fields, fromHex, pairs, toHex } from './bytes-and-fields.js';
import { sequenceVectors } from './spec-vectors.js';

/** Run raw hpack.js on a block; what it emitted as 'error', or the fields. */
function rawDecode(d: Decompressor, hex: string): { error?: unknown; fields: [string, string][] } {
  let error: unknown;
  d.on('error', (e) => (error = e));
  d.write(Buffer.from(hex, 'hex'));
  d.execute();
  const out: [string, string][] = [];
  for (let f = d.read(); f !== null; f = d.read()) out.push([f.name, f.value]);
  return error === undefined ? { fields: out } : { error, fields: out };
}

function decodeError(decoder: HpackDecoder, hex: string): HpackDecodeError {
  try {
    decoder.decode(fromHex(hex));
  } catch (e) {
    expect(e).to.be.instanceOf(HpackDecodeError);
    return e as HpackDecodeError;
  }
  throw new Error(`expected ${hex} to fail`);
}

const responses = sequenceVectors().find((s) => s.section === 'C.5')!;

describe('hpack: hpack.js traps', () => {
  describe('the table size option is `maxSize`; the README\'s `size` is ignored', () => {
    it('hpack.js given { size: 256 } never evicts, and refuses any size update', () => {
      const raw = hpack.compressor.create({ table: { size: 256 } as unknown as TableOptions });
      for (const b of responses.blocks) raw.write(b.headers.map(([name, value]) => ({ name, value })));
      raw.read();
      expect(raw._table.dynamic.length).to.equal(8); // every literal of C.5 kept
      expect(raw._table.size).to.be.greaterThan(256);
      const rawDecoder = hpack.decompressor.create({ table: { size: 256 } as unknown as TableOptions });
      expect(String(rawDecode(rawDecoder, '3fe101').error)).to.contain('Table size bigger than maximum');
    });

    it('HpackEncoder and HpackDecoder keep the table at 256 and match RFC 7541 C.5.3', () => {
      const encoder = new HpackEncoder({ maxTableSize: 256, huffman: false, isSensitive: () => false });
      const decoder = new HpackDecoder({ maxTableSize: 256 });
      for (const b of responses.blocks) decoder.decode(encoder.encode(fields(b.headers)));
      const last = responses.blocks.at(-1)!;
      for (const table of [encoder.dynamicTable, decoder.dynamicTable]) {
        expect(table.size).to.equal(last.tableSize).and.to.be.at.most(256);
        expect(table.entries.map((e) => e.name)).to.deep.equal(last.dynamicTable.map((e) => e.name));
      }
    });
  });

  describe('the compressor writes no size update when the table shrinks (RFC 7541 §4.2)', () => {
    it('hpack.js shrinks its table silently, so the next block breaks a decoder that was told', () => {
      const raw = hpack.compressor.create({ table: { maxSize: 4096 } });
      raw.updateTableSize(0);
      expect(raw.read()).to.equal(null);
      raw.write([{ name: ':method', value: 'GET' }]);
      const block = raw.read()!;
      expect(block.toString('hex')).to.equal('82'); // no 0x20 in front
      const decoder = new HpackDecoder();
      decoder.setMaxTableSize(0); // we lowered SETTINGS_HEADER_TABLE_SIZE and the peer ACKed
      const e = decodeError(decoder, block.toString('hex'));
      expect(e.reason).to.equal('size-update-missing');
    });

    it('HpackEncoder opens the next block with the update, and the decoder accepts it', () => {
      const encoder = new HpackEncoder();
      const decoder = new HpackDecoder();
      decoder.decode(encoder.encode(fields([['x-a', '1']])));
      encoder.setPeerTableSize(0);
      decoder.setMaxTableSize(0);
      const block = encoder.encode(fields([[':method', 'GET']]));
      expect(toHex(block)).to.equal('2082');
      expect(pairs(decoder.decode(block))).to.deep.equal([[':method', 'GET']]);
      expect(decoder.dynamicTable).to.deep.equal({ entries: [], size: 0, maxSize: 0, insertions: 1 });
    });

    it('down then up between two blocks: the minimum, then the final size (RFC 7541 §4.2)', () => {
      const encoder = new HpackEncoder();
      encoder.encode(fields([['x-a', '1']]));
      encoder.setPeerTableSize(0);
      encoder.setPeerTableSize(4096);
      expect(toHex(encoder.encode(fields([['x-a', '1']])))).to.match(/^203fe11f/);
    });
  });

  describe('the decompressor does not check where a size update stands (RFC 7541 §4.2, §6.3)', () => {
    it('hpack.js accepts a size update after a field', () => {
      const out = rawDecode(hpack.decompressor.create({ table: { maxSize: 4096 } }), '8220');
      expect(out).to.deep.equal({ fields: [[':method', 'GET']] });
    });

    it('HpackDecoder: a size update after a field is a COMPRESSION_ERROR', () => {
      const e = decodeError(new HpackDecoder(), '8220');
      expect(e.reason).to.equal('size-update-misplaced');
      expect(e.toConnectionError()).to.be.instanceOf(ConnectionError).and.include({ codeName: 'COMPRESSION_ERROR' });
    });

    it('hpack.js rejects a too-large update only with a plain Error, against the size it was created with', () => {
      const out = rawDecode(hpack.decompressor.create({ table: { maxSize: 4096 } }), '3fe21f');
      expect(out.error).to.be.instanceOf(Error).and.not.instanceOf(HpackDecodeError);
    });

    it('HpackDecoder: an update above our SETTINGS_HEADER_TABLE_SIZE is a COMPRESSION_ERROR; the limit follows setMaxTableSize', () => {
      expect(decodeError(new HpackDecoder(), '3fe21f').reason).to.equal('size-update-too-large'); // 4097
      const decoder = new HpackDecoder();
      decoder.setMaxTableSize(8192);
      expect(decoder.decode(fromHex('3fe13f82'))).to.deep.equal([{ name: ':method', value: 'GET' }]); // 8192
      expect(decoder.dynamicTable.maxSize).to.equal(8192);
    });
  });

  describe('bad input raises plain Errors and TypeErrors', () => {
    for (const [hex, what, rawError, reason] of [
      ['ff', 'an integer cut short', TypeError, 'truncated'],
      ['407fffffffffff', 'a string length with too many continuation octets', TypeError, 'integer-too-large'],
      ['407f', 'a string length cut short', TypeError, 'truncated'],
      ['4005616263', 'a string longer than the block', Error, 'truncated'],
    ] as const) {
      it(`${hex} (${what}): hpack.js emits a ${rawError.name}; HpackDecoder throws HpackDecodeError ${reason}, a COMPRESSION_ERROR`, () => {
        const raw = rawDecode(hpack.decompressor.create({ table: { maxSize: 4096 } }), hex);
        expect((raw.error as Error).constructor).to.equal(rawError);
        const e = decodeError(new HpackDecoder(), hex);
        expect(e.reason).to.equal(reason);
        expect(e.contextIntact).to.equal(false);
        const c = e.toConnectionError();
        expect(c).to.be.instanceOf(ConnectionError);
        expect(c.codeName).to.equal('COMPRESSION_ERROR');
        expect(e.toProtocolError(1)).to.be.instanceOf(ConnectionError);
      });
    }

    it('hpack.js without an error listener throws from execute(); HpackDecoder always throws HpackDecodeError, then again on every call', () => {
      const raw = hpack.decompressor.create({ table: { maxSize: 4096 } });
      raw.write(Buffer.from('ff', 'hex'));
      expect(() => raw.execute()).to.throw(TypeError);
      const decoder = new HpackDecoder();
      const first = decodeError(decoder, 'ff');
      expect(decodeError(decoder, '82')).to.equal(first);
      expect(decoder.error).to.equal(first);
    });

    it('Huffman errors come out typed: EOS inside, padding of 8 bits, padding not all ones (RFC 7541 §5.2)', () => {
      for (const hex of ['000178' + '84ffffffff', '000178' + '821fff', '000178' + '8118']) {
        const raw = rawDecode(hpack.decompressor.create({ table: { maxSize: 4096 } }), hex);
        expect(raw.error, hex).to.be.instanceOf(Error);
        expect(decodeError(new HpackDecoder(), hex).reason, hex).to.equal('invalid-huffman');
      }
    });
  });

  describe('blocks must be encoded in wire order: each one changes the table the next refers to', () => {
    it('decoding two blocks swapped silently yields the wrong fields', () => {
      const encoder = new HpackEncoder({ huffman: false });
      const a = encoder.encode(fields([['x-a', '1']]));
      const b = encoder.encode(fields([['x-b', '2']]));
      const both = encoder.encode(fields([['x-a', '1'], ['x-b', '2']]));
      expect(toHex(both)).to.equal('bfbe'); // two dynamic-table references

      const inOrder = new HpackDecoder();
      inOrder.decode(a);
      inOrder.decode(b);
      expect(pairs(inOrder.decode(both))).to.deep.equal([['x-a', '1'], ['x-b', '2']]);

      const swapped = new HpackDecoder();
      swapped.decode(b);
      swapped.decode(a);
      expect(pairs(swapped.decode(both))).to.deep.equal([['x-b', '2'], ['x-a', '1']]);
    });

    it('a block decoded before the one it depends on is refused', () => {
      const encoder = new HpackEncoder();
      encoder.encode(fields([['x-a', '1']]));
      const second = encoder.encode(fields([['x-a', '1']]));
      expect(decodeError(new HpackDecoder(), toHex(second)).reason).to.equal('invalid-index');
    });
  });

  describe('found while wrapping: names or values that are Object.prototype keys', () => {
    it('hpack.js encodes "constructor" with a wrong index, throws on "__proto__", and then writes nothing ever again', () => {
      const raw = hpack.compressor.create({ table: { maxSize: 4096 } });
      raw.write([{ name: 'constructor', value: 'x' }]);
      expect(raw.read()!.toString('hex')).to.equal('7f0081f3'); // name index 63, not a literal name
      expect(() => raw.write([{ name: '__proto__', value: 'x' }])).to.throw(TypeError);
      raw.write([{ name: ':method', value: 'GET' }]);
      expect(raw.read()).to.equal(null);
    });

    it('HpackEncoder looks them up in Maps of its own: indexed like any field, and they round-trip', () => {
      const encoder = new HpackEncoder();
      const decoder = new HpackDecoder();
      const list = fields([['constructor', 'x'], ['__proto__', 'y'], ['accept-encoding', 'toString'], ['x-ok', 'hasOwnProperty']]);
      const first = encoder.encode(list);
      expect(toHex(first).slice(0, 2), 'a literal name, not index 63').to.equal('40');
      expect(pairs(decoder.decode(first))).to.deep.equal(pairs(list));
      const second = encoder.encode(list);
      expect(toHex(second), 'all four from the dynamic table the second time').to.equal('c1c0bfbe'); // 65..62: constructor went in first
      expect(pairs(decoder.decode(second))).to.deep.equal(pairs(list));
      expect(encoder.dynamicTable.entries.map((e) => e.name)).to.deep.equal(['x-ok', 'accept-encoding', '__proto__', 'constructor']);
    });
  });

  describe('found while wrapping: chars above U+00FF', () => {
    it('hpack.js silently turns "€" into two unrelated octets', () => {
      const raw = hpack.compressor.create({ table: { maxSize: 4096 } });
      raw.write([{ name: 'x', value: '€', huffman: false }]);
      const out = rawDecode(hpack.decompressor.create({ table: { maxSize: 4096 } }), raw.read()!.toString('hex'));
      expect(out.fields).to.deep.equal([['x', ' \u00ac']]);
    });

    it('HpackEncoder refuses the block before touching its state', () => {
      const encoder = new HpackEncoder();
      expect(() => encoder.encode(fields([['x-a', '1'], ['x', '€']]))).to.throw(HpackEncodeError, /field 1 .*value holds a char above U\+00FF/);
      expect(encoder.dynamicTable.entries).to.deep.equal([]);
      expect(toHex(encoder.encode(fields([[':method', 'GET']])))).to.equal('82');
    });
  });
});
