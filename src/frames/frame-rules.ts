// The rules one frame can break by itself (RFC 9113 §4, §6), each written
// once: the decoder raises them as the errors the RFC names, the encoder
// refuses to write a frame that breaks them (unless told to, for tests).
// Each returns undefined when the rule holds, else what is wrong: the error
// code, whether it costs the connection or only the stream, a stable label
// and a message citing the section.

import type { ErrorLabel } from '../error-labels.js';
import type { ErrorCodeName } from './constants.js';
import { MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE, SettingId } from './constants.js';
import type { Frame, PriorityFields } from './frame.js';
import { ConnectionError, StreamError } from '../protocol-errors.js';

export interface RuleProblem {
  code: ErrorCodeName;
  scope: 'connection' | 'stream';
  label: ErrorLabel;
  message: string;
}

const connection = (code: ErrorCodeName, label: ErrorLabel, message: string): RuleProblem => ({ code, scope: 'connection', label, message });
const stream = (code: ErrorCodeName, label: ErrorLabel, message: string): RuleProblem => ({ code, scope: 'stream', label, message });

/** The error a broken rule costs, for a frame on `streamId`. */
export function ruleError(problem: RuleProblem, streamId: number): ConnectionError | StreamError {
  return problem.scope === 'connection'
    ? new ConnectionError(problem.code, problem.label, problem.message)
    : new StreamError(streamId, problem.code, problem.label, problem.message);
}

/** §4.2: no frame longer than the receiver's SETTINGS_MAX_FRAME_SIZE. */
export function frameSizeProblem(length: number, maxFrameSize: number): RuleProblem | undefined {
  if (length <= maxFrameSize) return undefined;
  return connection('FRAME_SIZE_ERROR', 'frame_too_large', `frame length ${length} exceeds SETTINGS_MAX_FRAME_SIZE ${maxFrameSize} (RFC 9113 §4.2)`);
}

/** Which stream ids a frame type may use (§6): a stream's, the connection's (0), or either (WINDOW_UPDATE, §6.9). */
export const STREAM_USE: Readonly<Record<Frame['type'], 'stream' | 'connection' | 'either'>> = {
  DATA: 'stream',
  HEADERS: 'stream',
  PRIORITY: 'stream',
  RST_STREAM: 'stream',
  SETTINGS: 'connection',
  PUSH_PROMISE: 'stream',
  PING: 'connection',
  GOAWAY: 'connection',
  WINDOW_UPDATE: 'either',
  CONTINUATION: 'stream',
  UNKNOWN: 'either', // §5.5: nothing can be said of an unknown type
};

const SECTION: Partial<Record<Frame['type'], string>> = { SETTINGS: '§6.5', PING: '§6.7', GOAWAY: '§6.8' };

/** §6: frames of a stream need a stream id; SETTINGS, PING and GOAWAY need 0. */
export function streamUseProblem(type: Frame['type'], streamId: number): RuleProblem | undefined {
  const use = STREAM_USE[type];
  if (use === 'stream' && streamId === 0)
    return connection('PROTOCOL_ERROR', 'frame_needs_stream', `${type} frame on stream 0; it must be associated with a stream (RFC 9113 §6)`);
  if (use === 'connection' && streamId !== 0)
    return connection('PROTOCOL_ERROR', 'frame_needs_stream_0', `${type} frame on stream ${streamId}; it must be on stream 0 (RFC 9113 ${SECTION[type]})`);
  return undefined;
}

/**
 * §6.1, §6.2, §6.6: a padded frame's Pad Length octet and padding, and the
 * `fixed` mandatory octets, must fit in the payload.
 */
export function paddingProblem(type: string, payloadLength: number, fixed: number, padLength: number | undefined): RuleProblem | undefined {
  if (padLength === undefined) {
    if (payloadLength >= fixed) return undefined;
    return connection('FRAME_SIZE_ERROR', 'frame_too_short', `${type} payload of ${payloadLength} octets is too short for its ${fixed} mandatory octets (RFC 9113 §4.2)`);
  }
  if (payloadLength < 1 + fixed)
    return connection('FRAME_SIZE_ERROR', 'frame_too_short', `${type} with PADDED needs ${1 + fixed} octets of mandatory fields, payload has ${payloadLength} (RFC 9113 §4.2)`);
  if (padLength > payloadLength - 1 - fixed)
    return connection('PROTOCOL_ERROR', 'padding_too_long', `${type} Pad Length ${padLength} leaves no room in a ${payloadLength}-octet payload (RFC 9113 §6.1, §6.2, §6.6)`);
  return undefined;
}

/** Fixed payload lengths: PRIORITY 5 (§6.3, a stream error), RST_STREAM 4 (§6.4), PING 8 (§6.7), WINDOW_UPDATE 4 (§6.9). */
export function fixedLengthProblem(type: 'PRIORITY' | 'RST_STREAM' | 'PING' | 'WINDOW_UPDATE', length: number): RuleProblem | undefined {
  const want = FIXED_LENGTH[type];
  if (length === want) return undefined;
  const message = `${type} length must be ${want}, got ${length} (RFC 9113 ${FIXED_SECTION[type]})`;
  const label = FIXED_LABEL[type];
  return type === 'PRIORITY' ? stream('FRAME_SIZE_ERROR', label, message) : connection('FRAME_SIZE_ERROR', label, message);
}
const FIXED_LENGTH = { PRIORITY: 5, RST_STREAM: 4, PING: 8, WINDOW_UPDATE: 4 } as const;
const FIXED_LABEL = { PRIORITY: 'priority_length', RST_STREAM: 'rst_stream_length', PING: 'ping_length', WINDOW_UPDATE: 'window_update_length' } as const;
const FIXED_SECTION = { PRIORITY: '§6.3', RST_STREAM: '§6.4', PING: '§6.7', WINDOW_UPDATE: '§6.9' } as const;

/** §6.5: a SETTINGS payload is a list of 6-octet settings, and an ACK is empty. */
export function settingsLengthProblem(ack: boolean, length: number): RuleProblem | undefined {
  if (ack && length !== 0) return connection('FRAME_SIZE_ERROR', 'settings_ack_with_payload', `SETTINGS ACK must be empty, got ${length} octets (RFC 9113 §6.5)`);
  if (length % 6 !== 0) return connection('FRAME_SIZE_ERROR', 'settings_length', `SETTINGS length ${length} is not a multiple of 6 (RFC 9113 §6.5)`);
  return undefined;
}

/** §6.5.2: the values a setting may take (unknown settings take any, and are ignored). */
export function settingValueProblem(id: number, value: number): RuleProblem | undefined {
  switch (id) {
    case SettingId.ENABLE_PUSH:
      return value > 1 ? connection('PROTOCOL_ERROR', 'settings_enable_push', `SETTINGS_ENABLE_PUSH must be 0 or 1, got ${value} (RFC 9113 §6.5.2)`) : undefined;
    case SettingId.INITIAL_WINDOW_SIZE:
      return value > MAX_WINDOW_SIZE
        ? connection('FLOW_CONTROL_ERROR', 'settings_initial_window_size', `SETTINGS_INITIAL_WINDOW_SIZE ${value} exceeds 2^31-1 (RFC 9113 §6.5.2)`)
        : undefined;
    case SettingId.MAX_FRAME_SIZE:
      return value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE
        ? connection('PROTOCOL_ERROR', 'settings_max_frame_size', `SETTINGS_MAX_FRAME_SIZE ${value} is outside 2^14..2^24-1 (RFC 9113 §6.5.2)`)
        : undefined;
    default:
      return undefined;
  }
}

/** §5.1.1, §6.6: a PUSH_PROMISE promises a non-zero even (server-initiated) stream. */
export function promisedIdProblem(promisedStreamId: number): RuleProblem | undefined {
  if (promisedStreamId !== 0 && promisedStreamId % 2 === 0) return undefined;
  return connection('PROTOCOL_ERROR', 'push_promise_bad_id', `PUSH_PROMISE promises stream ${promisedStreamId}; servers promise non-zero even ids (RFC 9113 §5.1.1, §6.6)`);
}

/** §6.8: GOAWAY carries at least a last stream id and an error code. */
export function goawayLengthProblem(length: number): RuleProblem | undefined {
  if (length >= 8) return undefined;
  return connection('FRAME_SIZE_ERROR', 'goaway_length', `GOAWAY needs at least 8 octets, got ${length} (RFC 9113 §6.8)`);
}

/** §6.9: a window increment is 1..2^31-1; 0 costs the connection on stream 0, else the stream. */
export function windowIncrementProblem(streamId: number, increment: number): RuleProblem | undefined {
  if (increment !== 0) return undefined;
  const message = `WINDOW_UPDATE increment of 0 on stream ${streamId} (RFC 9113 §6.9)`;
  return streamId === 0 ? connection('PROTOCOL_ERROR', 'window_update_zero', message) : stream('PROTOCOL_ERROR', 'window_update_zero', message);
}

/**
 * RFC 7540 §5.3.1: a stream cannot depend on itself, a stream error. RFC 9113
 * §5.3.2 deprecates the priority scheme but retains "some of the mandatory
 * handling" for interoperability without naming it; h2wire keeps this rule,
 * which conformance suites still test.
 */
export function selfDependencyProblem(streamId: number, priority: PriorityFields | undefined): RuleProblem | undefined {
  if (!priority || priority.dependsOn !== streamId) return undefined;
  return stream('PROTOCOL_ERROR', 'self_dependency', `stream ${streamId} depends on itself (RFC 7540 §5.3.1)`);
}
