// The write queue: the per-message path enqueues, and batches commit in one transaction every interval or N ops.
import type { Database } from 'better-sqlite3';
import type { Logger } from '../shared/logger.js';

export type WriteOp = () => void;

export interface WriteQueueOptions {
  db: Database;
  logger: Logger;
  intervalMs?: number;
  batchSize?: number;
  /** Ops kept while the disk refuses writes; beyond it the oldest are dropped with an error line. */
  maxPending?: number;
}

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

  constructor(options: WriteQueueOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#batchSize = options.batchSize ?? 500;
    this.#maxPending = options.maxPending ?? 200_000;
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

  enqueue(op: WriteOp): void {
    this.#pending.push(op);
    if (this.#pending.length > this.#maxPending) {
      const excess = this.#pending.length - this.#maxPending;
      this.#pending.splice(0, excess);
      this.#dropped += excess;
      this.#logger.error(`write queue over ${this.#maxPending} ops while the database refuses writes; dropped the oldest ${excess}`);
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
      this.#db.transaction(() => {
        for (const op of batch) op();
      })();
      this.#committedBatches++;
      this.#failures = 0;
      return batch.length;
    } catch (err) {
      const transient = /^SQLITE_(FULL|BUSY|LOCKED|IOERR|READONLY)/.test((err as { code?: string }).code ?? '');
      if (!transient && this.#failures >= 2) return this.#commitOneByOne(batch, err as Error);
      // Keep the batch (disk full, database locked): retry with a growing delay instead of losing it.
      this.#pending = batch.concat(this.#pending);
      this.#failures++;
      const delay = Math.min(30_000, this.#intervalMs * 2 ** this.#failures);
      this.#logger.error(`committing ${batch.length} writes failed (${(err as Error).message}); retrying in ${delay} ms`);
      this.#timer = setTimeout(() => this.flush(), delay);
      return 0;
    }
  }

  // After repeated failures, find the op that fails on its own so one bad row cannot block all the others.
  #commitOneByOne(batch: WriteOp[], cause: Error): number {
    let committed = 0;
    for (const op of batch) {
      try {
        this.#db.transaction(op)();
        committed++;
      } catch (err) {
        this.#dropped++;
        this.#logger.error(`a write failed on its own and was dropped: ${(err as Error).message} (batch error: ${cause.message})`);
      }
    }
    this.#failures = 0;
    return committed;
  }

  /** Flushes and stops the timer; used at shutdown. */
  close(): void {
    this.flush();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
