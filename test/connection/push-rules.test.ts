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
  nextPushId: 2,
};

function parent(id: number, state: Stream['state'], localEnded = false): Stream {
  const s = new Stream(id, 65535, 65535);
  s.state = state;
  s.localEnded = localEnded;
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
    ['a pushed parent', {}, parent(2, 'half_closed_remote'), 'parent_is_pushed'],
    ['a closed parent', {}, parent(1, 'closed'), 'parent_not_open'],
    ['a parent whose response has ended', {}, parent(1, 'half_closed_remote', true), 'parent_not_open'],
    ['no parent', {}, undefined, 'parent_not_open'],
    ['the concurrency limit', { pushedStreamsInUse: 100 }, parent(1, 'open'), 'concurrency_limit'],
    ['ids exhausted', { nextPushId: 2 ** 31 }, parent(1, 'open'), 'ids_exhausted'],
  ];
  for (const [name, ctx, p, reason] of cases) {
    it(`refuses on ${name}: ${reason}`, () => {
      const r = pushRefusal({ ...ok, ...ctx }, p);
      expect(r).to.equal(reason);
      expect(new PushError(r!).message).to.match(/^push refused: .+/);
    });
  }
});
