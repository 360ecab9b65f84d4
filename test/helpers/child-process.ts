// Child processes for the tests that run real programs (our CLI and
// examples, and the interop peers): run one to its end with a time limit,
// or start one and wait for the line that says it is ready.

import { spawn, type ChildProcess } from 'node:child_process';

export interface Finished {
  /** Exit code; null when a signal ended it (the time limit included). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed (empty by default). */
  input?: string;
  /** Killed (SIGKILL) after this long. Default 15,000 ms. */
  timeoutMs?: number;
  /** Called with all of stdout so far each time more arrives, and the child (to end it early). */
  onStdout?: (stdout: string, child: ChildProcess) => void;
}

/** Run a program to its end; never rejects for what the program does. */
export function runProcess(program: string, args: readonly string[], options: RunOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {}); // a program that exits without reading its input
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface Started {
  /** The match of `ready` in stdout. */
  match: RegExpExecArray;
  /** All of stdout so far. */
  output(): string;
  /** SIGKILL it (with `group`, its whole process group: a cluster's workers too). */
  stop(): void;
}

/** Start a program and resolve once its stdout matches `ready` (rejects, killing it, after 10 s without). */
export function startProcess(program: string, args: readonly string[], ready: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv; group?: boolean } = {}): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.group === true });
    let out = '';
    const stop = () => {
      try {
        if (options.group) process.kill(-child.pid!, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`not ready: ${out}`));
    }, 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ match: m, output: () => out, stop });
      }
    });
    child.stderr!.resume();
    child.on('error', reject);
  });
}
