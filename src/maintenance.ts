// The hub's scheduled housekeeping: raw history rolled into hourly rollups every hour, and the daily backup.
import { join } from 'node:path';
import type { HearthConfig } from './config/schema.js';
import type { Clock, TimerHandle } from './shared/clock.js';
import type { EventBus } from './shared/event-bus.js';
import type { Logger } from './shared/logger.js';
import type { Metrics } from './shared/metrics.js';
import type { BackupSources } from './store/backup.js';
import { BackupSchedule } from './store/backup-schedule.js';
import type { HistoryRepo } from './store/history-repo.js';
import type { WriteQueue } from './store/write-queue.js';

export interface MaintenanceDeps {
  config: HearthConfig;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  metrics: Metrics;
  writes: WriteQueue;
  history: HistoryRepo;
  /** What a backup copies: the hub's own open connections. */
  backupSources: () => BackupSources;
}

export class Maintenance {
  readonly #deps: MaintenanceDeps;
  #retention: TimerHandle | undefined;
  /** A retention run in progress, and whether the hub is stopping (the run ends at its next step). */
  #retentionRun: Promise<void> | undefined;
  #stopping = false;
  #backups: BackupSchedule | undefined;
  #lastBackup = 0;

  constructor(deps: MaintenanceDeps) {
    this.#deps = deps;
    deps.metrics.gauge(
      'hearth_backup_last_success_timestamp_seconds',
      'When the last daily backup succeeded (0: none since start)',
      () => this.#lastBackup / 1000,
    );
  }

  start(): void {
    this.#startRetention();
    this.#startBackups();
  }

  /** Stops the timers, waiting for a backup in progress. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#deps.clock.clearTimeout(this.#retention);
    this.#retention = undefined;
    await this.#retentionRun;
    await this.#backups?.stop();
  }

  /**
   * Once 10 s after start, then every hour. A run goes in steps of a few milliseconds (a series, or a couple of
   * thousand readings of one) and lets the hub route, answer and run its rules between them: done at once, a home's
   * hundreds of series held the event loop for tens of milliseconds every hour, and a first run after retention was
   * shortened (months of readings to roll up) for seconds.
   */
  #startRetention(): void {
    const { config, clock, writes, history } = this.#deps;
    const logger = this.#deps.logger.child('store');
    const run = async () => {
      try {
        writes.flush();
        let moved = 0;
        let slice = performance.now();
        for (const n of history.retentionSteps(clock.now(), config.history.retentionDays, config.history.retention)) {
          moved += n;
          if (this.#stopping) return;
          if (performance.now() - slice < RETENTION_SLICE_MS) continue;
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
        if (moved > 0) logger.info(`history retention: rolled ${moved} raw readings into hourly rollups`);
      } catch (err) {
        logger.error(`history retention failed: ${(err as Error).message}`);
      }
    };
    // On the injected clock (a fake one in tests), re-armed after each run: 10 s after start, then every hour.
    const schedule = (ms: number) => {
      this.#retention = clock.setTimeout(() => {
        this.#retentionRun = run().finally(() => {
          this.#retentionRun = undefined;
          if (!this.#stopping) schedule(3_600_000);
        });
      }, ms);
    };
    schedule(10_000);
  }

  #startBackups(): void {
    const { config, clock, events } = this.#deps;
    if (!config.backup.enabled) return;
    this.#backups = new BackupSchedule({
      at: config.backup.at,
      dir: config.backup.dir || join(config.dataDir, 'backups'),
      keep: config.backup.keep,
      sources: this.#deps.backupSources,
      clock,
      logger: this.#deps.logger.child('backup'),
      onDone: (r) => {
        if (r.ok) this.#lastBackup = r.at;
        else events.emit('hub.log', { level: 'error', message: `daily backup failed: ${r.error}`, ts: r.at });
      },
    });
    this.#backups.start();
  }
}

/** How long a retention run holds the event loop before it lets the hub go on (between two steps). */
const RETENTION_SLICE_MS = 5;
