// Where the hub spends its main thread, or what it allocates, under a steady load: the hub as `npm start` runs it
// (100 rules, bench/bench-hub.ts), the load in a process of its own, a profile of `seconds` taken once the clients
// are connected and the load has run 2 s (bench/profile-probe.ts), printed by package or file and by function, mapped
// through the bundle's source maps to the TypeScript and the packages, per message. `survivors`: the bytes that
// outlived a young-generation collection (promoted to the old generation, where only a full collection frees them;
// or still young when the profile ends, at most the young generation's few MB), by where they were allocated.
//   node dist/bench/profile.js cpu|alloc|survivors [clients] [msg/s] [qos] [seconds] [readings|rules]
// By default the rule-latency benchmark's background: 1,000 clients, 2,000 msg/s in all, QoS 0, 10 s, readings that
// no rule watches. `rules`: the clients are the sensors of the hub's 100 rules (home/sensor<i>/temperature, up to 100
// of them), each sending 40 and 60 in turn across its rule's threshold, so that every other message fires a rule
// and commands an AC.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapStack } from '../src/shared/stack-map.js';
import { AUTH, DIST, NODE_FLAGS, prepareHubDir, startHubProcess } from './bench-hub.js';
import { spawnUntil, stop } from './processes.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}
interface AllocNode {
  callFrame: CallFrame;
  selfSize: number;
  children: AllocNode[];
}

const [kindArg = 'cpu', clients = '1000', rate = '2000', qos = '0', secondsArg = '10', loadArg = 'readings'] = process.argv.slice(2);
if ((kindArg !== 'cpu' && kindArg !== 'alloc' && kindArg !== 'survivors') || (loadArg !== 'readings' && loadArg !== 'rules')) {
  console.error('usage: node dist/bench/profile.js cpu|alloc|survivors [clients] [msg/s or max] [qos] [seconds] [readings|rules]');
  process.exit(2);
}
const kind: 'cpu' | 'alloc' | 'survivors' = kindArg;
const seconds = Math.min(Number(secondsArg), 40);

/** A profile's frame as `name source:line`, and its package (node_modules/<name>), source file or Node's own part. */
function place(frame: CallFrame): { fn: string; where: string } {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return { fn: name, where: name.startsWith('(') ? name : '(native)' };
  if (frame.url.startsWith('node:')) return { fn: `${name} ${frame.url}:${frame.lineNumber + 1}`, where: 'node: (built-in modules)' };
  const mapped = / ← (\S+):(\d+):\d+$/.exec(mapStack(`${frame.url}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`));
  const source = mapped ? mapped[1]!.replace(/^.*?(node_modules\/)/, '$1') : frame.url.replace(/^.*\//, '');
  const where = /^(node_modules\/(?:@[^/]+\/)?[^/]+)/.exec(source)?.[1] ?? source;
  return { fn: `${name} ${source}:${mapped ? mapped[2] : frame.lineNumber + 1}`, where };
}

/** The probe's own frames (bench/profile-probe.ts): starting the profiler took ~60 ms of the hub's main thread. */
const isProbe = (frame: CallFrame) => frame.url.endsWith('/profile-probe.js');

/**
 * Self time (µs) or self bytes by function and by package or file; what ran under the probe's own frames is left out
 * of them and counted in `probe`.
 */
function tally(profile: unknown): { byFn: Map<string, number>; byWhere: Map<string, number>; idle: number; probe: number } {
  const byFn = new Map<string, number>();
  const byWhere = new Map<string, number>();
  let idle = 0;
  let probe = 0;
  const add = (frame: CallFrame, amount: number, underProbe: boolean) => {
    if (amount === 0) return;
    if (underProbe) {
      probe += amount;
      return;
    }
    if (frame.functionName === '(idle)') {
      idle += amount;
      return;
    }
    const p = place(frame);
    byFn.set(p.fn, (byFn.get(p.fn) ?? 0) + amount);
    byWhere.set(p.where, (byWhere.get(p.where) ?? 0) + amount);
  };
  if (kind === 'cpu') {
    const cpu = profile as CpuProfile;
    const self = new Map<number, number>();
    for (const [i, id] of cpu.samples.entries()) self.set(id, (self.get(id) ?? 0) + (cpu.timeDeltas[i] ?? 0));
    // A node is under the probe when it or one of its parents is one of the probe's frames.
    const byId = new Map(cpu.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of cpu.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const underProbe = (id: number): boolean => {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (isProbe(byId.get(at)!.callFrame)) return true;
      return false;
    };
    for (const node of cpu.nodes) add(node.callFrame, self.get(node.id) ?? 0, underProbe(node.id));
  } else {
    const walk = (node: AllocNode, underProbe: boolean) => {
      const under = underProbe || isProbe(node.callFrame);
      add(node.callFrame, node.selfSize, under);
      for (const child of node.children) walk(child, under);
    };
    walk((profile as { head: AllocNode }).head, false);
  }
  return { byFn, byWhere, idle, probe };
}

function print(title: string, entries: Map<string, number>, total: number, messages: number, count: number): void {
  const unit = kind === 'cpu' ? 'µs' : 'B';
  console.log(`\n${title}`);
  for (const [name, amount] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    const share = `${((amount / total) * 100).toFixed(1)} %`.padStart(7);
    const perMessage = messages > 0 ? `${(amount / messages).toFixed(kind === 'cpu' ? 2 : 0)} ${unit}/msg`.padStart(13) : '';
    console.log(`${share} ${perMessage}  ${name}`);
  }
}

const out = join(tmpdir(), `hearth-profile-${process.pid}.json`);
const { dir, env } = prepareHubDir();
try {
  // The first start creates the database, as in the other benchmarks; the second is profiled.
  const first = await startHubProcess(env);
  await stop(first.child, first.exited);
  const probe = ['--import', join(DIST, 'profile-probe.js')];
  const hub = await startHubProcess({ ...env, HEARTH_BENCH_PROFILE: kind, HEARTH_BENCH_PROFILE_OUT: out }, [...NODE_FLAGS, ...probe]);
  const url = `mqtt://127.0.0.1:${hub.match[1]}`;
  // The rules' sensors are home/sensor<i>/temperature (writeRules in bench/bench-hub.ts).
  const sensors = loadArg === 'rules' ? ['sensor', qos, 'threshold'] : ['prof', qos];
  const loadArgs = [url, AUTH.username, AUTH.password, clients, rate, String(seconds + 4), ...sensors];
  const load = await spawnUntil([join(DIST, 'load.js'), ...loadArgs], {}, /CONNECTED/, 60_000);
  try {
    await sleep(2000);
    hub.child.kill('SIGUSR2');
    await sleep(seconds * 1000);
    hub.child.kill('SIGUSR2');
    const deadline = Date.now() + 30_000;
    while (!(existsSync(out) && statSync(out).size > 0) && Date.now() < deadline) await sleep(100);
  } finally {
    load.child.kill('SIGTERM');
    await load.exited;
    await stop(hub.child, hub.exited);
  }
  if (!existsSync(out)) throw new Error(`the hub wrote no profile:\n${hub.output().slice(-2000)}`);
  const { byFn, byWhere, idle, probe: probeOwn } = tally(JSON.parse(readFileSync(out, 'utf8')));
  const total = [...byWhere.values()].reduce((a, b) => a + b, 0);
  const messages = rate === 'max' ? 0 : Number(rate) * seconds;
  const what = {
    cpu: 'main-thread CPU',
    alloc: 'bytes allocated (those the collections took included)',
    survivors: 'bytes allocated that outlived a young-generation collection',
  }[kind];
  const firing = loadArg === 'rules' ? ', every other message of the first 100 firing a rule' : '';
  console.log(`The hub's ${what} over ${seconds} s of ${clients} clients at ${rate} msg/s in all, QoS ${qos}${firing}:`);
  if (kind === 'cpu') {
    const busy = total / (total + idle);
    console.log(`busy ${(busy * 100).toFixed(1)} % of the time${messages ? `, ${(total / messages).toFixed(1)} µs a message` : ''}`);
    console.log(`(the profiler's own start, ${(probeOwn / 1000).toFixed(0)} ms of the main thread, left out)`);
  } else {
    console.log(`${(total / 1e6).toFixed(1)} MB${messages ? `, ${Math.round(total / messages)} bytes a message` : ''}`);
    console.log(`(the profiler's own start, ${(probeOwn / 1e6).toFixed(1)} MB, left out)`);
  }
  print('By package or file:', byWhere, total, messages, 20);
  print("By function (named as in the bundle, where local names are minified; the place is the source's):", byFn, total, messages, 30);
} finally {
  rmSync(out, { force: true });
  rmSync(dir, { recursive: true, force: true });
}
