// docs/push-lab.md gives the lab's own results; the lab is deterministic, so
// they must be exactly what the code gives now (run `make docs` to regenerate).

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { extractResults, labDocs } from '../../src/lab/lab-docs.js';

describe('docs/push-lab.md', () => {
  const { block, files } = labDocs();

  it('its results are what the lab gives (tables, octet for octet)', () => {
    const doc = readFileSync(new URL('../../../docs/push-lab.md', import.meta.url), 'utf8');
    expect(extractResults(doc)).to.equal(block);
    expect(block).to.contain('RTT 200 ms, 20 Mbit/s').and.contain('cache warm');
  });

  it('its pictures are what the lab draws, and the document shows them', () => {
    const doc = readFileSync(new URL('../../../docs/push-lab.md', import.meta.url), 'utf8');
    for (const [name, svg] of files) {
      expect(readFileSync(new URL(`../../../docs/push-lab/${name}`, import.meta.url), 'utf8'), name).to.equal(svg);
      expect(doc, name).to.contain(`push-lab/${name}`);
    }
  });
});
