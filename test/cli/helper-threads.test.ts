// `hearth start` puts its threads other than the main one and libuv's pool in SCHED_IDLE (README: Configuration,
// helperThreads; docs/performance.md): the main thread, which handles every message, then never waits behind a
// garbage-collector helper or the checkpoint thread, and a device's login (its password hash runs on libuv's pool)
// does not wait for a core nothing else wants. Read back from Linux itself: the scheduling policy and nice value of
// each thread in /proc/<pid>/task/<tid>/stat (proc(5): fields 19 and 41; SCHED_IDLE is 5, SCHED_OTHER 0).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReadingRoutedAndStored, type RunningHub, runCli, startCliHub } from '../helpers/cli.js';
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

async function startHearth(env: Record<string, string> = {}, dir = tempDir('hearth-helper-threads-')): Promise<RunningHub> {
  const hub = await startCliHub({
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_RULES_DIR: join(dir, 'rules'),
    HEARTH_ADMIN_PASSWORD: PASSWORD,
    ...env,
  });
  running.push(hub);
  return hub;
}

/** libuv's pool as the hub's debug line names it once it has lowered its other threads. */
async function poolOf(hub: RunningHub): Promise<number[]> {
  await expect.poll(() => hub.output(), { timeout: 5_000 }).toMatch(/libuv's pool \(([\d, ]+)\) as it is/);
  return /libuv's pool \(([\d, ]+)\) as it is/.exec(hub.output())![1]!.split(', ').map(Number);
}

/**
 * Busy loops at normal priority on every core (at most 8: a Pi has 4), as other programs on a busy Pi; each ends by
 * itself after 20 s.
 */
function busyCores(): ChildProcess[] {
  const loop = 'const end = Date.now() + 20000; while (Date.now() < end);';
  return Array.from({ length: Math.min(8, availableParallelism()) }, () => spawn(process.execPath, ['-e', loop], { stdio: 'ignore' }));
}

describe.skipIf(process.platform !== 'linux')("hearth start's helper threads", () => {
  it("are in SCHED_IDLE by default, while the main thread and libuv's pool keep the normal policy", async () => {
    const hub = await startHearth({ HEARTH_LOG_LEVEL: 'debug' });
    const pid = hub.child.pid!;
    const pool = await poolOf(hub);
    expect(pool).toHaveLength(4); // UV_THREADPOOL_SIZE's default
    const all = threadsOf(pid).map((t) => t.tid);
    for (const tid of pool) expect(all).toContain(tid);
    const helpers = () => threadsOf(pid).filter((t) => t.tid !== pid && !pool.includes(t.tid));
    await until(() => helpers().every((t) => t.policy === SCHED_IDLE), 5000);
    expect(helpers().length).toBeGreaterThanOrEqual(4); // V8's helpers at least
    expect(helpers().filter((t) => t.policy !== SCHED_IDLE)).toEqual([]);
    expect(threadsOf(pid).filter((t) => pool.includes(t.tid) && (t.policy !== SCHED_OTHER || t.nice !== 0))).toEqual([]);
    expect(threadsOf(pid).find((t) => t.tid === pid)).toMatchObject({ policy: SCHED_OTHER, nice: 0 });
    // And the hub works as before.
    await expectReadingRoutedAndStored(hub, PASSWORD);
  });

  it("leave a device's login its share of the cores while other programs keep every one of them busy", async () => {
    // A device's first login hashes its password (scrypt, 16 MiB) on libuv's pool. In SCHED_IDLE that hash waited for
    // a core no other program wanted: more than 8 s with two busy loops on this 2-core VM (0.1 s at normal priority).
    const dir = tempDir('hearth-helper-threads-');
    const added = await runCli(['device', 'add', 'porch'], { HEARTH_DATA_DIR: join(dir, 'data') });
    expect(added.code).toBe(0);
    const password = /password: (\S+)/.exec(added.stdout)![1]!;
    const hub = await startHearth({ HEARTH_LOG_LEVEL: 'debug' }, dir);
    await poolOf(hub); // the threads are lowered by now
    const busy = busyCores();
    try {
      await new Promise((r) => setTimeout(r, 300)); // the loops are running
      const began = Date.now();
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
        username: 'porch',
        password,
        reconnectPeriod: 0,
        connectTimeout: 8_000,
      });
      const tookMs = Date.now() - began;
      await device.endAsync();
      expect(tookMs).toBeLessThan(5_000);
    } finally {
      for (const child of busy) child.kill('SIGKILL');
    }
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
    const pool = await poolOf(hub);
    const helpers = () => threadsOf(pid).filter((t) => t.tid !== pid && !pool.includes(t.tid));
    await until(() => helpers().every((t) => t.nice === 19), 5000);
    expect(helpers().filter((t) => t.nice !== 19 || t.policy !== SCHED_OTHER)).toEqual([]);
    expect(threadsOf(pid).filter((t) => pool.includes(t.tid) && t.nice !== 0)).toEqual([]);
    expect(threadsOf(pid).find((t) => t.tid === pid)).toMatchObject({ policy: SCHED_OTHER, nice: 0 });
    expect(hub.output()).toMatch(/helperThreads: \d+ threads besides the main one at nice 19 \(chrt, from util-linux, not found\)/);
  });

  it("started later are lowered on the next look, and the main thread and libuv's pool never are", () => {
    // A separate process, so that this test runner's own threads keep their priority: one pass, a worker thread
    // started after it (as the checkpoint thread starts at the first checkpoint), a second pass.
    const script = `
      import { Worker } from 'node:worker_threads';
      import { readdirSync, readFileSync } from 'node:fs';
      const { lowerNewThreads, poolThreads } = await import(${JSON.stringify(HELPER_THREADS)});
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
      const pool = [...(await poolThreads())].map(String);
      console.log(JSON.stringify({ pid: process.pid, first, later, second, third, pool, policies: policies() }));
      await worker.terminate();
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out.first).toBeGreaterThanOrEqual(4);
    expect(out.later.length).toBeGreaterThanOrEqual(1);
    expect(out.second).toBe(out.later.length);
    expect(out.third).toEqual({ idle: 0, nice: 0 }); // each thread once
    for (const tid of out.later) expect(out.policies[tid]).toBe(SCHED_IDLE);
    expect(out.policies[out.pid]).toBe(SCHED_OTHER);
    expect(out.pool).toHaveLength(4);
    for (const tid of out.pool) expect(out.policies[tid]).toBe(SCHED_OTHER);
    const others = Object.entries(out.policies).filter(([tid]) => Number(tid) !== out.pid && !out.pool.includes(tid));
    expect(others.every(([, policy]) => policy === SCHED_IDLE)).toBe(true);
  });
});
