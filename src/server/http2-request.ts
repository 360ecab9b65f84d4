// An HTTP/2 request as the handler sees it. Its body is an async iterable
// over what the engine holds for the stream; reading is what credits flow
// control back to the client, so a handler that does not read holds the
// client to one stream window (RFC 9113 §5.2), and the server holds no more.

import type { HeaderField } from '../hpack/header-list.js';
import type { ServerRequest } from './handler-api.js';
import { headerValue } from './header-fields.js';

/** Where the body octets are held until read (the engine); reading gives the client its window back. */
export interface BodySource {
  /** The connection's number (the #N of its trace). */
  readonly id: number;
  readBody(streamId: number): Uint8Array;
}

export class Http2Request implements ServerRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly headers: readonly HeaderField[];
  readonly protoMajor = 2 as const;
  readonly streamId: number;
  readonly pushed: boolean;
  get connection(): number {
    return this.#source.id;
  }
  #abort: AbortController | undefined; // made on first use: most requests never look
  #abortReason: Error | undefined;
  readonly #source: BodySource;
  #trailers: readonly HeaderField[] | undefined;
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(streamId: number, fields: readonly HeaderField[], pushed: boolean, source: BodySource) {
    this.streamId = streamId;
    this.pushed = pushed;
    this.#source = source;
    let method = '';
    let path = '';
    let scheme = '';
    let authority: string | undefined;
    const regular: HeaderField[] = [];
    for (const f of fields) {
      if (f.name.charCodeAt(0) !== 0x3a) regular.push(f); // not ':'
      else if (f.name === ':method') method = f.value;
      else if (f.name === ':path') path = f.value;
      else if (f.name === ':scheme') scheme = f.value;
      else if (f.name === ':authority') authority = f.value;
    }
    this.method = method;
    this.path = path;
    this.scheme = scheme;
    this.authority = authority ?? headerValue(regular, 'host') ?? '';
    this.headers = regular;
  }

  get signal(): AbortSignal {
    if (!this.#abort) {
      this.#abort = new AbortController();
      if (this.#abortReason) this.#abort.abort(this.#abortReason);
    }
    return this.#abort.signal;
  }

  get trailers(): readonly HeaderField[] | undefined {
    return this.#trailers;
  }

  header(name: string): string | undefined {
    return headerValue(this.headers, name.toLowerCase());
  }

  // ---- fed by the session ---------------------------------------------

  /** More body octets are held for this stream. */
  dataArrived(): void {
    this.#notify();
  }

  end(trailers?: readonly HeaderField[]): void {
    this.#ended = true;
    if (trailers) this.#trailers = trailers;
    this.#notify();
  }

  /** The client reset the stream, or the connection ended. */
  abort(reason: Error): void {
    if (this.#abortReason) return;
    this.#abortReason = reason;
    this.#abort?.abort(reason);
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  // ---- read by the handler --------------------------------------------

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.#abortReason) throw this.#abortReason;
      const chunk = this.#source.readBody(this.streamId);
      if (chunk.length > 0) {
        yield chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  async body(): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this) parts.push(chunk);
    return Buffer.concat(parts);
  }
}
