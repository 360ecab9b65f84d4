// Frames as plain JSON, octet fields as lowercase hex. Used by the spec
// vectors, by tests that compare frames, and by tooling that prints frames.

import type { Frame } from './frame.js';

const BYTE_FIELDS = ['data', 'headerBlock', 'debugData', 'payload'] as const;


/** A copy of the frame with every octet field as a hex string, suitable for JSON and deep equality. */
export function frameToJSON(frame: Frame): Record<string, unknown> {
  const out: Record<string, unknown> = { ...frame };
  for (const key of BYTE_FIELDS) {
    const v = out[key];
    if (v instanceof Uint8Array) out[key] = Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex');
  }
  if (frame.type === 'SETTINGS') out.settings = frame.settings.map((s) => ({ ...s }));
  if ('priority' in frame && frame.priority) out.priority = { ...frame.priority };
  return out;
}

/** The inverse of frameToJSON. The result is not validated: pass it to encodeFrame for that. */
export function frameFromJSON(json: Record<string, unknown>): Frame {
  const out: Record<string, unknown> = { ...json };
  for (const key of BYTE_FIELDS) {
    const v = out[key];
    if (typeof v === 'string') {
      if (!/^([0-9a-f]{2})*$/i.test(v)) throw new TypeError(`frame field ${key} is not a hex string: ${v}`);
      out[key] = new Uint8Array(Buffer.from(v, 'hex'));
    }
  }
  return out as unknown as Frame;
}
