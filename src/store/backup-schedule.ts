// The daily backup: at a local time of day, into a directory, keeping the newest N; on the hub's clock so that it
// can be tested without waiting for 03:30.
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { createBackup, type BackupManifest, type BackupSources } from './backup.js';

export interface BackupScheduleOptions {
  /** Local time of day, HH:MM. */
  at: string;
  dir: string;
  keep: number;
  sources: () => BackupSources;
  clock: Clock;
  logger: Logger;
  onDone?: (result: { ok: boolean; file?: string; error?: string; at: number }) => void;
}

const NAME = /^hearth-backup-\d{8}-\d{6}\.tar\.gz$/;

export class BackupSchedule {
  readonly #o: BackupScheduleOptions;
  #timer: TimerHandle | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(options: BackupScheduleOptions) {
    this.#o = options;
  }

  start(): void {
    this.#arm();
  }

  /** Stops the schedule, waiting for a backup in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#o.clock.clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** When the next backup is due, in epoch milliseconds. */
  nextDue(now = this.#o.clock.now()): number {
    const [h, m] = this.#o.at.split(':').map(Number) as [number, number];
    const due = new Date(now);
    due.setHours(h, m, 0, 0);
    if (due.getTime() <= now) due.setDate(due.getDate() + 1);
    return due.getTime();
  }

  /** Makes a backup now and prunes old ones; used by the schedule. */
  async runOnce(): Promise<BackupManifest & { bytes: number; file: string }> {
    const now = this.#o.clock.now();
    const file = join(this.#o.dir, `hearth-backup-${stamp(new Date(now))}.tar.gz`);
    const result = await createBackup(this.#o.sources(), file);
    const old = readdirSync(this.#o.dir)
      .filter((n) => NAME.test(n))
      .sort()
      .reverse()
      .slice(this.#o.keep);
    for (const name of old) unlinkSync(join(this.#o.dir, name));
    this.#o.logger.info(
      `daily backup written to ${file} (${(result.bytes / 1048576).toFixed(1)} MB, ${result.devices} devices, ${result.historyRows} history rows, ${result.ruleFiles.length} rule files)${old.length ? `; deleted ${old.length} older one(s)` : ''}`,
    );
    return { ...result, file };
  }

  #arm(): void {
    if (this.#stopped) return;
    const now = this.#o.clock.now();
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#running = this.runOnce().then(
        (r) => this.#o.onDone?.({ ok: true, file: r.file, at: this.#o.clock.now() }),
        (err: Error) => {
          this.#o.logger.error(`daily backup into ${this.#o.dir} failed: ${err.message}`);
          this.#o.onDone?.({ ok: false, error: err.message, at: this.#o.clock.now() });
        },
      );
      void this.#running.finally(() => this.#arm());
    }, this.nextDue(now) - now);
  }
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
