// HPACK layer micro-benchmark: header blocks per second, encoding and
// decoding a browser-like request (10 fields) and a typical response
// (8 fields), through h2wire's wrapper and through hpack.js alone.
// Run: node build/bench/hpack.bench.js
//
// Each pass uses a fresh encoder or decoder for a run of 200 blocks, as one
// connection would, so the dynamic table is exercised as in real traffic.
// h2wire and hpack.js run in alternating rounds; the ratio column is the
// median of the per-round ratios, which holds up on a busy machine.
// hpack.js is a readable-stream Duplex that schedules process.nextTick work
// on every write; the timer yields to the event loop after every pass so
// that work is done and counted, not left to pile up.

import { hpack } from '../src/hpack/hpack-js.js';
import { scanBlock } from '../src/hpack/block-scan.js';
import { HpackDecoder, HpackEncoder, type HeaderField } from '../src/hpack/index.js';
import { fmt, table } from './measure.js';

const BLOCKS_PER_PASS = 200;

function requests(): HeaderField[][] {
  const assets = ['app.js', 'vendor.js', 'style.css', 'logo.svg', 'font.woff2', 'hero.jpg', 'api/user', 'favicon.ico'];
  return Array.from({ length: BLOCKS_PER_PASS }, (_, i) =>
    [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':authority', 'www.example.com'],
      [':path', `/${assets[i % assets.length]}?v=${1000 + (i % 37)}`],
      ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'],
      ['accept', i % 3 === 0 ? 'text/css,*/*;q=0.1' : '*/*'],
      ['accept-encoding', 'gzip, deflate, br, zstd'],
      ['accept-language', 'en-US,en;q=0.9'],
      ['referer', 'https://www.example.com/'],
      ['cookie', 'session=8f14e45fceea167a5a36dedd4bea2543; theme=dark'],
    ].map(([name, value]) => ({ name: name!, value: value! })),
  );
}

function responses(): HeaderField[][] {
  return Array.from({ length: BLOCKS_PER_PASS }, (_, i) =>
    [
      [':status', i % 10 === 0 ? '304' : '200'],
      ['date', `Tue, 14 May 2024 10:${String(20 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} GMT`],
      ['content-type', i % 2 ? 'application/javascript; charset=utf-8' : 'text/css; charset=utf-8'],
      ['content-length', String(1000 + ((i * 7919) % 90000))],
      ['cache-control', 'public, max-age=31536000, immutable'],
      ['etag', `"${(i * 2654435761).toString(16).slice(0, 12)}"`],
      ['server', 'h2wire'],
      ['vary', 'accept-encoding'],
    ].map(([name, value]) => ({ name: name!, value: value! })),
  );
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Blocks per second of `pass` (which handles BLOCKS_PER_PASS blocks) over `ms`, yielding after every pass. */
async function round(pass: () => void, ms: number): Promise<number> {
  let passes = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    pass();
    await tick();
    passes++;
  }
  return (passes * BLOCKS_PER_PASS) / ((performance.now() - start) / 1000);
}

/**
 * Compare two passes in alternating rounds after a warm-up, so that load
 * from elsewhere on the machine hits both alike: median blocks/s of each,
 * and the median of the per-round ratios.
 */
async function compare(ours: () => void, theirs: () => void, rounds = 9, ms = 200): Promise<[number, number, number]> {
  await round(ours, ms);
  await round(theirs, ms);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await round(ours, ms));
    b.push(await round(theirs, ms));
  }
  return [median(a), median(b), median(a.map((x, i) => x / b[i]!))];
}

function rawDecodePass(blocks: Buffer[]): void {
  const d = hpack.decompressor.create({ table: { maxSize: 4096 } });
  d.on('error', (e) => {
    throw e;
  });
  for (const b of blocks) {
    d.write(b);
    d.execute();
    while (d.read() !== null);
  }
}

async function scenario(name: string, lists: HeaderField[][]): Promise<string[][]> {
  const rawLists = lists.map((l) => l.map(({ name, value }) => ({ name, value })));
  const blocks = (() => {
    const e = new HpackEncoder();
    return lists.map((l) => e.encode(l));
  })();
  const rawBlocks = blocks.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  const octets = blocks.reduce((n, b) => n + b.length, 0) / blocks.length;

  const encode = await compare(
    () => {
      const e = new HpackEncoder();
      for (const l of lists) e.encode(l);
    },
    () => {
      const c = hpack.compressor.create({ table: { maxSize: 4096 } });
      for (const l of rawLists) {
        c.write(l);
        c.read();
      }
    },
  );
  const decode = await compare(
    () => {
      const d = new HpackDecoder();
      for (const b of blocks) d.decode(b);
    },
    () => rawDecodePass(rawBlocks),
  );
  // The pre-scan alone, against a whole decode, with a dynamic table of plausible entries.
  const context = { maxTableSize: 4096, sizeUpdateRequired: false, maxStringLength: 65536, dynamic: Array.from({ length: 4096 }, () => ({ totalSize: 100 })) };
  const scan = await compare(
    () => {
      for (const b of blocks) scanBlock(b, context);
    },
    () => {
      const d = new HpackDecoder();
      for (const b of blocks) d.decode(b);
    },
  );
  const row = (op: string, [ours, theirs, ratio]: [number, number, number]) => [name, op, fmt(ours), fmt(theirs), `${fmt(ratio, 2)}x`];
  return [
    row('encode', encode),
    row('decode', decode),
    [name, 'decode: pre-scan alone', fmt(scan[0]), '', `${fmt(100 / scan[2], 1)}% of h2wire decode time`],
    [name, `(${lists[0]!.length} fields, ${fmt(octets, 1)} octets per block on average)`, '', '', ''],
  ];
}

const rows = [...(await scenario('request', requests())), ...(await scenario('response', responses()))];
console.log(`HPACK header blocks per second (node ${process.version})\n`);
console.log(table(['workload', 'operation', 'h2wire', 'hpack.js alone', 'h2wire / hpack.js'], rows));
