// Frame layer micro-benchmark: encode and decode throughput for a realistic
// mix (small HEADERS and DATA frames of a page load) and for 16 KiB DATA.
// Run: make bench (or node build/bench/frames.bench.js).

import { decodeFrames, encodeFrame, encodeFrameParts, FrameDecoder, type Frame } from '../src/frames/index.js';
import { fmt, measure, table } from './measure.js';

function smallMix(): Frame[] {
  const frames: Frame[] = [];
  const block = new Uint8Array(60).fill(0x82);
  for (let i = 0; i < 100; i++) {
    const streamId = 2 * i + 1;
    frames.push({ type: 'HEADERS', streamId, endStream: false, endHeaders: true, headerBlock: block });
    frames.push({ type: 'DATA', streamId, endStream: false, data: new Uint8Array(200 + (i % 7) * 100) });
    frames.push({ type: 'DATA', streamId, endStream: true, data: new Uint8Array(0) });
    if (i % 10 === 0) frames.push({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 65535 });
  }
  frames.push({ type: 'PING', streamId: 0, ack: false, data: new Uint8Array(8) });
  return frames;
}

function largeData(): Frame[] {
  const data = new Uint8Array(16384).fill(0x61);
  return Array.from({ length: 64 }, (_, i) => ({ type: 'DATA', streamId: 1, endStream: i === 63, data }) as Frame);
}

function run(name: string, frames: Frame[], chunkSize: number): string[][] {
  const wire = Buffer.concat(frames.map((f) => encodeFrame(f)));
  const mb = wire.length / 1e6;
  const rows: string[][] = [];
  const enc = measure(() => {
    for (const f of frames) encodeFrame(f);
  }, frames.length);
  rows.push([name, 'encodeFrame (one buffer)', fmt(enc.opsPerSec), fmt((enc.opsPerSec / frames.length) * mb, 1)]);
  const parts = measure(() => {
    for (const f of frames) encodeFrameParts(f);
  }, frames.length);
  rows.push([name, 'encodeFrameParts (no body copy)', fmt(parts.opsPerSec), fmt((parts.opsPerSec / frames.length) * mb, 1)]);
  const dec = measure(() => {
    decodeFrames(wire);
  }, frames.length);
  rows.push([name, 'decode, all in one chunk', fmt(dec.opsPerSec), fmt((dec.opsPerSec / frames.length) * mb, 1)]);
  const chunks: Buffer[] = [];
  for (let at = 0; at < wire.length; at += chunkSize) chunks.push(wire.subarray(at, at + chunkSize));
  const decChunked = measure(() => {
    const d = new FrameDecoder();
    for (const c of chunks) {
      d.push(c);
      while (d.next());
    }
  }, frames.length);
  rows.push([name, `decode, ${fmt(chunkSize)}-octet chunks`, fmt(decChunked.opsPerSec), fmt((decChunked.opsPerSec / frames.length) * mb, 1)]);
  return rows;
}

const rows = [...run('small mix (HEADERS/DATA/WINDOW_UPDATE)', smallMix(), 1460), ...run('16 KiB DATA', largeData(), 65536)];
console.log(`## Frame layer (node ${process.version})\n`);
console.log(table(['workload', 'operation', 'frames/s', 'MB/s'], rows));
