// The heap a benchmarked hub holds, read through bench/heap-probe.ts: the flags that load the probe, a reading after
// full collections, and how fast a series of readings grows.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DIST } from './bench-hub.js';

/** Node flags that load the probe into the hub; it reports to `file` (emptied here) on SIGUSR2. */
export function heapProbe(file: string): { flags: string[]; env: Record<string, string> } {
  writeFileSync(file, '');
  return { flags: ['--expose-gc', '--import', join(DIST, 'heap-probe.js')], env: { HEARTH_BENCH_HEAP_OUT: file } };
}

/** The hub's heap in use after two full collections, in MB. */
export async function heapAfterCollections(pid: number, file: string, output: () => string): Promise<number> {
  const before = readFileSync(file, 'utf8').length;
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; readFileSync(file, 'utf8').length === before; waited += 50) {
    if (waited > 10_000) throw new Error(`the hub did not report its heap:\n${output().slice(-2000)}`);
    await sleep(50);
  }
  return Number(readFileSync(file, 'utf8').trim().split('\n').at(-1)) / 1048576;
}

/** Growth per step of evenly spaced readings (least squares): a leak's pace, less sensitive than first to last. */
export function slopePerStep(values: number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let k = 0; k < n; k++) {
    num += (k - mx) * (values[k]! - my);
    den += (k - mx) ** 2;
  }
  return num / den;
}
