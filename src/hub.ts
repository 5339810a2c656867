// Long file: the composition root: every part's construction, start order and reverse stop in one place, read top to bottom.
// The composition root: builds every part with explicit dependencies, starts them in order and stops them in reverse.
import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { buildApi } from './api/app.js';
import { AedesBus } from './bus/aedes-bus.js';
import type { HubBus } from './bus/message-bus.js';
import { BrokerRefusedError, MqttClientBus } from './bus/mqtt-client-bus.js';
import { createExternalBus, reportBrokerConnection } from './bus/external-broker.js';
import { Bridges, tellLeftoverQueues } from './bus/bridges.js';
import { createEmbeddedBroker, type EmbeddedBroker } from './broker/broker.js';
import { SqlitePersistence } from './broker/sqlite-persistence.js';
import { chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  attachWebSocket,
  bindHttp,
  bindMqtt,
  closeServer,
  LISTENERS,
  readTlsFiles,
  type Bound,
  type ConnectionHandler,
  type RequestHandler,
} from './broker/listeners.js';
import type { Server as TlsServer } from 'node:tls';
import type { HearthConfig } from './config/schema.js';
import { AdapterHost } from './devices/adapter-host.js';
import { createAdapters } from './devices/adapters/index.js';
import { DeviceRegistry } from './devices/device-registry.js';
import { PresenceTracker } from './devices/presence.js';
import { RuleEngine } from './rules/engine.js';
import { RuleDirectory } from './rules/rule-directory.js';
import { HelperService } from './helpers/helper-service.js';
import { HelperRepo } from './store/helper-repo.js';
import { systemClock, type Clock } from './shared/clock.js';
import { EventBus } from './shared/event-bus.js';
import { Health } from './shared/health.js';
import { createLogger, type Logger } from './shared/logger.js';
import { Metrics } from './shared/metrics.js';
import { HearthError } from './shared/errors.js';
import { generatePassword } from './shared/password.js';
import { openDatabase, type Database } from './store/database.js';
import { DeviceRepo } from './store/device-repo.js';
import { HistoryRepo } from './store/history-repo.js';
import { SettingsRepo } from './store/settings-repo.js';
import { TimerRepo } from './store/timer-repo.js';
import { TraceRepo } from './store/trace-repo.js';
import { SessionRepo } from './store/session-repo.js';
import { UserRepo } from './store/user-repo.js';
import { LoginLimiter } from './shared/login-limiter.js';
import { fileURLToPath } from 'node:url';
import { WriteQueue } from './store/write-queue.js';
import { createBackup, type BackupSources } from './store/backup.js';
import { Maintenance } from './maintenance.js';
import { lockDataDir } from './store/data-dir-lock.js';
import { startNotify, type NotifyParts } from './notify/start-notify.js';

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
  #cleanups: Array<() => Promise<void> | void> = [];

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
  #tlsServer: TlsServer | undefined;
  #listeners: {
    mqtt?: Bound<Server | TlsServer, ConnectionHandler>;
    mqtts?: Bound<Server | TlsServer, ConnectionHandler>;
    http?: Bound<HttpServer, RequestHandler>;
  } = {};
  #apiHandler: RequestHandler | undefined;
  /** What the shutdown did, for its last line. */
  #stopSummary: string[] = [];

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
    try {
      // First the data dir's lock, then the ports: a second hub, or a busy port, fails before anything is opened,
      // written or announced.
      this.#lockDataDir();
      await this.#bind();
      await this.#openStore();
      const adminNotice = await this.#ensureAdmin();
      await this.#startBus();
      await this.#startRegistry();
      await this.#startRules();
      await this.#startBridges();
      // Every subscription is in place: the connection opens now, so what an external broker queued for the hub's
      // session while it was away reaches the registry and the rules.
      await this.#connectBus();
      this.#startMaintenance();
      await this.#startApi();
      await this.#serve();
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
      if (config.demo) await this.#startDemo();
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
      for (const cleanup of this.#cleanups.reverse()) {
        try {
          await cleanup();
        } catch (err) {
          this.logger.error(`error while stopping: ${(err as Error).message}`);
        }
      }
      this.#cleanups = [];
      if (this.#startedOnce) this.logger.info(`hearth stopped${this.#stopSummary.length ? `: ${this.#stopSummary.join('; ')}` : ''}`);
    })();
    return this.#stopping;
  }

  /** The data dir has one owner: a second hub (or a restore) on it fails here, having touched nothing. */
  #lockDataDir(): void {
    const lock = lockDataDir(this.config.dataDir, 'hub', this.logger.child('store'));
    this.#cleanups.push(() => lock.release());
  }

  /** Binds every port; connections and requests that arrive before the hub is ready wait for it (or get 503). */
  async #bind(): Promise<void> {
    const { host, mqtt, http, tls } = this.config;
    const files = tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : undefined;
    const listeners = this.#listeners;
    listeners.http = await bindHttp(host, http.port, files);
    if (this.external) {
      // The devices connect to the external broker: no MQTT listener here (mqtt.port and mqtt.tlsPort are unused).
      this.ports = { mqtt: 0, http: listeners.http.port };
      return;
    }
    listeners.mqtt = await bindMqtt(host, mqtt.port, LISTENERS.mqtt);
    if (files) {
      listeners.mqtts = await bindMqtt(host, mqtt.tlsPort, LISTENERS.mqtts, files);
      this.#tlsServer = listeners.mqtts.server as TlsServer;
    }
    this.ports = { mqtt: listeners.mqtt.port, http: listeners.http.port, ...(listeners.mqtts ? { mqtts: listeners.mqtts.port } : {}) };
  }

  async #openStore(): Promise<void> {
    this.db = openDatabase(this.config.dataDir, this.logger.child('store'));
    this.#cleanups.push(() => {
      this.db.close();
    });
    this.users = new UserRepo(this.db);
    this.sessions = new SessionRepo(this.db);
    this.history = new HistoryRepo(this.db);
    this.devices = new DeviceRepo(this.db);
    this.writes = new WriteQueue({
      db: this.db,
      logger: this.logger.child('store'),
      intervalMs: this.config.history.flushIntervalMs,
      batchSize: this.config.history.flushBatchSize,
      onTrouble: (message) => this.health.report('database', message),
    });
    // Each write queue's shutdown says what it flushed, for the hub's last log line.
    const closeAndReport = (queue: WriteQueue, what: string) => () => {
      const { flushed, unwritten } = queue.close();
      this.#stopSummary.push(
        `${what} written to the database${flushed > 0 ? ` (the last ${flushed} write${flushed === 1 ? '' : 's'} at shutdown)` : ''}`,
      );
      if (unwritten > 0) this.#stopSummary.push(`${unwritten} write${unwritten === 1 ? '' : 's'} the disk refused were lost`);
    };
    this.#cleanups.push(closeAndReport(this.writes, 'everything'));
    // History alone, committed less often when configured: fewer SD-card writes, with states as durable as before.
    const historyMs = this.config.history.historyFlushIntervalMs;
    const history =
      historyMs > 0
        ? new WriteQueue({
            db: this.db,
            logger: this.logger.child('store'),
            intervalMs: historyMs,
            batchSize: this.config.history.flushBatchSize,
            onTrouble: (message) => this.health.report('history', message),
          })
        : this.writes;
    if (history !== this.writes) this.#cleanups.push(closeAndReport(history, 'history'));
    this.historyWrites = history;
    this.metrics.gauge(
      'hearth_db_write_queue_depth',
      'Writes waiting for the next batch commit',
      () => this.writes.depth + (history !== this.writes ? history.depth : 0),
    );
    this.metrics.gauge(
      'hearth_db_commit_failures',
      'Batch commits that failed since start (disk full, read-only, I/O errors)',
      () => this.writes.failedCommits,
    );
    this.metrics.gauge(
      'hearth_db_writes_dropped',
      'Writes dropped since start (the queue overflowed while the disk refused writes)',
      () => this.writes.dropped,
    );
  }

  /** Creates the admin user on a new data dir; returns the generated password's notice, shown once the hub is ready. */
  async #ensureAdmin(): Promise<string | undefined> {
    if (this.users.countUsers() > 0) return undefined;
    const given = this.config.adminPassword;
    const password = given ?? generatePassword();
    await this.users.setUser('admin', password, 'admin');
    if (given) {
      this.logger.info('created user "admin" with the password from HEARTH_ADMIN_PASSWORD');
      return undefined;
    }
    // A start that fails after this point removes the user again, so the next start shows a password once more.
    this.#cleanups.push(() => {
      if (!this.#startedOnce) this.users.deleteUser('admin');
    });
    return `Created user "admin" with password: ${password}\n(shown once; change it with: hearth user add admin)`;
  }

  /** The bus: the embedded broker in process, or a connection to the external broker (opened by #connectBus). */
  async #startBus(): Promise<void> {
    if (!this.external) {
      await this.#startBroker();
      return;
    }
    const { mqtt, demo } = this.config;
    if (demo) {
      throw new HearthError('HEARTH_CONFIG_INVALID', {
        problems:
          '  - demo (--demo) needs the embedded broker, where its simulated devices log in with a login that exists only in memory; ' +
          'with mqtt.url set, leave demo off and run the simulator against your broker: hearth simulate --url <mqtt.url> --username <user> --password <password>',
      });
    }
    const bus = createExternalBus(mqtt, this.logger.child('mqtt'));
    this.bus = bus;
    this.#cleanups.push(() => bus.stop());
  }

  async #connectBus(): Promise<void> {
    try {
      await this.bus.start();
    } catch (err) {
      if (err instanceof BrokerRefusedError) throw new HearthError('HEARTH_BROKER_REFUSED', { reason: err.message });
      throw err;
    }
    if (this.bus instanceof MqttClientBus) {
      const bus = this.bus;
      this.#cleanups.push(
        reportBrokerConnection(bus, { health: this.health, metrics: this.metrics, stopping: () => this.#stopping !== undefined }),
      );
    }
  }

  async #startBroker(): Promise<void> {
    const dropped = this.metrics.counter('hearth_mqtt_offline_queue_dropped_total', 'Messages dropped from full offline queues');
    const brokerDb = join(this.config.dataDir, 'broker.db');
    const persistence = new SqlitePersistence({
      filename: brokerDb,
      maxQueuedPerClient: this.config.mqtt.maxQueuedPerClient,
      logger: this.logger.child('mqtt'),
      onDrop: () => dropped(),
      onTrouble: (message) => this.health.report('broker', message),
    });
    this.persistence = persistence;
    // aedes' close() leaves the persistence open: destroy it after the broker, whatever happens in between.
    this.#cleanups.push(() => persistence.destroy());
    this.broker = await createEmbeddedBroker({
      config: this.config.mqtt,
      users: this.users,
      logger: this.logger.child('mqtt'),
      metrics: this.metrics,
      persistence,
      limiter: this.limiter,
    });
    for (const f of [brokerDb, `${brokerDb}-wal`, `${brokerDb}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    this.#cleanups.push(() => this.broker.close());
    this.bus = new AedesBus(this.broker.broker);
  }

  async #startRegistry(): Promise<void> {
    this.registry = new DeviceRegistry({
      bus: this.bus,
      repo: this.devices,
      history: this.history,
      writes: this.writes,
      historyWrites: this.historyWrites,
      clock: this.clock,
      events: this.events,
      logger: this.logger.child('devices'),
      metrics: this.metrics,
    });
    this.registry.start();
    this.#cleanups.push(() => this.registry.stop());
    const { home, ...others } = this.config.adapters;
    this.adapters = new AdapterHost({
      bus: this.bus,
      registry: this.registry,
      logger: this.logger.child('devices'),
      adapters: createAdapters({ home: { enabled: home.enabled, baseTopic: 'home', mirror: false }, ...others }),
    });
    await this.adapters.start();
    this.#cleanups.push(() => this.adapters.stop());
    // The embedded broker's client tracking where there is one; on an external broker, the devices' wills.
    const presence = new PresenceTracker({ clients: this.bus.clients, registry: this.registry, logger: this.logger.child('devices') });
    presence.start();
    this.#cleanups.push(() => presence.stop());
    if (!this.external) {
      // Devices a demo left behind (a hub killed while its demo ran) belong to no one: gone before rules can see them.
      // (On an external broker the bus is not connected yet: after it is.)
      await this.registry.removeDemoDevices();
      await presence.reconcile();
    }
    // Published last at shutdown, before the broker closes, so the retained status says the hub is gone (an external
    // broker that is out of reach publishes the hub's will instead).
    this.#cleanups.push(() =>
      this.bus.status().connected
        ? this.bus.publish('hearth/status', 'offline', { qos: 1, retain: true }).catch(() => undefined)
        : undefined,
    );
  }

  async #startRules(): Promise<void> {
    const db = this.db;
    const logger = this.logger.child('rules');
    const traceStore = new TraceRepo(db, this.writes);
    this.notify = startNotify(this, traceStore);
    this.#cleanups.push(() => this.notify.notifier.stop());
    const runs = this.metrics.counter('hearth_rule_runs_total', 'Rule evaluations by outcome');
    this.events.on('rule.run', 'metrics', (e) => runs({ outcome: e.outcome }));
    const timerStore = new TimerRepo(db, (message) => this.health.report('rule timers', message));
    this.rules = new RuleEngine({
      bus: this.bus,
      clock: this.clock,
      logger,
      events: this.events,
      location: this.config.location,
      initialStates: this.registry.states(),
      readings: this.registry,
      traceStore,
      notify: (n, channels) => this.notify.notifier.notify(n, channels),
      timerStore,
      switches: new SettingsRepo(db),
    });
    const helperStore = new HelperRepo(db, (message) => this.health.report('helpers', message));
    this.helpers = new HelperService({ bus: this.bus, clock: this.clock, logger: this.logger.child('helpers'), store: helperStore });
    // The rules dir feeds the engine and the helpers: every file before they start, then each file when it changes.
    this.ruleDirectory = new RuleDirectory({
      dir: this.config.rulesDir,
      clock: this.clock,
      logger,
      events: this.events,
      engine: this.rules,
      helpers: this.helpers,
    });
    this.ruleDirectory.loadAll();
    await this.rules.start();
    const unwatch = this.ruleDirectory.watch();
    this.#cleanups.push(async () => {
      unwatch();
      await this.rules.stop();
      const kept = timerStore.load().length;
      if (kept > 0) this.#stopSummary.push(`${kept} rule timer${kept === 1 ? '' : 's'} saved to resume at the next start`);
    });
    // After the rules: a timer that finished while the hub was down tells rules that listen for it.
    await this.helpers.start();
    this.#cleanups.push(() => this.helpers.stop());
  }

  /** Bridges subscribe before the bus connects, like the registry and the rules, and keep their queues in hearth.db. */
  async #startBridges(): Promise<void> {
    tellLeftoverQueues(this.db, this.logger.child('bridges'), this.config.bridges);
    if (this.config.bridges.length === 0) return;
    const bridges = new Bridges({
      configs: this.config.bridges,
      bus: this.bus,
      db: this.db,
      logger: this.logger,
      metrics: this.metrics,
      health: this.health,
    });
    this.bridges = bridges;
    this.#cleanups.push(() => bridges.stop());
    await bridges.start();
  }

  /** Demo mode: simulated devices over real MQTT (loaded only then). */
  async #startDemo(): Promise<void> {
    const host = this.config.host === '0.0.0.0' || this.config.host === '::' ? '127.0.0.1' : this.config.host;
    const { startDemoMode } = await import('./simulator/demo-mode.js');
    const { zigbee2mqtt, homeassistant } = this.config.adapters;
    const { tasmota, shelly, esphome, homie } = this.config.adapters;
    const adapters = {
      ...(zigbee2mqtt.enabled ? { zigbee2mqtt: zigbee2mqtt.baseTopic } : {}),
      ...(homeassistant.enabled ? { homeassistant: homeassistant.baseTopic } : {}),
      ...(tasmota.enabled ? { tasmota: tasmota.baseTopic } : {}),
      ...(shelly.enabled ? { shelly: shelly.baseTopic } : {}),
      ...(esphome.enabled ? { esphome: esphome.baseTopic } : {}),
      ...(homie.enabled ? { homie: homie.baseTopic } : {}),
    };
    const stop = await startDemoMode({
      addLogin: (u, p, identity) => this.broker.addLogin(u, p, identity),
      registry: this.registry,
      events: this.events,
      logger: this.logger.child('demo'),
      mqttUrl: `mqtt://${host}:${this.ports.mqtt}`,
      adapters,
    });
    // Stopped first at shutdown, so its devices say goodbye while the broker still runs.
    this.#cleanups.push(stop);
  }

  /** What a backup copies, from the hub's own connections. */
  backupSources(): BackupSources {
    return { dataDir: this.config.dataDir, rulesDir: this.config.rulesDir, db: this.db, brokerDb: this.persistence?.database };
  }

  /** History retention and the daily backup. */
  #startMaintenance(): void {
    const maintenance = new Maintenance({
      config: this.config,
      clock: this.clock,
      logger: this.logger,
      events: this.events,
      metrics: this.metrics,
      writes: this.writes,
      history: this.history,
      backupSources: () => this.backupSources(),
    });
    maintenance.start();
    this.#cleanups.push(() => maintenance.stop());
  }

  async #startApi(): Promise<void> {
    const { cert, key } = this.config.tls;
    this.api = await buildApi(
      {
        registry: this.registry,
        adapters: this.adapters,
        users: this.users,
        sessions: this.sessions,
        history: this.history,
        limiter: this.limiter,
        webDir: join(packageRoot(), 'web', 'dist'),
        bus: this.bus,
        events: this.events,
        metrics: this.metrics,
        logger: this.logger.child('api'),
        isReady: () => this.#ready,
        health: this.health,
        createBackup: (file) => createBackup(this.backupSources(), file),
        scratchDir: this.config.dataDir,
        rules: { engine: this.rules, directory: this.ruleDirectory, helpers: this.helpers },
        location: this.config.location,
        notify: this.notify,
        ...(this.external ? { externalBroker: this.bus.status().broker } : {}),
        ...(this.bridges ? { bridges: () => this.bridges!.status() } : {}),
      },
      {
        ...(cert && key ? { https: readTlsFiles({ cert, key }) } : {}),
        serverFactory: (handler) => {
          this.#apiHandler = handler;
          return this.#listeners.http!.server;
        },
      },
    );
    this.#cleanups.push(async () => {
      // The app ends its live-event streams first; then no request is left to wait for.
      await this.api.close();
      this.#listeners.http!.server.closeAllConnections();
    });
  }

  /** Hands the bound ports to the broker and the API (connections that waited meanwhile go first). */
  async #serve(): Promise<void> {
    const { mqtt, mqtts, http } = this.#listeners;
    await this.api.ready();
    if (this.external) {
      http!.serve(this.#apiHandler!);
      return;
    }
    const wss: WebSocketServer = attachWebSocket(http!.server, (conn, req) => this.broker.handle(conn, req), {
      path: '/mqtt',
      maxPayload: this.config.mqtt.maxPacketSize,
    });
    this.#cleanups.push(() => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    });
    http!.serve(this.#apiHandler!);
    const handle = (conn: Duplex) => this.broker.handle(conn);
    mqtt!.serve(handle);
    mqtts?.serve(handle);
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
      this.#tlsServer?.setSecureContext({ ...files, minVersion: 'TLSv1.2' });
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

/** The directory of Hearth's package.json, whether running from src/ (tests) or dist/src/ (npm start). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
