// Loaded into a benchmarked hub with `--expose-gc --import` (bench/churn.ts): on SIGUSR2 it runs two full
// collections and appends the heap left in use, in bytes, as a line to HEARTH_BENCH_HEAP_OUT. What is still used
// after full collections is what the hub holds; growth from one probe to the next under a repeated load is a leak.
import { appendFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

const out = process.env.HEARTH_BENCH_HEAP_OUT;
const gc = (globalThis as { gc?: () => void }).gc;
if (out && gc) {
  process.on('SIGUSR2', () => {
    gc();
    gc();
    appendFileSync(out, `${getHeapStatistics().used_heap_size}\n`);
  });
}
