// What the lab prints and draws: a table per load, the analytic bound
// beside each gain, a waterfall per mode side by side, and gain against RTT.
// All of it depends only on the results: the same inputs, the same octets.

import { escapeXml } from '../ladder/ladder.js';
import { LAB_MODES, type LabConditions, type LabMode, type LoadResult } from './load.js';
import { hints, type LabPage, preloads, pushes } from './page.js';

const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 10) / 10} ms` : '-');

/**
 * The most a mode can gain over none in all-done time (docs/push-lab.md
 * derives each). No mode makes the page itself come sooner (each only adds
 * to the traffic), so none gains more than U = none's all-done − none's
 * page-done: the subresources can at best finish with the page. Within that:
 *  - push saves the request's round trip, and its transfer can hide under
 *    the think time: RTT + T(pushed);
 *  - a hint makes the client ask at 1 RTT instead of when its parser finds
 *    the reference: the head start is (found in none) − RTT, which for a
 *    head link is the think time: so min(think, RTT) on an idle fast link;
 *  - a preload asks when the head is parsed instead of at the reference:
 *    (found in none) − (the page's first octet in none); nothing for what the
 *    head links already.
 * T(x) is x's octets on the wire at the bandwidth (0 if unlimited). Slow
 * start is not in the bound: a window that grows per round trip can move a
 * measurement past it, and the table then says so.
 */
/** Octets a small response's HEADERS frame takes (h2wire's, with content-type and content-length), rounded up. */
const RESPONSE_OVERHEAD = 64;

export function gainBound(mode: LabMode, c: LabConditions, page: LabPage, none: LoadResult): number {
  if (c.cache === 'warm') return 0; // nothing is fetched: nothing to gain, only waste
  const T = (octets: number) => (Number.isFinite(c.bytesPerMs) ? octets / c.bytesPerMs : 0);
  // A response on the wire is its body and a little more: its HEADERS frame and DATA frame headers.
  const wire = (size: number) => size + RESPONSE_OVERHEAD + 9 * Math.ceil(size / 16384);
  const found = (path: string) => none.resources.find((t) => t.path === path)?.discovered;
  const headStart = (pick: (r: LabPage['resources'][number]) => boolean, from: number) =>
    Math.max(0, ...page.resources.filter(pick).map((r) => (found(r.path) ?? from) - from));
  const U = none.allDone - none.pageDone;
  switch (mode) {
    case 'none':
      return 0;
    case 'push':
      return Math.min(U, c.rttMs + T(page.resources.filter(pushes).reduce((n, r) => n + wire(r.size), 0)));
    case 'hints':
      return Math.min(U, headStart(hints, c.rttMs));
    case 'preload':
      return Math.min(U, headStart(preloads, none.resources[0]?.firstByte ?? 0));
  }
}

export function describeConditions(c: LabConditions): string {
  const bits = c.bytesPerMs * 8000; // per second
  const bw = !Number.isFinite(bits) ? 'unlimited bandwidth' : bits >= 1e6 ? `${Math.round(bits / 1e4) / 100} Mbit/s` : `${Math.round(bits / 10) / 100} kbit/s`;
  const cwnd = Number.isFinite(c.initialCwnd) ? `initial cwnd ${c.initialCwnd} × ${c.mss} octets, slow start` : 'no slow start';
  return `RTT ${c.rttMs} ms, ${bw}, ${cwnd}, think ${c.thinkMs} ms, cache ${c.cache}${c.pushOrder === 'after-page' ? ', pushed data after the page' : ''}`;
}

/** The table for one set of conditions, all modes. */
export function resultTable(results: readonly LoadResult[], c: LabConditions, page: LabPage): string {
  const base = results.find((r) => r.mode === 'none')!;
  const rows = [['mode', 'page done', 'all done', 'gain', 'bound', 'octets on the wire', 'octets wasted']];
  for (const r of results) {
    const gain = base.allDone - r.allDone;
    const bound = gainBound(r.mode, c, page, base);
    const within = gain <= bound + 1e-9 ? '' : ' (over!)';
    rows.push([r.mode, ms(r.pageDone), ms(r.allDone), r.mode === 'none' ? '-' : ms(gain), r.mode === 'none' ? '-' : `≤ ${ms(bound)}${within}`, r.wireOctets.toLocaleString('en-US'), r.wastedOctets.toLocaleString('en-US')]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

const COLOURS: Record<string, string> = { page: '#0b6e4f', parser: '#1f6fb2', push: '#c25400', hint: '#7d3c98', preload: '#117a65', cache: '#999999', cancelled: '#c0392b' };

/** One mode's waterfall: a bar per resource from its start to its last octet, a tick where the parser needed it. */
function waterfall(result: LoadResult, x0: number, y0: number, width: number, scale: number): string {
  const out: string[] = [`<text x="${x0}" y="${y0}" class="h">${escapeXml(result.mode)}: all done ${ms(result.allDone)}</text>`];
  let y = y0 + 10;
  for (const t of result.resources) {
    const colour = COLOURS[t.how] ?? '#444';
    out.push(`<text x="${x0}" y="${y + 12}">${escapeXml(t.path)} (${escapeXml(t.how)})</text>`);
    if (t.start !== undefined && t.done !== undefined) {
      const a = x0 + t.start * scale;
      const b = x0 + t.done * scale;
      out.push(`<rect x="${a.toFixed(2)}" y="${y + 16}" width="${Math.max(2, b - a).toFixed(2)}" height="8" fill="${colour}"><title>${escapeXml(`${t.path}: ${ms(t.start)} → ${ms(t.done)}`)}</title></rect>`);
    }
    if (t.discovered !== undefined) {
      const d = x0 + t.discovered * scale;
      out.push(`<line x1="${d.toFixed(2)}" y1="${y + 13}" x2="${d.toFixed(2)}" y2="${y + 27}" stroke="#000" stroke-width="1.5"><title>needed at ${ms(t.discovered)}</title></line>`);
    }
    y += 32;
  }
  out.push(`<line x1="${x0 + result.allDone * scale}" y1="${y0 + 8}" x2="${x0 + result.allDone * scale}" y2="${y}" stroke="#c0392b" stroke-dasharray="3 2"/>`);
  void width;
  return out.join('\n');
}

/** The four modes' waterfalls side by side, on one time scale. */
export function waterfallSvg(results: readonly LoadResult[], c: LabConditions, title: string): string {
  const colWidth = 260;
  const end = Math.max(...results.map((r) => r.allDone));
  const scale = (colWidth - 20) / (end > 0 ? end : 1);
  const rowsHeight = 40 + Math.max(...results.map((r) => r.resources.length)) * 32;
  const width = colWidth * results.length + 20;
  const height = rowsHeight + 84;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    '<style>text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#1b1b1b}.h{font-weight:bold;font-size:12px}.s{fill:#555}</style>',
    `<text x="10" y="16" class="h">${escapeXml(title)}</text>`,
    `<text x="10" y="32" class="s">${escapeXml(describeConditions(c))}</text>`,
    '<text x="10" y="46" class="s">bars: asked for (or promised) → last octet; black tick: when the parser needed it; red line: all done</text>',
  ];
  results.forEach((r, i) => parts.push(waterfall(r, 10 + i * colWidth, 70, colWidth, scale)));
  const axisY = height - 10;
  for (let i = 0; i < results.length; i++) parts.push(`<text x="${10 + i * colWidth}" y="${axisY}" class="s">0 → ${ms(end)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export interface SweepPoint {
  rttMs: number;
  gains: Record<LabMode, number>;
  bounds: Record<LabMode, number>;
}

/** Gain over none against RTT, one line per mode, the bounds dashed. */
export function sweepSvg(points: readonly SweepPoint[], c: Omit<LabConditions, 'rttMs'>, title: string): string {
  const w = 640;
  const h = 360;
  const left = 60;
  const bottom = 300;
  const maxRtt = Math.max(...points.map((p) => p.rttMs), 1);
  const maxGain = Math.max(10, ...points.flatMap((p) => [...Object.values(p.gains), ...Object.values(p.bounds)]));
  const x = (rtt: number) => left + (rtt / maxRtt) * (w - left - 150);
  const y = (gain: number) => bottom - (gain / maxGain) * (bottom - 70);
  const colours: Record<LabMode, string> = { none: '#777777', push: '#c25400', hints: '#7d3c98', preload: '#117a65' };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    '<style>text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#1b1b1b}.h{font-weight:bold;font-size:12px}</style>',
    `<text x="10" y="16" class="h">${escapeXml(title)}</text>`,
    `<text x="10" y="32">${escapeXml(describeConditions({ ...c, rttMs: NaN } as LabConditions).replace('RTT NaN ms, ', ''))}</text>`,
    `<text x="${w - 130}" y="${60 + 4 * 16}">dashed: bound</text>`,
    `<text x="${w - 130}" y="${60 + 5 * 16}">(under the gain</text><text x="${w - 130}" y="${60 + 6 * 16}">where it meets it)</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${w - 140}" y2="${bottom}" stroke="#333"/><line x1="${left}" y1="${bottom}" x2="${left}" y2="40" stroke="#333"/>`,
    `<text x="${left}" y="${bottom + 30}">RTT (ms) →</text><text x="${left + 6}" y="52">gain (ms) ↑</text>`,
  ];
  for (const p of points) parts.push(`<text x="${x(p.rttMs) - 8}" y="${bottom + 14}">${p.rttMs}</text>`);
  for (const g of [0, maxGain / 2, maxGain]) parts.push(`<text x="${left - 40}" y="${y(g) + 4}">${Math.round(g)}</text>`);
  LAB_MODES.forEach((mode, i) => {
    if (mode === 'none') return;
    const line = (values: number[]) => points.map((p, j) => `${x(p.rttMs).toFixed(1)},${y(values[j]!).toFixed(1)}`).join(' ');
    // Wider lines under narrower ones: where two modes gain the same, both show.
    parts.push(`<polyline fill="none" stroke="${colours[mode]}" stroke-width="${[0, 5, 3, 1.5][i]}" points="${line(points.map((p) => p.gains[mode]))}"/>`);
    parts.push(`<polyline fill="none" stroke="${colours[mode]}" stroke-width="1" stroke-dasharray="4 3" points="${line(points.map((p) => p.bounds[mode]))}"/>`);
    for (const p of points) parts.push(`<circle cx="${x(p.rttMs).toFixed(1)}" cy="${y(p.gains[mode]).toFixed(1)}" r="3" fill="${colours[mode]}"><title>${mode} at ${p.rttMs} ms: ${ms(p.gains[mode])}</title></circle>`);
    parts.push(`<text x="${w - 130}" y="${60 + i * 16}" fill="${colours[mode]}" style="fill:${colours[mode]}">${mode}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Everything a lab run shows, as one standalone HTML page. */
export function labHtml(sections: ReadonlyArray<{ heading: string; table: string; svg: string }>, page: LabPage, sweep?: string): string {
  const body = sections.map((s) => `<h2>${escapeXml(s.heading)}</h2>\n<pre>${escapeXml(s.table)}</pre>\n${s.svg}`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>h2wire push lab</title>
<style>body{font:14px system-ui,sans-serif;margin:1em 2em;color:#1b1b1b}pre{background:#f4f4f4;padding:.6em;overflow:auto}</style></head>
<body>
<h1>h2wire push lab</h1>
<p>The page (${page.size} octets of HTML at ${escapeXml(page.path)}) and ${page.resources.length} subresource(s), loaded four ways on a simulated link: none (the parser finds them), push, 103 Early Hints (the first one only, as Chromium), and &lt;link rel=preload&gt;. docs/push-lab.md says what is modelled and what is not.</p>
${sweep ? `<h2>Gain against RTT</h2>\n${sweep}` : ''}
${body}
</body></html>
`;
}
