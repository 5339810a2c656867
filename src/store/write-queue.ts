// The write queue: the per-message path enqueues, and batches commit in one transaction every interval or N ops.
import type { Database } from 'better-sqlite3';
import { describeStorageTrouble, isStorageTrouble } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';

/**
 * One write. It may return a function to run once its transaction committed: state that says "written" must only
 * change then, since a failed batch is rolled back and its ops run again on the retry.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an op returns nothing (any void call) or the function to run after the commit
export type WriteOp = () => void | (() => void);

export interface WriteQueueOptions {
  db: Database;
  logger: Logger;
  intervalMs?: number;
  batchSize?: number;
  /** Ops kept while the disk refuses writes; beyond it the oldest are dropped with an error line. */
  maxPending?: number;
  /** Told when commits start failing for a storage reason (with what to say) and when they succeed again. */
  onTrouble?: (message: string | undefined) => void;
}

// Retries back off to this at most, so that the hub notices within seconds that space came back.
const MAX_RETRY_MS = 5000;

export class WriteQueue {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #maxPending: number;
  #pending: WriteOp[] = [];
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #dropped = 0;
  #committedBatches = 0;
  #failedCommits = 0;
  #onTrouble: WriteQueueOptions['onTrouble'];

  constructor(options: WriteQueueOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#batchSize = options.batchSize ?? 500;
    this.#maxPending = options.maxPending ?? 200_000;
    this.#onTrouble = options.onTrouble;
  }

  get depth(): number {
    return this.#pending.length;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get committedBatches(): number {
    return this.#committedBatches;
  }

  get failedCommits(): number {
    return this.#failedCommits;
  }

  enqueue(op: WriteOp): void {
    this.#pending.push(op);
    if (this.#pending.length > this.#maxPending) {
      const excess = this.#pending.length - this.#maxPending;
      this.#pending.splice(0, excess);
      const before = this.#dropped;
      this.#dropped += excess;
      if (before === 0 || Math.floor(before / 10_000) !== Math.floor(this.#dropped / 10_000)) {
        this.#logger.error(
          `write queue over ${this.#maxPending} ops while the database refuses writes: the oldest are dropped (${this.#dropped} so far)`,
        );
      }
    }
    if (this.#pending.length >= this.#batchSize) {
      // Commit soon, but not inside the caller's message handler.
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.flush(), 0);
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
    }
  }

  /** Commits everything queued, in one transaction. Returns the number of ops committed. */
  flush(): number {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return 0;
    const batch = this.#pending;
    this.#pending = [];
    try {
      const committed: Array<() => void> = [];
      this.#db.transaction(() => {
        for (const op of batch) {
          const after = op();
          if (after) committed.push(after);
        }
      })();
      for (const after of committed) after();
      this.#committedBatches++;
      if (this.#failures > 0) this.#onTrouble?.(undefined);
      this.#failures = 0;
      return batch.length;
    } catch (err) {
      this.#failedCommits++;
      const transient = isStorageTrouble(err);
      if (!transient && this.#failures >= 2) return this.#commitOneByOne(batch, err as Error);
      // Keep the batch (disk full, database locked): retry with a growing delay instead of losing it.
      this.#pending = batch.concat(this.#pending);
      this.#failures++;
      if (transient) this.#onTrouble?.(`${describeStorageTrouble(err)}; states and history are kept in memory and retried`);
      const delay = Math.min(MAX_RETRY_MS, this.#intervalMs * 2 ** this.#failures);
      // The first failure and then one line a minute at most: a full disk must not fill the log as well.
      if (this.#failures === 1 || this.#failures % Math.max(1, Math.round(60_000 / MAX_RETRY_MS)) === 0) {
        this.#logger.error(`committing ${this.#pending.length} writes failed (${(err as Error).message}); retrying in ${delay} ms`);
      }
      this.#timer = setTimeout(() => this.flush(), delay);
      return 0;
    }
  }

  // After repeated failures, find the op that fails on its own so one bad row cannot block all the others.
  #commitOneByOne(batch: WriteOp[], cause: Error): number {
    let committed = 0;
    for (const op of batch) {
      try {
        const after = this.#db.transaction(op)();
        if (after) after();
        committed++;
      } catch (err) {
        this.#dropped++;
        this.#logger.error(`a write failed on its own and was dropped: ${(err as Error).message} (batch error: ${cause.message})`);
      }
    }
    this.#failures = 0;
    return committed;
  }

  /** Flushes and stops the timer; used at shutdown. Says how many writes it committed and how many it could not. */
  close(): { flushed: number; unwritten: number } {
    const flushed = this.flush();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    return { flushed, unwritten: this.#pending.length };
  }
}
