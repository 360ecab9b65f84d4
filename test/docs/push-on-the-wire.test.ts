// docs/push-on-the-wire.md shows a real trace; it must still be what the code prints.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { extractTrace, recordWalkthrough, streamLines, svgStreamArrows, walkthroughSvg } from '../../src/demo/walkthrough.js';

describe('docs/push-on-the-wire.md', () => {
  let fresh: Awaited<ReturnType<typeof recordWalkthrough>>;
  before(async () => {
    fresh = await recordWalkthrough();
  });

  it('its trace matches a fresh run, stream by stream (run `make docs` to regenerate)', () => {
    const doc = readFileSync(new URL('../../../docs/push-on-the-wire.md', import.meta.url), 'utf8');
    const documented = streamLines(extractTrace(doc));
    expect(documented.length, 'the document has stream lines').to.be.greaterThan(10);
    expect(streamLines(fresh.lines)).to.deep.equal(documented);
  });

  it('shows the ladder of its run beside the text, and the ladder matches a fresh run, arrow by arrow (run `make docs`)', () => {
    const doc = readFileSync(new URL('../../../docs/push-on-the-wire.md', import.meta.url), 'utf8');
    expect(doc).to.contain('![');
    expect(doc).to.contain('(push-on-the-wire.svg)');
    const svg = readFileSync(new URL('../../../docs/push-on-the-wire.svg', import.meta.url), 'utf8');
    const documented = svgStreamArrows(svg);
    expect(documented.length, 'arrows on streams 1 and up').to.be.greaterThan(5);
    expect(svgStreamArrows(walkthroughSvg(fresh.records))).to.deep.equal(documented);
    expect(documented, 'the push on the wire').to.include('server PUSH_PROMISE 1');
  });
});
