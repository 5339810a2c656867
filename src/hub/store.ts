// The hub's database: hearth.db with its repositories and write queues (each queue's shutdown says what it flushed),
// and the admin user a new data dir starts with.
import { flushTurnWrites } from '../broker/client-connection.js';
import type { HearthConfig } from '../config/schema.js';
import type { Health } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { generatePassword } from '../shared/password.js';
import { openDatabase, type Database } from '../store/database.js';
import { DeviceRepo } from '../store/device-repo.js';
import { HistoryRepo } from '../store/history-repo.js';
import { SessionRepo } from '../store/session-repo.js';
import { UserRepo } from '../store/user-repo.js';
import { WriteQueue } from '../store/write-queue.js';
import type { Teardown } from './teardown.js';

export interface StoreParts {
  db: Database;
  users: UserRepo;
  sessions: SessionRepo;
  history: HistoryRepo;
  devices: DeviceRepo;
  writes: WriteQueue;
  /** The queue of history rows: `writes` itself unless `history.historyFlushIntervalMs` sets it apart. */
  historyWrites: WriteQueue;
}

export function openStore(hub: { config: HearthConfig; logger: Logger; health: Health; metrics: Metrics }, teardown: Teardown): StoreParts {
  const { config, health, metrics } = hub;
  const logger = hub.logger.child('store');
  const db = openDatabase(config.dataDir, logger);
  teardown.push(() => {
    db.close();
  });
  const repos = { users: new UserRepo(db), sessions: new SessionRepo(db), history: new HistoryRepo(db), devices: new DeviceRepo(db) };
  const queue = (intervalMs: number, part: string) =>
    new WriteQueue({
      db,
      logger,
      intervalMs,
      batchSize: config.history.flushBatchSize,
      onTrouble: (message) => health.report(part, message),
      beforeSlice: flushTurnWrites,
    });
  // Each write queue's shutdown says what it flushed, for the hub's last log line.
  const closeAndReport = (q: WriteQueue, what: string) => () => {
    const { flushed, unwritten } = q.close();
    teardown.summary.push(
      `${what} written to the database${flushed > 0 ? ` (the last ${flushed} write${flushed === 1 ? '' : 's'} at shutdown)` : ''}`,
    );
    if (unwritten > 0) teardown.summary.push(`${unwritten} write${unwritten === 1 ? '' : 's'} the disk refused were lost`);
  };
  const writes = queue(config.history.flushIntervalMs, 'database');
  teardown.push(closeAndReport(writes, 'everything'));
  // History alone, committed less often when configured: fewer SD-card writes, with states as durable as before.
  const historyMs = config.history.historyFlushIntervalMs;
  const historyWrites = historyMs > 0 ? queue(historyMs, 'history') : writes;
  if (historyWrites !== writes) teardown.push(closeAndReport(historyWrites, 'history'));
  metrics.gauge(
    'hearth_db_write_queue_depth',
    'Writes waiting for the next batch commit',
    () => writes.depth + (historyWrites !== writes ? historyWrites.depth : 0),
  );
  metrics.gauge(
    'hearth_db_commit_failures',
    'Batch commits that failed since start (disk full, read-only, I/O errors)',
    () => writes.failedCommits,
  );
  metrics.gauge(
    'hearth_db_writes_dropped',
    'Writes dropped since start (the queue overflowed while the disk refused writes)',
    () => writes.dropped,
  );
  return { db, ...repos, writes, historyWrites };
}

/** Creates the admin user on a new data dir; returns the generated password's notice, shown once the hub is ready. */
export async function ensureAdmin(
  users: UserRepo,
  config: HearthConfig,
  logger: Logger,
  teardown: Teardown,
  startedOnce: () => boolean,
): Promise<string | undefined> {
  if (users.countUsers() > 0) return undefined;
  const given = config.adminPassword;
  const password = given ?? generatePassword();
  await users.setUser('admin', password, 'admin');
  if (given) {
    logger.info('created user "admin" with the password from HEARTH_ADMIN_PASSWORD');
    return undefined;
  }
  // A start that fails after this point removes the user again, so the next start shows a password once more.
  teardown.push(() => {
    if (!startedOnce()) users.deleteUser('admin');
  });
  return `Created user "admin" with password: ${password}\n(shown once; change it with: hearth user add admin)`;
}
