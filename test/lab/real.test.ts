// --real: the lab's loads over loopback TCP with the delay shim agree with
// the model within the stated tolerance (20% + 15 ms: timers and the event
// loop add about a millisecond per one-way trip; docs/push-lab.md). The
// tolerance is wide so that a busy CI machine does not fail it; a model
// that is wrong by a round trip does.

import { expect } from 'chai';
import { HEAVY_PAGE } from '../../src/lab/lab-docs.js';
import { crossCheck } from '../../src/lab/lab-run.js';
import type { LabConditions } from '../../src/lab/load.js';
import { SEED_PAGE } from '../../src/lab/page.js';

const conditions: LabConditions = { rttMs: 60, bytesPerMs: 2500, initialCwnd: Infinity, mss: 1460, thinkMs: 40, cache: 'cold' };

describe('lab --real: loopback sockets with a delay shim agree with the model', function () {
  this.timeout(30000);

  for (const [name, page] of [['the seed page', SEED_PAGE], ['the page where push hurts', HEAVY_PAGE]] as const) {
    it(`${name}: every mode, page done and all done`, async () => {
      const check = await crossCheck(page, conditions);
      expect(check.agree, check.text).to.equal(true);
      const none = check.rows.find((r) => r.mode === 'none')!;
      const push = check.rows.find((r) => r.mode === 'push')!;
      // The lesson survives the real sockets: push saves about a round trip on the seed page.
      if (page === SEED_PAGE) expect(none.real.allDone - push.real.allDone, check.text).to.be.within(conditions.rttMs - 15, conditions.rttMs + 15);
    });
  }

  it('a warm cache: the pushed octets arrive anyway and are counted as wasted, over real sockets too', async () => {
    const check = await crossCheck(SEED_PAGE, { ...conditions, cache: 'warm' });
    const push = check.rows.find((r) => r.mode === 'push')!;
    expect(push.real.wastedOctets).to.equal(push.model.wastedOctets);
  });
});
