// Whatever a peer sends, the engine answers with frames and events and never
// throws out of receive() (RFC 9113 §5.4: errors become GOAWAY/RST_STREAM).

import { expect } from 'chai';
import fc from 'fast-check';
import { Http2Endpoint } from '../../src/connection/endpoint.js';
import { CLIENT_PREFACE } from '../../src/frames/constants.js';
import { decodeFrames } from '../../src/frames/decode.js';
import { encodeFrame } from '../../src/frames/encode.js';
import type { Frame } from '../../src/frames/frame.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import { arbChunks, arbFrame, arbInvalidFrame } from '../../src/testing/index.js';
import { GET } from './harness.js';

const settings = encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [] });

/** Frames a hostile client might send: valid ones on small stream ids, real requests, and malformed ones. */
function arbHostileStream(): fc.Arbitrary<Uint8Array[]> {
  const request = fc.record({ id: fc.integer({ min: 0, max: 12 }), end: fc.boolean() }).map(({ id, end }) => {
    const f: Frame = { type: 'HEADERS', streamId: id * 2 + 1, endStream: end, endHeaders: true, headerBlock: new Uint8Array(0) };
    return { frame: f, needsBlock: true };
  });
  const anyFrame = arbFrame({ maxBodyLength: 40 }).map((f) => {
    // Keep stream ids small so frames land on streams that exist.
    const small = f.streamId === 0 ? 0 : (f.streamId % 12) + 1;
    return { frame: { ...f, streamId: small } as Frame, needsBlock: false };
  });
  const invalid = arbInvalidFrame().map((c) => c.bytes);
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: request }, { weight: 4, arbitrary: anyFrame }, { weight: 1, arbitrary: invalid }), { maxLength: 25 })
    .map((items) =>
      Buffer.concat([
        CLIENT_PREFACE,
        settings,
        ...items.map((it) => {
          if (it instanceof Uint8Array) return it;
          if (it.needsBlock && it.frame.type === 'HEADERS') {
            // A fresh encoder per block keeps blocks independent of order.
            const block = new HpackEncoder().encode(GET('/'));
            return encodeFrame({ ...it.frame, headerBlock: block }, { allowIllegal: true });
          }
          return encodeFrame(it.frame, { allowIllegal: true, maxFrameSize: 16777215 });
        }),
      ]),
    )
    .chain((bytes) => arbChunks(new Uint8Array(bytes)));
}

describe('engine under hostile input', () => {
  it('never throws from receive(), and always writes well-formed frames', () => {
    fc.assert(
      fc.property(arbHostileStream(), fc.boolean(), (chunks, respond) => {
        const server = new Http2Endpoint({ role: 'server' });
        const out: Uint8Array[] = [];
        for (const chunk of chunks) {
          const events = server.receive(chunk);
          if (respond) {
            for (const e of events) {
              if (e.type === 'request') {
                try {
                  server.push(e.streamId, GET('/pushed'));
                } catch {
                  /* refused: fine */
                }
                server.respond(e.streamId, [{ name: ':status', value: '200' }]);
                server.sendData(e.streamId, new Uint8Array(100), { endStream: true });
              }
            }
          }
          out.push(...server.takeOutput());
        }
        // What we wrote is a valid sequence of frames (the client may have lowered nothing: 16 KiB max).
        const frames = decodeFrames(Buffer.concat(out));
        expect(frames[0]?.type).to.equal('SETTINGS');
        const goaways = frames.filter((f) => f.type === 'GOAWAY');
        expect(goaways.length).to.be.at.most(1);
        if (server.closedBy) expect(frames.at(-1)?.type).to.equal('GOAWAY');
        expect(server.heldBytes()).to.be.below(200000);
      }),
      { numRuns: Number(process.env.H2WIRE_PROPERTY_RUNS ?? 400) },
    );
  });

  it('survives arbitrary bytes after a valid preface', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (junk) => {
        const server = new Http2Endpoint({ role: 'server' });
        server.receive(Buffer.concat([CLIENT_PREFACE, settings, junk]));
        decodeFrames(Buffer.concat(server.takeOutput()));
      }),
      { numRuns: Number(process.env.H2WIRE_PROPERTY_RUNS ?? 300) },
    );
  });
});
