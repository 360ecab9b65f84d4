// One readable line per frame, for traces, the CLI and the docs. Example:
//   HEADERS stream=1 len=37 flags=END_STREAM|END_HEADERS block=37B
//   SETTINGS stream=0 len=12 flags=- MAX_CONCURRENT_STREAMS=100 INITIAL_WINDOW_SIZE=65535
//   RST_STREAM stream=3 len=4 flags=- error=CANCEL(0x8)

import { errorCodeName, FlagsByType, settingName } from './constants.js';
import { frameFlags, payloadLength } from './encode.js';
import type { Frame, PriorityFields } from './frame.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** Flag bits by name, e.g. "END_STREAM|END_HEADERS"; "-" when none; unknown bits as hex. */
export function formatFlags(frame: Frame): string {
  const flags = frameFlags(frame);
  if (frame.type === 'UNKNOWN') return flags ? `0x${flags.toString(16).padStart(2, '0')}` : '-';
  const names: string[] = [];
  let rest = flags;
  for (const [name, bit] of FlagsByType[frame.type]) {
    if (flags & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`0x${rest.toString(16).padStart(2, '0')}`);
  return names.length ? names.join('|') : '-';
}

export function formatErrorCode(code: number): string {
  const name = errorCodeName(code);
  return name ? `${name}(0x${code.toString(16)})` : `UNKNOWN_ERROR(0x${code.toString(16)})`;
}

function formatPriority(p: PriorityFields): string {
  return `depends_on=${p.dependsOn} weight=${p.weight} exclusive=${p.exclusive ? 'yes' : 'no'}`;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Printable text (UTF-8, as GOAWAY debug data usually is) as a quoted string, anything else as hex; capped at 64 chars or octets. */
export function formatOpaque(b: Uint8Array): string {
  let text: string | undefined;
  try {
    text = UTF8.decode(b);
  } catch {
    text = undefined; // not UTF-8
  }
  if (text !== undefined && !CONTROL.test(text)) return JSON.stringify(text.slice(0, 64)) + (text.length > 64 ? `…(+${text.length - 64} chars)` : '');
  return hex(b.subarray(0, 64)) + (b.length > 64 ? `…(+${b.length - 64}B)` : '');
}

function details(frame: Frame): string[] {
  const pad = 'padLength' in frame && frame.padLength !== undefined ? [`pad=${frame.padLength}`] : [];
  switch (frame.type) {
    case 'DATA':
      return [`data=${frame.data.length}B`, ...pad];
    case 'HEADERS':
      return [
        `block=${frame.headerBlock.length}B`,
        ...(frame.priority ? [formatPriority(frame.priority)] : []),
        ...pad,
      ];
    case 'PRIORITY':
      return [formatPriority(frame.priority)];
    case 'RST_STREAM':
      return [`error=${formatErrorCode(frame.errorCode)}`];
    case 'SETTINGS':
      return frame.settings.map((s) => `${settingName(s.id) ?? `UNKNOWN_SETTING(0x${s.id.toString(16)})`}=${s.value}`);
    case 'PUSH_PROMISE':
      return [`promised_stream=${frame.promisedStreamId}`, `block=${frame.headerBlock.length}B`, ...pad];
    case 'PING':
      return [`data=${hex(frame.data)}`];
    case 'GOAWAY':
      return [
        `last_stream=${frame.lastStreamId}`,
        `error=${formatErrorCode(frame.errorCode)}`,
        ...(frame.debugData.length ? [`debug=${formatOpaque(frame.debugData)}`] : []),
      ];
    case 'WINDOW_UPDATE':
      return [`increment=${frame.windowSizeIncrement}`];
    case 'CONTINUATION':
      return [`block=${frame.headerBlock.length}B`];
    case 'UNKNOWN':
      return [`payload=${formatOpaque(frame.payload)}`];
  }
}

/** Render a frame as one line: type, stream, payload length, flags by name, key fields. */
export function formatFrame(frame: Frame): string {
  const type = frame.type === 'UNKNOWN' ? `UNKNOWN(type=0x${frame.frameType.toString(16).padStart(2, '0')})` : frame.type;
  return [type, `stream=${frame.streamId}`, `len=${payloadLength(frame)}`, `flags=${formatFlags(frame)}`, ...details(frame)].join(' ');
}
