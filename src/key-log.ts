// TLS key logs (the NSS key log format that SSLKEYLOGFILE names), so a
// learner can open a capture of the same exchange in Wireshark beside
// h2wire's trace: node:tls hands over each line in its 'keylog' event.

import { appendFileSync } from 'node:fs';

/** Where key log lines go: appended to a file (created private to its owner), or to a function. */
export function keyLogWriter(target: string | ((line: Buffer) => void)): (line: Buffer) => void {
  if (typeof target === 'function') return target;
  return (line) => appendFileSync(target, line, { mode: 0o600 });
}
