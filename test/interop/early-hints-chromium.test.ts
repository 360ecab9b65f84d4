// A real browser and 103 Early Hints (the push lab's "hints" mode, live):
// headless Chromium loads the demo's /early-hints page, whose server sends
// a 103 with a preload of /style.css and then thinks for 400 ms. Resource
// Timing says whether the browser acted on the hint.
//
// What we found (docs/push-lab.md, "A real browser"): Chromium acts on the
// hint when it trusts the certificate (here, trusted by its public key with
// --ignore-certificate-errors-spki-list): one fetch of /style.css, during
// the think time, initiatorType "early-hints". With
// --ignore-certificate-errors it still fetches the hinted stylesheet early,
// but cannot use it: responses over a connection with a certificate error
// are not cached, so the parser fetches /style.css again.

import { expect } from 'chai';
import { createHash, createPublicKey } from 'node:crypto';
import { seedHandler } from '../../src/demo/seed-handler.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server } from '../../src/server/server.js';
import { Chromium } from '../helpers/chromium.js';
import { requirePeer } from './peers.js';

const THINK_MS = 400;

interface Seen {
  timing: { initiatorType: string; fetchStart: number } | null;
  navigation: { responseStart: number; responseEnd: number };
  fetches: number[];
  pageAt: number;
}

describe('interop: headless Chromium and 103 Early Hints (the lab’s hints mode, in a browser)', function () {
  this.timeout(90000);
  // A freshly started Chromium now and then does not act on a hint at all
  // (2 runs in about 12 here, either way of trusting the certificate): a
  // fresh server and browser are tried again, up to twice.
  this.retries(2);
  const tls = createSelfSignedCertificate();
  const spki = createHash('sha256').update(createPublicKey(tls.cert).export({ type: 'spki', format: 'der' })).digest('base64');
  let program = '';

  before(function () {
    program = requirePeer(this, 'chromium', 'chromium');
  });

  /** A fresh demo server and a fresh browser for each load: nothing carried over. */
  async function load(trusted: boolean): Promise<Seen> {
    const requests: Array<{ path: string; at: number }> = [];
    const server: H2Server = createServer({ tls }, (req, res) => {
      requests.push({ path: req.path, at: performance.now() });
      return seedHandler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const chromium = Chromium.launch(program, trusted ? { trustSpki: spki } : {});
    try {
      const page = await chromium.page();
      await page.goto(`https://localhost:${server.address().port}/early-hints?think=${THINK_MS}`);
      const seen = await page.evaluate<Pick<Seen, 'timing' | 'navigation'>>(`(() => {
        const css = performance.getEntriesByName(location.origin + '/style.css')[0];
        const nav = performance.getEntriesByType('navigation')[0];
        return { timing: css ? { initiatorType: css.initiatorType, fetchStart: css.fetchStart } : null, navigation: { responseStart: nav.responseStart, responseEnd: nav.responseEnd } };
      })()`);
      const pageAt = requests.find((r) => r.path.startsWith('/early-hints'))!.at;
      return { ...seen, fetches: requests.filter((r) => r.path === '/style.css').map((r) => r.at - pageAt), pageAt };
    } finally {
      await chromium.close();
      await new Promise<void>((r) => server.close(r));
    }
  }

  it('trusting the certificate: Chromium fetches the hinted stylesheet once, while the server thinks, and uses it (initiatorType "early-hints")', async () => {
    const seen = await load(true);
    expect(seen.timing?.initiatorType).to.equal('early-hints');
    expect(seen.fetches.length, 'one fetch of /style.css').to.equal(1);
    expect(seen.fetches[0]!, 'asked for during the think time').to.be.lessThan(THINK_MS);
  });

  it('with --ignore-certificate-errors: it acts on the hint, but the page cannot use what came (not cached over a certificate error), so it asks again', async () => {
    const seen = await load(false);
    expect(seen.fetches.length, JSON.stringify(seen)).to.equal(2);
    expect(seen.fetches[0]!).to.be.lessThan(THINK_MS);
    expect(seen.fetches[1]!).to.be.at.least(THINK_MS);
    expect(seen.timing?.initiatorType).to.not.equal('early-hints');
  });
});
