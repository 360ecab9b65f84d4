// The README's examples, run through the package's public entry points
// ('h2wire' and 'h2wire/testing', resolved by package self-reference).

import { expect } from 'chai';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, formatFrame, type Frame } from 'h2wire';
import { arbChunks, arbFrame, arbInvalidFrame } from 'h2wire/testing';

describe('public entry points (README examples)', () => {
  it('decodes a frame and prints it', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('000004080000000000000f0001', 'hex'));
    const lines = [...decoder.frames()].map(formatFrame);
    expect(lines).to.deep.equal(['WINDOW_UPDATE stream=0 len=4 flags=- increment=983041']);
  });

  // "Someone else's parser": a deliberately naive one that reads only the
  // 9-octet headers. The arbitraries find what it gets wrong.
  function naiveParse(bytes: Uint8Array): Array<{ type: number; streamId: number; length: number }> {
    const out = [];
    for (let at = 0; at + 9 <= bytes.length; ) {
      const length = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
      out.push({ type: bytes[at + 3]!, streamId: ((bytes[at + 5]! & 0x7f) << 24) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 8) | bytes[at + 8]!, length });
      at += 9 + length;
    }
    return out;
  }

  it('finds frames and stream ids with arbFrame and arbChunks', () => {
    fc.assert(
      fc.property(
        fc.array(arbFrame(), { maxLength: 5 }).chain((frames: Frame[]) => {
          const wire = Buffer.concat(frames.map((f) => encodeFrame(f)));
          return arbChunks(wire).map((chunks) => ({ frames, wire: Buffer.concat(chunks) }));
        }),
        ({ frames, wire }) => {
          expect(naiveParse(wire).map((f) => f.streamId)).to.deep.equal(frames.map((f) => f.streamId));
        },
      ),
    );
  });

  it('shows that the naive parser accepts frames the RFC says to reject', () => {
    const result = fc.check(
      fc.property(arbInvalidFrame(), (c) => {
        // A conforming parser must reject c.bytes with c.error; the naive one never does.
        expect(() => naiveParse(c.bytes), c.rule).to.throw();
      }),
    );
    expect(result.failed).to.equal(true);
  });
});
