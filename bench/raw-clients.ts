// Many cheap HTTP/2 client connections for the memory scenario: raw h2c
// sockets that send the preface and an empty SETTINGS, acknowledge the
// server's SETTINGS, and can open one stream with a hand-encoded HEADERS
// frame. No client engine runs per connection, so a thousand of them cost
// the driver little and the server sees ordinary, well-behaved clients.

import { connect, type Socket } from 'node:net';
import { CLIENT_PREFACE } from '../src/frames/constants.js';

const FRAME_HEADERS = 0x1;
const FRAME_SETTINGS = 0x4;
const FRAME_PING = 0x6;
const FLAG_ACK = 0x1;

function frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const b = Buffer.alloc(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(streamId, 5);
  b.set(payload, 9);
  return b;
}

const SETTINGS_ACK = frame(FRAME_SETTINGS, FLAG_ACK, 0);
const OPENING = Buffer.concat([Buffer.from(CLIENT_PREFACE), frame(FRAME_SETTINGS, 0, 0)]);

/** HPACK (RFC 7541): GET, http, the path and authority as literals without indexing (§6.2.2), static-table names. */
function requestBlock(path: string, authority: string): Buffer {
  const literal = (nameIndex: number, value: string) => {
    const v = Buffer.from(value, 'latin1');
    if (v.length > 126) throw new RangeError('value too long for this tiny encoder');
    return Buffer.concat([Buffer.of(nameIndex), Buffer.of(v.length), v]);
  };
  // 0x82 :method GET, 0x86 :scheme http, name index 4 :path, name index 1 :authority
  return Buffer.concat([Buffer.of(0x82, 0x86), literal(4, path), literal(1, authority)]);
}

export class RawConnection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #settingsSeen!: () => void;
  #headersSeen!: () => void;
  /** The server's first SETTINGS arrived (and was acknowledged). */
  readonly settled = new Promise<void>((resolve) => (this.#settingsSeen = resolve));
  /** A response HEADERS arrived on stream 1. */
  readonly responded = new Promise<void>((resolve) => (this.#headersSeen = resolve));
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.#socket = connect({ host: '127.0.0.1', port });
    this.connected = new Promise((resolve, reject) => {
      this.#socket.once('connect', () => resolve());
      this.#socket.once('error', reject);
    });
    this.#socket.on('error', () => {});
    this.#socket.write(OPENING);
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
  }

  /** Open stream 1 with GET path. */
  request(path: string, authority: string): void {
    this.#socket.write(frame(FRAME_HEADERS, 0x5 /* END_STREAM | END_HEADERS */, 1, requestBlock(path, authority)));
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3);
      if (this.#buffer.length < 9 + length) return;
      const type = this.#buffer[3]!;
      const flags = this.#buffer[4]!;
      const streamId = this.#buffer.readUInt32BE(5) & 0x7fffffff;
      const payload = this.#buffer.subarray(9, 9 + length);
      this.#buffer = this.#buffer.subarray(9 + length);
      if (type === FRAME_SETTINGS && !(flags & FLAG_ACK)) {
        this.#socket.write(SETTINGS_ACK);
        this.#settingsSeen();
      } else if (type === FRAME_PING && !(flags & FLAG_ACK)) {
        this.#socket.write(frame(FRAME_PING, FLAG_ACK, 0, payload));
      } else if (type === FRAME_HEADERS && streamId === 1) {
        this.#headersSeen();
      }
    }
  }
}

/** Open n connections, `batch` at a time, each settled (SETTINGS exchanged). */
export async function openConnections(port: number, n: number, batch = 50): Promise<RawConnection[]> {
  const all: RawConnection[] = [];
  for (let i = 0; i < n; i += batch) {
    const group = Array.from({ length: Math.min(batch, n - i) }, () => new RawConnection(port));
    all.push(...group);
    await Promise.all(group.map((c) => c.connected.then(() => c.settled)));
  }
  return all;
}
