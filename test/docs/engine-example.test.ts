// The README's engine example is src/demo/engine-server.ts, shown whole: it
// must be the file as it is, and it must serve a page with its push.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { h2get } from '../../src/client/h2-get.js';
import { engineServer } from '../../src/demo/engine-server.js';

describe('README: the engine example (src/demo/engine-server.ts)', () => {
  it('is shown in the README as it is in the file', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const file = readFileSync(new URL('../../../src/demo/engine-server.ts', import.meta.url), 'utf8');
    const code = file.slice(file.indexOf('import '));
    expect(readme.includes(code), 'the README block differs from the file: copy the file (from its first import) into the README').to.equal(true);
  });

  it('serves the page, pushing the stylesheet, and closes the stream that reads no body', async () => {
    const server = engineServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const r = await h2get(`http://127.0.0.1:${port}/`);
      expect(r.response.status).to.equal(200);
      expect(r.response.body.toString()).to.contain('Hello from the engine');
      expect(r.pushes.map((p) => [p.path, p.status, p.body.toString()])).to.deep.equal([['/style.css', 200, 'p { color: #0b6e4f }\n']]);
      const refused = await h2get(`http://127.0.0.1:${port}/`, { push: false });
      expect(refused.pushes).to.deep.equal([]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
