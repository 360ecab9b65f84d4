// The catalogue of error labels (src/error-labels.ts): the README lists
// exactly it, and every label in it is raised somewhere in src/.

import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { extractLabelTable, labelTable } from '../../src/demo/error-label-table.js';
import { ERROR_LABELS } from '../../src/error-labels.js';

const root = new URL('../../../', import.meta.url);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('error labels', () => {
  it("README.md's table is the catalogue (run `make docs` to regenerate)", () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    expect(extractLabelTable(readme)).to.equal(labelTable());
  });

  it('every label in the catalogue is raised by some rule in src/', () => {
    const dir = new URL('src/', root).pathname;
    const code = sources(dir)
      .filter((f) => !f.endsWith('error-labels.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys(ERROR_LABELS).filter((label) => !code.includes(`'${label}'`));
    expect(unused, 'labels nothing raises').to.deep.equal([]);
  });

  it('labels are snake_case names, each with a meaning', () => {
    for (const [label, meaning] of Object.entries(ERROR_LABELS)) {
      expect(label).to.match(/^[a-z][a-z0-9_]*$/);
      expect(meaning.length, label).to.be.greaterThan(10);
    }
  });
});
