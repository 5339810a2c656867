// WAL checkpoints on a thread of their own (src/store/checkpointer.ts): the WAL index is read as SQLite itself counts
// it, a watched database's WAL is copied into the database file by the thread and not by the connection that commits,
// the thread ends when nothing is left to copy, and a clean stop still leaves the database whole and its WAL removed.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { Checkpointer, type CheckpointResult, FALLBACK_PAGES, pendingFrames } from '../../src/store/checkpointer.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { startTestHub, waitFor } from '../helpers/hub.js';

let dir: string;
let db: Database;
let checkpointer: Checkpointer | undefined;
/** The test's own handle on the WAL index, open while the database is (see `pendingFrames`). */
let shm: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-checkpoint-'));
  db = openDatabase(dir);
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)');
  shm = openSync(`${db.name}-shm`, 'r');
});

afterEach(async () => {
  await checkpointer?.close();
  if (db.open) db.close();
  checkpointer?.release();
  checkpointer = undefined;
  closeSync(shm);
  rmSync(dir, { recursive: true, force: true });
});

/** `commits` transactions of two 4 KiB blobs each: about ten frames a commit in the WAL. */
function write(commits: number): void {
  const insert = db.prepare('INSERT INTO blobs (data) VALUES (?)');
  const two = db.transaction((i: number) => {
    insert.run(Buffer.alloc(4096, i));
    insert.run(Buffer.alloc(4096, i));
  });
  for (let i = 0; i < commits; i++) two(i);
}

describe('WAL checkpoints on a thread of their own', () => {
  it('reads the frames not yet copied from the WAL index as SQLite counts them', () => {
    db.pragma('wal_autocheckpoint = 0');
    write(30);
    const pending = pendingFrames(shm);
    expect(pending).toBeGreaterThan(60);
    // SQLite's own answer: `log` is the WAL's frames, `checkpointed` those copied by this checkpoint.
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(pending).toBe(r!.log);
    expect(pendingFrames(shm)).toBe(r!.log - r!.checkpointed);
    expect(pendingFrames(shm)).toBe(0);
  });

  it("copies a watched database's WAL on its thread, the committing connection no longer does, and the thread ends when idle", async () => {
    const results: CheckpointResult[] = [];
    checkpointer = new Checkpointer({ logger: createMemoryLogger('debug'), pages: 300, checkMs: 20, idleMs: 300 });
    checkpointer.onResult = (r) => results.push(r);
    checkpointer.watch(db);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(FALLBACK_PAGES);
    write(10);
    await new Promise((r) => setTimeout(r, 100));
    // Under the threshold: nothing copied, no thread.
    expect(results).toEqual([]);
    expect(checkpointer.running).toBe(false);
    write(60);
    await waitFor(() => results.length > 0, 'a checkpoint');
    expect(results[0]).toMatchObject({ file: db.name, busy: 0 });
    expect(results[0]!.checkpointed).toBeGreaterThanOrEqual(results[0]!.log! - 10);
    expect(results[0]!.log).toBeGreaterThan(300);
    expect(pendingFrames(shm)).toBeLessThan(300);
    // Nothing lost: a connection of its own counts every row.
    const reader = new BetterSqlite3(db.name, { readonly: true });
    expect((reader.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n).toBe(140);
    reader.close();
    await waitFor(() => !checkpointer!.running, 'the idle thread to end');
    // A later burst starts it again.
    write(100);
    await waitFor(() => results.length > 1, 'a second checkpoint');
    expect(pendingFrames(shm)).toBeLessThan(300);
  });

  it('without the thread, the watched connection leaves the WAL to grow up to the fallback', async () => {
    checkpointer = new Checkpointer({ logger: createMemoryLogger('debug'), pages: 50, checkMs: 20 });
    checkpointer.watch(db);
    await checkpointer.close();
    write(100);
    await new Promise((r) => setTimeout(r, 100));
    expect(pendingFrames(shm)).toBeGreaterThan(250);
  });

  it("a thread that cannot start hands the checkpoints back to SQLite's commits, with a warning", async () => {
    const logger = createMemoryLogger('debug');
    checkpointer = new Checkpointer({ logger, pages: 50, checkMs: 20, sqlite: join(dir, 'no-such-module.js') });
    checkpointer.watch(db);
    write(20);
    await waitFor(() => logger.lines.some((l) => l.includes('WAL checkpoints are back in the hub')), 'the warning');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await waitFor(() => !checkpointer!.running, 'the failed thread to be gone');
    // SQLite's own checkpoints again: the WAL does not grow past its 1,000 pages.
    write(200);
    expect(pendingFrames(shm)).toBeLessThan(1000);
  });

  it('stops its thread before the database closes: a clean close still removes the WAL', async () => {
    checkpointer = new Checkpointer({ logger: createMemoryLogger('debug'), pages: 50, checkMs: 20 });
    checkpointer.watch(db);
    write(80);
    await waitFor(() => checkpointer!.runs > 0, 'a checkpoint');
    expect(checkpointer.running).toBe(true);
    await checkpointer.close();
    expect(checkpointer.running).toBe(false);
    db.close();
    // The last connection to close checkpoints and deletes the WAL: the thread's connection is gone too.
    expect(existsSync(`${db.name}-wal`)).toBe(false);
    const again = new BetterSqlite3(db.name, { readonly: true });
    expect((again.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n).toBe(160);
    again.close();
  });

  it('leaves a database without a WAL index to SQLite, with a warning', () => {
    const logger = createMemoryLogger('debug');
    const plain = new BetterSqlite3(join(dir, 'plain.db'));
    try {
      plain.exec('CREATE TABLE t (x)');
      checkpointer = new Checkpointer({ logger, pages: 50 });
      checkpointer.watch(plain);
      expect(plain.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
      expect(logger.lines.join('\n')).toContain('WAL checkpoints of ' + join(dir, 'plain.db') + " stay in the hub's commits");
    } finally {
      plain.close();
    }
  });

  it("keeps SQLite's locks on the WAL index: another process still finds the database in use", async () => {
    checkpointer = new Checkpointer({ logger: createMemoryLogger('debug'), pages: 50, checkMs: 10 });
    checkpointer.watch(db);
    write(5);
    await new Promise((r) => setTimeout(r, 100));
    // SQLite's dead-man switch: every process with the database open holds a shared lock on byte 128 of <db>-shm; one
    // that can lock it exclusively takes the index for abandoned and truncates it, under the others' mappings.
    const probe = () =>
      spawnSync('python3', [
        '-c',
        "import fcntl,sys\nf=open(sys.argv[1],'r+b')\ntry:\n fcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB,1,128)\n print('free')\nexcept OSError:\n print('held')",
        `${db.name}-shm`,
      ])
        .stdout.toString()
        .trim();
    expect(probe()).toBe('held');
    // What an open and close of the index would do (what the first version of the checkpointer did, every check).
    closeSync(openSync(`${db.name}-shm`, 'r'));
    expect(probe()).toBe('free');
  });

  it("the hub hands both databases' checkpoints to the thread, and gives each a 2 MB page cache", async () => {
    const t = await startTestHub();
    try {
      expect(t.hub.db.pragma('wal_autocheckpoint', { simple: true })).toBe(FALLBACK_PAGES);
      expect(t.hub.persistence!.database.pragma('wal_autocheckpoint', { simple: true })).toBe(FALLBACK_PAGES);
      // Not better-sqlite3's 16 MB, which a month's charts fill and keep (docs/performance.md).
      expect(t.hub.db.pragma('cache_size', { simple: true })).toBe(-2000);
      expect(t.hub.persistence!.database.pragma('cache_size', { simple: true })).toBe(-2000);
    } finally {
      await t.stop(true);
    }
  });
});
