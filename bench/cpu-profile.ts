// Summarise a V8 .cpuprofile (node --cpu-prof): self time per function and
// per file, with compiled build/ locations mapped back to src/*.ts through
// the source maps tsc writes.

import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number; // 0-based
  columnNumber: number; // 0-based
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** The caller that most of this self time came through: `name (file:line)`. */
  caller: string;
  /** file:line, in src/ when the source map says so. */
  location: string;
  category: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: SelfTime[];
  files: { file: string; category: string; ms: number; share: number }[];
  categories: { category: string; ms: number; share: number }[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapFor(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    const path = `${file}.map`;
    map = existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8'))) : null;
    maps.set(file, map);
  }
  return map;
}

/** Where a frame is, as `file:line` relative to `root`, mapped to the TypeScript source when possible. */
function locate(frame: CallFrame, root: string): { file: string; line: number } {
  const url = frame.url;
  if (!url) return { file: '', line: 0 };
  if (!url.startsWith('file://')) return { file: url, line: frame.lineNumber + 1 };
  const file = fileURLToPath(url);
  const map = file.includes('node_modules') ? null : sourceMapFor(file);
  if (map && frame.lineNumber >= 0) {
    const entry = map.findEntry(frame.lineNumber, Math.max(0, frame.columnNumber)) as { originalSource?: string; originalLine?: number };
    if (entry.originalSource !== undefined && entry.originalLine !== undefined) {
      const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(dirname(file), entry.originalSource);
      return { file: relativeTo(source, root), line: entry.originalLine + 1 };
    }
  }
  return { file: relativeTo(file, root), line: frame.lineNumber + 1 };
}

function relativeTo(file: string, root: string): string {
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) return file.slice(nm);
  // Compiled bench builds may live outside the repository: keep from src/ or bench/ on.
  const m = /(?:^|\/)((?:src|bench)\/.*)$/.exec(file);
  if (m && !file.startsWith(root)) return m[1]!;
  return relative(root, file);
}

function categoryOf(name: string, file: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)') return 'idle';
  if (name === '(program)' || name === '(root)') return 'V8/native (program)';
  if (file.startsWith('node_modules/hpack.js')) return 'hpack.js';
  if (file.startsWith('node_modules/')) return 'other dependencies';
  if (file.startsWith('src/')) return `h2wire ${file.split('/')[1]}`;
  if (file.startsWith('bench/')) return 'bench handler';
  if (file.startsWith('node:')) return 'node internals';
  if (file === '') return 'native / builtins';
  return 'other';
}

export interface SummaryOptions {
  /** Functions and files listed. Default 30. */
  top?: number;
  /** Only samples in [from, to], in the profile's clock: microseconds of CLOCK_MONOTONIC, as process.hrtime.bigint() / 1000n. */
  from?: number;
  to?: number;
}

export function summarizeProfile(path: string, root: string, options: SummaryOptions = {}): ProfileSummary {
  const top = options.top ?? 30;
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map<number, number>();
  // Sample i lasts until sample i+1 (as DevTools counts it).
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if ((options.from !== undefined && t < options.from) || (options.to !== undefined && t > options.to)) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const describe = (id: number | undefined): string => {
    const n = id === undefined ? undefined : byId.get(id);
    if (!n) return '';
    const { file, line } = locate(n.callFrame, root);
    return `${n.callFrame.functionName || '(anonymous)'}${file ? ` (${file}:${line})` : ''}`;
  };
  const fnTotals = new Map<string, { name: string; file: string; line: number; us: number; callers: Map<string, number> }>();
  const fileTotals = new Map<string, number>();
  const catTotals = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') continue; // waiting for I/O is not work
    total += us;
    const { file, line } = locate(frame, root);
    const name = frame.functionName || '(anonymous)';
    const key = `${name}\u0000${file}\u0000${line}`;
    const entry = fnTotals.get(key) ?? { name, file, line, us: 0, callers: new Map<string, number>() };
    entry.us += us;
    const caller = describe(parentOf.get(id));
    entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + us);
    fnTotals.set(key, entry);
    fileTotals.set(file || name, (fileTotals.get(file || name) ?? 0) + us);
    const cat = categoryOf(name, file);
    catTotals.set(cat, (catTotals.get(cat) ?? 0) + us);
  }
  const share = (us: number) => (total ? us / total : 0);
  const functions = [...fnTotals.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((t) => ({
      name: t.name,
      caller: [...t.callers.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
      location: t.file ? `${t.file}:${t.line}` : '',
      category: categoryOf(t.name, t.file),
      ms: t.us / 1000,
      share: share(t.us),
    }));
  const files = [...fileTotals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([file, us]) => ({ file, category: categoryOf(file, file), ms: us / 1000, share: share(us) }));
  const categories = [...catTotals.entries()].sort((a, b) => b[1] - a[1]).map(([category, us]) => ({ category, ms: us / 1000, share: share(us) }));
  return { totalMs: total / 1000, functions, files, categories };
}

// `node build/bench/cpu-profile.js FILE.cpuprofile [top]` prints the summary of any profile.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node build/bench/cpu-profile.js FILE.cpuprofile [top]');
    process.exit(2);
  }
  const s = summarizeProfile(file, process.cwd(), { top: Number(process.argv[3] ?? 30) });
  console.log(`total ${s.totalMs.toFixed(0)} ms of samples (idle excluded)\n`);
  for (const c of s.categories) console.log(`${(c.share * 100).toFixed(1).padStart(5)}%  ${c.category}`);
  console.log('');
  for (const f of s.functions) console.log(`${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}  ${f.location}  <- ${f.caller}`);
}
