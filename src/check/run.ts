// Running the catalogue against a server, one fresh connection per case,
// and the report: grouped by section with counts, as text or JSON.

import { CASES, type CheckCase, type Level } from './cases.js';
import { CheckPeer, type Target } from './peer.js';

export interface CheckOptions {
  /** Skip certificate verification. */
  insecure?: boolean;
  /** Per case: how long to wait for each answer, ms. Default 3,000. */
  timeoutMs?: number;
  /** The path that pushes (for the §8.4 cases). Default '/'. */
  pushPath?: string;
  /** Only these sections (a prefix matches: "6" is 6.5, 6.7, ...), or case ids. */
  only?: string[];
  /** Not these. */
  skip?: string[];
  /** The catalogue (default CASES): tests plant their own. */
  cases?: CheckCase[];
}

export interface CaseResult {
  id: string;
  section: string;
  level: Level;
  title: string;
  status: 'pass' | 'fail' | 'skip' | 'error';
  expected: string;
  actual: string;
  ms: number;
}

export interface CheckReport {
  target: string;
  results: CaseResult[];
  counts: { pass: number; fail: number; skip: number; error: number };
  /** Failures of MUSTs (and errors: the case could not run): what makes `check` exit 1. */
  mustFailures: number;
}

const selected = (c: CheckCase, list: string[] | undefined) => list?.some((s) => c.id === s || c.id.startsWith(`${s}/`) || c.section === s || c.section.startsWith(`${s}.`)) ?? false;

/** A server that cannot be reached, or does not speak HTTP/2 at all: said once, before any case. */
export class CheckTargetError extends Error {
  override readonly name = 'CheckTargetError';
}

/** Open one connection and exchange prefaces: the server is there and speaks HTTP/2, or why not. */
export async function preflight(target: Target): Promise<void> {
  let peer: CheckPeer;
  try {
    peer = await CheckPeer.open(target);
  } catch (e) {
    throw new CheckTargetError((e as Error).message);
  }
  try {
    if (!(await peer.handshake())) throw new CheckTargetError(peer.decodeError ?? `${target.url.host} did not answer our HTTP/2 preface with SETTINGS (${peer.summary()}): is it an HTTP/2 server, and is this its scheme (http: is h2c with prior knowledge)?`);
  } finally {
    peer.close();
  }
}

export async function runChecks(url: string | URL, options: CheckOptions = {}): Promise<CheckReport> {
  const target: Target = { url: new URL(url), insecure: options.insecure === true, timeoutMs: options.timeoutMs ?? 3000 };
  await preflight(target);
  const context = { pushPath: options.pushPath ?? '/' };
  const cases = (options.cases ?? CASES).filter((c) => (options.only?.length ? selected(c, options.only) : true) && !selected(c, options.skip));
  const results: CaseResult[] = [];
  for (const c of cases) {
    const started = performance.now();
    let peer: CheckPeer | undefined;
    let result: Pick<CaseResult, 'status' | 'actual'>;
    try {
      peer = await CheckPeer.open(target);
      const verdict = await c.run(peer, context);
      // A frame from the server that breaks a rule of its own is a failure, whatever else the case saw.
      if (!peer.decodeError) result = verdict;
      else if (verdict.status === 'fail') result = { status: 'fail', actual: `${verdict.actual}; and ${peer.decodeError}` };
      else result = { status: 'fail', actual: `the server sent a frame that breaks RFC 9113: ${peer.decodeError}` };
    } catch (e) {
      result = { status: 'error', actual: (e as Error).message };
    } finally {
      peer?.close();
    }
    results.push({ id: c.id, section: c.section, level: c.level, title: c.title, expected: c.expected, ...result, ms: Math.round(performance.now() - started) });
  }
  const counts = { pass: 0, fail: 0, skip: 0, error: 0 };
  for (const r of results) counts[r.status]++;
  return { target: target.url.href, results, counts, mustFailures: results.filter((r) => (r.status === 'fail' && r.level === 'MUST') || r.status === 'error').length };
}

/** The report a person reads: by section, each case's verdict, and what came when it failed. */
export function formatReport(report: CheckReport): string {
  const lines = [`h2wire check ${report.target}`];
  const byNumber = (a: string, b: string) => {
    const x = a.split('.').map(Number);
    const y = b.split('.').map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
    return 0;
  };
  const sections = [...new Set(report.results.map((r) => r.section))].sort(byNumber);
  for (const section of sections) {
    const here = report.results.filter((r) => r.section === section);
    const passed = here.filter((r) => r.status === 'pass').length;
    lines.push('', `RFC 9113 §${section}  (${passed}/${here.length} pass)`);
    for (const r of here) {
      const mark = { pass: 'pass', fail: 'FAIL', skip: 'skip', error: 'ERROR' }[r.status];
      lines.push(`  ${mark.padEnd(5)} ${r.level.padEnd(6)} ${r.title}`);
      if (r.status !== 'pass') lines.push(`               expected: ${r.expected}`, `               actual:   ${r.actual}`);
    }
  }
  const { pass, fail, skip, error } = report.counts;
  const n = report.results.length;
  lines.push('', `${n} case${n === 1 ? '' : 's'}: ${pass} pass, ${fail} fail, ${skip} could not be reached (skip), ${error} could not run; ${report.mustFailures} MUST ${report.mustFailures === 1 ? 'failure' : 'failures'} in all`);
  return lines.join('\n');
}
