// Field blocks split over HEADERS/PUSH_PROMISE + CONTINUATION (RFC 9113
// §4.3, §6.10): a block is contiguous on the wire, so while one is open the
// only frame allowed is a CONTINUATION on the same stream. Fragments are
// bounded in number and bytes while they accumulate, not after, and copied
// into one block of our own as they come (never kept as views of the read
// buffers they arrived in).
//
// What the block's first frame decided (the `plan`: which stream, whether
// its fields are to be delivered or only decoded to keep HPACK in step)
// travels with the block to its end.

import type { ContinuationFrame, HeadersFrame, PushPromiseFrame } from '../frames/frame.js';
import { ConnectionError } from '../protocol-errors.js';
import { OctetBuffer } from './octet-buffer.js';

export interface HeaderBlockLimits {
  /** Most octets one field block may take, summed over its fragments. */
  maxBlockBytes: number;
  /** Most CONTINUATION frames one block may have. */
  maxContinuations: number;
}

export interface CompleteBlock<Plan> {
  first: HeadersFrame | PushPromiseFrame;
  block: Uint8Array;
  plan: Plan;
}

export class HeaderBlockAssembly<Plan> {
  #first: HeadersFrame | PushPromiseFrame | undefined;
  #plan: Plan | undefined;
  #fragments: OctetBuffer | undefined;
  #continuations = 0;

  constructor(private readonly limits: HeaderBlockLimits) {}

  /** The stream whose block is open, or undefined when none is. */
  get openStream(): number | undefined {
    return this.#first?.streamId;
  }

  /** Memory held for the open block. */
  get bufferedBytes(): number {
    return this.#fragments?.allocated ?? 0;
  }

  /** Forget the open block (the connection is over). */
  discard(): void {
    this.#first = this.#fragments = this.#plan = undefined;
  }

  /** Throws unless `frameType` on `streamId` may come next (§6.10). */
  check(frameType: string, streamId: number): void {
    if (this.#first === undefined) {
      if (frameType === 'CONTINUATION')
        throw new ConnectionError('PROTOCOL_ERROR', 'continuation_without_block', `CONTINUATION on stream ${streamId} without a HEADERS or PUSH_PROMISE before it (RFC 9113 §6.10)`);
      return;
    }
    if (frameType !== 'CONTINUATION' || streamId !== this.#first.streamId)
      throw new ConnectionError(
        'PROTOCOL_ERROR',
        'field_block_interrupted',
        `${frameType} on stream ${streamId} inside the field block of stream ${this.#first.streamId}: only CONTINUATION on that stream may follow (RFC 9113 §4.3, §6.10)`,
      );
  }

  /** Start a block. Returns it whole if END_HEADERS is set. */
  start(frame: HeadersFrame | PushPromiseFrame, plan: Plan): CompleteBlock<Plan> | undefined {
    if (frame.endHeaders) return { first: frame, block: frame.headerBlock, plan };
    // Kept past this frame: its fields now point into a read buffer (the block is in #fragments).
    this.#first = { ...frame, headerBlock: EMPTY };
    this.#plan = plan;
    this.#fragments = new OctetBuffer();
    this.#continuations = 0;
    this.#add(frame.headerBlock);
    return undefined;
  }

  /** Add a CONTINUATION (already check()ed). Returns the block when END_HEADERS ends it. */
  continue(frame: ContinuationFrame): CompleteBlock<Plan> | undefined {
    const first = this.#first!;
    if (++this.#continuations > this.limits.maxContinuations)
      throw new ConnectionError(
        'ENHANCE_YOUR_CALM',
        'too_many_continuations',
        `field block on stream ${frame.streamId} has more than ${this.limits.maxContinuations} CONTINUATION frames`,
      );
    this.#add(frame.headerBlock);
    if (!frame.endHeaders) return undefined;
    const block = this.#fragments!.take();
    const plan = this.#plan!;
    this.discard();
    return { first, block, plan };
  }

  #add(fragment: Uint8Array): void {
    const fragments = this.#fragments!;
    if (fragments.length + fragment.length > this.limits.maxBlockBytes)
      throw new ConnectionError('ENHANCE_YOUR_CALM', 'field_block_too_large', `field block on stream ${this.#first!.streamId} exceeds ${this.limits.maxBlockBytes} octets`);
    fragments.append(fragment);
  }
}

const EMPTY = new Uint8Array(0);
