// SETTINGS bookkeeping, RFC 9113 §6.5: the values in force for each side,
// applied in order (a repeated identifier: the last wins), unknown ones
// ignored. Value validity is checked by the frame decoder (§6.5.2).

import { DEFAULT_SETTINGS, SettingId } from '../frames/constants.js';
import type { Setting } from '../frames/frame.js';

/** The six settings of §6.5.2 by name. Infinity means "no limit" (the initial value). */
export interface Settings {
  headerTableSize: number;
  enablePush: boolean;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
}

export const INITIAL_SETTINGS: Readonly<Settings> = {
  headerTableSize: DEFAULT_SETTINGS.HEADER_TABLE_SIZE,
  enablePush: DEFAULT_SETTINGS.ENABLE_PUSH === 1,
  maxConcurrentStreams: DEFAULT_SETTINGS.MAX_CONCURRENT_STREAMS,
  initialWindowSize: DEFAULT_SETTINGS.INITIAL_WINDOW_SIZE,
  maxFrameSize: DEFAULT_SETTINGS.MAX_FRAME_SIZE,
  maxHeaderListSize: DEFAULT_SETTINGS.MAX_HEADER_LIST_SIZE,
};

const KEY_BY_ID: Record<number, keyof Settings> = {
  [SettingId.HEADER_TABLE_SIZE]: 'headerTableSize',
  [SettingId.ENABLE_PUSH]: 'enablePush',
  [SettingId.MAX_CONCURRENT_STREAMS]: 'maxConcurrentStreams',
  [SettingId.INITIAL_WINDOW_SIZE]: 'initialWindowSize',
  [SettingId.MAX_FRAME_SIZE]: 'maxFrameSize',
  [SettingId.MAX_HEADER_LIST_SIZE]: 'maxHeaderListSize',
};

/** The settings after applying a SETTINGS frame's list in order (§6.5.3). */
export function applySettings(current: Readonly<Settings>, list: readonly Setting[]): Settings {
  const next: Settings = { ...current };
  for (const { id, value } of list) {
    const key = KEY_BY_ID[id];
    if (key === undefined) continue; // unknown: ignored (§6.5.2)
    if (key === 'enablePush') next.enablePush = value === 1;
    else next[key] = value;
  }
  return next;
}

/**
 * The list to send so that a peer starting from `base` ends with `wanted`:
 * what differs, plus the keys in `always` (sent even at their initial value,
 * to be explicit on the wire).
 */
export function settingsDiff(base: Readonly<Settings>, wanted: Readonly<Settings>, always: ReadonlyArray<keyof Settings> = []): Setting[] {
  const out: Setting[] = [];
  for (const [idText, key] of Object.entries(KEY_BY_ID)) {
    if (base[key] === wanted[key] && !always.includes(key)) continue;
    const v = wanted[key];
    if (v === Infinity) continue; // "unlimited" can only be the initial value
    out.push({ id: Number(idText), value: typeof v === 'boolean' ? (v ? 1 : 0) : v });
  }
  return out;
}

/**
 * The SETTINGS exchange of one connection (RFC 9113 §6.5.3): ours are in
 * force only once the peer acknowledges them, in the order sent; the
 * peer's are in force as soon as they arrive (we acknowledge at once).
 */
export class SettingsExchange {
  readonly #role: 'server' | 'client';
  #local: Readonly<Settings> = INITIAL_SETTINGS;
  readonly #pending: Array<{ settings: Settings; sentAt: number }> = [];
  #wanted: Readonly<Settings>;
  #peer: Readonly<Settings> = INITIAL_SETTINGS;

  constructor(role: 'server' | 'client', wanted: Readonly<Settings>) {
    this.#role = role;
    this.#wanted = wanted;
  }

  /** Ours, in force (acknowledged). */
  get local(): Readonly<Settings> {
    return this.#local;
  }

  /** Ours, as we last asked for them (in force once acknowledged). */
  get wanted(): Readonly<Settings> {
    return this.#wanted;
  }

  /** The peer's, in force. */
  get peer(): Readonly<Settings> {
    return this.#peer;
  }

  /** When our oldest unacknowledged SETTINGS went out (the SETTINGS_TIMEOUT clock, §6.5.3). */
  get oldestUnacknowledged(): number | undefined {
    return this.#pending[0]?.sentAt;
  }

  /** The SETTINGS frame's list that asks for `wanted`; in force when acknowledged. */
  send(wanted: Readonly<Settings>, now: number): Setting[] {
    const first = this.#pending.length === 0 && this.#local === INITIAL_SETTINGS;
    const base = this.#pending.at(-1)?.settings ?? this.#local;
    // A client states ENABLE_PUSH in its first SETTINGS, so a trace shows whether it accepts pushes.
    const list = settingsDiff(base, wanted, this.#role === 'client' && first ? ['enablePush'] : []);
    this.#wanted = wanted;
    this.#pending.push({ settings: applySettings(base, list), sentAt: now });
    return list;
  }

  /** The peer acknowledged our oldest SETTINGS: they are now in force. Undefined for an ACK we did not ask for. */
  acknowledged(): { previous: Readonly<Settings>; current: Readonly<Settings> } | undefined {
    const acked = this.#pending.shift();
    if (!acked) return undefined;
    const previous = this.#local;
    this.#local = acked.settings;
    return { previous, current: acked.settings };
  }

  /** The peer's SETTINGS arrived: its new values, in force now. */
  received(list: readonly Setting[]): { previous: Readonly<Settings>; current: Readonly<Settings> } {
    const previous = this.#peer;
    this.#peer = applySettings(previous, list);
    return { previous, current: this.#peer };
  }
}
