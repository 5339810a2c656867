// Opening the hub's SQLite database: a private data dir, WAL, pragmas and migrations.
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { Logger } from '../shared/logger.js';
import { migrate } from './migrations/index.js';
import { CACHE_SIZE } from './sqlite-settings.js';

export type { Database };

/** Creates the data dir with mode 0700, tightening a looser existing one (it holds password hashes). */
export function prepareDataDir(dir: string, logger?: Logger): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return;
  }
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    try {
      chmodSync(dir, 0o700);
      logger?.warn(`data dir ${dir} was readable by others (mode ${mode.toString(8)}); tightened to 700`);
    } catch {
      logger?.warn(`data dir ${dir} is readable by others (mode ${mode.toString(8)}) and could not be tightened`);
    }
  }
}

export function openDatabase(dataDir: string, logger?: Logger, fileName = 'hearth.db'): Database {
  prepareDataDir(dataDir, logger);
  const file = join(dataDir, fileName);
  const db = new BetterSqlite3(file);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash; a power cut can lose only the last commits, never corrupt.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = ${CACHE_SIZE}`);
  const { from, to } = migrate(db);
  if (from !== to) logger?.info(`database ${file} migrated from schema ${from} to ${to}`);
  return db;
}
