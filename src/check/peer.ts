// The checker's side of a connection: a raw HTTP/2 client that writes
// exactly the frames a case asks for, legal or not, and records everything
// the server answers: frames in order, each header block decoded, and when
// the connection closed. No engine: a conformance checker must be able to
// say what no engine would.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { CLIENT_PREFACE, ErrorCode } from '../frames/constants.js';
import { FrameDecoder } from '../frames/decode.js';
import { encodeFrame } from '../frames/encode.js';
import type { Frame } from '../frames/frame.js';
import { HpackDecoder } from '../hpack/decoder.js';
import { HpackEncoder } from '../hpack/encoder.js';
import type { HeaderField } from '../hpack/header-list.js';
import type { Tracer } from '../trace.js';

/** Octets a check reads from one connection at most: every case needs far fewer. */
export const RECEIVE_BUDGET = 16 * 1024 * 1024;
/** Frames it keeps from one connection at most. */
export const RECEIVE_FRAMES = 20000;

export interface Target {
  url: URL;
  /** Skip certificate verification (self-signed servers). */
  insecure: boolean;
  /** How long a case waits for an answer, ms. */
  timeoutMs: number;
}

/** A frame as received, with its decoded field block for HEADERS and PUSH_PROMISE (CONTINUATIONs joined). */
export interface Received {
  frame: Frame;
  fields?: HeaderField[];
  /** When it arrived, ms since the connection opened. */
  at: number;
}

export class CheckPeer {
  readonly received: Received[] = [];
  readonly encoder = new HpackEncoder({ huffman: true });
  #decoder = new FrameDecoder({ maxFrameSize: 16777215 });
  #hpack = new HpackDecoder({ maxHeaderListSize: 1 << 20, maxFieldCount: 1000 });
  #block: { first: Received; parts: Uint8Array[] } | undefined;
  #waiters: Array<() => void> = [];
  #closedAt: number | undefined;
  /** Why the server's octets could not be read, if they could not. */
  decodeError: string | undefined;
  /** Records every frame both ways (a conversation's trace, for `view`), when set. */
  tracer: Tracer | undefined;
  readonly #opened = performance.now();
  #octets = 0;

  private constructor(
    readonly socket: Socket | TLSSocket,
    readonly target: Target,
  ) {
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closedAt = this.#now();
      this.#wake();
    });
  }

  /** Open a connection (TLS with ALPN h2 for https:, prior knowledge for http:). Rejects with a message a person can act on. */
  static open(target: Target): Promise<CheckPeer> {
    const { url } = target;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const secure = url.protocol === 'https:';
    const port = Number(url.port || (secure ? 443 : 80));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no connection to ${url.host} within ${target.timeoutMs} ms`)), target.timeoutMs);
      const fail = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      };
      const ready = () => {
        clearTimeout(timer);
        if (secure && (socket as TLSSocket).alpnProtocol !== 'h2') return fail(new Error(`${url.host} did not negotiate h2 over TLS (ALPN gave ${(socket as TLSSocket).alpnProtocol || 'nothing'})`));
        resolve(new CheckPeer(socket, target));
      };
      const socket: Socket = secure
        ? tlsConnect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, ALPNProtocols: ['h2'], rejectUnauthorized: !target.insecure }, ready)
        : netConnect({ host, port }, ready);
      socket.once('error', (e) => fail(new Error(`cannot connect to ${url.host}: ${e.message}${/self.signed|certificate/i.test(e.message) ? ' (--insecure skips verification)' : ''}`)));
    });
  }

  #now(): number {
    return Math.round((performance.now() - this.#opened) * 10) / 10;
  }

  #onData(chunk: Buffer): void {
    if (this.decodeError) return;
    // HTTP/1.x (or an HTTP/0.9-style bare body, as Python's http.server answers our preface) is not a frame.
    if (this.#octets === 0 && /^(HTTP\/1\.[01] |\s*<(!doctype|html))/i.test(chunk.toString('latin1', 0, 16))) {
      this.decodeError = `the server answered in HTTP/1.x, not HTTP/2: ${JSON.stringify(chunk.toString('latin1', 0, 60).split(/\r?\n/)[0])}`;
      this.#wake();
      return;
    }
    this.#octets += chunk.length;
    if (this.#octets > RECEIVE_BUDGET) {
      // A server that does not stop talking is a finding, not a reason to hold all it says.
      this.decodeError = `the server sent more than ${RECEIVE_BUDGET} octets on one connection of a check; the checker stopped reading`;
      this.socket.destroy();
      return;
    }
    try {
      this.#decoder.push(chunk);
      for (const frame of this.#decoder.frames()) this.#onFrame(frame);
    } catch (e) {
      this.decodeError = (e as Error).message;
    }
    this.#wake();
  }

  #onFrame(frame: Frame): void {
    if (this.received.length >= RECEIVE_FRAMES) {
      this.decodeError ??= `the server sent more than ${RECEIVE_FRAMES} frames on one connection of a check; the checker stopped reading`;
      this.socket.destroy();
      return;
    }
    const r: Received = { frame, at: this.#now() };
    this.received.push(r);
    this.tracer?.frame(1, 'in', frame);
    if (frame.type === 'HEADERS' || frame.type === 'PUSH_PROMISE') {
      this.#block = { first: r, parts: [frame.headerBlock] };
      if (frame.endHeaders) this.#decodeBlock();
    } else if (frame.type === 'CONTINUATION' && this.#block) {
      this.#block.parts.push(frame.headerBlock);
      if (frame.endHeaders) this.#decodeBlock();
    }
  }

  #decodeBlock(): void {
    const block = this.#block!;
    this.#block = undefined;
    try {
      block.first.fields = this.#hpack.decode(Buffer.concat(block.parts));
    } catch (e) {
      this.decodeError = `the server's header block did not decode: ${(e as Error).message}`;
    }
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  get closed(): boolean {
    return this.#closedAt !== undefined;
  }

  /** Write octets as they are (a trace says them in hex: they need not be a frame). */
  writeBytes(bytes: Uint8Array): void {
    this.tracer?.note(1, `sent raw octets: ${Buffer.from(bytes).toString('hex')}`);
    this.#send(bytes);
  }

  #send(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Write frames, legal or not. */
  write(...frames: Frame[]): void {
    for (const f of frames) this.tracer?.frame(1, 'out', f);
    this.#send(Buffer.concat(frames.map((f) => encodeFrame(f, { allowIllegal: true, maxFrameSize: 16777215 }))));
  }

  /** The preface and our SETTINGS; then the server's SETTINGS is acknowledged when it comes (RFC 9113 §3.4, §6.5.3). */
  async handshake(settings: Array<{ id: number; value: number }> = []): Promise<boolean> {
    this.writeBytes(CLIENT_PREFACE);
    this.write({ type: 'SETTINGS', streamId: 0, ack: false, settings });
    const theirs = await this.waitFor((r) => r.frame.type === 'SETTINGS' && !r.frame.ack);
    if (!theirs) return false;
    this.write({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });
    return true;
  }

  /** A request's HEADERS (fields encoded with this peer's HPACK encoder). */
  request(streamId: number, path: string, options: { endStream?: boolean; extra?: HeaderField[]; method?: string } = {}): Frame {
    const fields: HeaderField[] = [
      { name: ':method', value: options.method ?? 'GET' },
      { name: ':scheme', value: this.target.url.protocol === 'https:' ? 'https' : 'http' },
      { name: ':authority', value: this.target.url.host },
      { name: ':path', value: path },
      ...(options.extra ?? []),
    ];
    return { type: 'HEADERS', streamId, endStream: options.endStream ?? true, endHeaders: true, headerBlock: this.encoder.encode(fields) };
  }

  /** The first received frame matching (from the start), waiting up to the target's timeout; undefined if none came (or the connection closed first). */
  async waitFor(match: (r: Received) => boolean, timeoutMs = this.target.timeoutMs): Promise<Received | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      const left = deadline - performance.now();
      if (this.closed || this.decodeError || left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Wait until the connection closes (or the timeout passes); whether it did. */
  async waitClosed(timeoutMs = this.target.timeoutMs): Promise<boolean> {
    await this.waitFor(() => false, timeoutMs);
    return this.closed;
  }

  /** What the server did about a connection error: its GOAWAY (and code), or closing without one. */
  async connectionError(): Promise<{ goaway?: { code: number; debug: string }; closed: boolean }> {
    const g = await this.waitFor((r) => r.frame.type === 'GOAWAY');
    if (g && g.frame.type === 'GOAWAY') return { goaway: { code: g.frame.errorCode, debug: Buffer.from(g.frame.debugData).toString('latin1') }, closed: this.closed };
    return { closed: this.closed };
  }

  /** Frames the server sent, as the text trace names them, for reports. */
  summary(limit = 12): string {
    if (this.decodeError && this.received.length === 0) return this.decodeError;
    const names = this.received.map((r) => (r.frame.type === 'GOAWAY' || r.frame.type === 'RST_STREAM' ? `${r.frame.type}(${errorName(r.frame.errorCode)})` : r.frame.type));
    const shown = names.length > limit ? [...names.slice(0, limit), `… ${names.length - limit} more`] : names;
    return `${shown.join(', ') || 'nothing'}${this.closed ? ', then closed' : ''}`;
  }

  close(): void {
    this.socket.destroy();
  }
}

const codeNames = Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [code, name]));
export const errorName = (code: number) => codeNames[code] ?? `0x${code.toString(16)}`;
