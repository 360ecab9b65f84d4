// `h2wire lab`: the four modes under each set of conditions asked for, as
// tables (text) and as one HTML report (waterfalls, gain against RTT).

import { LAB_MODES, type LabConditions, type LabMode, type LoadResult, runLoad } from './load.js';
import { runLoadReal } from './real-link.js';
import type { LabPage } from './page.js';
import { describeConditions, gainBound, labHtml, resultTable, type SweepPoint, sweepSvg, waterfallSvg } from './report.js';

export interface LabOptions {
  page: LabPage;
  rtts: number[];
  caches: Array<'cold' | 'warm'>;
  bytesPerMs: number;
  initialCwnd: number;
  thinkMs: number;
  mss?: number;
  pushOrder?: 'first' | 'after-page';
}

export interface LabRun {
  /** Per (cache, RTT): the conditions, the four results, and their waterfalls (SVG). */
  runs: Array<{ conditions: LabConditions; results: LoadResult[]; waterfall: string }>;
  /** Per cache, with several RTTs: gain against RTT (SVG). */
  sweeps: Partial<Record<'cold' | 'warm', string>>;
  text: string;
  html: string;
}

/** How far a load over loopback sockets may be from the model (docs/push-lab.md): timers and the event loop add a little on every one-way trip. */
export const REAL_TOLERANCE = { fraction: 0.2, ms: 15 };

export const withinTolerance = (model: number, real: number) => Math.abs(real - model) <= REAL_TOLERANCE.fraction * model + REAL_TOLERANCE.ms;

/**
 * --real: each mode loaded over loopback TCP with the delay shim, beside the
 * model under the same conditions (no slow start: loopback's window is large).
 */
export async function crossCheck(page: LabPage, conditions: LabConditions): Promise<{ text: string; agree: boolean; rows: Array<{ mode: LabMode; model: LoadResult; real: LoadResult }> }> {
  const c = { ...conditions, initialCwnd: Infinity };
  const rows: Array<{ mode: LabMode; model: LoadResult; real: LoadResult }> = [];
  for (const mode of LAB_MODES) rows.push({ mode, model: runLoad(page, mode, c), real: await runLoadReal(page, mode, c) });
  const f = (x: number) => `${Math.round(x * 10) / 10} ms`;
  const lines = [`--real: loopback TCP with a delay shim, against the model (${describeConditions(c)}); tolerance ${REAL_TOLERANCE.fraction * 100}% + ${REAL_TOLERANCE.ms} ms`];
  lines.push('mode     model page  real page  model all  real all  wasted (model/real)  agree');
  let agree = true;
  for (const r of rows) {
    const ok = withinTolerance(r.model.pageDone, r.real.pageDone) && withinTolerance(r.model.allDone, r.real.allDone) && r.model.wastedOctets === r.real.wastedOctets;
    agree &&= ok;
    lines.push(`${r.mode.padEnd(7)}  ${f(r.model.pageDone).padStart(10)}  ${f(r.real.pageDone).padStart(9)}  ${f(r.model.allDone).padStart(9)}  ${f(r.real.allDone).padStart(8)}  ${`${r.model.wastedOctets}/${r.real.wastedOctets}`.padStart(19)}  ${ok ? 'yes' : 'NO'}`);
  }
  return { text: lines.join('\n'), agree, rows };
}

/** Parse "20mbit", "500kbit", "1gbit", "inf" into octets per ms. */
export function parseBandwidth(text: string): number {
  if (/^(inf|infinity|unlimited)$/i.test(text)) return Infinity;
  const m = /^(\d+(?:\.\d+)?)\s*(k|m|g)?bit(?:\/s)?$/i.exec(text.trim());
  if (!m) throw new Error(`bandwidth ${text}: write it as 500kbit, 20mbit, 1gbit or inf`);
  const bits = Number(m[1]) * { k: 1e3, m: 1e6, g: 1e9, '': 1 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g' | ''];
  if (!(bits > 0)) throw new Error(`bandwidth ${text}: must be above 0`);
  return bits / 8 / 1000;
}

export function runLab(options: LabOptions): LabRun {
  const runs: LabRun['runs'] = [];
  const sections: Array<{ heading: string; table: string; svg: string }> = [];
  const text: string[] = [];
  const sweeps: LabRun['sweeps'] = {};
  const rtts = [...new Set(options.rtts)].sort((a, b) => a - b);
  for (const cache of options.caches) {
    const points: SweepPoint[] = [];
    for (const rttMs of rtts) {
      const conditions: LabConditions = { rttMs, bytesPerMs: options.bytesPerMs, initialCwnd: options.initialCwnd, mss: options.mss ?? 1460, thinkMs: options.thinkMs, cache, pushOrder: options.pushOrder ?? 'first' };
      const results = LAB_MODES.map((mode) => runLoad(options.page, mode, conditions));
      const heading = describeConditions(conditions);
      const table = resultTable(results, conditions, options.page);
      const waterfall = waterfallSvg(results, conditions, `Waterfalls: ${cache} cache, RTT ${rttMs} ms`);
      runs.push({ conditions, results, waterfall });
      text.push(`${heading}\n${table}`);
      sections.push({ heading, table, svg: waterfall });
      const none = results[0]!;
      const gains = {} as Record<LabMode, number>;
      const bounds = {} as Record<LabMode, number>;
      for (const r of results) {
        gains[r.mode] = none.allDone - r.allDone;
        bounds[r.mode] = gainBound(r.mode, conditions, options.page, none);
      }
      points.push({ rttMs, gains, bounds });
    }
    if (rtts.length > 1) {
      const { rtts: _r, caches: _c, page: _p, ...rest } = options;
      sweeps[cache] = sweepSvg(points, { ...rest, mss: options.mss ?? 1460, cache }, `Gain over none against RTT (${cache} cache)`);
    }
  }
  return { runs, sweeps, text: text.join('\n\n'), html: labHtml(sections, options.page, Object.values(sweeps).join('\n')) };
}
