// The push lab's model, checked against what the arithmetic of round trips
// says (issue: "Correctness of the model"), then with a finite link, where
// a push can hurt; and the lab's output is the same for the same inputs.

import { expect } from 'chai';
import { runLab } from '../../src/lab/lab-run.js';
import { type LabConditions, type LoadResult, runLoad } from '../../src/lab/load.js';
import { checkPage, type LabPage, pageHtml, SEED_PAGE } from '../../src/lab/page.js';
import { gainBound } from '../../src/lab/report.js';

const RTT = 100;
const ideal = (thinkMs: number, extra: Partial<LabConditions> = {}): LabConditions => ({ rttMs: RTT, bytesPerMs: Infinity, initialCwnd: Infinity, mss: 1460, thinkMs, cache: 'cold', ...extra });
const css = (r: LoadResult) => r.resources.find((t) => t.path === '/style.css')!;

describe('lab: the model on an ideal link (infinite bandwidth, one RTT the only cost; times from the first request)', () => {
  for (const think of [0, 40, 250]) {
    describe(`think ${think} ms`, () => {
      const none = runLoad(SEED_PAGE, 'none', ideal(think));
      it('none: the page at 1 RTT + think, the stylesheet at 2 RTT + think', () => {
        expect(none.pageDone).to.equal(RTT + think);
        expect(css(none).done).to.equal(2 * RTT + think);
        expect(none.allDone).to.equal(2 * RTT + think);
      });
      it('push (decided before thinking): the stylesheet at 1 RTT, the page at 1 RTT + think: one RTT gained', () => {
        const push = runLoad(SEED_PAGE, 'push', ideal(think));
        expect(css(push)).to.deep.include({ how: 'push', done: RTT });
        expect(push.pageDone).to.equal(RTT + think);
        expect(none.allDone - push.allDone).to.equal(RTT);
      });
      it('hints: the stylesheet at 2 RTT, the page at 1 RTT + think: min(think, 1 RTT) gained, nothing when think is 0', () => {
        const hints = runLoad(SEED_PAGE, 'hints', ideal(think));
        expect(css(hints)).to.deep.include({ how: 'hint', done: 2 * RTT });
        expect(hints.pageDone).to.equal(RTT + think);
        expect(none.allDone - hints.allDone).to.equal(Math.min(think, RTT));
      });
      it('preload: no gain for a stylesheet the head already links', () => {
        const preload = runLoad(SEED_PAGE, 'preload', ideal(think));
        expect(preload.allDone).to.equal(none.allDone);
      });
      it('every gain within its bound', () => {
        for (const mode of ['push', 'hints', 'preload'] as const) {
          const r = runLoad(SEED_PAGE, mode, ideal(think));
          expect(none.allDone - r.allDone, mode).to.be.at.most(gainBound(mode, ideal(think), SEED_PAGE, none) + 1e-9);
        }
      });
    });
  }

  it('warm cache: push gains nothing and wastes what it pushed, the client cancelling the promise (RST_STREAM CANCEL)', () => {
    const warm = ideal(50, { cache: 'warm' });
    const none = runLoad(SEED_PAGE, 'none', warm);
    const push = runLoad(SEED_PAGE, 'push', warm);
    expect(css(none).how).to.equal('cache');
    expect(push.allDone).to.equal(none.allDone);
    expect(push.wastedOctets).to.equal(SEED_PAGE.resources[0]!.size);
    expect(push.wireOctets).to.be.greaterThan(none.wireOctets);
  });
});

describe('lab: a finite link, where push can hurt', () => {
  const page: LabPage = checkPage({
    path: '/',
    size: 20000,
    resources: [
      { path: '/style.css', kind: 'stylesheet', size: 8000, in: 'head' },
      { path: '/hero.jpg', kind: 'image', size: 400000, in: 0.9, push: true },
    ],
  });
  const link = (extra: Partial<LabConditions> = {}): LabConditions => ({ rttMs: 50, bytesPerMs: 2500, initialCwnd: 10, mss: 1460, thinkMs: 0, cache: 'cold', ...extra }); // 20 Mbit/s

  it('a large resource pushed before the page delays the page: its octets go first', () => {
    const none = runLoad(page, 'none', link());
    const push = runLoad(page, 'push', link());
    expect(push.pageDone - none.pageDone, 'the page waits behind 400 KB at 20 Mbit/s').to.be.greaterThan(150);
  });

  it('the same push with its data after the page (the lab’s stand-in for priority) leaves the page nearly where it was', () => {
    const none = runLoad(page, 'none', link());
    const push = runLoad(page, 'push', link({ pushOrder: 'after-page' }));
    expect(push.pageDone - none.pageDone).to.be.lessThan(20);
    expect(push.allDone).to.be.lessThan(none.allDone);
  });

  it('the HTML the loader parses has each tag where the description puts it', () => {
    const html = pageHtml(page, false);
    expect(html.length).to.be.within(19900, 20100);
    expect(html.indexOf('<img src="/hero.jpg"') / html.length).to.be.within(0.85, 0.95);
    expect(pageHtml(page, true)).to.contain('<link rel="preload" href="/style.css" as="style">');
    expect(pageHtml({ ...page, resources: [{ ...page.resources[1]!, preload: true }] }, true)).to.contain('<link rel="preload" href="/hero.jpg" as="image">');
  });
});

describe('lab: what a newcomer found, pinned', () => {
  const example = checkPage({
    path: '/',
    size: 20000,
    resources: [
      { path: '/style.css', kind: 'stylesheet', size: 8000, in: 'head' },
      { path: '/hero.jpg', kind: 'image', size: 400000, in: 0.9, push: true },
      { path: '/font.woff2', kind: 'font', size: 30000, in: '/style.css', preload: true },
    ],
  });

  it('warm: every pushed octet that arrives counts as wasted, however large the push (the engine drops DATA of a reset stream)', () => {
    const warm: LabConditions = { rttMs: 50, bytesPerMs: 2500, initialCwnd: 10, mss: 1460, thinkMs: 50, cache: 'warm' };
    expect(runLoad(example, 'push', warm).wastedOctets).to.equal(8000 + 400000);
  });

  it('a pushed stylesheet’s fonts are found once the page uses the stylesheet, not before: push stays within its bound on an ideal link', () => {
    const none = runLoad(example, 'none', ideal(0, { rttMs: 50 }));
    const push = runLoad(example, 'push', ideal(0, { rttMs: 50 }));
    const font = push.resources.find((t) => t.path === '/font.woff2')!;
    expect(font.discovered, 'needed when the page, then its stylesheet, are in').to.be.at.least(push.resources[0]!.done!);
    expect(none.allDone - push.allDone).to.be.at.most(gainBound('push', ideal(0, { rttMs: 50 }), example, none) + 1e-9);
  });

  it('push, hint and preload each name resources on their own (by default those in the head)', () => {
    const hints = runLoad(example, 'hints', ideal(0));
    expect(hints.resources.find((t) => t.path === '/hero.jpg')!.how, 'pushed, not hinted').to.equal('parser');
    expect(hints.resources.find((t) => t.path === '/style.css')!.how).to.equal('hint');
    const preload = runLoad(example, 'preload', ideal(0));
    expect(preload.resources.find((t) => t.path === '/font.woff2')!.how).to.equal('preload');
    expect(preload.resources.find((t) => t.path === '/hero.jpg')!.how).to.equal('parser');
  });

  it('a misspelt key, a font inside an image, a repeated path: refused, saying which', () => {
    expect(() => checkPage({ size: 10, resources: [{ path: '/a.css', kind: 'stylesheet', size: 1, pushh: true }] })).to.throw('resources[0]: unknown key "pushh"');
    expect(() => checkPage({ size: 10, resources: [{ path: '/a.jpg', kind: 'image', size: 1 }, { path: '/f.woff2', kind: 'font', size: 1, in: '/a.jpg' }] })).to.throw('only a stylesheet references other resources');
    expect(() => checkPage({ size: 10, resources: [{ path: '/a.css', kind: 'stylesheet', size: 1 }, { path: '/a.css', kind: 'stylesheet', size: 1 }] })).to.throw('resources[1].path /a.css is taken');
  });
});

describe('lab: output', () => {
  it('the same inputs give the same octets (text and HTML)', () => {
    const options = { page: SEED_PAGE, rtts: [10, 50, 100, 200], caches: ['cold', 'warm'] as Array<'cold' | 'warm'>, bytesPerMs: 2500, initialCwnd: 10, thinkMs: 50 };
    const a = runLab(options);
    const b = runLab(options);
    expect(a.text).to.equal(b.text);
    expect(a.html).to.equal(b.html);
    expect(a.html.match(/<svg /g)?.length, 'a waterfall per (cache, RTT), a sweep per cache').to.equal(8 + 2);
  });

  it('a page description with a mistake says which', () => {
    expect(() => checkPage({ size: 10, resources: [{ path: 'x.css', kind: 'stylesheet', size: 1 }] })).to.throw('resources[0].path must be a path starting with /');
    expect(() => checkPage({ size: 10, resources: [{ path: '/f.woff2', kind: 'font', size: 1, in: '/nope.css' }] })).to.throw('referenced from /nope.css, which is not a resource of the page');
    expect(() => checkPage({ size: -1, resources: [] })).to.throw('size');
  });

  it('a font referenced from a stylesheet is found when the stylesheet is complete; preload gains that wait', () => {
    const withFont = checkPage({ size: 2000, resources: [{ path: '/a.css', kind: 'stylesheet', size: 500, in: 'head', push: false }, { path: '/f.woff2', kind: 'font', size: 3000, in: '/a.css', preload: true }] });
    const none = runLoad(withFont, 'none', ideal(0));
    const font = none.resources.find((t) => t.path === '/f.woff2')!;
    expect(font.discovered).to.equal(2 * RTT);
    expect(font.done).to.equal(3 * RTT);
    const preload = runLoad(withFont, 'preload', ideal(0));
    expect(none.allDone - preload.allDone).to.equal(RTT);
  });
});
