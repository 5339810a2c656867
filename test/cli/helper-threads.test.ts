// `hearth start` puts its threads other than the main one in SCHED_IDLE (README: Configuration, helperThreads;
// docs/performance.md): the main thread, which handles every message, then never waits behind a garbage-collector
// helper or the checkpoint thread. Read back from Linux itself: the scheduling policy and nice value of each thread
// in /proc/<pid>/task/<tid>/stat (proc(5): fields 19 and 41; SCHED_IDLE is 5, SCHED_OTHER 0).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReadingRoutedAndStored, type RunningHub, startCliHub } from '../helpers/cli.js';
import { tempDir } from '../helpers/hub.js';

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
const PASSWORD = 'helper-threads-admin-password';
const HELPER_THREADS = join(import.meta.dirname, '../../dist/src/shared/helper-threads.js');

interface ThreadSched {
  tid: number;
  policy: number;
  nice: number;
}

/** Each thread of `pid` with its policy and nice value; threads that end while they are read are left out. */
function threadsOf(pid: number): ThreadSched[] {
  const out: ThreadSched[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields from the third on, after the command name (which may hold spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.push({ tid, nice: Number(fields[19 - 3]), policy: Number(fields[41 - 3]) });
  }
  return out;
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const running: RunningHub[] = [];
afterEach(async () => {
  for (const hub of running.splice(0)) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
});

async function startHearth(env: Record<string, string> = {}): Promise<RunningHub> {
  const dir = tempDir('hearth-helper-threads-');
  const hub = await startCliHub({
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_RULES_DIR: join(dir, 'rules'),
    HEARTH_ADMIN_PASSWORD: PASSWORD,
    ...env,
  });
  running.push(hub);
  return hub;
}

describe.skipIf(process.platform !== 'linux')("hearth start's helper threads", () => {
  it('are in SCHED_IDLE by default, while the main thread keeps the normal policy', async () => {
    const hub = await startHearth();
    const pid = hub.child.pid!;
    const helpers = () => threadsOf(pid).filter((t) => t.tid !== pid);
    await until(() => helpers().every((t) => t.policy === SCHED_IDLE), 5000);
    expect(helpers().length).toBeGreaterThanOrEqual(4); // V8's helpers at least
    expect(helpers().filter((t) => t.policy !== SCHED_IDLE)).toEqual([]);
    expect(threadsOf(pid).find((t) => t.tid === pid)).toMatchObject({ policy: SCHED_OTHER, nice: 0 });
    // And the hub works as before.
    await expectReadingRoutedAndStored(hub, PASSWORD);
  });

  it('stay as they are with helperThreads: normal', async () => {
    const hub = await startHearth({ HEARTH_HELPER_THREADS: 'normal', HEARTH_LOG_LEVEL: 'debug' });
    const pid = hub.child.pid!;
    // The default lowers them within a few hundred milliseconds of "running" (the test above); give it a second.
    await new Promise((r) => setTimeout(r, 1000));
    expect(threadsOf(pid).filter((t) => t.policy !== SCHED_OTHER || t.nice !== 0)).toEqual([]);
    expect(hub.output()).not.toContain('helperThreads:');
  });

  it('get the lowest nice value instead where chrt is missing', async () => {
    // The hub is started by absolute path; its PATH has a shell but no `chrt` (util-linux).
    const bin = tempDir('hearth-no-chrt-');
    symlinkSync('/bin/sh', join(bin, 'sh'));
    const hub = await startHearth({ PATH: bin, HEARTH_LOG_LEVEL: 'debug' });
    const pid = hub.child.pid!;
    const helpers = () => threadsOf(pid).filter((t) => t.tid !== pid);
    await until(() => helpers().every((t) => t.nice === 19), 5000);
    expect(helpers().filter((t) => t.nice !== 19 || t.policy !== SCHED_OTHER)).toEqual([]);
    expect(threadsOf(pid).find((t) => t.tid === pid)).toMatchObject({ policy: SCHED_OTHER, nice: 0 });
    await expect
      .poll(() => hub.output(), { timeout: 5_000 })
      .toMatch(/helperThreads: \d+ threads besides the main one at nice 19 \(chrt, from util-linux, not found\)/);
  });

  it('started later are lowered on the next look, and the main thread never is', () => {
    // A separate process, so that this test runner's own threads keep their priority: one pass, a worker thread
    // started after it (as the checkpoint thread starts at the first checkpoint), a second pass.
    const script = `
      import { Worker } from 'node:worker_threads';
      import { readdirSync, readFileSync } from 'node:fs';
      const { lowerNewThreads } = await import(${JSON.stringify(HELPER_THREADS)});
      const policies = () => Object.fromEntries(readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
        return [tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3])];
      }));
      const first = (await lowerNewThreads()).idle;
      const before = new Set(Object.keys(policies()));
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      await new Promise((r) => worker.once('online', r));
      const later = Object.keys(policies()).filter((tid) => !before.has(tid));
      const second = (await lowerNewThreads()).idle;
      const third = await lowerNewThreads();
      console.log(JSON.stringify({ pid: process.pid, first, later, second, third, policies: policies() }));
      await worker.terminate();
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out.first).toBeGreaterThanOrEqual(4);
    expect(out.later.length).toBeGreaterThanOrEqual(1);
    expect(out.second).toBe(out.later.length);
    expect(out.third).toEqual({ idle: 0, nice: 0 }); // each thread once
    for (const tid of out.later) expect(out.policies[tid]).toBe(SCHED_IDLE);
    expect(out.policies[out.pid]).toBe(SCHED_OTHER);
    const others = Object.entries(out.policies).filter(([tid]) => Number(tid) !== out.pid);
    expect(others.every(([, policy]) => policy === SCHED_IDLE)).toBe(true);
  });
});
