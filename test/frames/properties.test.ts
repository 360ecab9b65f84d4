// Property tests of the frame codec (fast-check): round trips for every type,
// chunking independence, and the decoder's behaviour on arbitrary bytes.

import { expect } from 'chai';
import fc from 'fast-check';
import {
  decodeFrame,
  encodeFrame,
  encodeFrameParts,
  encodeRawFrame,
  FrameDecoder,
  frameToJSON,
  formatFrame,
  MAX_MAX_FRAME_SIZE,
  type Frame,
} from '../../src/frames/index.js';
import { isH2ProtocolError } from '../../src/protocol-errors.js';
import { arbChunks, arbFrame, frameArbitraries } from '../../src/testing/index.js';

const json = (frames: Frame[]) => frames.map(frameToJSON);

describe('frame codec properties', () => {
  for (const [type, arb] of Object.entries(frameArbitraries())) {
    it(`decode(encode(f)) equals f for ${type}`, () => {
      fc.assert(
        fc.property(arb as fc.Arbitrary<Frame>, (f) => {
          const wire = encodeFrame(f);
          expect(frameToJSON(decodeFrame(wire))).to.deep.equal(frameToJSON(f));
          expect(Buffer.concat(encodeFrameParts(f))).to.deep.equal(wire);
          expect(formatFrame(f)).to.match(new RegExp(`^${type === 'UNKNOWN' ? 'UNKNOWN\\(type=0x[0-9a-f]{2}\\)' : type} stream=${f.streamId} len=${wire.length - 9} `));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('frames with large bodies round-trip up to the max frame size', () => {
    fc.assert(
      fc.property(arbFrame({ maxBodyLength: 20000 }), fc.constantFrom(16384, 32768), (f, max) => {
        let wire: Buffer;
        try {
          wire = encodeFrame(f, { maxFrameSize: max });
        } catch {
          return; // too large for this max: the encoder refused, as it must
        }
        expect(frameToJSON(decodeFrame(wire, { maxFrameSize: max }))).to.deep.equal(frameToJSON(f));
      }),
      { numRuns: 40 },
    );
  });

  it('a stream of frames decodes the same whatever the chunking', () => {
    const arb = fc
      .array(arbFrame(), { minLength: 1, maxLength: 12 })
      .chain((frames) => {
        const wire = Buffer.concat(frames.map((f) => encodeFrame(f)));
        return arbChunks(wire).map((chunks) => ({ frames, chunks }));
      });
    fc.assert(
      fc.property(arb, ({ frames, chunks }) => {
        const d = new FrameDecoder();
        const out: Frame[] = [];
        for (const chunk of chunks) {
          d.push(chunk);
          out.push(...d.frames());
        }
        expect(json(out)).to.deep.equal(json(frames));
        expect(d.bufferedBytes).to.equal(0);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes yield frames or a typed protocol error, nothing else, and never hold more than one frame', () => {
    const arb = fc.record({
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        // Arbitrary headers followed by arbitrary payloads: reaches every type's parser.
        fc.array(
          fc.record({
            type: fc.integer({ min: 0, max: 12 }),
            flags: fc.integer({ min: 0, max: 0xff }),
            sid: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x7fffffff })),
            payload: fc.uint8Array({ maxLength: 40 }),
            reserved: fc.boolean(),
          }),
          { maxLength: 8 },
        ).map((hs) => Buffer.concat(hs.map((h) => encodeRawFrame({ type: h.type, flags: h.flags, streamId: h.sid, payload: h.payload, reservedBit: h.reserved })))),
      ),
    });
    fc.assert(
      fc.property(arb, ({ bytes }) => {
        const max = 16384;
        const d = new FrameDecoder({ maxFrameSize: max });
        d.push(bytes);
        for (let i = 0; i <= bytes.length; i++) {
          try {
            const f = d.next();
            if (!f) return;
          } catch (e) {
            if (!isH2ProtocolError(e)) throw e;
            if (e.scope === 'connection') return;
          }
          expect(d.bufferedBytes).to.be.at.most(bytes.length);
        }
        throw new Error('decoder did not finish within one step per input octet');
      }),
      { numRuns: 1000 },
    );
  });

  it('an oversized frame is refused from its header, before any payload is buffered', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16385, max: MAX_MAX_FRAME_SIZE }), fc.integer({ min: 0, max: 255 }), (length, type) => {
        const d = new FrameDecoder();
        d.push(encodeRawFrame({ type, flags: 0, streamId: 1, payload: new Uint8Array(0), length }));
        expect(() => d.next()).to.throw(/FRAME_SIZE|exceeds SETTINGS_MAX_FRAME_SIZE/);
        expect(d.bufferedBytes).to.equal(0);
      }),
    );
  });
});
