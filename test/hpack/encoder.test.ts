import { expect } from 'chai';
import { HpackDecoder, HpackEncodeError, HpackEncoder, isSensitiveByDefault, SHORT_COOKIE_LENGTH, type HeaderField } from '../../src/hpack/index.js';
import { fields, pairs, toHex } from './bytes-and-fields.js';

const GET = fields([[':method', 'GET']]); // static index 2: always '82'

/** The size updates that open a block, as numbers (RFC 7541 §6.3). */
function leadingSizeUpdates(block: Uint8Array): number[] {
  const out: number[] = [];
  let at = 0;
  while (at < block.length && (block[at]! & 0xe0) === 0x20) {
    let value = block[at++]! & 0x1f;
    if (value === 0x1f) {
      let shift = 0;
      let b: number;
      do {
        b = block[at++]!;
        value += (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
    }
    out.push(value);
  }
  return out;
}

/** The kind of the first representation in a block (RFC 7541 §6). */
function representation(block: Uint8Array): string {
  const b = block[0]!;
  if (b & 0x80) return 'indexed';
  if (b & 0x40) return 'incremental';
  if (b & 0x20) return 'size update';
  return b & 0x10 ? 'never indexed' : 'without indexing';
}

describe('hpack: HpackEncoder', () => {
  describe('dynamic table size updates (RFC 7541 §4.2, §6.3; RFC 9113 §4.3.1)', () => {
    const cases: [string, { maxTableSize?: number }, number[], number[]][] = [
      ['nothing when nothing changed', {}, [], []],
      ['nothing when the peer allows more than we use', {}, [65536], []],
      ['the new size when the peer lowers it', {}, [1024], [1024]],
      ['only the last when the size only grows', { maxTableSize: 65536 }, [8192, 16384], [16384]],
      ['the minimum, then the final size, when it went down and up', {}, [100, 2048], [100, 2048]],
      ['the minimum and back, when it went down and back to where it was', {}, [0, 4096], [0, 4096]],
      ['one update when it went up then down below the start', { maxTableSize: 65536 }, [8192, 1024], [1024]],
      ['nothing when it went up and back', { maxTableSize: 65536 }, [8192, 4096], []],
      ['our own cap below 4,096, at the first block', { maxTableSize: 1000 }, [], [1000]],
      ['our cap when the peer allows more', { maxTableSize: 1000 }, [2000], [1000]],
    ];
    for (const [what, options, settings, expected] of cases) {
      it(`${what}: SETTINGS ${JSON.stringify(settings)} -> ${JSON.stringify(expected)}`, () => {
        const encoder = new HpackEncoder(options);
        for (const n of settings) encoder.setPeerTableSize(n);
        expect(leadingSizeUpdates(encoder.encode(GET))).to.deep.equal(expected);
        expect(leadingSizeUpdates(encoder.encode(GET)), 'only once').to.deep.equal([]);
      });
    }

    it('evicts as it signals, so its table matches the decoder\'s', () => {
      const encoder = new HpackEncoder();
      const decoder = new HpackDecoder();
      const list = fields([['x-a', 'a'.repeat(100)], ['x-b', 'b'.repeat(100)]]);
      decoder.decode(encoder.encode(list));
      encoder.setPeerTableSize(150);
      decoder.setMaxTableSize(150);
      decoder.decode(encoder.encode(GET));
      expect(encoder.dynamicTable).to.deep.equal(decoder.dynamicTable);
      expect(encoder.dynamicTable.entries.map((e) => e.name)).to.deep.equal(['x-b']);
    });

    it('refuses a size that is not a 32-bit unsigned integer', () => {
      expect(() => new HpackEncoder().setPeerTableSize(-1)).to.throw(RangeError);
      expect(() => new HpackEncoder().setPeerTableSize(2 ** 32)).to.throw(RangeError);
      expect(() => new HpackEncoder({ maxTableSize: 0.5 })).to.throw(RangeError);
    });
  });

  describe('Huffman (RFC 7541 §5.2)', () => {
    it('is used by default where it is shorter', () => {
      expect(toHex(new HpackEncoder().encode(fields([[':authority', 'www.example.com']])))).to.equal('418cf1e3c2e5f23a6ba0ab90f4ff');
    });

    it('is not used for a string whose codes are longer than 8 bits; each string is decided on its own', () => {
      // name 'x' Huffman-coded (0x81 f3), value raw (0x02 ff fe)
      expect(toHex(new HpackEncoder().encode(fields([['x', '\u00ff\u00fe']])))).to.equal('4081f302fffe');
    });

    it('is off with huffman: false', () => {
      expect(toHex(new HpackEncoder({ huffman: false }).encode(fields([[':authority', 'www.example.com']])))).to.equal(
        '410f7777772e6578616d706c652e636f6d',
      );
    });
  });

  describe('never-indexed fields (RFC 7541 §6.2.3, §7.1.3)', () => {
    const cookie = (n: number) => 'k=' + 'v'.repeat(n - 2);

    it('default policy: authorization, proxy-authorization, set-cookie, short cookies; any case', () => {
      expect(isSensitiveByDefault('authorization', 'Bearer x')).to.equal(true);
      expect(isSensitiveByDefault('Proxy-Authorization', 'Basic x')).to.equal(true);
      expect(isSensitiveByDefault('set-cookie', cookie(200))).to.equal(true);
      expect(isSensitiveByDefault('cookie', cookie(SHORT_COOKIE_LENGTH - 1))).to.equal(true);
      expect(isSensitiveByDefault('cookie', cookie(SHORT_COOKIE_LENGTH))).to.equal(false);
      expect(isSensitiveByDefault('user-agent', 'x')).to.equal(false);
    });

    for (const [name, value, sensitive] of [
      ['authorization', 'Bearer abc', true],
      ['set-cookie', 'id=1; Secure', true],
      ['cookie', 'id=1', true],
      ['cookie', cookie(40), false],
      ['x-custom', 'v', false],
    ] as const) {
      it(`${name} (${value.length} octets) is ${sensitive ? 'never indexed' : 'indexed'}`, () => {
        const encoder = new HpackEncoder();
        const decoder = new HpackDecoder();
        const first = encoder.encode(fields([[name, value]]));
        expect(representation(first), 'representation').to.equal(sensitive ? 'never indexed' : 'incremental');
        expect(decoder.decode(first)[0]!.sensitive === true).to.equal(sensitive);
        const second = encoder.encode(fields([[name, value]]));
        expect(second.length === 1, 'indexed the second time').to.equal(!sensitive);
        expect(encoder.dynamicTable.entries).to.have.length(sensitive ? 0 : 1);
      });
    }

    it('a field marked sensitive by the caller, or by the isSensitive option', () => {
      const marked: HeaderField = { name: 'x-token', value: 'secret', sensitive: true };
      expect(representation(new HpackEncoder().encode([marked]))).to.equal('never indexed');
      const encoder = new HpackEncoder({ isSensitive: (name) => name === 'x-api-key' });
      expect(representation(encoder.encode(fields([['x-api-key', 'k']])))).to.equal('never indexed');
      expect(representation(encoder.encode(fields([['authorization', 'a']]))), 'the option replaces the default').to.equal('incremental');
    });
    it('a sensitive field that matches a static entry whole still takes its name from the table (RFC 7541 §6.2.3)', () => {
      // :method GET is static entry 2: never indexed with name index 2 is 0x12, then the value.
      const block = new HpackEncoder().encode([{ name: ':method', value: 'GET', sensitive: true }]);
      expect(block[0]).to.equal(0x12);
      expect(pairs(new HpackDecoder().decode(block))).to.deep.equal([[':method', 'GET']]);
    });
  });

  describe('input', () => {
    it('keeps order and duplicates, and takes empty names and values', () => {
      const list = fields([['b', ''], ['a', '1'], ['b', ''], ['', 'x'], ['a', '2']]);
      const encoder = new HpackEncoder();
      const decoder = new HpackDecoder();
      for (let i = 0; i < 3; i++) expect(pairs(decoder.decode(encoder.encode(list)))).to.deep.equal(pairs(list));
    });

    it('encodes an empty list as an empty block', () => {
      expect(new HpackEncoder().encode([])).to.deep.equal(new Uint8Array(0));
    });

    it('refuses a name or value that is not a string', () => {
      const bad = [{ name: 'x', value: 5 }] as unknown as HeaderField[];
      expect(() => new HpackEncoder().encode(bad)).to.throw(HpackEncodeError, /must be strings/);
    });

    it('refuses to be called from its own isSensitive callback (encoders share one scratch buffer), and works after', () => {
      const inner = new HpackEncoder();
      const outer = new HpackEncoder({ isSensitive: () => inner.encode(GET).length === 0 });
      expect(() => outer.encode(GET)).to.throw(Error, /inside an encode/);
      expect(toHex(inner.encode(GET))).to.equal('82');
    });

    it('refuses a char above U+00FF in a name too', () => {
      expect(() => new HpackEncoder().encode(fields([['x-\u0100', '1']]))).to.throw(HpackEncodeError, /name holds a char above/);
    });
  });
});
