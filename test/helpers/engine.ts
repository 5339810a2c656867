// A rule engine on a real in-process aedes broker with a virtual clock, for rule tests that need no full hub.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { AedesBus } from '../../src/bus/aedes-bus.js';
import { FakeClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { RuleEngine } from '../../src/rules/engine.js';
import type { TraceStore } from '../../src/rules/traces.js';
import type { StoredTimer, TimerStore } from '../../src/rules/types.js';
import { tempDir } from './hub.js';

export interface EngineHarness {
  engine: RuleEngine;
  clock: FakeClock;
  bus: AedesBus;
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
  options: { start?: Date | number; states?: Array<[string, unknown]>; location?: { latitude: number; longitude: number }; timerStore?: TimerStore; traceStore?: TraceStore; dir?: string } = {},
): Promise<EngineHarness> {
  const dir = options.dir ?? join(tempDir('hearth-rules-'), 'rules');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const broker = await Aedes.createBroker();
  const bus = new AedesBus(broker);
  const clock = new FakeClock(options.start ?? new Date(2026, 5, 15, 12, 0, 0));
  const logger = createMemoryLogger();
  const published: Array<{ topic: string; payload: string }> = [];
  await bus.subscribe('#', (m) => published.push({ topic: m.topic, payload: m.payload.toString() }), { retained: false });
  const engine = new RuleEngine({ bus, clock, logger, events: new EventBus(logger), rulesDir: dir, watch: false, initialStates: options.states, location: options.location, timerStore: options.timerStore, traceStore: options.traceStore });
  await engine.start();
  return {
    engine,
    clock,
    bus,
    dir,
    logs: logger.lines,
    published,
    async publish(topic, payload, retain = false) {
      await bus.publish(topic, payload, { qos: 0, retain });
      await clock.advance(0);
    },
    write(file, yaml) {
      writeFileSync(join(dir, file), yaml);
    },
    commands(prefix = '') {
      return published.filter((m) => m.topic.startsWith(prefix) && m.topic.endsWith('/set')).map((m) => `${m.topic}=${m.payload}`);
    },
    async stop() {
      await engine.stop();
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}
