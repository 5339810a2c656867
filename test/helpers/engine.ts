// Rule files in a temp dir, run in the rule harness (the real engine on an in-memory bus with a virtual clock), for
// rule tests that need no full hub.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryBus } from '../../src/bus/memory-bus.js';
import type { RuleEngine, RuleEngineDeps } from '../../src/rules/engine.js';
import { RuleDirectory } from '../../src/rules/rule-directory.js';
import { RuleHarness } from '../../src/rules/rule-harness.js';
import type { HelperService, HelperStore } from '../../src/helpers/helper-service.js';
import type { TraceStore } from '../../src/rules/traces.js';
import type { StoredTimer, TimerStore } from '../../src/rules/types.js';
import type { FakeClock } from '../../src/shared/clock.js';
import { tempDir } from './hub.js';

export interface EngineHarness {
  engine: RuleEngine;
  helpers: HelperService;
  /** The rules dir the engine runs: reload, remove, problems, every rule with its status. */
  directory: RuleDirectory;
  clock: FakeClock;
  bus: MemoryBus;
  dir: string;
  logs: string[];
  /** Every message published on the bus (by the rules too), in order. */
  published: Array<{ topic: string; payload: string }>;
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  write(file: string, yaml: string): void;
  commands(topicPrefix?: string): string[];
  stop(): Promise<void>;
}

/** Pending holds kept in memory, standing in for the SQLite table across engine restarts in a test. */
export class MemoryTimerStore implements TimerStore {
  readonly timers = new Map<string, StoredTimer>();
  save(t: StoredTimer): void {
    this.timers.set(t.key, structuredClone(t));
  }
  delete(key: string): void {
    this.timers.delete(key);
  }
  load(): StoredTimer[] {
    return [...this.timers.values()].map((t) => structuredClone(t));
  }
}

export async function startEngine(
  files: Record<string, string>,
  options: {
    start?: Date | number;
    states?: Array<[string, unknown]>;
    location?: { latitude: number; longitude: number };
    timerStore?: TimerStore;
    traceStore?: TraceStore;
    dir?: string;
    notify?: RuleEngineDeps['notify'];
    helperStore?: HelperStore;
  } = {},
): Promise<EngineHarness> {
  const dir = options.dir ?? join(tempDir('hearth-rules-'), 'rules');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const h = new RuleHarness({ ...options, start: options.start ?? new Date(2026, 5, 15, 12, 0, 0) });
  const published: Array<{ topic: string; payload: string }> = [];
  await h.bus.subscribe('#', (m) => published.push({ topic: m.topic, payload: m.payload.toString() }), { retained: false });
  const directory = new RuleDirectory({ dir, clock: h.clock, logger: h.logger, events: h.events, engine: h.engine, helpers: h.helpers });
  directory.loadAll();
  await h.start();
  return {
    engine: h.engine,
    helpers: h.helpers,
    directory,
    clock: h.clock,
    bus: h.bus,
    dir,
    logs: h.logger.lines,
    published,
    publish: (topic, payload, retain = false) => h.publish(topic, payload, { retain }),
    write(file, yaml) {
      writeFileSync(join(dir, file), yaml);
    },
    commands(prefix = '') {
      return published.filter((m) => m.topic.startsWith(prefix) && m.topic.endsWith('/set')).map((m) => `${m.topic}=${m.payload}`);
    },
    stop: () => h.stop(),
  };
}
