// The hub's main thread before its helper threads. Every message, rule and request runs on the main thread; the
// process has a dozen others: V8's helpers (concurrent marking, sweeping, compiling), libuv's pool (password hashing,
// file reads) and the WAL checkpoint thread. A helper that woke on the vCPU the main thread had just left took that
// vCPU for milliseconds, and Linux leaves a thread that has just run where its cache is warm: the main thread waited
// behind it while the other vCPU sat idle (seen with `perf record -e sched:sched_switch` under the rule-latency
// benchmark; docs/performance.md). A thread in Linux's SCHED_IDLE class does not take a vCPU from a running thread
// when it wakes, and gives its vCPU up at once to any other thread that wakes, so the main thread no longer waits
// behind its own helpers (seldom, for less than a scheduler tick, when the scheduler picks one to run next); on an
// idle core, the hub's usual state, they run as soon as before. The price: when every core is busy with other
// programs, the helpers' work (a collection's marking, a checkpoint) waits for a free moment.
// libuv's pool is left at normal priority: its work is what a device or a user waits for (a login's password hash,
// a file the dashboard asks for, a backup), and in SCHED_IDLE a device's login took over 10 s while other programs
// kept both cores busy (a connect timeout); it was never among the threads the main thread waited behind.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { setPriority } from 'node:os';

/** How often threads started later (the checkpoint thread) are looked for. */
const RESCAN_MS = 10_000;
const TASKS = '/proc/self/task';

/** The threads this process has put in SCHED_IDLE already (or tried to). */
const seen = new Set<number>();

/** How many threads a pass put in SCHED_IDLE, and how many got nice 19 instead (no `chrt`). */
export interface Lowered {
  idle: number;
  nice: number;
}

/** libuv's pool, found once (`poolThreads`): never lowered. */
let pool: Promise<Set<number>> | undefined;

/**
 * Puts every thread of the process but the main one and libuv's pool in SCHED_IDLE (`chrt`, util-linux; without it
 * the lowest nice value), now and every RESCAN_MS for threads started later. Linux only; elsewhere nothing. Resolves
 * with what the first pass did. For `hearth start` only (with `helperThreads: idle`): a process that embeds the hub
 * (a test runner) keeps its threads as they are.
 */
export async function lowerHelperThreads(): Promise<Lowered> {
  if (process.platform !== 'linux') return { idle: 0, nice: 0 };
  const timer = setInterval(() => void lowerNewThreads(), RESCAN_MS);
  timer.unref();
  return lowerNewThreads();
}

/** The threads not seen before, each in SCHED_IDLE (or at nice 19), but libuv's pool. */
export async function lowerNewThreads(): Promise<Lowered> {
  const poolTids = await poolThreads();
  let present: Set<number>;
  try {
    present = new Set(readdirSync(TASKS).map(Number));
  } catch {
    return { idle: 0, nice: 0 }; // no /proc
  }
  // Threads that ended are forgotten (the checkpoint thread comes and goes), so the set stays the size of the process.
  for (const tid of seen) if (!present.has(tid)) seen.delete(tid);
  const tids = [...present].filter((tid) => tid !== process.pid && !poolTids.has(tid) && !seen.has(tid));
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

/**
 * The thread ids of libuv's pool (made at its first use if it has not run yet). An asynchronous `readlink` runs on a
 * thread of the pool, and `/proc/thread-self` names the thread that reads it (`<pid>/task/<tid>`), so each answer
 * is one of the pool's threads. Rounds of many at once until every one of them has answered (UV_THREADPOOL_SIZE,
 * 4 by default); a thread not found within 20 rounds (none was, in practice) is taken for a helper.
 */
export function poolThreads(): Promise<Set<number>> {
  pool ??= (async () => {
    // As libuv reads it (src/threadpool.c, an unsigned atoi): 4 when unset, 0 or no number taken for 1, and a
    // negative value, which wraps around, or one over 1024 taken for 1024.
    const set = process.env.UV_THREADPOOL_SIZE;
    const asked = set === undefined ? 4 : Number.parseInt(set, 10) || 0;
    const size = asked === 0 ? 1 : asked < 0 || asked > 1024 ? 1024 : asked;
    const found = new Set<number>();
    for (let round = 0; round < 20 && found.size < size; round++) {
      const links = await Promise.all(Array.from({ length: size * 8 }, () => readlink('/proc/thread-self').catch(() => '')));
      for (const link of links) {
        const tid = /\/task\/(\d+)$/.exec(link)?.[1];
        if (tid !== undefined) found.add(Number(tid));
      }
    }
    return found;
  })();
  return pool;
}
