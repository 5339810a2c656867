// The composition root: builds every part with explicit dependencies, starts them in order and stops them in reverse.
// Each start step is in src/hub/ (store, bus, devices, rules, API, listeners, demo, maintenance); the order is here.
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { EmbeddedBroker } from './broker/broker.js';
import { closeServer, readTlsFiles } from './broker/listeners.js';
import type { SqlitePersistence } from './broker/sqlite-persistence.js';
import type { Bridges } from './bus/bridges.js';
import type { HubBus } from './bus/message-bus.js';
import type { HearthConfig } from './config/schema.js';
import type { AdapterHost } from './devices/adapter-host.js';
import type { DeviceRegistry } from './devices/device-registry.js';
import type { HelperService } from './helpers/helper-service.js';
import type { NotifyParts } from './notify/start-notify.js';
import type { RuleEngine } from './rules/engine.js';
import type { RuleDirectory } from './rules/rule-directory.js';
import { systemClock, type Clock } from './shared/clock.js';
import { EventBus } from './shared/event-bus.js';
import { Health } from './shared/health.js';
import { LoginLimiter } from './shared/login-limiter.js';
import { createLogger, type Logger } from './shared/logger.js';
import { Metrics } from './shared/metrics.js';
import type { BackupSources } from './store/backup.js';
import { lockDataDir } from './store/data-dir-lock.js';
import type { Database } from './store/database.js';
import type { DeviceRepo } from './store/device-repo.js';
import type { HistoryRepo } from './store/history-repo.js';
import type { SessionRepo } from './store/session-repo.js';
import type { UserRepo } from './store/user-repo.js';
import type { WriteQueue } from './store/write-queue.js';
import { startApi } from './hub/api.js';
import { connectBus, startBridges, startBus } from './hub/bus.js';
import { startDemo } from './hub/demo.js';
import { startDevices } from './hub/devices.js';
import { bindListeners, serveListeners, type HubListeners } from './hub/listeners.js';
import { startMaintenance } from './hub/maintenance.js';
import { startRules } from './hub/rules.js';
import { ensureAdmin, openStore } from './hub/store.js';
import { Checkpointer } from './store/checkpointer.js';
import { Teardown } from './hub/teardown.js';

export interface HubOptions {
  logger?: Logger;
  clock?: Clock;
  /** Where one-time secrets (a generated admin password) are shown; stdout by default. */
  announce?: (line: string) => void;
}

export interface HubPorts {
  /** The MQTT listener's port; 0 on an external broker (mqtt.url), where the hub opens none. */
  mqtt: number;
  http: number;
  /** MQTT over TLS, when a certificate is configured. */
  mqtts?: number;
}

export class Hub {
  readonly config: HearthConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly events: EventBus;
  readonly metrics = new Metrics();
  /** One limiter for MQTT and HTTP logins: a guesser cannot switch protocols to start over. */
  readonly limiter = new LoginLimiter();
  /** Trouble the hub runs with (the disk refusing writes), for /healthz, the metrics and the log. */
  readonly health: Health;
  readonly #announce: (line: string) => void;
  #ready = false;
  #startedOnce = false;
  #stopping: Promise<void> | undefined;
  readonly #teardown = new Teardown();

  db!: Database;
  users!: UserRepo;
  sessions!: SessionRepo;
  history!: HistoryRepo;
  devices!: DeviceRepo;
  writes!: WriteQueue;
  /** The queue of history rows: `writes` itself unless `history.historyFlushIntervalMs` sets it apart. */
  historyWrites!: WriteQueue;
  /** The embedded broker (undefined on an external broker: mqtt.url). */
  broker!: EmbeddedBroker;
  /** The embedded broker's durable state (data/broker.db); undefined on an external broker. */
  persistence!: SqlitePersistence;
  /** The hub's MessageBus: in-process on the embedded broker, an MQTT connection on an external one. */
  bus!: HubBus;
  registry!: DeviceRegistry;
  /** The adapters (home, Zigbee2MQTT, Home Assistant discovery) feeding the registry. */
  adapters!: AdapterHost;
  rules!: RuleEngine;
  /** The rule files the engine runs, with each rule's status. */
  ruleDirectory!: RuleDirectory;
  /** Helpers (toggles, numbers, counters, timers, …) declared in the rule files: devices helper_<id>. */
  helpers!: HelperService;
  /** Notification channels, the delivery queue and the dashboard's notification centre. */
  notify!: NotifyParts;
  /** The bridges to other brokers (bridges: in the config); undefined when there are none. */
  bridges: Bridges | undefined;
  api!: FastifyInstance;
  ports: HubPorts = { mqtt: 0, http: 0 };
  readonly #listeners: HubListeners = {};

  constructor(config: HearthConfig, options: HubOptions = {}) {
    this.config = config;
    this.logger = options.logger ?? createLogger({ level: config.log.level, format: config.log.format });
    this.clock = options.clock ?? systemClock;
    this.events = new EventBus(this.logger.child('events'));
    this.health = new Health(this.logger.child('health'), this.events, () => this.clock.now());
    this.metrics.gauge(
      'hearth_health_problems',
      'Parts of the hub running with trouble (0 when healthy; see /healthz)',
      () => this.health.problems.length,
    );
    this.#announce = options.announce ?? ((line) => process.stdout.write(line + '\n'));
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** True when the hub runs on an external broker (mqtt.url) instead of its embedded one. */
  get external(): boolean {
    return Boolean(this.config.mqtt.url);
  }

  async start(): Promise<HubPorts> {
    const { config, logger } = this;
    const teardown = this.#teardown;
    try {
      // First the data dir's lock, then the ports: a second hub, or a busy port, fails before anything is opened,
      // written or announced. The data dir has one owner: a second hub (or a restore) on it fails here.
      const lock = lockDataDir(config.dataDir, 'hub', logger.child('store'));
      teardown.push(() => lock.release());
      this.ports = await bindListeners(config, this.external, this.#listeners);
      // Its handles on the WAL indexes go only once both databases are closed (src/store/checkpointer.ts).
      const checkpointer = new Checkpointer({ logger: logger.child('store') });
      teardown.push(() => checkpointer.release());
      const store = openStore(this, teardown);
      ({ db: this.db, users: this.users, sessions: this.sessions, history: this.history, devices: this.devices } = store);
      ({ writes: this.writes, historyWrites: this.historyWrites } = store);
      const adminNotice = await ensureAdmin(this.users, config, logger, teardown, () => this.#startedOnce);
      const bus = await startBus(this, teardown);
      this.bus = bus.bus;
      if (bus.broker) ({ broker: this.broker, persistence: this.persistence } = bus);
      // WAL checkpoints of both databases on a thread of their own, stopped before the databases close.
      for (const db of [this.db, this.persistence?.database]) if (db) checkpointer.watch(db);
      teardown.push(() => checkpointer.close());
      ({ registry: this.registry, adapters: this.adapters } = await startDevices(this, teardown));
      ({
        notify: this.notify,
        rules: this.rules,
        ruleDirectory: this.ruleDirectory,
        helpers: this.helpers,
      } = await startRules(this, teardown));
      this.bridges = await startBridges(this, teardown);
      // Every subscription is in place: the connection opens now, so what an external broker queued for the hub's
      // session while it was away reaches the registry and the rules.
      await connectBus(this.bus, this, teardown, () => this.#stopping !== undefined);
      startMaintenance(this, teardown);
      const { api, handler } = await startApi(this, this.#listeners, teardown);
      this.api = api;
      await api.ready();
      serveListeners(this.#listeners, handler, this.external ? undefined : this.broker, config, teardown);
      if (this.external) {
        // The bus publishes the birth on every connection; demo devices a demo left behind go once it is connected.
        await this.registry
          .removeDemoDevices()
          .catch((err: Error) => logger.warn(`demo devices left behind are not removed yet: ${err.message}`));
      } else {
        await this.bus.publish('hearth/status', 'online', { qos: 1, retain: true });
        if (config.mqtt.allowAnonymous)
          logger.warn('anonymous MQTT access is ENABLED (mqtt.allowAnonymous): anyone on the network can publish to home/#');
      }
      if (config.demo) await startDemo(this, teardown);
      this.#ready = true;
      this.#startedOnce = true;
      if (this.external) {
        const s = this.bus.status();
        logger.info(
          `hearth ready: on the MQTT broker ${s.broker} (${s.connected ? `MQTT ${s.protocolVersion === 5 ? '5' : '3.1.1'}, ${s.sessionPresent ? 'session resumed' : 'new session'}` : 'not reachable yet, retrying'}; no MQTT listener here), HTTP on ${config.host}:${this.ports.http}`,
        );
      } else {
        logger.info(
          `hearth ready: MQTT on ${config.host}:${this.ports.mqtt} (MQTT 3.1.1; MQTT 5 clients need an external broker, see the README), HTTP and MQTT-over-WebSocket (/mqtt) on ${config.host}:${this.ports.http}`,
        );
      }
      if (adminNotice) this.#announce(adminNotice);
      return this.ports;
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Stops accepting, flushes pending writes, announces `hearth/status` offline and closes the database. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#ready = false;
      this.bus?.beginStop();
      // Stop accepting first, then undo the start in reverse.
      for (const bound of Object.values(this.#listeners)) await closeServer(bound.server);
      await this.#teardown.run(this.logger);
      const { summary } = this.#teardown;
      if (this.#startedOnce) this.logger.info(`hearth stopped${summary.length ? `: ${summary.join('; ')}` : ''}`);
    })();
    return this.#stopping;
  }

  /** What a backup copies, from the hub's own connections. */
  backupSources(): BackupSources {
    return { dataDir: this.config.dataDir, rulesDir: this.config.rulesDir, db: this.db, brokerDb: this.persistence?.database };
  }

  /**
   * Re-reads the TLS certificate and key (on SIGHUP, after a renewal). New connections get the new certificate;
   * connections already open keep theirs and are not dropped.
   */
  reloadTls(): boolean {
    const { cert, key } = this.config.tls;
    if (!cert || !key) return false;
    try {
      const files = readTlsFiles({ cert, key });
      (this.#listeners.mqtts?.server as TlsServer | undefined)?.setSecureContext({ ...files, minVersion: 'TLSv1.2' });
      const http = this.api?.server as unknown as { setSecureContext?: (o: object) => void };
      http?.setSecureContext?.({ ...files, minVersion: 'TLSv1.2' });
      this.logger.info('TLS certificate reloaded');
      return true;
    } catch (err) {
      this.logger.error(`TLS certificate not reloaded, keeping the old one: ${(err as Error).message}`);
      return false;
    }
  }
}
