// The streams of one connection (RFC 9113 §5.1, §5.1.1, §5.1.2): the
// records of streams in use, who may open which id, how many count
// against each side's concurrency limit, and the one function through which
// every stream changes state (transition), which the tracer sees.
//
// A closed stream is remembered for a while, to tell "recently closed"
// from "never opened" (§5.1); older ones are forgotten, and their ids then
// read as closed. A body the application has not read stays readable after
// its stream is forgotten.

import { MAX_STREAM_ID } from '../frames/constants.js';
import { OctetBuffer } from './octet-buffer.js';
import type { Role } from './options.js';
import { Stream } from './stream.js';
import { isActive, isClosed, type StreamState } from './stream-states.js';

export type StateHook = (streamId: number, from: StreamState, to: StreamState) => void;

/**
 * §5.1.2: open and half-closed streams count against a concurrency limit.
 * Our reserved pushes count too, though §5.1.2 says reserved streams do
 * not: stricter on purpose, so a client that allows one stream at a time
 * is never promised more pushes than it will take (see push-rules.ts).
 */
function countsAgainstLimit(state: StreamState, local: boolean): boolean {
  return isActive(state) || (local && state === 'reserved_local');
}

const NO_OCTETS = new Uint8Array(0);

export class StreamRegistry {
  readonly #role: Role;
  readonly #remembered: number; // how many closed streams to keep
  readonly #hook: StateHook | undefined;
  // Made with the first stream: an idle connection needs no Map (about 200 octets of every idle connection).
  #byId: Map<number, Stream> | undefined;
  readonly #closedOrder: number[] = []; // a ring of the last closed ids
  #closedNext = 0;
  #dropped = false;
  /** Unread bodies of forgotten streams: readBody() still finds them. */
  #orphans: Map<number, OctetBuffer> | undefined;
  /** Highest id the peer opened or promised (§5.1.1: new ids only go up). */
  lastPeerStreamId = 0;
  /** The next id we would use: odd for a client, even for a server. */
  nextLocalStreamId: number;
  /** Our streams against the peer's MAX_CONCURRENT_STREAMS (our reserved pushes included: see countsAgainstLimit), and the peer's against ours. */
  activeLocal = 0;
  activePeer = 0;
  /** After our final GOAWAY (§6.8), frames on peer-initiated streams above this id are ignored. */
  ignoreAbove = MAX_STREAM_ID;
  /** Streams with something queued to send (made with the first). */
  ready: Set<Stream> | undefined;
  /** What the streams hold for the application: field sections of open streams, and the memory of unread bodies. */
  heldFields = 0;
  heldBody = 0;

  constructor(role: Role, remembered: number, hook: StateHook | undefined) {
    this.#role = role;
    this.#remembered = remembered;
    this.#hook = hook;
    this.nextLocalStreamId = role === 'client' ? 1 : 2;
  }

  get(id: number): Stream | undefined {
    return this.#byId?.get(id);
  }

  *all(): IterableIterator<Stream> {
    if (this.#byId) yield* this.#byId.values();
  }

  /** Does this id belong to streams the peer initiates? (§5.1.1: clients odd, servers even.) */
  isPeerInitiated(id: number): boolean {
    return (id % 2 === 1) === (this.#role === 'server');
  }

  /** Streams open, half-closed, or reserved by us: while there are any, the connection is not idle. */
  get inUse(): number {
    return this.activeLocal + this.activePeer;
  }

  /** A stream's state, recorded or not: an id never used is idle; one passed over or forgotten, closed (§5.1.1). */
  stateOf(id: number): StreamState {
    const stream = this.get(id);
    if (stream) return stream.state;
    if (this.isPeerInitiated(id)) {
      if (id > this.ignoreAbove) return 'closed_reset'; // §6.8: as if we had reset it
      return id > this.lastPeerStreamId ? 'idle' : 'closed';
    }
    return id >= this.nextLocalStreamId ? 'idle' : 'closed';
  }

  /** A record for a stream the peer opens or promises (its id checked by the caller). */
  openPeer(id: number, sendWindow: number, recvWindow: number): Stream {
    this.lastPeerStreamId = id;
    return this.#add(new Stream(id, sendWindow, recvWindow));
  }

  /** A record for a stream we open or promise, with the next id. */
  openLocal(sendWindow: number, recvWindow: number): Stream {
    const id = this.nextLocalStreamId;
    this.nextLocalStreamId += 2;
    return this.#add(new Stream(id, sendWindow, recvWindow));
  }

  /** Are our stream ids used up? (§5.1.1: a connection then goes away.) */
  get localIdsExhausted(): boolean {
    return this.nextLocalStreamId > MAX_STREAM_ID;
  }

  #add(stream: Stream): Stream {
    (this.#byId ??= new Map()).set(stream.id, stream);
    return stream;
  }

  /**
   * The one place a stream changes state (§5.1): counts against the
   * concurrency limits follow, the hook sees it, and a stream that closes
   * is remembered for a while. Returns true if the stream has just closed.
   */
  transition(stream: Stream, next: StreamState): boolean {
    const prev = stream.state;
    if (prev === next) return false;
    const local = !this.isPeerInitiated(stream.id);
    const counted = countsAgainstLimit(next, local);
    if (countsAgainstLimit(prev, local) !== counted) {
      const d = counted ? 1 : -1;
      if (local) this.activeLocal += d;
      else this.activePeer += d;
    }
    stream.state = next;
    this.#hook?.(stream.id, prev, next);
    const closed = isClosed(next) && !isClosed(prev);
    if (closed) {
      this.ready?.delete(stream);
      this.heldFields -= stream.recv.fieldBytes; // a closed stream's fields are the application's to drop
      stream.recv.fieldBytes = 0;
      this.#remember(stream.id);
    }
    return closed;
  }

  /** The stream has something queued to send. */
  markReady(stream: Stream): void {
    (this.ready ??= new Set()).add(stream);
  }

  /** A field section the stream holds for the application, counted (§6.5.2 sizes) while it is open. */
  holdFields(stream: Stream, size: number): void {
    stream.recv.fieldBytes += size;
    this.heldFields += size;
  }

  /** Body octets that arrived, copied into the stream's block. */
  holdBody(stream: Stream, octets: Uint8Array): void {
    this.heldBody += (stream.recv.body ??= new OctetBuffer()).append(octets);
  }

  /** Streams reserved by a PUSH_PROMISE and not yet started or reset. */
  reservedCount(): number {
    let n = 0;
    for (const s of this.all()) if (s.state === 'reserved_local' || s.state === 'reserved_remote') n++;
    return n;
  }

  /** Body octets held for a stream, recorded or forgotten. */
  bodyLength(id: number): number {
    const stream = this.get(id);
    return (stream ? stream.recv.body : this.#orphans?.get(id))?.length ?? 0;
  }

  /** Hand over all that is held of a stream's body, without a copy; it is then no longer held. */
  takeBody(id: number): Uint8Array {
    const stream = this.get(id);
    let body: OctetBuffer | undefined;
    if (stream) {
      body = stream.recv.body;
      stream.recv.body = undefined;
    } else {
      body = this.#orphans?.get(id);
      if (body) this.#orphans!.delete(id);
    }
    if (!body) return NO_OCTETS;
    this.heldBody -= body.allocated;
    return body.take();
  }

  /** The connection is over: nothing is held any more. */
  dropAll(): void {
    for (const s of this.all()) {
      s.recv.body = undefined;
      s.send.drop();
    }
    this.#orphans = undefined;
    this.ready = undefined;
    this.heldBody = this.heldFields = 0;
    this.#dropped = true;
  }

  /** Streams charged for in heldBytes(): those in use, until the connection ends and drops everything. */
  get charged(): number {
    return this.#dropped ? 0 : this.inUse;
  }

  #remember(id: number): void {
    const limit = this.#remembered;
    if (limit <= 0) return this.#forget(id);
    if (this.#closedOrder.length < limit) return void this.#closedOrder.push(id);
    this.#forget(this.#closedOrder[this.#closedNext]!);
    this.#closedOrder[this.#closedNext] = id;
    this.#closedNext = (this.#closedNext + 1) % limit;
  }

  #forget(id: number): void {
    const body = this.heldBody > 0 ? this.#byId?.get(id)?.recv.body : undefined;
    if (body) (this.#orphans ??= new Map()).set(id, body);
    this.#byId?.delete(id);
  }
}
