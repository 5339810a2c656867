// The configured bridges as one part of the hub: built from the config (a password may come from the environment),
// subscribed before the hub's bus connects, and their state in /metrics, /healthz, the log and GET /api/bridges.
import type { Database } from 'better-sqlite3';
import type { HearthConfig } from '../config/schema.js';
import { HearthError } from '../shared/errors.js';
import type { Health } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { Bridge, type BridgeStatus } from './bridge.js';
import type { MessageBus } from './message-bus.js';

export interface BridgesDeps {
  configs: HearthConfig['bridges'];
  bus: MessageBus;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  health: Health;
  env?: NodeJS.ProcessEnv;
}

export class Bridges {
  readonly #bridges: Bridge[];

  constructor(deps: BridgesDeps) {
    const env = deps.env ?? process.env;
    const problems: string[] = [];
    const names = new Set<string>();
    deps.configs.forEach((c, i) => {
      if (names.has(c.name)) problems.push(`  - bridges[${i}].name: "${c.name}" names another bridge already`);
      names.add(c.name);
      if (c.passwordEnv && !env[c.passwordEnv])
        problems.push(`  - bridges[${i}].passwordEnv: the environment variable ${c.passwordEnv} is not set`);
    });
    if (problems.length > 0) throw new HearthError('HEARTH_CONFIG_INVALID', { problems: problems.join('\n') });
    this.#bridges = deps.configs.map((c) => {
      const name = c.name;
      const { passwordEnv, ...config } = c;
      const kept = `QoS 1 messages for it are kept (up to ${c.maxQueued}) and sent when it is back`;
      return new Bridge({
        config: { ...config, password: passwordEnv ? env[passwordEnv] : c.password },
        bus: deps.bus,
        db: deps.db,
        logger: deps.logger.child(`bridge:${name}`),
        onChange: (s) =>
          deps.health.report(`bridge ${name}`, s.connected ? undefined : `cannot reach ${s.url}${s.error ? ` (${s.error})` : ''}; ${kept}`),
      });
    });
    this.#registerMetrics(deps.metrics);
  }

  get size(): number {
    return this.#bridges.length;
  }

  async start(): Promise<void> {
    for (const b of this.#bridges) await b.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#bridges.map((b) => b.stop()));
  }

  status(): BridgeStatus[] {
    return this.#bridges.map((b) => b.status());
  }

  #registerMetrics(metrics: Metrics): void {
    const each =
      <T>(fn: (s: BridgeStatus) => T[]) =>
      () =>
        this.status().flatMap(fn);
    const directions = (s: BridgeStatus, pick: (d: 'out' | 'in') => number) =>
      (['out', 'in'] as const).map((direction) => ({ labels: { bridge: s.name, direction }, value: pick(direction) }));
    metrics.labelled(
      'hearth_bridge_connected',
      'Bridges connected to their remote broker (1) or not (0)',
      'gauge',
      each((s) => [{ labels: { bridge: s.name }, value: s.connected ? 1 : 0 }]),
    );
    metrics.labelled(
      'hearth_bridge_queued',
      'Messages waiting: out for the remote broker, in for the local one',
      'gauge',
      each((s) => directions(s, (d) => s.queued[d])),
    );
    metrics.labelled(
      'hearth_bridge_queued_bytes',
      'Bytes (topics and payloads) waiting, by direction',
      'gauge',
      each((s) => directions(s, (d) => s.queuedBytes[d])),
    );
    metrics.labelled(
      'hearth_bridge_forwarded_total',
      'Messages forwarded (and acknowledged, at QoS 1) since start',
      'counter',
      each((s) => directions(s, (d) => s.forwarded[d])),
    );
    metrics.labelled(
      'hearth_bridge_dropped_total',
      'Messages dropped since start: queue_full (the oldest, beyond maxQueued or maxQueuedBytes), qos0_offline (QoS 0 while the other side is out of reach), storage (the disk refused them)',
      'counter',
      each((s) => Object.entries(s.droppedBy).map(([reason, value]) => ({ labels: { bridge: s.name, reason }, value }))),
    );
  }
}

/** Messages kept for a bridge that is no longer configured stay (adding it back sends them), and the log says so. */
