// A hostile client on a real socket: writes hand-made frames (legal or not)
// as fast as it likes and records exactly what the server answers.

import { connect, type Socket } from 'node:net';
import { CLIENT_PREFACE } from '../../src/frames/constants.js';
import { FrameDecoder } from '../../src/frames/decode.js';
import type { Frame, GoawayFrame } from '../../src/frames/frame.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import type { HeaderField } from '../../src/hpack/header-list.js';
import { FrameBuilders, frameBytes, type FrameOrBuilder } from '../../src/testing/frame-builders.js';

export const GET = (path = '/style.css'): HeaderField[] => [
  { name: ':method', value: 'GET' },
  { name: ':scheme', value: 'http' },
  { name: ':authority', value: 'localhost' },
  { name: ':path', value: path },
];

export class RawSocketPeer {
  /** Every frame the server sent, in order. */
  readonly frames: Frame[] = [];
  readonly encoder = new HpackEncoder();
  /**
   * Frame builders whose field blocks use this peer's HPACK encoder (RFC 9113
   * §4.3), with GET()'s :scheme and :authority: `peer.build.headers(1).request('GET', '/')`.
   */
  readonly build = new FrameBuilders({ encoder: this.encoder, scheme: 'http', authority: 'localhost' });
  readonly closed: Promise<void>;
  #decoder = new FrameDecoder({ maxFrameSize: 16777215 });
  #waiters: Array<() => void> = [];
  #isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#decoder.push(chunk);
        this.frames.push(...this.#decoder.frames());
      } catch {
        /* a server frame we cannot decode would fail the test through its assertions */
      }
      this.#wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      }),
    );
  }

  /** `allowHalfOpen`: keep our side open after the server closes its own (a peer that never closes). */
  static connect(port: number, { allowHalfOpen = false } = {}): Promise<RawSocketPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', allowHalfOpen }, () => resolve(new RawSocketPeer(socket)));
      socket.once('error', reject);
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  writeBytes(bytes: Uint8Array): boolean {
    if (this.#isClosed || this.socket.destroyed) return false;
    return this.socket.write(bytes);
  }

  /** Write frames, legal or not: Frame objects (encoded with allowIllegal) or builders, in one socket write. */
  write(...frames: FrameOrBuilder[]): boolean {
    return this.writeBytes(frameBytes(...frames));
  }

  headers(streamId: number, fields = GET(), endStream = true, endHeaders = true): Frame {
    return this.build.headers(streamId).fields(fields).endStream(endStream).endHeaders(endHeaders).frame();
  }

  /** Preface, SETTINGS, and the ACK of the server's SETTINGS once it arrives. */
  async handshake(settings: Array<{ id: number; value: number }> = []): Promise<void> {
    this.writeBytes(CLIENT_PREFACE);
    this.write(this.build.settings(settings));
    await this.waitFor((f) => f.type === 'SETTINGS' && !f.ack);
    this.write(this.build.settings().ack());
  }

  /** The first frame (from the start) matching, waiting up to timeoutMs. */
  async waitFor(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(match);
      if (f) return f;
      if (this.#isClosed) throw new Error(`connection closed without the frame awaited; got ${this.frames.map((x) => x.type).join(',')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${this.frames.map((x) => x.type).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The server's GOAWAY, waiting up to timeoutMs. */
  goaway(timeoutMs = 5000): Promise<GoawayFrame> {
    return this.waitFor((f) => f.type === 'GOAWAY', timeoutMs) as Promise<GoawayFrame>;
  }

  close(): void {
    this.socket.destroy();
  }
}
