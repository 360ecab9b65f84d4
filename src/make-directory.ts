// mkdir -p with an error a person can act on. Node's own recursive mkdir
// spins for ever on a path under /proc (ENOENT for a parent that exists),
// so this walks up to the first directory that exists and makes each level
// below it, one at a time.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Make `dir` and its missing parents (mode 0o700); `purpose` says what for, in the error. */
export function makeDirectories(dir: string, purpose: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new Error(`cannot use ${dir} for ${purpose}: ${at} is not a directory`);
  for (const path of missing) {
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (e) {
      throw new Error(`cannot create ${path} for ${purpose}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}
