// Engine micro-benchmark: a server engine answering GETs for a 1 MiB body in
// memory, its output written through a corked Writable that drops it. The
// HTTP/2 work of a large response (scheduling, framing, write parts) without
// the kernel, which the server benchmark shows both servers spend the same on.
// Run: make bench (or node build/bench/engine.bench.js).

import { Writable } from 'node:stream';
import { Http2Endpoint } from '../src/connection/index.js';
import { CLIENT_PREFACE, SettingId } from '../src/frames/constants.js';
import { encodeFrame } from '../src/frames/encode.js';
import { HpackEncoder } from '../src/hpack/encoder.js';
import type { HeaderList } from '../src/hpack/header-list.js';
import { fmt, measure, table } from './measure.js';

const BODY = Buffer.alloc(1 << 20, 0x78);
const REQUEST: HeaderList = [
  { name: ':method', value: 'GET' },
  { name: ':scheme', value: 'http' },
  { name: ':authority', value: 'bench' },
  { name: ':path', value: '/big' },
];
const STATUS: HeaderList = [{ name: ':status', value: '200' }];

/** One connection answering `streams` requests at a time; returns a function that runs one round. */
function connection(streams: number): () => void {
  const sink = new Writable({
    writev: (_chunks, cb) => cb(),
    write: (_chunk, _encoding, cb) => cb(),
    highWaterMark: 1 << 30,
  });
  const server = new Http2Endpoint({ role: 'server' });
  const requests = new HpackEncoder();
  // A client that allows the largest stream window (§6.9.2); the connection window is credited as bytes go out.
  server.receive(
    Buffer.concat([
      CLIENT_PREFACE,
      encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: SettingId.INITIAL_WINDOW_SIZE, value: 2 ** 31 - 1 }] }),
      encodeFrame({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }),
    ]),
  );
  server.takeOutput();
  let next = 1;
  return () => {
    const heads: Buffer[] = [];
    for (let i = 0; i < streams; i++)
      heads.push(encodeFrame({ type: 'HEADERS', streamId: next + 2 * i, endStream: true, endHeaders: true, headerBlock: requests.encode(REQUEST) }));
    server.receive(Buffer.concat(heads));
    server.takeEvents();
    for (let i = 0; i < streams; i++) {
      server.respond(next + 2 * i, STATUS);
      server.sendData(next + 2 * i, BODY, { endStream: true });
    }
    next += 2 * streams;
    for (;;) {
      const parts = server.takeOutput();
      if (parts.length === 0) break;
      let sent = 0;
      sink.cork();
      for (const p of parts) {
        sink.write(p);
        sent += p.length;
      }
      sink.uncork();
      server.receive(encodeFrame({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: sent }));
    }
  };
}

const rows = [1, 4, 16].map((streams) => {
  const m = measure(connection(streams), streams, 1000, 5);
  return [`${streams} stream${streams > 1 ? 's' : ''} at a time`, fmt(m.opsPerSec, 0), fmt(1e6 / m.opsPerSec, 1)];
});
console.log(`## Engine: 1 MiB responses in memory (node ${process.version})\n`);
console.log(table(['load', 'MiB/s', 'µs per MiB'], rows));
console.log('\n16 KiB DATA frames (the default SETTINGS_MAX_FRAME_SIZE): 64 frames and 128 write parts per MiB, through a corked Writable.');
