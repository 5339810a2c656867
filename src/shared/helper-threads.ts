// The hub's main thread before its helper threads. Every message, rule and request runs on the main thread; the
// process has a dozen others: V8's helpers (concurrent marking, sweeping, compiling), libuv's pool (password hashing,
// file reads) and the WAL checkpoint thread. A helper that woke on the vCPU the main thread had just left took that
// vCPU for milliseconds, and Linux leaves a thread that has just run where its cache is warm: the main thread waited
// behind it while the other vCPU sat idle (seen with `perf record -e sched:sched_switch` under the rule-latency
// benchmark; docs/performance.md). A thread in Linux's SCHED_IDLE class does not take a vCPU from a running thread
// when it wakes, and gives its vCPU up at once to any other thread that wakes, so the main thread no longer waits
// behind its own helpers (seldom, for less than a scheduler tick, when the scheduler picks one to run next); on an
// idle core, the hub's usual state, they run as soon as before. The price: when every core is busy with other
// programs, the helpers' work (a collection's marking, a checkpoint, a login's hash) waits for a free moment.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

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
 * value), now and every RESCAN_MS for threads started later. Linux only; elsewhere nothing. Resolves with what the
 * first pass did. For `hearth start` only (with `helperThreads: idle`): a process that embeds the hub (a test runner)
 * keeps its threads as they are.
 */
export async function lowerHelperThreads(): Promise<Lowered> {
  if (process.platform !== 'linux') return { idle: 0, nice: 0 };
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
  return tids.length === 0 ? { idle: 0, nice: 0 } : lowerThreads(tids);
}

// One shell for all the threads of a pass, its output ignored: a process of its own per thread (`execFile`, with its
// pipes) left ~1 MB more in a `node --lite-mode` than one such shell. It exits 127 when there is no chrt.
const LOWER = 'command -v chrt >/dev/null || exit 127; for t do chrt --idle --pid 0 "$t" 2>/dev/null; done; exit 0';

function lowerThreads(tids: number[]): Promise<Lowered> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (lowered: Lowered) => {
      if (settled) return;
      settled = true;
      resolve(lowered);
    };
    // Only PATH: the hub's environment may hold secrets (HEARTH_ADMIN_PASSWORD) that the shell has no use for.
    const child = spawn('sh', ['-c', LOWER, 'sh', ...tids.map(String)], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } });
    child.once('error', () => done(niceInstead(tids))); // no sh
    child.once('exit', (code) => done(code === 0 ? { idle: tids.length, nice: 0 } : niceInstead(tids)));
  });
}

/** No chrt: nice 19, the weakest share short of SCHED_IDLE (a thread's nice value is its own on Linux). */
function niceInstead(tids: number[]): Lowered {
  let nice = 0;
  for (const tid of tids) {
    try {
      setPriority(tid, 19);
      nice++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { idle: 0, nice };
}
