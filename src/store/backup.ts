// Backups: one .tar.gz with a consistent snapshot of the hub's database and the broker's state (SQLite's online
// backup, safe while the hub writes), the rule files and a manifest; and the restore that puts it back, moving
// whatever it replaces aside rather than deleting it.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';
import { lockDataDir } from './data-dir-lock.js';

export const BACKUP_FORMAT = 'hearth-backup';

export interface BackupSources {
  dataDir: string;
  rulesDir: string;
  /** Open connections to back up from (the running hub's); otherwise the files in the data dir are opened. */
  db?: Database;
  brokerDb?: Database;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: 1;
  createdAt: string;
  schemaVersion: number;
  devices: number;
  historyRows: number;
  users: number;
  ruleFiles: string[];
  brokerState: boolean;
}

export type BackupProgress = (step: string, percent: number) => void;

/** Writes the backup to `file` (atomically: a partial file never has the final name). */
export async function createBackup(
  sources: BackupSources,
  file: string,
  progress: BackupProgress = () => undefined,
): Promise<BackupManifest & { bytes: number }> {
  mkdirSync(dirname(file), { recursive: true });
  const work = mkdtempSync(join(dirname(file), '.hearth-backup-'));
  try {
    await snapshot(sources.db, join(sources.dataDir, 'hearth.db'), join(work, 'hearth.db'), (p) => progress('database', p));
    const brokerFile = join(sources.dataDir, 'broker.db');
    const brokerState = Boolean(sources.brokerDb) || existsSync(brokerFile);
    if (brokerState) await snapshot(sources.brokerDb, brokerFile, join(work, 'broker.db'), (p) => progress('broker state', p));
    const ruleFiles = existsSync(sources.rulesDir)
      ? readdirSync(sources.rulesDir, { withFileTypes: true })
          .filter((e) => e.isFile() && !e.name.startsWith('.'))
          .map((e) => e.name)
          .sort()
      : [];
    // Rule files are copied beside the snapshots (they are small), so the archive is made from one directory.
    mkdirSync(join(work, 'rules'));
    for (const name of ruleFiles) copyFileSync(join(sources.rulesDir, name), join(work, 'rules', name));
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      ...describeDatabase(join(work, 'hearth.db')),
      ruleFiles,
      brokerState,
    };
    writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    progress('archive', 0);
    const partial = `${file}.partial`;
    // node-tar is loaded when a backup is made, not at every start.
    const { writeTarGz } = await import('./tar.js');
    await writeTarGz(partial, work, [
      'manifest.json',
      'hearth.db',
      ...(brokerState ? ['broker.db'] : []),
      ...ruleFiles.map((name) => `rules/${name}`),
    ]);
    renameSync(partial, file);
    progress('archive', 100);
    return { ...manifest, bytes: statSync(file).size };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function snapshot(open: Database | undefined, source: string, target: string, progress: (percent: number) => void): Promise<void> {
  const db = open ?? new BetterSqlite3(source, { fileMustExist: true });
  try {
    await db.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        progress(Math.round(((totalPages - remainingPages) / Math.max(1, totalPages)) * 100));
        return 256; // pages per step: the hub keeps answering between steps
      },
    });
  } finally {
    if (!open) db.close();
  }
}

function describeDatabase(file: string): Pick<BackupManifest, 'schemaVersion' | 'devices' | 'historyRows' | 'users'> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
      devices: count('devices'),
      historyRows: count('history'),
      users: count('users'),
    };
  } finally {
    db.close();
  }
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the files the restore replaced were moved, if there were any. */
  movedAside?: string;
}

/**
 * Restores `file` into `dataDir` and `rulesDir`. The hub must not be running on that data dir. The archive is
 * checked completely (names, manifest, SQLite integrity, schema version) before anything in place is touched.
 */
export async function restoreBackup(file: string, target: { dataDir: string; rulesDir: string }): Promise<RestoreResult> {
  if (!existsSync(file)) throw new Error(`no backup file ${file}`);
  // Held until the restore is done: a hub cannot start on the data dir meanwhile, nor a restore run under a hub.
  const lock = lockDataDir(target.dataDir, 'restore');
  const staging = mkdtempSync(join(target.dataDir, '.restore-'));
  try {
    const { extractTarGz } = await import('./tar.js');
    const names = await extractTarGz(
      file,
      staging,
      (name) => ['manifest.json', 'hearth.db', 'broker.db'].includes(name) || /^rules\/[^/]+$/.test(name),
    );
    if (!names.includes('manifest.json') || !names.includes('hearth.db'))
      throw new Error(`not a Hearth backup: ${file} has no manifest.json or hearth.db`);
    const manifest = JSON.parse(readFileSync(join(staging, 'manifest.json'), 'utf8')) as BackupManifest;
    if (manifest.format !== BACKUP_FORMAT)
      throw new Error(`not a Hearth backup: the manifest's format is ${JSON.stringify(manifest.format)}`);
    const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    if (manifest.schemaVersion > latest)
      throw new Error(
        `the backup comes from a newer Hearth (schema ${manifest.schemaVersion}, this one knows ${latest}): upgrade Hearth first`,
      );
    for (const db of ['hearth.db', 'broker.db'].filter((n) => names.includes(n))) checkIntegrity(join(staging, db));

    // Everything checked: move what is there aside, then put the backup in place.
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const aside = join(target.dataDir, `before-restore-${stamp}`);
    let moved = 0;
    const moveAside = (path: string, into: string) => {
      if (!existsSync(path)) return;
      mkdirSync(into, { recursive: true, mode: 0o700 });
      move(path, join(into, basename(path)));
      moved++;
    };
    for (const db of ['hearth.db', 'broker.db'])
      for (const suffix of ['', '-wal', '-shm']) moveAside(join(target.dataDir, db + suffix), aside);
    if (existsSync(target.rulesDir)) {
      for (const e of readdirSync(target.rulesDir, { withFileTypes: true }))
        if (e.isFile()) moveAside(join(target.rulesDir, e.name), join(aside, 'rules'));
    }
    for (const db of ['hearth.db', 'broker.db'].filter((n) => names.includes(n))) move(join(staging, db), join(target.dataDir, db));
    mkdirSync(target.rulesDir, { recursive: true });
    for (const name of names.filter((n) => n.startsWith('rules/')))
      move(join(staging, name), join(target.rulesDir, name.slice('rules/'.length)));
    return { manifest, movedAside: moved > 0 ? aside : undefined };
  } finally {
    rmSync(staging, { recursive: true, force: true });
    lock.release();
  }
}

function checkIntegrity(file: string): void {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new Error(`the backup's ${basename(file)} is damaged: ${String(result)}`);
  } finally {
    db.close();
  }
}

/** Rename, or copy and delete across file systems (the rules dir may be elsewhere). */
function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    copyFileSync(from, to);
    unlinkSync(from);
  }
}
