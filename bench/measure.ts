// Timing for the micro-benchmarks: run a body repeatedly for a fixed time
// after a warm-up, report operations per second (median of rounds).

export interface Measurement {
  opsPerSec: number;
  rounds: number[];
}

/** Run `body` (which performs `opsPerCall` operations) for `ms` per round, `rounds` times. */
export function measure(body: () => void, opsPerCall = 1, ms = 300, rounds = 5): Measurement {
  const warmUntil = performance.now() + ms;
  while (performance.now() < warmUntil) body();
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      body();
      calls++;
      now = performance.now();
    }
    results.push((calls * opsPerCall) / ((now - start) / 1000));
  }
  const sorted = [...results].sort((a, b) => a - b);
  return { opsPerSec: sorted[Math.floor(sorted.length / 2)]!, rounds: results };
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** Print a markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
