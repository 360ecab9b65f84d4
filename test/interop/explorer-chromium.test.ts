// The explorer in a real browser: headless Chromium loads the demo over TLS
// (the seed page, whose push it refuses), then opens /_wire/ on the same
// connection. The ladder it draws must have one arrow per frame of that
// connection's server-side trace, in the same order and of the same types,
// the explorer's own update DATA folded into one row; among them the
// browser's SETTINGS with ENABLE_PUSH=0, which the push refusal note points
// at. The screenshot is kept in test-artifacts/explorer.png, and the counts
// compared in test-artifacts/explorer-counts.json.

import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSeedHandler } from '../../src/demo/seed-handler.js';
import { Explorer } from '../../src/explorer/explorer.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed-certificate.js';
import { createServer, type H2Server } from '../../src/server/server.js';
import type { TraceRecord } from '../../src/trace.js';
import { Chromium, type Page } from '../helpers/chromium.js';
import { requirePeer } from './peers.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

interface Arrow {
  seq: number;
  type: string;
  stream: number;
}

describe('explorer: headless Chromium draws its own connection (RFC 9113 frames, live)', function () {
  this.timeout(90000);
  const tls = createSelfSignedCertificate();
  const records: TraceRecord[] = [];
  const errors: unknown[] = [];
  let server: H2Server | undefined;
  let explorer: Explorer | undefined;
  let chromium: Chromium | undefined;
  let page: Page | undefined;
  let origin = '';

  before(async function () {
    const program = requirePeer(this, 'chromium', 'chromium');
    const ex = (explorer = new Explorer());
    const seed = makeSeedHandler({ explorer: ex.base });
    server = createServer(
      {
        tls,
        traceDetail: true,
        trace: (r) => {
          records.push(r);
          ex.sink(r);
        },
      },
      (req, res) => (ex.owns(req) ? ex.serve(req, res) : seed(req, res)),
    );
    server.on('handlerError', (e) => errors.push(e));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    origin = `https://127.0.0.1:${server.address().port}`;
    chromium = Chromium.launch(program);
    page = await chromium.page();
    await page.goto(`${origin}/`);
    // Follow the page's own link, as a visitor would: the same connection serves it.
    const loaded = chromium.next('Page.loadEventFired', page.sessionId);
    await page.evaluate(`document.querySelector('a[href="/_wire/"]').click(), true`);
    await loaded;
  });

  after(async () => {
    explorer?.close();
    await chromium?.close();
    if (server) await new Promise<void>((r) => server!.close(r));
    expect(errors).to.deep.equal([]);
  });

  /** The connection that served /_wire/, and its update streams. */
  const explorerConnection = () => {
    let connection: number | undefined;
    const updateStreams = new Set<number>();
    for (const r of records) {
      if (r.kind !== 'fields' || r.direction !== 'in') continue;
      const path = r.fields.find((f) => f.name === ':path')?.value ?? '';
      if (path === '/_wire/') connection = r.connection;
      if (path.startsWith('/_wire/events')) updateStreams.add(r.streamId);
    }
    return { connection: connection!, updateStreams };
  };

  /** The server-side trace of that connection, the update streams' DATA left out (the explorer folds it). */
  const expectedArrows = (): Arrow[] => {
    const { connection, updateStreams } = explorerConnection();
    return records
      .filter((r): r is Extract<TraceRecord, { kind: 'frame' }> => r.kind === 'frame' && r.connection === connection)
      .filter((r) => !(r.frame.type === 'DATA' && updateStreams.has(r.frame.streamId)))
      .map((r) => ({ seq: r.seq, type: r.frame.type, stream: r.frame.streamId }));
  };

  const drawnArrows = () =>
    page!.evaluate<Arrow[]>(`[...document.querySelectorAll('#ladder g.arrow')].map((g) => ({ seq: Number(g.dataset.seq), type: g.dataset.type, stream: Number(g.dataset.stream) }))`);

  it('draws one arrow per frame of its connection, in wire order, with the same types (the update stream folded)', async () => {
    let drawn: Arrow[] = [];
    let expected: Arrow[] = [];
    const until = Date.now() + 20000;
    // Live: the diagram catches up with the server's trace within a few updates.
    for (;;) {
      expected = expectedArrows();
      drawn = await drawnArrows();
      if (drawn.length > 0 && JSON.stringify(drawn) === JSON.stringify(expected)) break;
      if (Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(drawn).to.deep.equal(expected);
    expect(drawn.length).to.be.greaterThan(10);
    const folded = await page!.evaluate<Array<{ stream: number; count: number }>>(`[...document.querySelectorAll('#ladder g.collapsed')].map((g) => ({ stream: Number(g.dataset.stream), count: Number(g.dataset.count) }))`);
    const { connection, updateStreams } = explorerConnection();
    expect(folded.map((f) => f.stream)).to.deep.equal([...updateStreams]);
    expect(folded[0]!.count, 'the update stream’s DATA, counted (at least one per update received)').to.be.at.least(1);
    const updateData = records.filter((r) => r.kind === 'frame' && r.connection === connection && r.frame.type === 'DATA' && updateStreams.has(r.frame.streamId)).length;
    expect(updateData, 'the update stream carried DATA').to.be.greaterThan(0);
    const counts = {
      connection,
      serverFrames: records.filter((r) => r.kind === 'frame' && r.connection === connection).length,
      arrowsDrawn: drawn.length,
      updateDataFolded: updateData,
      foldedRowCount: folded[0]?.count,
      byType: drawn.reduce<Record<string, number>>((n, a) => ({ ...n, [a.type]: (n[a.type] ?? 0) + 1 }), {}),
    };
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'explorer-counts.json'), `${JSON.stringify(counts, null, 2)}\n`);
  });

  it("shows the browser's SETTINGS with ENABLE_PUSH=0, and the push refusal note points at it", async () => {
    const { connection } = explorerConnection();
    const settings = records.find((r): r is Extract<TraceRecord, { kind: 'frame' }> => r.kind === 'frame' && r.connection === connection && r.direction === 'in' && r.frame.type === 'SETTINGS' && !r.frame.ack);
    expect(settings, "the browser's first SETTINGS").to.not.equal(undefined);
    expect(settings!.frame.type === 'SETTINGS' && settings!.frame.settings).to.deep.include({ id: 2, value: 0 });
    const arrow = await page!.evaluate<{ from: string; type: string } | null>(`(() => { const g = document.querySelector('#f${settings!.seq}'); return g && { from: g.dataset.from, type: g.dataset.type }; })()`);
    expect(arrow).to.deep.equal({ from: 'client', type: 'SETTINGS' });
    const notes = await page!.evaluate<Array<{ cause: string | null; text: string }>>(`[...document.querySelectorAll('#ladder g.note[data-tone=refused]')].map((g) => ({ cause: g.getAttribute('data-cause'), text: g.textContent }))`);
    expect(notes.length, 'one refusal: the seed page asked to push /style.css').to.equal(1);
    expect(notes[0]!.cause).to.equal(String(settings!.seq));
    expect(notes[0]!.text).to.contain('push /style.css refused: push_disabled — your browser sent SETTINGS_ENABLE_PUSH=0 in its first SETTINGS frame');
  });

  it('is keyboard navigable: Home, then ↓ shows each frame’s details with its RFC 9113 section and octets; Enter on the note jumps to its frame', async () => {
    await page!.evaluate(`document.querySelector('#ladder [role=listitem]').focus(), true`);
    await page!.press('Home');
    await page!.press('ArrowDown');
    const details = await page!.evaluate<string>(`document.getElementById('details').textContent`);
    expect(details).to.match(/RFC 9113 §6\.\d+/);
    expect(details).to.match(/Octets \(\d+: 9 of header/);
    const index = await page!.evaluate<number>(`[...document.querySelectorAll('#ladder [role=listitem]')].findIndex((g) => g.matches('g.note[data-tone=refused]'))`);
    await page!.evaluate(`(() => { const items = document.querySelectorAll('#ladder [role=listitem]'); items[${index}].focus(); })(), true`);
    await page!.press('Enter');
    const selected = await page!.evaluate<string | null>(`document.querySelector('#ladder g.selected')?.dataset.type ?? null`);
    expect(selected).to.equal('SETTINGS');
  });

  it('loads nothing from elsewhere: no external scripts, styles, fonts or images', async () => {
    const external = await page!.evaluate<string[]>(
      `[...document.querySelectorAll('script[src], link[rel=stylesheet], link[rel=preload], img, iframe, object, embed')].map((e) => e.outerHTML).concat(performance.getEntriesByType('resource').map((r) => r.name).filter((n) => !n.startsWith(location.origin)))`,
    );
    expect(external).to.deep.equal([]);
  });

  it('screenshot saved to test-artifacts/explorer.png', async () => {
    const png = await page!.screenshot();
    expect(png.subarray(0, 8).toString('hex')).to.equal('89504e470d0a1a0a');
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'explorer.png'), png);
    expect(png.length).to.be.greaterThan(20000);
  });
});
