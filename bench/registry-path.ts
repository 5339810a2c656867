// The hub's own work on each device message, in one process and without a broker: the home adapter's decoding, the
// registry (latest value, odd-value check, state and history writes queued) and a reader that keeps the latest value
// of every topic as the rule engine does, on 100 devices; then the write queue's commit of those rows to SQLite.
// Time and bytes per message are steady here where the end-to-end loads swing with the VM (docs/performance.md):
// bytes are read off V8's young generation around rounds that no collection interrupted, in a child process whose
// young generation is large enough to hold a round.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { BusHandler, MessageBus } from '../src/bus/message-bus.js';
import { AdapterHost } from '../src/devices/adapter-host.js';
import { homeAdapter } from '../src/devices/adapters/home.js';
import { DeviceRegistry } from '../src/devices/device-registry.js';
import { StateStore } from '../src/rules/types.js';
import { systemClock } from '../src/shared/clock.js';
import { EventBus } from '../src/shared/event-bus.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { Metrics } from '../src/shared/metrics.js';
import { openDatabase } from '../src/store/database.js';
import { DeviceRepo } from '../src/store/device-repo.js';
import { HistoryRepo } from '../src/store/history-repo.js';
import { WriteQueue } from '../src/store/write-queue.js';

export interface RegistryPathResult {
  /** Decoding, registry and reader, per message (median round). */
  nsPerMessage: number;
  /** The write queue's commit of what those messages queued, per message (median round). */
  commitNsPerMessage: number;
  /** Bytes allocated per message on the path, commit aside (median of the rounds no collection interrupted). */
  bytesPerMessage: number;
  /** Of those, the harness's own (the message it hands in and its payload Buffer). */
  harnessBytesPerMessage: number;
}

const ROUND = 2000;
const WARM_ROUNDS = 20;
const ROUNDS = 40;
const DEVICES = 100;

async function measure(): Promise<RegistryPathResult> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-registry-bench-'));
  const db = openDatabase(dir);
  const logger = createMemoryLogger('warn');
  // Committed only when asked, so that each round's commit is measured apart.
  const writes = new WriteQueue({ db, logger, intervalMs: 3_600_000, batchSize: Number.MAX_SAFE_INTEGER });
  const handlers: BusHandler[] = [];
  const bus = {
    subscribe: async (_filter: string, handler: BusHandler) => {
      handlers.push(handler);
      return async () => undefined;
    },
    publish: async () => undefined,
  } as unknown as MessageBus;
  const registry = new DeviceRegistry({
    bus,
    repo: new DeviceRepo(db),
    history: new HistoryRepo(db),
    writes,
    clock: systemClock,
    events: new EventBus(logger),
    logger,
    metrics: new Metrics(),
  });
  registry.start();
  const states = new StateStore();
  registry.onReading((r) => states.set(r.topic, r.value, r.ts));
  const host = new AdapterHost({
    bus,
    registry,
    logger,
    adapters: [{ adapter: homeAdapter(), settings: { enabled: true, mirror: false, baseTopic: 'home' } }],
  });
  await host.start();
  const deliver = handlers[0]!;
  const topics = Array.from({ length: DEVICES }, (_, i) => `home/sensor${i}/temperature`);
  let k = 0;
  const message = () => {
    // A new value at every reading of a device (53 and 100 share no factor), as a sensor that is changing.
    const payload = Buffer.from(String(20 + (k % 53) / 10));
    return { topic: topics[k++ % DEVICES]!, payload, qos: 1 as const, retain: false, publishedRetained: false };
  };
  const round = () => {
    for (let i = 0; i < ROUND; i++) deliver(message());
  };
  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  for (let r = 0; r < WARM_ROUNDS; r++) {
    round();
    writes.flush();
    await turn();
  }
  const ns: number[] = [];
  const commitNs: number[] = [];
  const bytes: number[] = [];
  const harness: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // The harness alone: the messages it makes, not handed in.
    const h0 = collections;
    const hb = young();
    for (let i = 0; i < ROUND; i++) message();
    if (collections === h0) harness.push((young() - hb) / ROUND);
    const c0 = collections;
    const b0 = young();
    const t0 = process.hrtime.bigint();
    round();
    const t1 = process.hrtime.bigint();
    const b1 = young();
    writes.flush();
    const t2 = process.hrtime.bigint();
    if (collections === c0) bytes.push((b1 - b0) / ROUND);
    ns.push(Number(t1 - t0) / ROUND);
    commitNs.push(Number(t2 - t1) / ROUND);
    await turn();
  }
  observer.disconnect();
  await host.stop();
  registry.stop();
  writes.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  if (bytes.length === 0 || harness.length === 0) throw new Error('every round was interrupted by a garbage collection');
  return {
    nsPerMessage: Math.round(median(ns)),
    commitNsPerMessage: Math.round(median(commitNs)),
    bytesPerMessage: Math.round(median(bytes)),
    harnessBytesPerMessage: Math.round(median(harness)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Runs the measurement in a child Node whose young generation holds a round (64 MB semi-spaces). */
export function runRegistryPathBench(): RegistryPathResult {
  const out = execFileSync(
    process.execPath,
    ['--max-semi-space-size=64', '--min-semi-space-size=64', fileURLToPath(import.meta.url), 'child'],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as RegistryPathResult;
}

export function describeRegistryPath(r: RegistryPathResult): string {
  return (
    `Registry path (home adapter, registry and a reader; 100 devices, in process): ${(r.nsPerMessage / 1000).toFixed(2)} µs and ` +
    `${r.bytesPerMessage} bytes a message (${r.harnessBytesPerMessage} of them the harness's own); ` +
    `committing its rows ${(r.commitNsPerMessage / 1000).toFixed(2)} µs a message`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'child') console.log(JSON.stringify(await measure()));
  else console.log(describeRegistryPath(runRegistryPathBench()));
}
