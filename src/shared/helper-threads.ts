// The hub's main thread before its helper threads. Every message, rule and request runs on the main thread; the
// process has a dozen others: V8's helpers (concurrent marking, sweeping, compiling), libuv's pool (password hashing,
// file reads) and the WAL checkpoint thread. A helper that woke on the vCPU the main thread had just left took that
// vCPU for milliseconds, and Linux leaves a thread that has just run where its cache is warm: the main thread waited
// behind it while the other vCPU sat idle (seen with `perf record -e sched:sched_switch` under the rule-latency
// benchmark; docs/performance.md). In Linux's SCHED_IDLE class a thread runs only on a vCPU nothing else wants and
// gives it up at once to any other thread, so the main thread no longer waits behind its own helpers; on an idle
// core, the hub's usual state, they run as soon as before. The price: when every core is busy with other programs, the
// helpers' work (a collection's marking, a checkpoint, a login's hash) waits for a free moment.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

export type HelperThreads = 'idle' | 'normal';

/** How often threads started later (the checkpoint thread, libuv's pool) are looked for. */
const RESCAN_MS = 10_000;
const TASKS = '/proc/self/task';

/** The threads this process has put in SCHED_IDLE already (or tried to). */
const seen = new Set<number>();

/** How many threads a pass put in SCHED_IDLE, and how many got nice 19 instead (no `chrt`). */
export interface Lowered {
  idle: number;
  nice: number;
}

/**
 * Puts every thread of the process but the main one in SCHED_IDLE (`chrt`, util-linux; without it the lowest nice
 * value), now and every RESCAN_MS for threads started later. Linux only; elsewhere, and with `normal`, nothing.
 * Resolves with what the first pass did. For `hearth start` only: a process that embeds the hub (a test runner)
 * keeps its threads as they are.
 */
export async function lowerHelperThreads(mode: HelperThreads): Promise<Lowered> {
  if (mode !== 'idle' || process.platform !== 'linux') return { idle: 0, nice: 0 };
  const timer = setInterval(() => void lowerNewThreads(), RESCAN_MS);
  timer.unref();
  return lowerNewThreads();
}

/** The threads not seen before, each in SCHED_IDLE (or at nice 19). */
export async function lowerNewThreads(): Promise<Lowered> {
  let present: Set<number>;
  try {
    present = new Set(readdirSync(TASKS).map(Number));
  } catch {
    return { idle: 0, nice: 0 }; // no /proc
  }
  // Threads that ended are forgotten (the checkpoint thread comes and goes), so the set stays the size of the process.
  for (const tid of seen) if (!present.has(tid)) seen.delete(tid);
  const tids = [...present].filter((tid) => tid !== process.pid && !seen.has(tid));
  for (const tid of tids) seen.add(tid);
  const done = await Promise.all(tids.map(lowerThread));
  return { idle: done.filter((d) => d === 'idle').length, nice: done.filter((d) => d === 'nice').length };
}

function lowerThread(tid: number): Promise<'idle' | 'nice' | undefined> {
  return new Promise((resolve) => {
    execFile('chrt', ['--idle', '--pid', '0', String(tid)], { timeout: 5000 }, (err) => {
      if (!err) return resolve('idle');
      try {
        // No chrt: nice 19, the weakest share short of SCHED_IDLE (a thread's nice value is its own on Linux).
        setPriority(tid, 19);
        resolve('nice');
      } catch {
        resolve(undefined); // the thread ended meanwhile
      }
    });
  });
}
