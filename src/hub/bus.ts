// The hub's bus: the embedded broker in process (with its durable state in broker.db), or a connection to an
// external broker (mqtt.url); and the bridges to other brokers, which subscribe before the bus connects. The MQTT
// client library (mqtt.js and what it pulls in, several MB of a Pi's memory) is loaded only when one of those is
// configured.
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddedBroker, type EmbeddedBroker } from '../broker/broker.js';
import { SqlitePersistence } from '../broker/sqlite-persistence.js';
import { AedesBus } from '../bus/aedes-bus.js';
import type { Bridges } from '../bus/bridges.js';
import type { HubBus } from '../bus/message-bus.js';
import type { HearthConfig } from '../config/schema.js';
import { HearthError } from '../shared/errors.js';
import type { Health } from '../shared/health.js';
import type { LoginLimiter } from '../shared/login-limiter.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { queuedPerBridge } from '../store/bridge-queue.js';
import type { Database } from '../store/database.js';
import type { UserRepo } from '../store/user-repo.js';
import type { Teardown } from './teardown.js';

interface BusDeps {
  config: HearthConfig;
  logger: Logger;
  metrics: Metrics;
  health: Health;
  limiter: LoginLimiter;
  users: UserRepo;
}

export type BusParts = { bus: HubBus } & (
  | { broker: EmbeddedBroker; persistence: SqlitePersistence }
  | { broker?: undefined; persistence?: undefined }
);

/** The embedded broker, or the external broker's connection (not opened yet: `connectBus` opens it). */
export async function startBus(hub: BusDeps, teardown: Teardown): Promise<BusParts> {
  if (!hub.config.mqtt.url) return startBroker(hub, teardown);
  const { mqtt, demo } = hub.config;
  if (demo) {
    throw new HearthError('HEARTH_CONFIG_INVALID', {
      problems:
        '  - demo (--demo) needs the embedded broker, where its simulated devices log in with a login that exists only in memory; ' +
        'with mqtt.url set, leave demo off and run the simulator against your broker: hearth simulate --url <mqtt.url> --username <user> --password <password>',
    });
  }
  const { createExternalBus } = await import('../bus/external-broker.js');
  const bus = createExternalBus(mqtt, hub.logger.child('mqtt'));
  teardown.push(() => bus.stop());
  return { bus };
}

async function startBroker(hub: BusDeps, teardown: Teardown): Promise<BusParts> {
  const { config, metrics } = hub;
  const dropped = metrics.counter('hearth_mqtt_offline_queue_dropped_total', 'Messages dropped from full offline queues');
  const brokerDb = join(config.dataDir, 'broker.db');
  const persistence = new SqlitePersistence({
    filename: brokerDb,
    maxQueuedPerClient: config.mqtt.maxQueuedPerClient,
    logger: hub.logger.child('mqtt'),
    onDrop: () => dropped(),
    onTrouble: (message) => hub.health.report('broker', message),
  });
  // aedes' close() leaves the persistence open: destroy it after the broker, whatever happens in between.
  teardown.push(() => persistence.destroy());
  const broker = await createEmbeddedBroker({
    config: config.mqtt,
    users: hub.users,
    logger: hub.logger.child('mqtt'),
    metrics,
    persistence,
    limiter: hub.limiter,
  });
  for (const f of [brokerDb, `${brokerDb}-wal`, `${brokerDb}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  teardown.push(() => broker.close());
  return { bus: new AedesBus(broker.broker), broker, persistence };
}

/** Opens the bus's connection (a no-op in process); an external broker's connection is then watched for health. */
export async function connectBus(
  bus: HubBus,
  hub: { health: Health; metrics: Metrics },
  teardown: Teardown,
  stopping: () => boolean,
): Promise<void> {
  if (bus instanceof AedesBus) return bus.start();
  const { BrokerRefusedError, MqttClientBus } = await import('../bus/mqtt-client-bus.js');
  const { reportBrokerConnection } = await import('../bus/external-broker.js');
  try {
    await bus.start();
  } catch (err) {
    if (err instanceof BrokerRefusedError) throw new HearthError('HEARTH_BROKER_REFUSED', { reason: err.message });
    throw err;
  }
  if (bus instanceof MqttClientBus) teardown.push(reportBrokerConnection(bus, { health: hub.health, metrics: hub.metrics, stopping }));
}

/** Bridges subscribe before the bus connects, like the registry and the rules, and keep their queues in hearth.db. */
export async function startBridges(
  hub: { config: HearthConfig; logger: Logger; metrics: Metrics; health: Health; bus: HubBus; db: Database },
  teardown: Teardown,
): Promise<Bridges | undefined> {
  tellLeftoverQueues(hub.db, hub.logger.child('bridges'), hub.config.bridges);
  if (hub.config.bridges.length === 0) return undefined;
  const { Bridges } = await import('../bus/bridges.js');
  const bridges = new Bridges({
    configs: hub.config.bridges,
    bus: hub.bus,
    db: hub.db,
    logger: hub.logger,
    metrics: hub.metrics,
    health: hub.health,
  });
  teardown.push(() => bridges.stop());
  await bridges.start();
  return bridges;
}

/** Says so when messages wait for a bridge that is no longer configured (they are kept until it is back). */
function tellLeftoverQueues(db: Database, logger: Logger, configured: HearthConfig['bridges']): void {
  const names = new Set(configured.map((c) => c.name));
  const rows = queuedPerBridge(db);
  for (const { bridge, n } of rows) {
    if (!names.has(bridge))
      logger.warn(
        `${n} message(s) queued for bridge "${bridge}" wait in the database, but no bridge of that name is configured: add it back to send them`,
      );
  }
}
