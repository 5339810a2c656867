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
    this.#deps.clock.clearTimeout(this.#retention);
    this.#retention = undefined;
    await this.#backups?.stop();
  }

  /** Once 10 s after start, then every hour. */
  #startRetention(): void {
    const { config, clock, writes, history } = this.#deps;
    const logger = this.#deps.logger.child('store');
    const run = () => {
      try {
        writes.flush();
        history.applyRetention(clock.now(), config.history.retentionDays, config.history.retention, logger);
      } catch (err) {
        logger.error(`history retention failed: ${(err as Error).message}`);
      }
    };
    // On the injected clock (a fake one in tests), re-armed after each run: 10 s after start, then every hour.
    const schedule = (ms: number) => {
      this.#retention = clock.setTimeout(() => {
        run();
        schedule(3_600_000);
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
