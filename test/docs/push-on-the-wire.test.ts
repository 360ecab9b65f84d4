// docs/push-on-the-wire.md shows a real trace; it must still be what the code prints.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { extractTrace, recordWalkthrough, streamLines } from '../../src/demo/walkthrough.js';

describe('docs/push-on-the-wire.md', () => {
  it('its trace matches a fresh run, stream by stream (run `make docs` to regenerate)', async () => {
    const doc = readFileSync(new URL('../../../docs/push-on-the-wire.md', import.meta.url), 'utf8');
    const documented = streamLines(extractTrace(doc));
    expect(documented.length, 'the document has stream lines').to.be.greaterThan(10);
    const fresh = streamLines(await recordWalkthrough());
    expect(fresh).to.deep.equal(documented);
  });
});
