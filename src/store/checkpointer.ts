// WAL checkpoints on a thread of their own. SQLite checkpoints a WAL database inside the commit that takes its WAL
// past `wal_autocheckpoint` pages: it copies the pages into the database file and fsyncs both files, and the commit,
// and so the hub's event loop, waits. Under 2,000 msg/s from 1,000 devices that was a ~10 ms stall every ~1.7 s on
// the development VM (an fsync there takes 4-5 ms; on an SD card often more), the most frequent stall left in the
// rule latency's tail (docs/performance.md). The hub's connections now checkpoint only as a fallback (FALLBACK_PAGES),
// and a worker thread with a connection of its own runs SQLite's PASSIVE checkpoint once the WAL holds
// CHECKPOINT_PAGES pages not yet copied: as often as before, so the database file and the SD card see the same writes.
// A PASSIVE checkpoint takes no lock a writer needs, so the hub keeps committing meanwhile. The thread costs ~7 MB
// while it lives: it starts at the first checkpoint and ends after IDLE_MS without one, so an idle hub has none.
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../shared/logger.js';

/** SQLite's own default threshold (pages): the checkpointer keeps it. */
export const CHECKPOINT_PAGES = 1000;
/** The threshold left to the hub's own connections: reached only if the checkpointer falls behind or fails. */
export const FALLBACK_PAGES = 10 * CHECKPOINT_PAGES;
const CHECK_MS = 500;
const IDLE_MS = 30_000;

/**
 * Frames in a WAL not yet copied into the database, from its WAL index (`<db>-shm`, open as `fd`): the header's
 * mxFrame (offset 16) less the checkpoint's nBackfill (offset 96), in the machine's byte order
 * (sqlite.org/walformat.html). Read without SQLite's locks: a value torn by a concurrent commit only moves a
 * checkpoint by one check. The descriptor must stay open while SQLite has the database open: closing any descriptor
 * of a file drops every POSIX lock the process holds on it, SQLite's included, and another process (`hearth backup`)
 * would then take the WAL index for abandoned and truncate it under the hub's mapping (SIGBUS; seen in CI).
 */
export function pendingFrames(fd: number): number {
  if (readSync(fd, head, 0, 100, 0) < 100) return 0;
  const mxFrame = le ? head.readUInt32LE(16) : head.readUInt32BE(16);
  const backfilled = le ? head.readUInt32LE(96) : head.readUInt32BE(96);
  return Math.max(0, mxFrame - backfilled);
}

const head = Buffer.alloc(100);
const le = endianness() === 'LE';

// The thread: one connection per database file, opened at its first checkpoint. CommonJS, run with eval, so that
// the bundle needs no entry of its own; better-sqlite3 is required from the path the hub resolved.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const dbs = new Map();
parentPort.on('message', (file) => {
  if (file === null) { for (const db of dbs.values()) db.close(); parentPort.close(); return; }
  try {
    let db = dbs.get(file);
    if (!db) dbs.set(file, (db = new Database(file, { fileMustExist: true })));
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ file, busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ file, error: err.message });
  }
});`;

export interface CheckpointResult {
  file: string;
  busy?: number;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class Checkpointer {
  /** The databases taken over, each with its WAL index open (see `pendingFrames`). */
  readonly #watched: Array<{ db: Database; shm: number }> = [];
  readonly #logger: Logger;
  readonly #pages: number;
  readonly #idleMs: number;
  /** better-sqlite3's path for the thread (tests); the one the hub loads by default. */
  readonly #sqlite: string | undefined;
  readonly #timer: NodeJS.Timeout;
  #worker: Worker | undefined;
  #exited: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #inFlight = new Set<string>();
  #lastRun = 0;
  #failing = false;
  #gaveUp = false;
  /** Checkpoints the thread has run since start. */
  runs = 0;
  /** Called with each checkpoint's result (tests). */
  onResult: ((r: CheckpointResult) => void) | undefined;

  constructor(options: { logger: Logger; pages?: number; checkMs?: number; idleMs?: number; sqlite?: string }) {
    this.#logger = options.logger;
    this.#sqlite = options.sqlite;
    this.#pages = options.pages ?? CHECKPOINT_PAGES;
    this.#idleMs = options.idleMs ?? IDLE_MS;
    this.#timer = setInterval(() => this.#check(), options.checkMs ?? CHECK_MS).unref();
  }

  /**
   * Takes over `db`'s checkpoints (a WAL database on a file, open): its own connection checkpoints only past
   * FALLBACK_PAGES. Its WAL index stays open here until `release()`, to be called once the database is closed.
   */
  watch(db: Database): void {
    let shm: number;
    try {
      shm = openSync(`${db.name}-shm`, 'r');
    } catch (err) {
      // No WAL index to read (not in WAL mode, or an unreadable data dir): SQLite keeps checkpointing as it did.
      this.#logger.warn(`WAL checkpoints of ${db.name} stay in the hub's commits: ${(err as Error).message}`);
      return;
    }
    db.pragma(`wal_autocheckpoint = ${Math.max(FALLBACK_PAGES, 2 * this.#pages)}`);
    this.#watched.push({ db, shm });
  }

  /** True while the thread lives. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  #check(): void {
    try {
      this.#checkFiles();
    } catch (err) {
      this.#giveUp((err as Error).message);
    }
  }

  /** A thread that fails, a WAL index that cannot be read: SQLite checkpoints in the hub's commits again, as it did. */
  #giveUp(why: string): void {
    if (this.#gaveUp) return;
    this.#gaveUp = true;
    clearInterval(this.#timer);
    for (const { db } of this.#watched) if (db.open) db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    this.#logger.warn(`WAL checkpoints are back in the hub's commits: ${why}`);
  }

  #checkFiles(): void {
    for (const { db, shm } of this.#watched) {
      const file = db.name;
      if (this.#inFlight.has(file) || pendingFrames(shm) < this.#pages) continue;
      this.#inFlight.add(file);
      this.#lastRun = Date.now();
      this.#thread().postMessage(file);
    }
    if (this.#worker && this.#inFlight.size === 0 && Date.now() - this.#lastRun > this.#idleMs) void this.#stopThread();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const sqlite = this.#sqlite ?? createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER, { eval: true, workerData: { sqlite }, stdout: false, stderr: false });
    worker.unref();
    worker.on('message', (r: CheckpointResult) => this.#done(r));
    worker.on('error', (err) => this.#giveUp(`the checkpoint thread failed (${err.message})`));
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    void this.#exited.then(() => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#inFlight.clear();
    });
    this.#worker = worker;
    return worker;
  }

  #done(r: CheckpointResult): void {
    this.#inFlight.delete(r.file);
    this.runs++;
    if (r.error !== undefined && !this.#failing) {
      this.#failing = true;
      this.#logger.warn(
        `checkpoint of ${r.file} failed: ${r.error}; retried while the WAL grows, and SQLite's own past ${FALLBACK_PAGES} pages`,
      );
    } else if (r.error === undefined) this.#failing = false;
    this.onResult?.(r);
  }

  /** Asks the thread to close its connections and end; waits for it, whoever asked first. */
  async #stopThread(): Promise<void> {
    const worker = this.#worker;
    if (worker) {
      this.#worker = undefined;
      worker.postMessage(null);
      const exited = this.#exited!;
      this.#stopping = Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref())]).then(
        async (how) => {
          // A checkpoint does not take 10 s; a thread that did not end by then is stuck, and its connections with it.
          if (how === 'timeout') await worker.terminate();
        },
      );
    }
    await this.#stopping;
  }

  /** Stops checking and ends the thread, its connections closed: before the hub closes its own. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#stopThread();
  }

  /** Lets go of the WAL indexes: once the databases are closed (see `pendingFrames`). */
  release(): void {
    for (const { shm } of this.#watched.splice(0)) closeSync(shm);
  }
}
