// Octets copied out of received frames into one growing block of our own:
// the body of a stream that the application has not read yet, and a field
// block split over HEADERS and CONTINUATION frames. A frame's payload is a
// view into the socket's read buffer; keeping views would pin whole read
// buffers (and any padding) for a few octets each. Copied, a peer sending
// 1-octet frames costs us about one octet per octet, not an object and a
// read buffer per frame.

/** The first block made; small bodies and blocks fit in it. */
const FIRST_BLOCK = 256;
/** The block grows by doubling, but never to more than this beyond what it must hold. */
const MAX_SLACK = 16 * 1024;

const EMPTY = new Uint8Array(0);

export class OctetBuffer {
  #block: Uint8Array | undefined;
  #length = 0;

  /** Octets held. */
  get length(): number {
    return this.#length;
  }

  /** Memory held: the whole block, of which `length` octets are in use. */
  get allocated(): number {
    return this.#block?.length ?? 0;
  }

  /** Copy octets in (the caller's buffer is not kept). Returns the change in `allocated`. */
  append(octets: Uint8Array): number {
    if (octets.length === 0) return 0;
    const needed = this.#length + octets.length;
    const before = this.allocated;
    if (needed > before) {
      const block = new Uint8Array(Math.max(needed, FIRST_BLOCK, Math.min(2 * before, needed + MAX_SLACK)));
      if (this.#block) block.set(this.#block.subarray(0, this.#length));
      this.#block = block;
    }
    this.#block!.set(octets, this.#length);
    this.#length = needed;
    return this.allocated - before;
  }

  /** Everything held, handed over without a copy; the buffer is then empty and holds no memory. */
  take(): Uint8Array {
    const out = this.#block ? this.#block.subarray(0, this.#length) : EMPTY;
    this.#block = undefined;
    this.#length = 0;
    return out;
  }
}
