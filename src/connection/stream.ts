// One stream (RFC 9113 §5): its state in the §5.1 table, and its two
// halves, which own their behaviour: what we send on it (stream-send.ts)
// and what the peer sends on it (stream-recv.ts). The state changes only
// through the stream registry (streams.ts), which the tracer sees.

import { RecvHalf } from './stream-recv.js';
import { SendHalf } from './stream-send.js';
import type { StreamState } from './stream-states.js';

export class Stream {
  state: StreamState = 'idle';
  /** For a pushed stream: the client stream it was promised on (§8.4). */
  parentId: number | undefined;
  readonly send: SendHalf;
  readonly recv: RecvHalf;

  constructor(
    readonly id: number,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.send = new SendHalf(sendWindow);
    this.recv = new RecvHalf(recvWindow);
  }
}
