import { expect } from 'chai';
import fc from 'fast-check';
import { bytesToOctets, fieldSize, headerListSize, isOctetString, octetsToBytes, octetsToUtf8, utf8ToOctets } from '../../src/hpack/index.js';

describe('hpack: header lists', () => {
  it('counts sizes as name + value + 32 per field (RFC 9113 §6.5.2)', () => {
    expect(fieldSize({ name: 'x', value: 'ab' })).to.equal(35);
    expect(headerListSize([{ name: 'x', value: 'ab' }, { name: '', value: '' }])).to.equal(67);
  });

  it('octet strings and bytes convert both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 10000 }), (bytes) => {
        const s = bytesToOctets(bytes);
        expect(isOctetString(s)).to.equal(true);
        expect(octetsToBytes(s)).to.deep.equal(bytes);
      }),
      { numRuns: 100 },
    );
    expect(isOctetString('\u0100')).to.equal(false);
    expect(() => octetsToBytes('a\u20ac')).to.throw(RangeError, /U\+20ac at 1/);
  });

  it('UTF-8 text travels as its octets', () => {
    expect(utf8ToOctets('€')).to.equal('\u00e2\u0082\u00ac');
    expect(octetsToUtf8(utf8ToOctets('naïve €'))).to.equal('naïve €');
  });
});
