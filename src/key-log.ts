// TLS key logs (the NSS key log format that SSLKEYLOGFILE names), so a
// learner can open a capture of the same exchange in Wireshark beside
// h2wire's trace: node:tls hands over each line in its 'keylog' event.

import { appendFileSync, closeSync, openSync } from 'node:fs';

/** A key log file that cannot be written, said when it is given (not at the first handshake). */
export class KeyLogError extends Error {
  override readonly name = 'KeyLogError';
}

/**
 * Where key log lines go: appended to a file (created private to its
 * owner), or to a function. A file is opened once here, so a path that
 * cannot be written throws now; a write that fails later (a full disk) is
 * reported once as a process warning and never takes a connection down.
 */
export function keyLogWriter(target: string | ((line: Buffer) => void)): (line: Buffer) => void {
  if (typeof target === 'function') return target;
  try {
    closeSync(openSync(target, 'a', 0o600));
  } catch (e) {
    throw new KeyLogError(`cannot write the TLS key log ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let failed = false;
  return (line) => {
    if (failed) return;
    try {
      appendFileSync(target, line, { mode: 0o600 });
    } catch (e) {
      failed = true;
      process.emitWarning(`h2wire: writing the TLS key log ${target} failed (${(e as Error).message}); no more keys are logged`);
    }
  };
}
