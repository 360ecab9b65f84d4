// Finding the real peers the interop tests run (Debian packages), and
// running them with a time bound. Without a peer a test is skipped, saying
// so; with CI=true a missing peer is a failure.

import { spawnSync } from 'node:child_process';
import { runProcess } from '../helpers/child-process.js';
import type { Context } from 'mocha';

export const INSTALL_HINT = 'apt-get install -y --no-install-recommends nghttp2-client nghttp2-server curl python3-h2 chromium tcpdump tshark';

const found = new Map<string, string | undefined>();

/** The path of a program, or undefined. */
export function which(program: string): string | undefined {
  if (!found.has(program)) {
    const r = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
    found.set(program, r.status === 0 ? r.stdout.trim() : undefined);
  }
  return found.get(program);
}

const skipped = new Set<string>();

/** Skip the test (or fail it under CI=true) when `program` is not installed. */
export function requirePeer(ctx: Context, program: string, pkg: string): string {
  const path = which(program);
  if (path) return path;
  const message = `${program} not found: interop test skipped (install Debian's ${pkg}: ${INSTALL_HINT})`;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${message}`);
  if (!skipped.has(program)) {
    skipped.add(program);
    console.log(`    [skip] ${message}`);
  }
  ctx.skip();
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program with a time limit; never rejects. */
export async function run(program: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
  try {
    const { code, stdout, stderr } = await runProcess(program, args, { timeoutMs });
    return { code, stdout, stderr };
  } catch (e) {
    return { code: null, stdout: '', stderr: String(e) }; // could not start it
  }
}
