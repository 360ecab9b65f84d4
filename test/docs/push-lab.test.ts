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
      // Each picture is the one its name says (they were once shifted by one).
      const rtt = /-(\d+)ms\.svg$/.exec(name)?.[1];
      const cache = /-(cold|warm)/.exec(name)?.[1];
      if (rtt) expect(svg, name).to.contain(`RTT ${rtt} ms`);
      if (cache) expect(svg, name).to.contain(`cache ${cache}`);
      if (name.startsWith('seed-gain')) expect(svg, name).to.contain('Gain over none against RTT');
      expect(readFileSync(new URL(`../../../docs/push-lab/${name}`, import.meta.url), 'utf8'), name).to.equal(svg);
      expect(doc, name).to.contain(`push-lab/${name}`);
    }
  });
});
