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
  /** Ops kept while the disk refuses writes or cannot keep up; beyond it the oldest go (1 % of it at a time), with an error line. */
  maxPending?: number;
  /** Told when commits start failing for a storage reason (with what to say) and when they succeed again. */
  onTrouble?: (message: string | undefined) => void;
  /** Called before each slice of a batch's commit, which holds the event loop for up to SLICE_MS. */
  beforeSlice?: () => void;
}

// Retries back off to this at most, so that the hub notices within seconds that space came back.
const MAX_RETRY_MS = 5000;
// A batch committed on its timer runs its ops for this long at most before it lets waiting messages through; it goes
// on with the rest on the next turn, in the same transaction, so the disk sees one commit per batch as before. At
// 2,000 msg/s a batch of 100 ms took 3 ms (up to 14 ms) in one piece: the hub's latency tail (docs/performance.md).
const SLICE_MS = 1;
// Ops run between two looks at the clock.
const OPS_PER_CLOCK_READ = 16;
// How soon a batch tries again when the connection's transaction is another queue's, open between two slices.
const BUSY_RETRY_MS = 2;
// A full queue drops its oldest ops in blocks of this fraction of its limit (1 %: 2,000 ops at the default).
const DROP_BLOCKS = 100;

/** A batch whose transaction is open: the ops run so far, and what to run once it committed. */
interface OpenBatch {
  ops: WriteOp[];
  next: number;
  after: Array<() => void>;
  resume: NodeJS.Immediate | undefined;
}

/** The queue whose batch holds a connection's transaction open (states and history may be two queues on one). */
const openOn = new WeakMap<Database, WriteQueue>();

export class WriteQueue {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #maxPending: number;
  readonly #dropBlock: number;
  #pending: WriteOp[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** What `#timer` was set to wait. */
  #timerDelay = 0;
  #open: OpenBatch | undefined;
  #failures = 0;
  #dropped = 0;
  #committedBatches = 0;
  #failedCommits = 0;
  #onTrouble: WriteQueueOptions['onTrouble'];
  readonly #beforeSlice: (() => void) | undefined;

  constructor(options: WriteQueueOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? 100;
    // The config's default (history.flushBatchSize), for the queues that tests and benchmarks make.
    this.#batchSize = options.batchSize ?? 5000;
    this.#maxPending = options.maxPending ?? 200_000;
    // Never the write just queued.
    this.#dropBlock = Math.min(Math.ceil(this.#maxPending / DROP_BLOCKS), this.#maxPending - 1);
    this.#onTrouble = options.onTrouble;
    this.#beforeSlice = options.beforeSlice;
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
      // The oldest go a block at a time: taking one off the front of 200,000 moves all the others, and doing that for
      // every write while the queue stayed full took 69 % of the hub's CPU after a flood (docs/performance.md).
      const excess = this.#pending.length - this.#maxPending + this.#dropBlock;
      this.#pending.splice(0, excess);
      const before = this.#dropped;
      this.#dropped += excess;
      if (before === 0 || Math.floor(before / 10_000) !== Math.floor(this.#dropped / 10_000)) {
        this.#logger.error(
          `write queue over ${this.#maxPending} ops (the database refuses writes, or cannot keep up): the oldest are dropped (${this.#dropped} so far)`,
        );
      }
    }
    // The batch being committed schedules what waits once it is done, and a batch that failed waits for its retry:
    // new writes must not cut its backoff short (they did, once a batch's worth waited: a full disk was retried
    // every turn while messages came).
    if (this.#open || (this.#failures > 0 && this.#timer)) return;
    if (this.#pending.length >= this.#batchSize) {
      // Commit soon, but not inside the caller's message handler; once, not a new timer for every write after it.
      if (!this.#timer || this.#timerDelay !== 0) this.#schedule(0);
    } else if (!this.#timer) {
      this.#schedule(this.#intervalMs);
    }
  }

  /** Commits what waits in `delayMs` (replacing any commit scheduled before). */
  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerDelay = delayMs;
    this.#timer = setTimeout(() => this.#commitInSlices(), delayMs);
  }

  /**
   * Commits everything queued now: a batch whose commit is under way is finished first, then what waits after it,
   * in one transaction. Returns the number of ops committed.
   */
  flush(): number {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Another queue's batch open on this connection is finished first, or this transaction would be part of it.
    const holder = openOn.get(this.#db);
    if (holder && holder !== this) holder.#finishOpen();
    let committed = 0;
    if (this.#open) {
      const done = this.#finishOpen();
      // A batch that failed is queued again, with its retry scheduled: no second attempt now.
      if (done < 0) return 0;
      committed += done;
    }
    if (this.#pending.length === 0) return committed;
    const batch = this.#pending;
    this.#pending = [];
    try {
      const after: Array<() => void> = [];
      this.#db.transaction(() => {
        for (const op of batch) {
          const then = op();
          if (then) after.push(then);
        }
      })();
      this.#committed(after);
      return committed + batch.length;
    } catch (err) {
      return committed + this.#failed(batch, err as Error);
    }
  }

  /** The timer's commit: the batch in slices of at most SLICE_MS, messages handled in between. */
  #commitInSlices(): void {
    this.#timer = undefined;
    // One batch at a time: the open one schedules the next when it has committed.
    if (this.#open || this.#pending.length === 0) return;
    // A transaction open on the connection (another queue's batch between two slices) ends within a few turns.
    if (this.#db.inTransaction) {
      this.#schedule(BUSY_RETRY_MS);
      return;
    }
    const ops = this.#pending;
    this.#pending = [];
    try {
      this.#db.exec('BEGIN');
    } catch (err) {
      this.#failed(ops, err as Error);
      return;
    }
    this.#open = { ops, next: 0, after: [], resume: undefined };
    openOn.set(this.#db, this);
    this.#runOpen(SLICE_MS);
  }

  /** Runs what is left of the open batch now, and commits it (see #runOpen for what it returns). */
  #finishOpen(): number {
    const open = this.#open;
    if (!open) return 0;
    if (open.resume) clearImmediate(open.resume);
    return this.#runOpen(Number.POSITIVE_INFINITY);
  }

  /**
   * Runs the open batch's ops for `budgetMs`, then either goes on at the next turn or commits. Returns the ops
   * committed, 0 while the batch is still open, and -1 when it failed (it is queued again).
   */
  #runOpen(budgetMs: number): number {
    const open = this.#open!;
    open.resume = undefined;
    // A slice (not a flush on demand, which runs at once and to the end) lets what waits to be sent go first.
    if (budgetMs !== Number.POSITIVE_INFINITY) this.#beforeSlice?.();
    const until = performance.now() + budgetMs;
    try {
      // Whatever else uses this connection between two slices joins the transaction (better-sqlite3 nests its
      // transactions as savepoints); one that ended it (an error SQLite answers with a rollback) voids the batch.
      if (!this.#db.inTransaction) throw new Error('the batch transaction was ended by another write on the connection');
      while (open.next < open.ops.length) {
        const then = open.ops[open.next++]!();
        if (then) open.after.push(then);
        if (open.next % OPS_PER_CLOCK_READ === 0 && open.next < open.ops.length && performance.now() >= until) {
          open.resume = setImmediate(() => this.#runOpen(SLICE_MS));
          return 0;
        }
      }
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#open = undefined;
      openOn.delete(this.#db);
      try {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      } catch {
        // The connection rolled back already, or is gone; the batch is queued again either way.
      }
      this.#failed(open.ops, err as Error);
      return -1;
    }
    this.#open = undefined;
    openOn.delete(this.#db);
    this.#committed(open.after);
    if (this.#pending.length > 0 && !this.#timer) this.#schedule(this.#pending.length >= this.#batchSize ? 0 : this.#intervalMs);
    return open.ops.length;
  }

  #committed(after: Array<() => void>): void {
    for (const then of after) then();
    this.#committedBatches++;
    if (this.#failures > 0) this.#onTrouble?.(undefined);
    this.#failures = 0;
  }

  /** A batch that did not commit: kept and retried later, or committed op by op after repeated failures. */
  #failed(batch: WriteOp[], err: Error): number {
    this.#failedCommits++;
    const transient = isStorageTrouble(err);
    if (!transient && this.#failures >= 2) return this.#commitOneByOne(batch, err);
    // Keep the batch (disk full, database locked): retry with a growing delay instead of losing it.
    this.#pending = batch.concat(this.#pending);
    this.#failures++;
    if (transient) this.#onTrouble?.(`${describeStorageTrouble(err)}; states and history are kept in memory and retried`);
    const delay = Math.min(MAX_RETRY_MS, this.#intervalMs * 2 ** this.#failures);
    // The first failure and then one line a minute at most: a full disk must not fill the log as well.
    if (this.#failures === 1 || this.#failures % Math.max(1, Math.round(60_000 / MAX_RETRY_MS)) === 0) {
      this.#logger.error(`committing ${this.#pending.length} writes failed (${err.message}); retrying in ${delay} ms`);
    }
    this.#schedule(delay);
    return 0;
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
