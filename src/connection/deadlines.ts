// Every phase of a connection that waits on the peer has a deadline. The
// engine has no clock: each deadline here is a start time (given with the
// times passed in) plus its timeout, and nextDeadline tells the caller when
// to come back with tick(). What happens at each is the endpoint's to do.

import type { EndpointTimeouts } from './options.js';

export type DeadlineKind =
  /** The peer's preface and first SETTINGS (§3.4). */
  | 'preface'
  /** Our SETTINGS acknowledged (§6.5.3). */
  | 'settings_ack'
  /** An open field block completed (§6.10). */
  | 'field_block'
  /** DATA waiting for windows the peer keeps shut (§6.9). */
  | 'send_stall'
  /** A request body still arriving (server): the oldest such stream's last DATA, checked when it passes. */
  | 'receive_stall'
  /** The PING sent with our first GOAWAY returned (§6.8). */
  | 'shutdown_ping'
  /** No stream open. */
  | 'idle';

/** In the order checked when several have passed: the ones that end the connection first. */
const KINDS: readonly DeadlineKind[] = ['preface', 'settings_ack', 'field_block', 'send_stall', 'receive_stall', 'shutdown_ping', 'idle'];

const TIMEOUT_OF: Readonly<Record<DeadlineKind, keyof EndpointTimeouts>> = {
  preface: 'prefaceMs',
  settings_ack: 'settingsAckMs',
  field_block: 'headerBlockMs',
  send_stall: 'sendStallMs',
  receive_stall: 'receiveStallMs',
  shutdown_ping: 'shutdownPingMs',
  idle: 'idleMs',
};

export class Deadlines {
  readonly #timeouts: Readonly<EndpointTimeouts>;
  readonly #since: Record<DeadlineKind, number | undefined> = {
    preface: undefined,
    settings_ack: undefined,
    field_block: undefined,
    send_stall: undefined,
    receive_stall: undefined,
    shutdown_ping: undefined,
    idle: undefined,
  };

  constructor(timeouts: Readonly<EndpointTimeouts>) {
    this.#timeouts = timeouts;
  }

  /** Start (or restart) the clock of a phase at `at`. */
  start(kind: DeadlineKind, at: number): void {
    this.#since[kind] = at;
  }

  /** The phase is over: its deadline is gone. */
  stop(kind: DeadlineKind): void {
    this.#since[kind] = undefined;
  }

  /** When a phase's deadline falls, if its clock runs. */
  at(kind: DeadlineKind): number | undefined {
    const since = this.#since[kind];
    return since === undefined ? undefined : since + this.#timeouts[TIMEOUT_OF[kind]];
  }

  /** The earliest deadline, or undefined when none is pending. */
  get next(): number | undefined {
    let next: number | undefined;
    for (const kind of KINDS) {
      const at = this.at(kind);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** The first deadline (in KINDS order) that has passed by `now`. */
  passed(now: number): DeadlineKind | undefined {
    for (const kind of KINDS) {
      const at = this.at(kind);
      if (at !== undefined && now >= at) return kind;
    }
    return undefined;
  }

  /** How long a phase may last (for messages). */
  timeout(kind: DeadlineKind): number {
    return this.#timeouts[TIMEOUT_OF[kind]];
  }
}
