// One owner per data dir: an exclusive OS-level lock (SQLite's fcntl lock on `hearth.lock`), held for the owner's
// lifetime and released by the kernel however the process ends, so a `kill -9` never leaves a stale lock behind.
// `hearth.pid` beside it says who holds it; it is written only by the holder and only read for the message.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { HearthError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { prepareDataDir } from './database.js';

export type DataDirOwner = 'hub' | 'restore';

export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data dir for `owner`, or throws HEARTH_DATA_DIR_LOCKED naming the process that holds it (and writes
 * nothing). The lock is a SQLite database kept in an exclusive transaction: another process (or another connection
 * in this one) gets SQLITE_BUSY at once, and the kernel drops the fcntl lock when the holder dies.
 */
export function lockDataDir(dataDir: string, owner: DataDirOwner, logger?: Logger): DataDirLock {
  prepareDataDir(dataDir, logger);
  const lock = new BetterSqlite3(join(dataDir, 'hearth.lock'), { timeout: 0 });
  try {
    lock.pragma('journal_mode = MEMORY');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    const advice = owner === 'hub' ? 'stop it first, or start this one with another --data-dir' : `stop it before you ${owner}`;
    throw new HearthError('HEARTH_DATA_DIR_LOCKED', { dataDir, holder: describeHolder(dataDir), advice });
  }
  const pidFile = join(dataDir, 'hearth.pid');
  writeFileSync(pidFile, `${process.pid} ${owner}\n`, { mode: 0o600 });
  if (owner === 'hub') clearScratch(dataDir);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      if (readHolder(dataDir)?.pid === process.pid) rmSync(pidFile, { force: true });
      lock.close();
    },
  };
}

function readHolder(dataDir: string): { pid: number; owner: string } | undefined {
  const file = join(dataDir, 'hearth.pid');
  if (!existsSync(file)) return undefined;
  const [pid, owner = 'hub'] = readFileSync(file, 'utf8').trim().split(/\s+/);
  return Number.isInteger(Number(pid)) && Number(pid) > 0 ? { pid: Number(pid), owner } : undefined;
}

function describeHolder(dataDir: string): string {
  const holder = readHolder(dataDir);
  if (!holder) return 'another hub';
  return holder.owner === 'restore' ? `a restore (pid ${holder.pid})` : `another hub (pid ${holder.pid})`;
}

/** Scratch copies a crash left behind (a backup being downloaded or written when the hub died): of no use any more. */
function clearScratch(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    if (name.startsWith('.download-') || name.startsWith('.hearth-backup-')) rmSync(join(dataDir, name), { recursive: true, force: true });
  }
}
