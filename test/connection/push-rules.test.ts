// Every reason a push is refused (RFC 9113 §8.4, §6.6, §5.1.1, §5.1.2, §6.8),
// on the pure rule, including those a test cannot reach on a live
// connection (ids exhausted needs 2^30 pushes).

import { expect } from 'chai';
import { PushError, pushRefusal, type PushContext } from '../../src/connection/push-rules.js';
import { Stream } from '../../src/connection/stream.js';

const ok: PushContext = {
  isServer: true,
  closed: false,
  goaway: false,
  peerEnablePush: true,
  peerMaxConcurrentStreams: 100,
  pushedStreamsInUse: 0,
  idsExhausted: false,
};

function parent(id: number, state: Stream['state'], responseEnded = false): Stream {
  const s = new Stream(id, 65535, 65535);
  s.state = state;
  if (responseEnded) s.send.headSent(true, true);
  return s;
}

describe('push rules', () => {
  it('allows a push on an open or half-closed (remote) client stream', () => {
    expect(pushRefusal(ok, parent(1, 'open'))).to.equal(undefined);
    expect(pushRefusal(ok, parent(1, 'half_closed_remote'))).to.equal(undefined);
  });

  const cases: Array<[string, Partial<PushContext>, Stream | undefined, string]> = [
    ['a client', { isServer: false }, parent(1, 'open'), 'not_server'],
    ['a closed connection', { closed: true }, parent(1, 'open'), 'connection_closed'],
    ['after GOAWAY', { goaway: true }, parent(1, 'open'), 'goaway'],
    ['push disabled', { peerEnablePush: false }, parent(1, 'open'), 'push_disabled'],
    ['a pushed parent', {}, parent(2, 'half_closed_remote'), 'recursive'],
    ['a closed parent', {}, parent(1, 'closed'), 'stream_closed'],
    ['a parent in half-closed (local): the §5.1 table forbids PUSH_PROMISE there', {}, parent(1, 'half_closed_local'), 'stream_closed'],
    ['a parent whose response has ended', {}, parent(1, 'half_closed_remote', true), 'stream_closed'],
    ['no parent', {}, undefined, 'stream_closed'],
    ['the concurrency limit', { pushedStreamsInUse: 100 }, parent(1, 'open'), 'concurrency_limit'],
    ['ids exhausted', { idsExhausted: true }, parent(1, 'open'), 'ids_exhausted'],
  ];
  for (const [name, ctx, p, reason] of cases) {
    it(`refuses on ${name}: ${reason}`, () => {
      const r = pushRefusal({ ...ok, ...ctx }, p);
      expect(r).to.equal(reason);
      expect(new PushError(r!).message).to.match(/^push refused: .+/);
    });
  }
});
