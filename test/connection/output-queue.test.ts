// The outbound queue lays a batch of frames out as few buffers as it can:
// every frame header, control frame and small body in one buffer, each
// large body as a part of its own, never copied (issue #8's rule: no copy
// of a body chunk beyond the one into the socket).

import { expect } from 'chai';
import fc from 'fast-check';
import { COPY_LIMIT, OutputQueue } from '../../src/connection/output-queue.js';
import { encodeFrame } from '../../src/frames/encode.js';
import type { DataFrame, Frame } from '../../src/frames/frame.js';
import { arbFrame } from '../../src/testing/index.js';

const MAX = 16384;
const data = (streamId: number, n: number, endStream = false): DataFrame => ({ type: 'DATA', streamId, endStream, data: Buffer.alloc(n, 0x61) });

/** DATA around the copy limit, padded or not: the frames whose bodies go apart. */
const arbLargeData: fc.Arbitrary<Frame> = fc
  .record({
    streamId: fc.integer({ min: 1, max: 9 }),
    endStream: fc.boolean(),
    length: fc.integer({ min: COPY_LIMIT - 2, max: 3 * COPY_LIMIT }),
    padLength: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  })
  .map(({ streamId, endStream, length, padLength }) =>
    padLength === undefined
      ? { type: 'DATA', streamId, endStream, data: Buffer.alloc(length, length & 0xff) }
      : { type: 'DATA', streamId, endStream, data: Buffer.alloc(length, length & 0xff), padLength },
  );

describe('connection: OutputQueue', () => {
  it('any frames, taken in any number of batches, are the octets encodeFrame gives, in order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arbFrame(), arbLargeData), { maxLength: 12 }), fc.array(fc.nat({ max: 12 })), fc.boolean(), (frames, cuts, viaPushData) => {
        const q = new OutputQueue(MAX, undefined);
        const wire: Uint8Array[] = [];
        const takeAt = new Set(cuts);
        frames.forEach((f, i) => {
          // The scheduler's way in for DATA (pushData) must lay out exactly what push() does.
          if (viaPushData && f.type === 'DATA') q.pushData(f);
          else q.push(f);
          if (takeAt.has(i)) wire.push(...q.take());
        });
        wire.push(...q.take());
        expect(q.bytes).to.equal(0);
        expect(Buffer.concat(wire).toString('hex')).to.equal(Buffer.concat(frames.map((f) => encodeFrame(f, { maxFrameSize: MAX }))).toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('small frames leave as one buffer', () => {
    const q = new OutputQueue(MAX, undefined);
    q.push({ type: 'HEADERS', streamId: 1, endStream: false, endHeaders: true, headerBlock: Uint8Array.of(0x88) });
    q.push(data(1, COPY_LIMIT, true));
    q.push({ type: 'PING', streamId: 0, ack: true, data: new Uint8Array(8) });
    const parts = q.take();
    expect(parts).to.have.length(1);
    expect(parts[0]!.length).to.equal(9 + 1 + 9 + COPY_LIMIT + 9 + 8);
  });

  it('a large body is its own part: the caller\'s bytes, not a copy', () => {
    const q = new OutputQueue(MAX, undefined);
    const big = data(1, MAX);
    q.push({ type: 'HEADERS', streamId: 1, endStream: false, endHeaders: true, headerBlock: Uint8Array.of(0x88) });
    q.push(big);
    q.push(data(1, 10, true));
    const parts = q.take();
    expect(parts.map((p) => p.length)).to.deep.equal([9 + 1 + 9, MAX, 9 + 10]);
    expect(parts[1]).to.equal(big.data);
  });

  it('refuses a frame the peer\'s SETTINGS_MAX_FRAME_SIZE does not allow, queueing nothing', () => {
    const q = new OutputQueue(MAX, undefined);
    expect(() => q.push(data(1, MAX + 1))).to.throw(/SETTINGS_MAX_FRAME_SIZE|exceeds/);
    expect(q.frames).to.equal(0);
    q.maxFrameSize = 2 * MAX;
    q.push(data(1, MAX + 1));
    expect(q.frames).to.equal(1);
  });

  it('pushData: the scheduler\'s DATA frames, checked for size, queued like push() and seen by the hook', () => {
    const seen: Frame[] = [];
    const q = new OutputQueue(MAX, (_dir, f) => seen.push(f));
    const big = data(3, MAX, true);
    q.pushData(big);
    expect(() => q.pushData(data(3, MAX + 1))).to.throw(/SETTINGS_MAX_FRAME_SIZE|exceeds/);
    expect(() => q.pushData({ type: 'DATA', streamId: 0, endStream: false, data: new Uint8Array(1), padLength: 1 })).to.throw(/stream 0|streamId|stream id/i);
    expect(() => q.pushData({ type: 'DATA', streamId: 0, endStream: false, data: new Uint8Array(1) })).to.throw(/stream 0|streamId|stream id/i);
    expect(() => q.pushData({ type: 'DATA', streamId: 2 ** 31, endStream: false, data: new Uint8Array(1) })).to.throw(/stream id/i);
    expect(q.frames).to.equal(1);
    expect(seen).to.deep.equal([big]);
    const parts = q.take();
    expect(parts).to.have.length(2);
    expect(Buffer.from(parts[0]!).toString('hex')).to.equal('004000000100000003');
    expect(parts[1]).to.equal(big.data);
  });

  it('batches larger than the kept capacity, then small ones, come out whole', () => {
    const q = new OutputQueue(MAX, undefined);
    const many = Array.from({ length: 3000 }, (_, i) => data(1 + 2 * (i % 5), i % 3 === 0 ? MAX : 7));
    for (const f of many) q.pushData(f);
    expect(q.frames).to.equal(3000);
    expect(Buffer.concat(q.take()).equals(Buffer.concat(many.map((f) => encodeFrame(f))))).to.equal(true);
    expect(q.frames).to.equal(0);
    q.push({ type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) });
    expect(Buffer.concat(q.take()).toString('hex')).to.equal('000008060000000000' + '00'.repeat(8));
    expect(q.take()).to.deep.equal([]);
  });
});
