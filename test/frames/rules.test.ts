// Every rule of RFC 9113 §4–§6 that one frame alone can break, each checked
// against the decoder with a property test over many instances of the rule.
// Rules that need connection or stream state are listed at the end: they
// belong to the connection engine, not to the framer.

import { expect } from 'chai';
import fc from 'fast-check';
import { ConnectionError, StreamError } from '../../src/protocol-errors.js';
import { FrameDecoder } from '../../src/frames/decode.js';
import { arbChunks, invalidFrameArbitraries, type InvalidFrameCase } from '../../src/testing/index.js';

/** Feed the case's bytes in the given chunks and return what the decoder threw. */
function decodeError(c: InvalidFrameCase, chunks: Uint8Array[]): unknown {
  const decoder = new FrameDecoder({ maxFrameSize: c.maxFrameSize });
  try {
    for (const chunk of chunks) {
      decoder.push(chunk);
      while (decoder.next());
    }
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectCaseError(c: InvalidFrameCase, err: unknown): void {
  const cls = c.error.scope === 'connection' ? ConnectionError : StreamError;
  expect(err, `${c.rule}: ${Buffer.from(c.bytes).toString('hex')}`).to.be.instanceOf(cls);
  const e = err as ConnectionError | StreamError;
  expect(e.codeName).to.equal(c.error.code);
  expect(e.message).to.match(/RFC 9113 §/);
  if (c.error.streamId !== undefined) expect((e as StreamError).streamId).to.equal(c.error.streamId);
}

const RULES: Record<string, string> = {
  'frame-too-large': '§4.2 a frame larger than our SETTINGS_MAX_FRAME_SIZE: connection FRAME_SIZE_ERROR, from the header alone',
  'stream-frame-on-stream-0': '§6.1–§6.4, §6.6, §6.10 DATA, HEADERS, PRIORITY, RST_STREAM, PUSH_PROMISE, CONTINUATION on stream 0: connection PROTOCOL_ERROR',
  'connection-frame-on-stream': '§6.5, §6.7, §6.8 SETTINGS, PING, GOAWAY on a stream: connection PROTOCOL_ERROR',
  'padded-too-short': '§4.2 PADDED but no room for Pad Length and the mandatory fields: connection FRAME_SIZE_ERROR',
  'headers-priority-too-short': '§4.2, §6.2 HEADERS with PRIORITY shorter than 5 octets: connection FRAME_SIZE_ERROR',
  'padding-too-long': '§6.1, §6.2, §6.6 Pad Length as long as the payload or longer: connection PROTOCOL_ERROR',
  'priority-length': '§6.3 PRIORITY length other than 5: stream FRAME_SIZE_ERROR',
  'rst-stream-length': '§6.4 RST_STREAM length other than 4: connection FRAME_SIZE_ERROR',
  'settings-length': '§6.5 SETTINGS length not a multiple of 6: connection FRAME_SIZE_ERROR',
  'settings-ack-with-payload': '§6.5 SETTINGS ACK with a payload: connection FRAME_SIZE_ERROR',
  'settings-enable-push-value': '§6.5.2 SETTINGS_ENABLE_PUSH other than 0 or 1: connection PROTOCOL_ERROR',
  'settings-initial-window-size-value': '§6.5.2 SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1: connection FLOW_CONTROL_ERROR',
  'settings-max-frame-size-value': '§6.5.2 SETTINGS_MAX_FRAME_SIZE outside 2^14..2^24-1: connection PROTOCOL_ERROR',
  'push-promise-promised-id': '§5.1.1, §6.6 PUSH_PROMISE promising stream 0 or an odd (client) stream: connection PROTOCOL_ERROR',
  'ping-length': '§6.7 PING length other than 8: connection FRAME_SIZE_ERROR',
  'goaway-length': '§6.8 GOAWAY shorter than 8 octets: connection FRAME_SIZE_ERROR',
  'window-update-length': '§6.9 WINDOW_UPDATE length other than 4: connection FRAME_SIZE_ERROR',
  'window-update-zero-increment': '§6.9 WINDOW_UPDATE increment 0: stream PROTOCOL_ERROR, or connection PROTOCOL_ERROR on stream 0',
};

describe('frame rules checked by the decoder (RFC 9113 §4–§6)', () => {
  const arbs = invalidFrameArbitraries();

  it('has one arbitrary for each listed rule, and no unlisted ones', () => {
    expect(Object.keys(arbs).sort()).to.deep.equal(Object.keys(RULES).sort());
  });

  for (const [rule, text] of Object.entries(RULES)) {
    it(`${rule}: ${text}`, () => {
      const arb = arbs[rule]!;
      fc.assert(
        fc.property(arb, (c) => {
          expect(c.rule).to.equal(rule);
          expectCaseError(c, decodeError(c, [c.bytes]));
        }),
        { numRuns: 150 },
      );
      // The same verdict whatever the chunking (byte at a time included).
      fc.assert(
        fc.property(arb.chain((c) => arbChunks(c.bytes).map((chunks) => [c, chunks] as const)), ([c, chunks]) => {
          expectCaseError(c, decodeError(c, chunks));
        }),
        { numRuns: 50 },
      );
    });
  }

  it('a connection error stops the decoder for good; a stream error does not', () => {
    const bad = invalidFrameArbitraries();
    const [conn] = fc.sample(bad['ping-length']!, { numRuns: 1, seed: 1 });
    const d = new FrameDecoder();
    d.push(conn!.bytes);
    let first: unknown;
    try {
      d.next();
    } catch (e) {
      first = e;
    }
    expect(first).to.be.instanceOf(ConnectionError);
    d.push(new Uint8Array([0, 0, 0, 4, 1, 0, 0, 0, 0])); // a valid SETTINGS ACK after it
    expect(() => d.next()).to.throw(ConnectionError);
    expect(d.bufferedBytes).to.equal(0);
    expect(d.error).to.equal(first);

    const [streamCase] = fc.sample(bad['priority-length']!, { numRuns: 1, seed: 2 });
    const s = new FrameDecoder();
    s.push(streamCase!.bytes);
    s.push(new Uint8Array([0, 0, 0, 4, 1, 0, 0, 0, 0]));
    expect(() => s.next()).to.throw(StreamError);
    expect(s.next()).to.deep.include({ type: 'SETTINGS', ack: true });
  });

  // Rules of §4–§6 that need more than one frame or the connection's state;
  // the connection engine (src/connection) enforces them, and its tests cover them:
  // - §4.3, §6.2, §6.10: a header block is contiguous: after HEADERS/PUSH_PROMISE without
  //   END_HEADERS only CONTINUATION on the same stream may follow (PROTOCOL_ERROR).
  // - §5.1: which frame types each stream state allows (STREAM_CLOSED, PROTOCOL_ERROR).
  // - §5.1.1: new stream ids increase and have the initiator's parity.
  // - §6.5.2: a client receiving SETTINGS_ENABLE_PUSH=1 from a server (PROTOCOL_ERROR).
  // - §6.6: PUSH_PROMISE only on a peer-initiated open stream, and not after ENABLE_PUSH=0 is ACKed.
  // - §6.9, §6.9.1: window overflow past 2^31-1 (FLOW_CONTROL_ERROR).
});
